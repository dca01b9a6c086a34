package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// threeSteps adds three sequential steps, then sleeps when nap is set.
func threeSteps(nap bool) inngest.HandlerFunc[map[string]any, int] {
	return func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
		sum := 0
		for i := 1; i <= 3; i++ {
			v, err := step.Run(ctx, fmt.Sprintf("add-%d", i), func(ctx context.Context) (int, error) { return i, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		if nap {
			if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
				return 0, err
			}
		}
		return sum, nil
	}
}

func TestCheckpointRunsSequentialStepsInOneCall(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp"})
	fn := create(t, c, inngest.FunctionOpts{ID: "sum", Checkpoint: &inngest.Checkpoint{}}, inngest.OnEvent("cp/sum"), threeSteps(false))

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, 6, res.Output)
	require.Equal(t, 1, res.Calls, "three steps and the result in one call request")
	require.Equal(t, 3, res.Checkpoints, "one checkpoint a step")
	require.Equal(t, []string{"add-1", "add-2", "add-3"}, res.StepIDs())
	for _, s := range res.Steps {
		require.True(t, s.Checkpointed, s.ID)
		require.Equal(t, inngesttest.KindRun, s.Kind)
	}
	require.JSONEq(t, `3`, string(res.Step("add-3").Output))
}

func TestCheckpointOffTakesACallAStep(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp"})
	fn := create(t, c, inngest.FunctionOpts{ID: "sum"}, inngest.OnEvent("cp/sum"), threeSteps(false))

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, 6, res.Output)
	require.Equal(t, 4, res.Calls)
	require.Zero(t, res.Checkpoints)
	require.False(t, res.Step("add-1").Checkpointed)
}

func TestCheckpointBatchesStepsAndEndsTheCallAtASleep(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp"})
	fn := create(t, c, inngest.FunctionOpts{ID: "sum", Checkpoint: &inngest.Checkpoint{BatchSteps: 2}}, inngest.OnEvent("cp/sum"), threeSteps(true))

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, 6, res.Output)
	// Call 1 runs the three steps, saving add-1 and add-2 together and
	// add-3 before it answers with the sleep; call 2 returns the result.
	require.Equal(t, 2, res.Calls)
	require.Equal(t, 2, res.Checkpoints)
	require.Equal(t, []string{"add-1", "add-2", "add-3", "nap"}, res.StepIDs())
	require.True(t, res.Step("add-3").Checkpointed)
	require.False(t, res.Step("nap").Checkpointed)
	require.Equal(t, time.Hour, res.Duration())
}

func TestCheckpointStepErrorIsRetriedAsWithout(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp"})
	failures := 0
	fn := create(t, c, inngest.FunctionOpts{ID: "flaky", Checkpoint: &inngest.Checkpoint{}}, inngest.OnEvent("cp/flaky"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			if _, err := step.Run(ctx, "first", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			return step.Run(ctx, "flaky", func(ctx context.Context) (string, error) {
				if failures < 2 {
					failures++
					return "", errors.New("not yet")
				}
				return "ok", nil
			})
		})

	res := inngesttest.Run(t, c, fn)

	require.NoError(t, res.Err)
	require.Equal(t, "ok", res.Output)
	require.True(t, res.Step("first").Checkpointed)
	flaky := res.Step("flaky")
	require.Len(t, flaky.Attempts, 2)
	require.Equal(t, 2, flaky.Attempt)
	require.False(t, flaky.Checkpointed, "a retried step runs in its own targeted call")
}

func TestEnvCheckpoint(t *testing.T) {
	t.Parallel()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "cp"})
	create(t, c, inngest.FunctionOpts{ID: "sum", Checkpoint: &inngest.Checkpoint{}}, inngest.OnEvent("cp/sum"), threeSteps(true))
	env.Serve(c)

	run := env.WaitForEventRun(env.Send(inngest.EventType[map[string]any]("cp/sum").New(nil))[0])

	require.Equal(t, inngesttest.StatusCompleted, run.Status, run.String())
	require.JSONEq(t, `6`, string(run.RawOutput))
	require.Equal(t, time.Hour, run.Duration())
	var checkpointed []string
	for _, e := range run.Timeline {
		if e.Checkpointed {
			checkpointed = append(checkpointed, e.Name)
		}
	}
	require.Equal(t, []string{"add-1", "add-2", "add-3"}, checkpointed, run.String())
	require.Contains(t, run.String(), `"add-3" (checkpointed) → 3`)
}

// A checkpointed step does not stop its goroutine, yet one called from a
// goroutine the function started still fails the run loudly.
func TestCheckpointStepFromAGoroutineFailsTheRun(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp"})
	var ranB atomic.Bool
	fn := create(t, c, inngest.FunctionOpts{ID: "misuse", Checkpoint: &inngest.Checkpoint{}}, inngest.OnEvent("cp/misuse"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			if _, err := step.Run(ctx, "a", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = step.Run(ctx, "b", func(ctx context.Context) (int, error) { ranB.Store(true); return 2, nil }) //stepcheck:ignore misuse on purpose
			}()
			wg.Wait()
			return "done", nil
		})

	res := inngesttest.Run(t, c, fn)

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	var re *inngesttest.RunError
	require.ErrorAs(t, res.Err, &re)
	require.Equal(t, "StepMisuse", re.Name)
	require.True(t, re.NoRetry)
	require.Contains(t, re.Message, `step.Run("b") was called from a goroutine the function started`)
	require.False(t, ranB.Load())
}

// The client's checkpoint default applies in unit mode as on a server: a
// function that sets none checkpoints, one that opts out does not.
func TestCheckpointClientDefault(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "cp", Checkpoint: &inngest.Checkpoint{BatchSteps: 3}})
	inherits := create(t, c, inngest.FunctionOpts{ID: "inherits"}, inngest.OnEvent("cp/sum"), threeSteps(false))
	off := create(t, c, inngest.FunctionOpts{ID: "off", Checkpoint: &inngest.Checkpoint{Disabled: true}}, inngest.OnEvent("cp/sum"), threeSteps(false))

	res := inngesttest.Run(t, c, inherits)
	require.Equal(t, 6, res.Output)
	require.Equal(t, 1, res.Calls)
	require.Equal(t, 1, res.Checkpoints, "BatchSteps 3: the three steps saved together")
	require.True(t, res.Step("add-3").Checkpointed)

	res = inngesttest.Run(t, c, off)
	require.Equal(t, 6, res.Output)
	require.Equal(t, 4, res.Calls)
	require.Zero(t, res.Checkpoints)
}
