package connect_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// blockingApp has one function whose first step reports that it started,
// then waits for release; it counts the step's executions.
type blockingApp struct {
	client  *inngest.Client
	started chan struct{}
	release chan struct{}
	runs    atomic.Int32
}

func newBlockingApp(t *testing.T, env *inngesttest.Env, hc *http.Client) *blockingApp {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{
		AppID: "blocking", Dev: env.URL(), APIOrigin: env.URL(), EventAPIOrigin: env.URL(), HTTPClient: hc,
	})
	require.NoError(t, err)
	a := &blockingApp{client: c, started: make(chan struct{}, 8), release: make(chan struct{})}
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "slow"}, inngest.OnEvent("slow/requested"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			v, err := step.Run(ctx, "slow step", func(ctx context.Context) (string, error) {
				a.runs.Add(1)
				a.started <- struct{}{}
				<-a.release
				return "done", nil
			})
			if err != nil {
				return "", err
			}
			return step.Run(ctx, "after", func(ctx context.Context) (string, error) { return v + " and after", nil })
		})
	require.NoError(t, err)
	return a
}

// A connection cut while a step runs loses nothing: the worker
// reconnects, the step's reply reaches the server over the new
// connection, and the run completes with the step run once.
func TestCutConnectionMidStepReconnects(t *testing.T) {
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	tap := newTap(env.HTTPClient().Transport)
	a := newBlockingApp(t, env, &http.Client{Transport: tap})
	startWorker(t, a.client, nil)
	recv(t, tap.dials, "the first connection")

	ids := env.Send(inngest.GenericEvent{Name: "slow/requested"})
	recv(t, a.started, "the step to start")
	tap.cut(false)
	recv(t, tap.dials, "the worker to reconnect")
	close(a.release)

	run := env.WaitForEventRun(ids[0])
	require.Equal(t, inngesttest.StatusCompleted, run.Status, env.Timeline(run.RunID))
	require.JSONEq(t, `"done and after"`, string(run.RawOutput))
	require.EqualValues(t, 1, a.runs.Load(), "the step ran again")
}

// A step that ends while the worker cannot reconnect delivers its reply
// through the API; the run completes once the worker is back.
func TestReplyWithoutConnectionGoesThroughAPI(t *testing.T) {
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	tap := newTap(env.HTTPClient().Transport)
	a := newBlockingApp(t, env, &http.Client{Transport: tap})
	w, _ := startWorker(t, a.client, nil)
	recv(t, tap.dials, "the first connection")

	ids := env.Send(inngest.GenericEvent{Name: "slow/requested"})
	recv(t, a.started, "the step to start")
	tap.cut(true)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, connect.WaitState(ctx, w, connect.StateReconnecting))
	// The reply has no connection: only /v0/connect/flush can carry it,
	// and the run's next step waits for a connection.
	close(a.release)
	srv := env.Server()
	require.NoError(t, srv.WaitFor(ctx, func() bool {
		for _, r := range srv.Runs(ids[0]) {
			for _, e := range r.Timeline {
				if e.Kind == devserver.TimelineStep && e.Name == "slow step" {
					return true
				}
			}
		}
		return false
	}), "the step's reply did not arrive while the worker was disconnected")
	tap.setDown(false)

	run := env.WaitForEventRun(ids[0])
	require.Equal(t, inngesttest.StatusCompleted, run.Status, env.Timeline(run.RunID))
	require.EqualValues(t, 1, a.runs.Load(), "the step ran again")
}
