package step_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// misuse is a function body that calls steps the way a newcomer to the
// API might: from goroutines of its own, or from inside another step.
type misuse struct {
	name string
	// stepID is a step the failure message must name.
	stepID string
	fn     func(ctx context.Context) ([]int, error)
}

func double(ctx context.Context, id string, i int) (int, error) {
	return step.Run(ctx, id, func(context.Context) (int, error) { return 2 * i, nil })
}

// doublesInGoroutines calls double n times, each from a goroutine of its
// own waited for with a sync.WaitGroup, with the step ID id(i).
func doublesInGoroutines(ctx context.Context, n int, id func(i int) string) []int {
	out := make([]int, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], _ = double(ctx, id(i), i) //stepcheck:ignore misuse on purpose
		}()
	}
	wg.Wait()
	return out
}

// misuses are the shapes that must never end Completed.
var misuses = []misuse{
	{name: "GoroutinesDistinctIDs", stepID: "double-", fn: func(ctx context.Context) ([]int, error) {
		return doublesInGoroutines(ctx, 4, func(i int) string { return fmt.Sprintf("double-%d", i) }), nil
	}},
	{name: "GoroutinesOneID", stepID: "double", fn: func(ctx context.Context) ([]int, error) {
		return doublesInGoroutines(ctx, 4, func(int) string { return "double" }), nil
	}},
	{name: "Errgroup", stepID: "double-", fn: func(ctx context.Context) ([]int, error) {
		out := make([]int, 4)
		var g errgroup.Group
		for i := range out {
			g.Go(func() error {
				var err error
				out[i], err = double(ctx, fmt.Sprintf("double-%d", i), i) //stepcheck:ignore misuse on purpose
				return err
			})
		}
		return out, g.Wait()
	}},
	{name: "OneGoroutine", stepID: "double", fn: func(ctx context.Context) ([]int, error) {
		var v int
		done := make(chan struct{})
		go func() {
			defer close(done)
			v, _ = double(ctx, "double", 1) //stepcheck:ignore misuse on purpose
		}()
		<-done
		return []int{v}, nil
	}},
	{name: "GoroutineSendsResult", stepID: "double", fn: func(ctx context.Context) ([]int, error) {
		// The goroutine hands its step's result over after the call, not
		// in a deferred call: a step that stops the goroutine must not
		// leave the function waiting for it forever.
		ch := make(chan int)
		go func() {
			v, _ := double(ctx, "double", 1) //stepcheck:ignore misuse on purpose
			ch <- v
		}()
		return []int{<-ch}, nil
	}},
	{name: "GoroutineThenOwnStep", stepID: "double", fn: func(ctx context.Context) ([]int, error) {
		var v int
		done := make(chan struct{})
		go func() {
			defer close(done)
			v, _ = double(ctx, "double", 1) //stepcheck:ignore misuse on purpose
		}()
		<-done
		w, err := double(ctx, "after", 2)
		return []int{v, w}, err
	}},
	{name: "StepInStepOuterCtx", stepID: "inner", fn: func(ctx context.Context) ([]int, error) {
		v, err := step.Run(ctx, "outer", func(context.Context) (int, error) {
			n, _ := double(ctx, "inner", 1) //stepcheck:ignore misuse on purpose
			return n + 1, nil
		})
		return []int{v}, err
	}},
	{name: "StepInStepInnerCtx", stepID: "inner", fn: func(ctx context.Context) ([]int, error) {
		v, err := step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
			n, _ := double(ctx, "inner", 1) //stepcheck:ignore misuse on purpose
			return n + 1, nil
		})
		return []int{v}, err
	}},
	{name: "StepInStepInParallelBranch", stepID: "inner", fn: func(ctx context.Context) ([]int, error) {
		out, err := step.Parallel(ctx, func(ctx context.Context) (int, error) {
			return step.Run(ctx, "outer", func(ctx context.Context) (int, error) {
				n, _ := double(ctx, "inner", 1) //stepcheck:ignore misuse on purpose
				return n + 1, nil
			})
		})
		return out, err
	}},
	{name: "ConcurrentInParallelBranch", stepID: "double-", fn: func(ctx context.Context) ([]int, error) {
		out, err := step.Parallel(ctx, func(ctx context.Context) ([]int, error) {
			return doublesInGoroutines(ctx, 2, func(i int) string { return fmt.Sprintf("double-%d", i) }), nil
		})
		if err != nil {
			return nil, err
		}
		return out[0], nil
	}},
}

// requireMisuseFailure checks that a run failed for good with a message
// that names the step and points at step.Parallel.
func requireMisuseFailure(t *testing.T, m misuse, status inngesttest.Status, msg string) {
	t.Helper()
	require.Equal(t, inngesttest.StatusFailed, status, "misuse %s must fail the run, not end %s", m.name, status)
	require.Contains(t, msg, m.stepID)
	if strings.HasPrefix(m.name, "StepInStep") {
		require.Contains(t, msg, "inside step")
		return
	}
	require.Contains(t, msg, "step.Parallel")
}

var Numbers = inngest.EventType[struct{}]("test/numbers")

func TestMisuseFailsInUnitMode(t *testing.T) {
	t.Parallel()
	for _, m := range misuses {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			// Goroutine scheduling decides which misuse is seen first;
			// whichever it is, the run must fail.
			for range 20 {
				c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "misuse"})
				fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Retries: inngest.Ptr(3)}, Numbers.Trigger(),
					func(ctx context.Context, _ inngest.Input[struct{}]) ([]int, error) { return m.fn(ctx) })
				require.NoError(t, err)
				res := inngesttest.Run(t, c, fn, inngesttest.Event(Numbers.New(struct{}{})))
				require.NotNil(t, res.Err, "misuse %s ended %s with %v", m.name, res.Status, res.Output)
				requireMisuseFailure(t, m, res.Status, res.Err.Error())
				require.Len(t, res.Attempts, 1, "a misuse is not retried")
			}
		})
	}
}

func TestMisuseFailsOnDevserver(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "misuse"})
	events := map[string]inngest.EventType[struct{}]{}
	for _, m := range misuses {
		ev := inngest.EventType[struct{}]("test/" + m.name)
		events[m.name] = ev
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: m.name, Retries: inngest.Ptr(3)}, ev.Trigger(),
			func(ctx context.Context, _ inngest.Input[struct{}]) ([]int, error) { return m.fn(ctx) })
		require.NoError(t, err)
	}
	env.Serve(c)
	for _, m := range misuses {
		for range 5 {
			run := env.WaitForEventRun(env.Send(events[m.name].New(struct{}{}))[0])
			require.NotNil(t, run.Err, "misuse %s ended %s: %s", m.name, run.Status, run)
			requireMisuseFailure(t, m, run.Status, run.Err.Error())
			require.Equal(t, time.Duration(0), run.Duration(), "a misuse is not retried: %s", run)
		}
	}
}
