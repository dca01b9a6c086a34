package connect_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
	"github.com/durablefn/inngest/inngesttest"
)

// Ending Run's context drains the worker: it takes no new call, the call
// in flight finishes and its reply is delivered before Run returns, and
// a call sent meanwhile goes to another worker.
func TestShutdownDrains(t *testing.T) {
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	first := newBlockingApp(t, env, env.HTTPClient())
	w1, stop1 := startWorker(t, first.client, &connect.Config{InstanceID: "first"})

	ids := env.Send(inngest.GenericEvent{Name: "slow/requested"})
	recv(t, first.started, "the step to start")

	stopped := make(chan error, 1)
	go func() { stopped <- stop1() }()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, connect.WaitState(ctx, w1, connect.StateDraining))

	// A second worker of the same app: the draining one must not get the
	// second run's call, nor the first run's next one.
	second := newBlockingApp(t, env, env.HTTPClient())
	startWorker(t, second.client, &connect.Config{InstanceID: "second"})
	ids2 := env.Send(inngest.GenericEvent{Name: "slow/requested"})
	recv(t, second.started, "the second run's step to start on the second worker")
	close(second.release)

	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a call was in flight", err)
	default:
	}
	close(first.release)
	require.NoError(t, recv(t, stopped, "Run to return after the drain"))
	require.Equal(t, connect.StateClosed, w1.State())

	for _, id := range []string{ids[0], ids2[0]} {
		run := env.WaitForEventRun(id)
		require.Equal(t, inngesttest.StatusCompleted, run.Status, env.Timeline(run.RunID))
	}
	require.EqualValues(t, 1, first.runs.Load())
	require.EqualValues(t, 1, second.runs.Load(), "the draining worker took a new call")
}
