// Package nesting calls steps inside other steps' callbacks.
package nesting

import (
	"context"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

var Ordered = inngest.EventType[string]("shop/ordered")

func one(ctx context.Context) (int, error) { return 1, nil }

func innerCtx(ctx context.Context) (int, error) {
	return step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		return step.Run(ctx, "inner", one) // want `step.Run inside the callback of step.Run "outer": steps do not nest, whichever ctx they get; call step.Run from the function body, before or after step.Run`
	})
}

func outerCtx(ctx context.Context) (int, error) {
	outer := ctx
	return step.Run(ctx, "outer", func(context.Context) (int, error) {
		if err := step.Sleep(outer, "pause", time.Minute); err != nil { // want `step.Sleep inside the callback of step.Run "outer"`
			return 0, err
		}
		_, err := step.SendEvent(ctx, "notify", Ordered.New("o-1")) // want `step.SendEvent inside the callback of step.Run "outer"`
		return 0, err
	})
}

func deeper(ctx context.Context, id string) (int, error) {
	return step.Run(ctx, id, func(ctx context.Context) (int, error) {
		check := func() error {
			_, err := step.WaitForEvent(ctx, "wait", Ordered, step.WaitOpts{Timeout: time.Hour}) // want `step.WaitForEvent inside the callback of step.Run:`
			return err
		}
		return 0, check()
	})
}

func parallelInside(ctx context.Context) (int, error) {
	return step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		_, err := step.Parallel(ctx, // want `step.Parallel inside the callback of step.Run "outer"`
			func(ctx context.Context) (int, error) { return step.Run(ctx, "branch", one) },
		)
		return 0, err
	})
}

// pause reaches a step; calling it inside a callback nests.
func pause(ctx context.Context) error { return step.Sleep(ctx, "pause", time.Second) }

func helperInside(ctx context.Context) (int, error) {
	_, err := step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
		return 1, pause(ctx) // want `pause, which calls step.Sleep at nesting.go:\d+, is called inside the callback of step.Run "outer"`
	})
	if err != nil {
		return 0, err
	}
	return step.Run(ctx, "named", withPause) // want `withPause, which calls step.Sleep at nesting.go:\d+ through pause, is the callback of step.Run "named"`
}

func withPause(ctx context.Context) (int, error) { return 1, pause(ctx) }

// Not reported: steps before and after a callback, and callbacks that call
// functions without steps.
func sequential(ctx context.Context) (int, error) {
	if err := pause(ctx); err != nil {
		return 0, err
	}
	n, err := step.Run(ctx, "first", func(ctx context.Context) (int, error) {
		return compute(ctx), nil
	})
	if err != nil {
		return 0, err
	}
	return step.Run(ctx, "second", func(ctx context.Context) (int, error) { return n + 1, nil })
}

func compute(ctx context.Context) int { return 2 }

func byVariable(ctx context.Context) (int, error) {
	inner := func(ctx context.Context) (int, error) {
		return 1, step.Sleep(ctx, "pause", time.Second) // want `step.Sleep inside the callback of step.Run "by-variable"`
	}
	return step.Run(ctx, "by-variable", inner)
}
