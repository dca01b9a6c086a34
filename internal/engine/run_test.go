package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/durablefn/inngest/internal/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Execute runs fn for one call request, as the handler does through New.
func Execute(ctx context.Context, in Input, fn func(ctx context.Context) (json.RawMessage, error)) Result {
	return New(in).Execute(ctx, fn)
}

// runStep is a minimal typed Run step over the engine, as package step does.
func runStep(ctx context.Context, t *testing.T, id string, v string) string {
	r, err := FromContext(ctx, "step.Run", id)
	require.NoError(t, err)
	ref, raw, ok, err := r.Lookup(ctx, "step.Run", id)
	require.NoError(t, err)
	if ok {
		out, err := wire.ParseStepOutcome(raw)
		require.NoError(t, err)
		var s string
		require.NoError(t, json.Unmarshal(out.Data, &s))
		return s
	}
	r.RunStep(ctx, ref, "step.run", func(ctx context.Context) (json.RawMessage, error) {
		return json.Marshal(v)
	})
	panic("unreachable")
}

// runStepOrErr is runStep for a step called where it may be misuse: it
// returns the error the step returns, if any.
func runStepOrErr(ctx context.Context, id string) error {
	r, err := FromContext(ctx, "step.Run", id)
	if err != nil {
		return err
	}
	ref, _, ok, err := r.Lookup(ctx, "step.Run", id)
	if err != nil || ok {
		return err
	}
	r.RunStep(ctx, ref, "step.run", func(ctx context.Context) (json.RawMessage, error) {
		return json.Marshal(id)
	})
	panic("unreachable")
}

func memoized(ids ...string) (map[string]json.RawMessage, []string) {
	steps := map[string]json.RawMessage{}
	var stack []string
	for _, id := range ids {
		h := wire.HashStepID(id)
		steps[h] = json.RawMessage(`{"data":"` + id + `"}`)
		stack = append(stack, h)
	}
	return steps, stack
}

func TestParallelMemoizedInStackOrder(t *testing.T) {
	// Branch 0 reads "a", branch 1 reads "b". The stack says "b" was
	// memoized first, so "b" must be handed back first, whatever the
	// goroutine scheduling.
	for i := 0; i < 50; i++ {
		steps, stack := memoized("b", "a")
		var (
			mu    sync.Mutex
			order []string
		)
		run := New(Input{Steps: steps, Stack: stack, Hooks: &Hooks{consumed: func(h string) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, map[string]string{wire.HashStepID("a"): "a", wire.HashStepID("b"): "b"}[h])
		}}})
		res := run.Execute(context.Background(), func(ctx context.Context) (json.RawMessage, error) {
			r, _ := FromContext(ctx, "step.Parallel", "")
			_ = r.Parallel(ctx, 2, func(ctx context.Context, i int) {
				id := []string{"a", "b"}[i]
				if i == 1 {
					time.Sleep(50 * time.Microsecond) // let the other branch ask first
				}
				runStep(ctx, t, id, "")
			})
			return json.RawMessage(`"done"`), nil
		})
		require.True(t, res.Done)
		require.Equal(t, []string{"b", "a"}, order)
	}
}

func TestCodeChangeRecoversAndWarnsOnce(t *testing.T) {
	// The stack says x then y; the code now reads y first, then x.
	steps, stack := memoized("x", "y")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var got []string
	res := Execute(context.Background(), Input{Steps: steps, Stack: stack, Logger: logger}, func(ctx context.Context) (json.RawMessage, error) {
		got = append(got, runStep(ctx, t, "y", ""), runStep(ctx, t, "x", ""))
		return json.RawMessage(`1`), nil
	})
	require.True(t, res.Done)
	require.Equal(t, []string{"y", "x"}, got)
	require.Equal(t, 1, strings.Count(logs.String(), "appears to have changed"), logs.String())
}

func TestNewStepHaltsAndReportsOnce(t *testing.T) {
	var after atomic.Bool
	res := Execute(context.Background(), Input{Immediate: false}, func(ctx context.Context) (json.RawMessage, error) {
		runStep(ctx, t, "a", "A")
		after.Store(true)
		return nil, nil
	})
	require.False(t, res.Done)
	require.False(t, after.Load())
	require.Len(t, res.Ops, 1)
	require.Equal(t, wire.OpStepPlanned, res.Ops[0].Op)
}

