package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

// savedSteps is a Checkpointer that records each checkpoint's step IDs,
// failing the ones whose number (from 1) is in fail.
type savedSteps struct {
	mu    sync.Mutex
	calls [][]string
	fail  map[int]bool
}

func (s *savedSteps) Checkpoint(_ context.Context, steps []wire.Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, op := range steps {
		names = append(names, op.Name)
	}
	s.calls = append(s.calls, names)
	if s.fail[len(s.calls)] {
		return errors.New("unavailable")
	}
	return nil
}

// cpStep is a typed Run step over the engine, as package step does with
// checkpointing: a checkpointed step returns its result.
func cpStep(ctx context.Context, t *testing.T, id string, v string) string {
	r, err := FromContext(ctx, "step.Run", id)
	require.NoError(t, err)
	ref, raw, ok, err := r.Lookup(ctx, "step.Run", id)
	require.NoError(t, err)
	if !ok {
		raw = r.RunStep(ctx, ref, "step.run", func(ctx context.Context) (json.RawMessage, error) {
			if v == "fail" {
				return nil, errors.New("broken")
			}
			return json.Marshal(v)
		})
	}
	out, err := wire.ParseStepOutcome(raw)
	require.NoError(t, err)
	var s string
	require.NoError(t, json.Unmarshal(out.Data, &s))
	return s
}

func sleepStep(ctx context.Context, id string) {
	r, _ := FromContext(ctx, "step.Sleep", id)
	ref, _, ok, _ := r.Lookup(ctx, "step.Sleep", id)
	if !ok {
		r.Report(ctx, ref, wire.OpSleep, map[string]string{"duration": "1h"})
	}
}

// manualClock is a clock that moves only when told to.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func opNames(ops []wire.Op) []string {
	var out []string
	for _, op := range ops {
		out = append(out, string(op.Op)+" "+op.Name)
	}
	return out
}

func cpInput(cp Checkpointer, p CheckpointPolicy) Input {
	return Input{Immediate: true, Checkpoint: &Checkpointing{Saver: cp, Policy: p}}
}

func TestCheckpointEachStepAndGoOn(t *testing.T) {
	cp := &savedSteps{}
	res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{}), func(ctx context.Context) (json.RawMessage, error) {
		a := cpStep(ctx, t, "a", "A")
		b := cpStep(ctx, t, "b", "B")
		return json.Marshal(a + b + cpStep(ctx, t, "a", "C"))
	})
	require.True(t, res.Done)
	require.JSONEq(t, `"ABC"`, string(res.Value))
	require.Empty(t, res.Ops)
	require.Equal(t, [][]string{{"a"}, {"b"}, {"a"}}, cp.calls)
}

