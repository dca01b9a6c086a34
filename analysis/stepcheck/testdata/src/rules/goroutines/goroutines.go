// Package goroutines calls steps from goroutines of its own.
package goroutines

import (
	"context"
	"time"

	"github.com/durablefn/inngest/step"
	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/iter"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

func one(ctx context.Context) (int, error) { return 1, nil }

func goStatement(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		step.Run(ctx, "a", one) // want `step.Run in a goroutine started by a go statement: .*run steps concurrently with step.Parallel`
	}()
	<-done
	go step.Sleep(ctx, "nap", time.Second) // want `step.Sleep in a goroutine started by a go statement`
}

func errgroupGo(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, id := range []string{"a", "b"} {
		g.Go(func() error {
			_, err := step.Run(ctx, id, one) // want `step.Run in a goroutine started by errgroup.Group.Go`
			return err
		})
	}
	g.TryGo(func() error {
		return step.Sleep(ctx, "nap", time.Second) // want `step.Sleep in a goroutine started by errgroup.Group.TryGo`
	})
	return g.Wait()
}

func concPools(ctx context.Context) {
	wg := conc.NewWaitGroup()
	wg.Go(func() {
		step.Run(ctx, "a", one) // want `step.Run in a goroutine started by conc.WaitGroup.Go`
	})
	p := pool.New().WithErrors()
	p.Go(func() error {
		_, err := step.Run(ctx, "b", one) // want `step.Run in a goroutine started by pool.ErrorPool.Go`
		return err
	})
	rp := pool.NewWithResults[int]()
	rp.Go(func() int {
		n, _ := step.Run(ctx, "c", one) // want `step.Run in a goroutine started by pool.ResultPool.Go`
		return n
	})
	cp := pool.New().WithContext(ctx)
	cp.Go(func(ctx context.Context) error {
		return step.Sleep(ctx, "d", time.Second) // want `step.Sleep in a goroutine started by pool.ContextPool.Go`
	})
	iter.ForEach([]string{"x", "y"}, func(id *string) {
		step.Run(ctx, *id, one) // want `step.Run in a goroutine started by iter.ForEach`
	})
}

func afterFunc(ctx context.Context) {
	time.AfterFunc(time.Second, func() {
		step.Run(ctx, "late", one) // want `step.Run in a goroutine started by time.AfterFunc`
	})
}

// charge reaches a step, so running it in a goroutine is reported where
// the goroutine starts.
func charge(ctx context.Context) error {
	_, err := step.Run(ctx, "charge", one)
	return err
}

func chargeTwice(ctx context.Context) error { return charge(ctx) }

type shop struct{}

func (s *shop) ship(ctx context.Context) error {
	return step.Sleep(ctx, "ship", time.Second)
}

func helpers(ctx context.Context, s *shop) error {
	go charge(ctx) // want `charge, which calls step.Run at goroutines.go:\d+, runs in a goroutine started by a go statement`
	go func() {
		chargeTwice(ctx) // want `chargeTwice, which calls step.Run at goroutines.go:\d+ through charge, runs in a goroutine`
	}()
	var g errgroup.Group
	g.Go(func() error { return charge(ctx) }) // want `charge, which calls step.Run .* errgroup.Group.Go`
	g.Go(func() error { return s.ship(ctx) }) // want `\(\*shop\).ship, which calls step.Sleep .* errgroup.Group.Go`
	wg := conc.NewWaitGroup()
	wg.Go(s.noop)
	return g.Wait()
}

func (s *shop) noop() {}

// Not reported: Parallel branches are the function's own code, and
// goroutines that call no step are fine.
func parallel(ctx context.Context) error {
	_, err := step.Parallel(ctx,
		func(ctx context.Context) (int, error) { return step.Run(ctx, "a", one) },
		func(ctx context.Context) (int, error) { return step.Run(ctx, "b", one) },
	)
	if err != nil {
		return err
	}
	_, _, err = step.Parallel2(ctx,
		func(ctx context.Context) (int, error) { return step.Run(ctx, "c", one) },
		func(ctx context.Context) (string, error) {
			return "", step.Sleep(ctx, "d", time.Second)
		},
	)
	results := make(chan int, 1)
	go func() { results <- 1 }()
	var g errgroup.Group
	g.Go(func() error { return nil })
	<-results
	return err
}