func TestNestedParallelOrder(t *testing.T) {
	res := Execute(context.Background(), Input{}, func(ctx context.Context) (json.RawMessage, error) {
		r, _ := FromContext(ctx, "step.Parallel", "")
		_ = r.Parallel(ctx, 2, func(ctx context.Context, i int) {
			if i == 0 {
				_ = r.Parallel(ctx, 2, func(ctx context.Context, j int) {
					runStep(ctx, t, []string{"a0", "a1"}[j], "")
				})
			}
			runStep(ctx, t, "b", "")
		})
		return nil, nil
	})
	require.False(t, res.Done)
	var names []string
	for _, op := range res.Ops {
		names = append(names, op.Name)
	}
	require.Equal(t, []string{"a0", "a1", "b"}, names)
}

func TestAbortEndsWaitingBranches(t *testing.T) {
	// A branch blocked on its stack turn must not leak when the request
	// is cancelled.
	steps, stack := memoized("never", "a")
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan Result)
	go func() {
		done <- Execute(ctx, Input{Steps: steps, Stack: stack}, func(ctx context.Context) (json.RawMessage, error) {
			r, _ := FromContext(ctx, "step.Parallel", "")
			_ = r.Parallel(ctx, 2, func(ctx context.Context, i int) {
				if i == 0 {
					close(started)
					<-ctx.Done() // user code blocked on I/O
					return
				}
				runStep(ctx, t, "a", "")
			})
			return nil, nil
		})
	}()
	<-started
	cancel()
	select {
	case res := <-done:
		require.Empty(t, res.Ops)
	case <-time.After(5 * time.Second):
		t.Fatal("Execute did not return after cancellation")
	}
}

func TestHooksOrder(t *testing.T) {
	steps, stack := memoized("a")
	var events []string
	hooks := &Hooks{
		AfterMemoization: func(context.Context) { events = append(events, "afterMemo") },
		BeforeExecution:  func(context.Context) { events = append(events, "beforeExec") },
		BeforeStep: func(ctx context.Context, s StepInfo) context.Context {
			events = append(events, "before:"+s.ID)
			return ctx
		},
		TransformStep: func(_ context.Context, s StepInfo, d json.RawMessage, err error) (json.RawMessage, error) {
			events = append(events, "after:"+s.ID)
			return json.RawMessage(`"changed"`), err
		},
	}
	res := Execute(context.Background(), Input{Steps: steps, Stack: stack, Immediate: true, Hooks: hooks}, func(ctx context.Context) (json.RawMessage, error) {
		runStep(ctx, t, "a", "")
		events = append(events, "user")
		runStep(ctx, t, "b", "B")
		return nil, nil
	})
	require.Equal(t, []string{"afterMemo", "beforeExec", "user", "before:b", "after:b"}, events)
	require.Len(t, res.Ops, 1)
	require.Equal(t, wire.OpStepRun, res.Ops[0].Op)
	require.JSONEq(t, `"changed"`, string(res.Ops[0].Data))
}

func TestSameStepIDInParallelBranchesIsDeterministic(t *testing.T) {
	const n = 8
	for round := 0; round < 20; round++ {
		res := Execute(context.Background(), Input{}, func(ctx context.Context) (json.RawMessage, error) {
			r, _ := FromContext(ctx, "step.Parallel", "")
			_ = r.Parallel(ctx, n, func(ctx context.Context, i int) { runStep(ctx, t, "fetch", "") })
			return nil, nil
		})
		require.Len(t, res.Ops, n)
		for i, op := range res.Ops {
			require.Equal(t, i, op.Userland.Index, "branch %d must always get repeat index %d", i, i)
		}
	}

	// Replay with the results memoized in a shuffled order: branch i gets
	// the result of fetch:i, and no code-change warning is logged.
	steps := map[string]json.RawMessage{}
	var stack []string
	for _, k := range []int{5, 2, 7, 0, 3, 6, 1, 4} {
		h := wire.HashStepID(wire.IndexedStepID("fetch", k))
		steps[h] = json.RawMessage(`{"data":"` + string(rune('0'+k)) + `"}`)
		stack = append(stack, h)
	}
	for round := 0; round < 20; round++ {
		var logs bytes.Buffer
		got := make([]string, n)
		res := Execute(context.Background(), Input{Steps: steps, Stack: stack, Logger: slog.New(slog.NewTextHandler(&logs, nil))},
			func(ctx context.Context) (json.RawMessage, error) {
				r, _ := FromContext(ctx, "step.Parallel", "")
				_ = r.Parallel(ctx, n, func(ctx context.Context, i int) { got[i] = runStep(ctx, t, "fetch", "") })
				return nil, nil
			})
		require.True(t, res.Done)
		require.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7"}, got)
		require.Empty(t, logs.String())
	}
}