func TestCheckpointOpShape(t *testing.T) {
	var got []wire.Op
	cp := checkpointFunc(func(steps []wire.Op) error { got = append(got, steps...); return nil })
	Execute(context.Background(), cpInput(cp, CheckpointPolicy{}), func(ctx context.Context) (json.RawMessage, error) {
		cpStep(ctx, t, "first step", "done")
		return nil, nil
	})
	require.Len(t, got, 1)
	b, err := json.Marshal(got[0])
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"98bf98df193bcce7c33e6bc50927cf2ac21206cb","op":"StepRun","name":"first step","displayName":"first step","data":"done","userland":{"id":"first step"}}`, string(b))
}

type checkpointFunc func(steps []wire.Op) error

func (f checkpointFunc) Checkpoint(_ context.Context, steps []wire.Op) error { return f(steps) }

func TestCheckpointBatches(t *testing.T) {
	t.Run("Steps", func(t *testing.T) {
		cp := &savedSteps{}
		res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{BatchSteps: 2}), func(ctx context.Context) (json.RawMessage, error) {
			for _, id := range []string{"a", "b", "c"} {
				cpStep(ctx, t, id, id)
			}
			return json.Marshal("ok")
		})
		require.True(t, res.Done)
		require.Equal(t, [][]string{{"a", "b"}, {"c"}}, cp.calls, "the last is saved before the answer")
	})
	t.Run("Interval", func(t *testing.T) {
		cp := &savedSteps{}
		clock := &manualClock{}
		in := cpInput(cp, CheckpointPolicy{BatchSteps: 10, BatchInterval: 3 * time.Second})
		in.Now = clock.now
		Execute(context.Background(), in, func(ctx context.Context) (json.RawMessage, error) {
			for _, id := range []string{"a", "b", "c", "d", "e"} {
				clock.advance(time.Second)
				cpStep(ctx, t, id, id)
			}
			return nil, nil
		})
		// "a" finishes at 1s; "d" at 4s, 3s after "a": due.
		require.Equal(t, [][]string{{"a", "b", "c", "d"}, {"e"}}, cp.calls)
	})
}

func TestCheckpointMaxRuntimeEndsTheRequest(t *testing.T) {
	cp := &savedSteps{}
	clock := &manualClock{}
	in := cpInput(cp, CheckpointPolicy{MaxRuntime: 3 * time.Second})
	in.Now = clock.now
	ran := map[string]bool{}
	res := Execute(context.Background(), in, func(ctx context.Context) (json.RawMessage, error) {
		for _, id := range []string{"a", "b", "c", "d"} {
			clock.advance(time.Second)
			ran[id] = true
			cpStep(ctx, t, id, id)
		}
		return nil, nil
	})
	require.False(t, res.Done)
	// "c" is reached 3s into the request: it runs and is reported as
	// without checkpointing, and the request ends.
	require.Equal(t, [][]string{{"a"}, {"b"}}, cp.calls)
	require.Equal(t, []string{"StepRun c"}, opNames(res.Ops))
	require.False(t, ran["d"])
}

func TestCheckpointFailureReportsTheStepsNotSaved(t *testing.T) {
	t.Run("EachStep", func(t *testing.T) {
		cp := &savedSteps{fail: map[int]bool{2: true}}
		ran := map[string]bool{}
		res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{}), func(ctx context.Context) (json.RawMessage, error) {
			for _, id := range []string{"a", "b", "c"} {
				ran[id] = true
				cpStep(ctx, t, id, id)
			}
			return nil, nil
		})
		require.False(t, res.Done)
		require.Equal(t, []string{"StepRun b"}, opNames(res.Ops), "a was saved; b was not, so it is reported")
		require.False(t, ran["c"], "the request ends at the failed checkpoint")
	})
	t.Run("AtTheEnd", func(t *testing.T) {
		cp := &savedSteps{fail: map[int]bool{1: true}}
		res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{BatchSteps: 5}), func(ctx context.Context) (json.RawMessage, error) {
			cpStep(ctx, t, "a", "a")
			cpStep(ctx, t, "b", "b")
			return json.Marshal("result")
		})
		require.False(t, res.Done, "the steps take the result's place; the next request returns it")
		require.Nil(t, res.Value)
		require.Equal(t, []string{"StepRun a", "StepRun b"}, opNames(res.Ops))
	})
	t.Run("BeforeASleep", func(t *testing.T) {
		cp := &savedSteps{fail: map[int]bool{1: true}}
		res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{BatchSteps: 5}), func(ctx context.Context) (json.RawMessage, error) {
			cpStep(ctx, t, "a", "a")
			cpStep(ctx, t, "b", "b")
			sleepStep(ctx, "nap")
			return nil, nil
		})
		require.Equal(t, []string{"StepRun a", "StepRun b", "Sleep nap"}, opNames(res.Ops), "the steps first, in the order they ran")
	})
	t.Run("Panic", func(t *testing.T) {
		cp := &savedSteps{fail: map[int]bool{1: true}}
		res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{BatchSteps: 5}), func(ctx context.Context) (json.RawMessage, error) {
			cpStep(ctx, t, "a", "a")
			panic("boom")
		})
		require.Nil(t, res.Panic, "the panic comes again in the next request")
		require.Equal(t, []string{"StepRun a"}, opNames(res.Ops))
	})
}

func TestCheckpointStepErrorEndsTheRequest(t *testing.T) {
	cp := &savedSteps{}
	res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{BatchSteps: 3}), func(ctx context.Context) (json.RawMessage, error) {
		cpStep(ctx, t, "a", "a")
		cpStep(ctx, t, "b", "fail")
		return nil, nil
	})
	require.Equal(t, [][]string{{"a"}}, cp.calls, "the waiting step is saved before the answer")
	require.Equal(t, []string{"StepError b"}, opNames(res.Ops))
}

func TestCheckpointOnlyInDiscoveryCallsOutsideParallel(t *testing.T) {
	t.Run("Targeted", func(t *testing.T) {
		cp := &savedSteps{}
		in := cpInput(cp, CheckpointPolicy{})
		in.Immediate, in.TargetHash = false, wire.HashStepID("a")
		res := Execute(context.Background(), in, func(ctx context.Context) (json.RawMessage, error) {
			cpStep(ctx, t, "a", "a")
			return nil, nil
		})
		require.Empty(t, cp.calls)
		require.Equal(t, []string{"StepRun a"}, opNames(res.Ops))
	})
	t.Run("Parallel", func(t *testing.T) {
		cp := &savedSteps{}
		res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{}), func(ctx context.Context) (json.RawMessage, error) {
			cpStep(ctx, t, "before", "x")
			r, _ := FromContext(ctx, "step.Parallel", "")
			_ = r.Parallel(ctx, 2, func(ctx context.Context, i int) {
				cpStep(ctx, t, []string{"p0", "p1"}[i], "y")
			})
			return nil, nil
		})
		require.Equal(t, [][]string{{"before"}}, cp.calls)
		require.Equal(t, []string{"StepPlanned p0", "StepPlanned p1"}, opNames(res.Ops))
	})
}

// A step called from a goroutine the function started does not stop
// that goroutine when it would be checkpointed, so the engine looks at
// the goroutine: the run fails as misuse, and the step does not run.
func TestCheckpointStepFromAGoroutineIsMisuse(t *testing.T) {
	cp := &savedSteps{}
	ran := false
	res := Execute(context.Background(), cpInput(cp, CheckpointPolicy{}), func(ctx context.Context) (json.RawMessage, error) {
		cpStep(ctx, t, "a", "a")
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := FromContext(ctx, "step.Run", "b")
			ref, _, _, err := r.Lookup(ctx, "step.Run", "b")
			if err != nil {
				return
			}
			r.RunStep(ctx, ref, "step.run", func(ctx context.Context) (json.RawMessage, error) {
				ran = true
				return json.Marshal("b")
			})
		}()
		wg.Wait()
		return json.Marshal("done")
	})
	require.NotNil(t, res.Fatal)
	require.Equal(t, "StepMisuse", res.Fatal.Error.Name)
	require.Contains(t, res.Fatal.Error.Message, `step.Run("b") was called from a goroutine the function started`)
	require.False(t, ran)
	require.Equal(t, [][]string{{"a"}}, cp.calls)
}
