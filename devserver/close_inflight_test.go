package devserver_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// Close cuts off the calls still in flight when its context ends. That
// is the server going away, not the app failing: the run must not fail
// or spend an attempt on it, and the next server on the store makes the
// call again, as after a crash.
func TestCloseCuttingOffACallDoesNotFailTheRun(t *testing.T) {
	entered := make(chan struct{}, 1)
	rig := newRestartRig(t, func(rig *restartRig, c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "slow", Retries: inngest.Ptr(0)}, inngest.OnEvent("durable/slow"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				return step.Run(ctx, "slow", func(ctx context.Context) (string, error) {
					rig.count("slow")
					if rig.executions("slow") == 1 {
						entered <- struct{}{}
						<-ctx.Done() // longer than the server waits
						return "", ctx.Err()
					}
					return "done", nil
				})
			})
		require.NoError(t, err)
	})
	runID := rig.runOf(send(t, rig.srv, "durable/slow", nil))
	<-entered

	rig.closeNow()
	run := rig.srv.Run(runID)
	require.Equal(t, devserver.StatusRunning, run.Status, "the run failed with %v", run.Error)

	rig.reopen()
	rig.requireCompleted(runID, `"done"`)
	require.Equal(t, 2, rig.executions("slow"), "the call cut off is made again")
}

// The same for a request the server makes for a step.Fetch: Close cutting
// it off is not a GatewayError; the next server makes it again.
func TestCloseCuttingOffAFetchDoesNotFailTheStep(t *testing.T) {
	entered := make(chan struct{}, 1)
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			entered <- struct{}{}
			<-r.Context().Done() // longer than the server waits
			return
		}
		_, _ = io.WriteString(w, "fetched")
	}))
	defer target.Close()
	rig := newRestartRig(t, func(rig *restartRig, c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fetch", Retries: inngest.Ptr(0)}, inngest.OnEvent("durable/fetch"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				resp, err := step.Fetch(ctx, "get", step.FetchRequest{URL: target.URL})
				if err != nil {
					return "", err
				}
				return string(resp.Body), nil
			})
		require.NoError(t, err)
	})
	runID := rig.runOf(send(t, rig.srv, "durable/fetch", nil))
	<-entered

	rig.closeNow()
	for _, e := range rig.srv.Timeline(runID) {
		require.NotEqual(t, devserver.TimelineStepFailed, e.Kind, "the fetch failed: %s", e.Detail)
	}

	rig.reopen()
	rig.requireCompleted(runID, `"fetched"`)
	require.EqualValues(t, 2, hits.Load(), "the request cut off is made again")
}

// closeNow closes the server with no time left for the calls in flight,
// as a shutdown whose grace ran out does.
func (rig *restartRig) closeNow() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(rig.t, rig.srv.Close(ctx), context.Canceled)
}

// reopen starts the next server on the store the closed one left.
func (rig *restartRig) reopen() {
	rig.mem = rig.mem.Reopen()
	rig.start(false)
}

// requireCompleted waits for run runID and requires it completed with the
// JSON output want.
func (rig *restartRig) requireCompleted(runID, want string) {
	got, err := rig.srv.WaitForRun(ctxT(rig.t), runID)
	require.NoError(rig.t, err)
	require.Equal(rig.t, devserver.StatusCompleted, got.Status, "error: %v", got.Error)
	require.JSONEq(rig.t, want, string(got.Output))
}
