package devserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

func TestCancelRunBetweenSteps(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	g := newGatedApp(t, srv, inngest.FunctionOpts{})
	id := send(t, srv, "order/placed", nil)
	<-g.started
	runID := srv.Runs(id)[0].ID
	// Step a is running: the cancellation waits for it, and step b never
	// runs.
	require.NoError(t, srv.CancelRun(ctxT(t), runID))
	require.NoError(t, srv.CancelRun(ctxT(t), runID), "a pending cancellation may be asked for again")
	require.Equal(t, devserver.StatusRunning, srv.Run(runID).Status)
	close(g.release)
	r, err := srv.WaitForRun(ctxT(t), runID)
	require.NoError(t, err)
	require.Equal(t, devserver.StatusCancelled, r.Status, devserver.FormatTimeline(r))
	require.Equal(t, "FunctionCancelled", r.Error.Name)
	require.False(t, g.stepB.Load())
	settled(t, srv, "app-watch", 1)
	require.EqualValues(t, 1, g.cancelled.Load())
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.EqualValues(t, 0, g.failures.Load())

	require.ErrorIs(t, srv.CancelRun(ctxT(t), runID), devserver.ErrRunEnded)
	require.ErrorIs(t, srv.CancelRun(ctxT(t), "no-such-run"), devserver.ErrRunNotFound)
}

// deleteJSON sends DELETE url and returns the status and decoded body.
func deleteJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodDelete, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return resp.StatusCode, out
}

func TestCancelRunAPI(t *testing.T) {
	t.Parallel()
	vc := devserver.NewVirtualClock(time.Time{})
	srv := startServer(t, devserver.Config{Clock: vc})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nap"}, inngest.OnEvent("nap"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "rested", step.Sleep(ctx, "nap", time.Hour)
			})
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "quick"}, inngest.OnEvent("quick"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
		require.NoError(t, err)
	})
	id := send(t, srv, "nap", nil)
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(id)
		return len(runs) == 1 && hasKind(runs[0], devserver.TimelineSleep)
	}))
	runID := srv.Runs(id)[0].ID

	status, body := deleteJSON(t, srv.URL()+"/v1/runs/"+runID)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, map[string]any{"run_id": runID, "status": "Cancelled"}, body["data"])
	r := srv.Run(runID)
	require.Equal(t, devserver.StatusCancelled, r.Status)
	require.True(t, hasKind(r, devserver.TimelineCancelled))

	status, body = deleteJSON(t, srv.URL()+"/v1/runs/"+runID)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "run_already_cancelled", body["code"])

	done := oneRun(t, srv, send(t, srv, "quick", nil))
	status, body = deleteJSON(t, srv.URL()+"/v1/runs/"+done.ID)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "run_already_ended", body["code"])
	require.Equal(t, devserver.StatusCompleted, srv.Run(done.ID).Status)

	status, body = deleteJSON(t, srv.URL()+"/v1/runs/01HZZZZZZZZZZZZZZZZZZZZZZZ")
	require.Equal(t, http.StatusNotFound, status)
	require.EqualValues(t, http.StatusNotFound, body["status"])
	require.NotEmpty(t, body["error"])
	// An ID this server could not have issued (not a ULID) is a bad
	// request.
	status, body = deleteJSON(t, srv.URL()+"/v1/runs/0196a1b2-0000-7000-8000-000000000000")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body["error"], "invalid run ID")

	// The sleep's timer went with the run: nothing is left to do.
	require.NoError(t, srv.SetTimeSkipping(true))
	require.NoError(t, srv.WaitIdle(ctxT(t)))
}

func TestCancelRunNeedsTheSigningKey(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{SigningKey: "signkey-test-12345678"})
	status, body := deleteJSON(t, srv.URL()+"/v1/runs/some-run")
	require.Equal(t, http.StatusUnauthorized, status, body)
}