func TestStepFromOwnGoroutineDoesNotHoldTheRequestForever(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res := Execute(ctx, Input{AbortGrace: 50 * time.Millisecond}, func(ctx context.Context) (json.RawMessage, error) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = runStepOrErr(ctx, "misused") // fails: not the function's goroutine
		}()
		wg.Wait()
		<-release // stuck until the test ends, as misused code would be
		return nil, nil
	})
	require.False(t, res.Done)
	require.NotNil(t, res.Fatal, "a step that stopped a goroutine other than the function's is misuse")
	require.True(t, res.Fatal.NoRetry)
	require.Equal(t, "StepMisuse", res.Fatal.Error.Name)
	require.Contains(t, res.Fatal.Error.Message, `step.Run("misused")`)
	require.Contains(t, res.Fatal.Error.Message, "step.Parallel")
}

func TestNewStepFromOwnGoroutineReturnsMisuse(t *testing.T) {
	// The goroutine hands its step's result over after the call, not in
	// a deferred call: the step must return, not stop the goroutine, or
	// the function would wait for it forever.
	var got error
	res := Execute(context.Background(), Input{}, func(ctx context.Context) (json.RawMessage, error) {
		errc := make(chan error)
		go func() { errc <- runStepOrErr(ctx, "mine") }()
		got = <-errc
		return nil, got
	})
	require.ErrorIs(t, got, ErrMisuse)
	require.NotNil(t, res.Fatal)
	require.True(t, res.Fatal.NoRetry)
	require.Contains(t, res.Fatal.Error.Message, `step.Run("mine") was called from a goroutine the function started`)
	require.Empty(t, res.Ops, "nothing is reported from a misused run")
}

func TestStepAfterTheFunctionReturnedIsMisuse(t *testing.T) {
	var logs bytes.Buffer
	var kept context.Context
	res := Execute(context.Background(), Input{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, func(ctx context.Context) (json.RawMessage, error) {
		kept = ctx
		return json.RawMessage(`1`), nil
	})
	require.True(t, res.Done)
	r, err := FromContext(kept, "step.Run", "late")
	require.NoError(t, err)
	_, _, _, err = r.Lookup(kept, "step.Run", "late")
	require.ErrorIs(t, err, ErrMisuse)
	require.Contains(t, err.Error(), `step.Run("late") was called after the function returned`)
	require.Contains(t, logs.String(), "after the function returned", "a late step is logged: its run's answer may be sent already")
}

func TestConcurrentStepOfOneBranchIsMisuse(t *testing.T) {
	// The first step is inside its code when a second call arrives on the
	// same branch, as it would from a goroutine the function started.
	var second error
	res := Execute(context.Background(), Input{Immediate: true}, func(ctx context.Context) (json.RawMessage, error) {
		r, _ := FromContext(ctx, "step.Run", "first")
		ref, _, _, err := r.Lookup(ctx, "step.Run", "first")
		require.NoError(t, err)
		r.RunStep(ctx, ref, "step.run", func(context.Context) (json.RawMessage, error) {
			_, _, _, second = r.Lookup(ctx, "step.Run", "second")
			return json.RawMessage(`1`), nil
		})
		return nil, nil
	})
	require.ErrorIs(t, second, ErrMisuse)
	require.NotNil(t, res.Fatal)
	require.Contains(t, res.Fatal.Error.Message, `step.Run("second") was called inside step "first"'s code`)
	require.Empty(t, res.Ops, "nothing is reported from a misused run")
}

func TestMisuseIsFatalWhateverTheFunctionReturns(t *testing.T) {
	for _, ret := range []error{nil, errors.New("boom")} {
		res := Execute(context.Background(), Input{}, func(ctx context.Context) (json.RawMessage, error) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				_ = runStepOrErr(ctx, "mine")
			}()
			<-done
			return json.RawMessage(`"ok"`), ret
		})
		require.NotNil(t, res.Fatal, "returned %v", ret)
		require.True(t, res.Fatal.NoRetry)
		require.Contains(t, res.Fatal.Error.Message, `step.Run("mine") was called from a goroutine the function started`)
	}
}
