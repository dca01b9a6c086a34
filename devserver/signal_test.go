package devserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

type approval struct {
	By string `json:"by"`
}

// signalApp serves function "fn" on "request/made": it waits an hour for
// the signal named in the event's data ("signal"), with the conflict
// policy named there ("conflict"), and returns who approved, or "timed
// out".
func signalApp(t *testing.T, srv *devserver.Server) *inngest.Client {
	t.Helper()
	return inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Retries: inngest.Ptr(0)}, inngest.OnEvent("request/made"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				signal, _ := in.Event.Data["signal"].(string)
				conflict, _ := in.Event.Data["conflict"].(string)
				sig, err := step.WaitForSignal[approval](ctx, "approval", signal, step.SignalOpts{
					Timeout: time.Hour, OnConflict: step.SignalConflict(conflict), Name: "Wait for approval"})
				if err != nil {
					return "", err
				}
				if sig == nil {
					return "timed out", nil
				}
				return sig.Name + " approved by " + sig.Data.By, nil
			})
		require.NoError(t, err)
	})
}

// waitingRun starts a run waiting for signal and returns its ID once the
// wait is filed.
func waitingRun(t *testing.T, srv *devserver.Server, signal, conflict string) string {
	t.Helper()
	evID := send(t, srv, "request/made", Data{"signal": signal, "conflict": conflict})
	var runID string
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		for _, r := range srv.Runs(evID) {
			if r.Status != devserver.StatusRunning {
				runID = r.ID
				return true
			}
			for _, e := range r.Timeline {
				if e.Kind == devserver.TimelineSignalWait {
					runID = r.ID
					return true
				}
			}
		}
		return false
	}))
	return runID
}

func TestSignalResumesTheWaitingRun(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	vc := devserver.NewVirtualClock(start)
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	c := signalApp(t, srv)
	runID := waitingRun(t, srv, "approval-1", "")
	vc.Advance(10 * time.Minute)

	got, err := c.SendSignal(ctxT(t), "approval-1", approval{By: "ana"})
	require.NoError(t, err)
	require.Equal(t, runID, got)
	r, err := srv.WaitForRun(ctxT(t), runID)
	require.NoError(t, err)
	require.JSONEq(t, `"approval-1 approved by ana"`, string(r.Output), devserver.FormatTimeline(r))
	require.Equal(t, start.Add(10*time.Minute), r.EndedAt)
	// Memoized as the real server does: the signal and its data, in data.
	require.JSONEq(t, `{"data":{"signal":"approval-1","data":{"by":"ana"}}}`, string(r.Steps[wire.HashStepID("approval")]))
	kinds := map[devserver.TimelineKind]string{}
	for _, e := range r.Timeline {
		kinds[e.Kind] = e.Name
	}
	require.Equal(t, "Wait for approval", kinds[devserver.TimelineSignalReceived], devserver.FormatTimeline(r))

	// The wait is gone: the same signal again finds no run.
	got, err = c.SendSignal(ctxT(t), "approval-1", nil)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestSignalWaitTimesOutOnTheVirtualClock(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	vc := devserver.NewVirtualClock(start)
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
	c := signalApp(t, srv)
	runID := waitingRun(t, srv, "approval-2", "")
	require.NoError(t, srv.SetTimeSkipping(true))
	r, err := srv.WaitForRun(ctxT(t), runID)
	require.NoError(t, err)
	require.JSONEq(t, `"timed out"`, string(r.Output), devserver.FormatTimeline(r))
	require.Equal(t, start.Add(time.Hour), r.EndedAt)
	require.Equal(t, "null", string(r.Steps[wire.HashStepID("approval")]))
	_, err = srv.SendSignal("approval-2", nil)
	require.ErrorIs(t, err, devserver.ErrNoSignalWait)
	got, err := c.SendSignal(ctxT(t), "approval-2", nil)
	require.NoError(t, err)
	require.Empty(t, got)
}

// Two runs waiting for one signal: by default the second fails at once
// with the real server's error and the first keeps its wait; with
// "replace" the second takes the signal and the first waits until its
// timeout.
func TestSignalConflict(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ conflict, first, second string }{
		{"", `"s approved by bo"`, ""},
		{"fail", `"s approved by bo"`, ""},
		{"replace", `"timed out"`, `"s approved by bo"`},
	} {
		t.Run("conflict="+tc.conflict, func(t *testing.T) {
			vc := devserver.NewVirtualClock(start)
			srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
			signalApp(t, srv)
			first := waitingRun(t, srv, "s", "")
			second := waitingRun(t, srv, "s", tc.conflict)
			if tc.second == "" {
				r, err := srv.WaitForRun(ctxT(t), second)
				require.NoError(t, err)
				require.Equal(t, devserver.StatusFailed, r.Status, devserver.FormatTimeline(r))
				require.Equal(t, &devserver.RunError{Name: "Error", Message: "Signal conflict; signal wait already exists for another run"}, r.Error)
			}
			runID, err := srv.SendSignal("s", json.RawMessage(`{"by":"bo"}`))
			require.NoError(t, err)
			want := first
			if tc.second != "" {
				want = second
			}
			require.Equal(t, want, runID)
			require.NoError(t, srv.SetTimeSkipping(true))
			r, err := srv.WaitForRun(ctxT(t), first)
			require.NoError(t, err)
			require.JSONEq(t, tc.first, string(r.Output), devserver.FormatTimeline(r))
			if tc.second != "" {
				r, err := srv.WaitForRun(ctxT(t), second)
				require.NoError(t, err)
				require.JSONEq(t, tc.second, string(r.Output), devserver.FormatTimeline(r))
			}
		})
	}
}

// A cancelled run's wait is dropped: the signal is free for another run.
func TestSignalWaitOfCancelledRunIsDropped(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(time.Time{})})
	signalApp(t, srv)
	first := waitingRun(t, srv, "s", "")
	require.NoError(t, srv.CancelRun(ctxT(t), first))
	_, err := srv.SendSignal("s", nil)
	require.ErrorIs(t, err, devserver.ErrNoSignalWait)
	second := waitingRun(t, srv, "s", "")
	runID, err := srv.SendSignal("s", nil)
	require.NoError(t, err)
	require.Equal(t, second, runID)
	r, err := srv.WaitForRun(ctxT(t), second)
	require.NoError(t, err)
	require.JSONEq(t, `"s approved by "`, string(r.Output), devserver.FormatTimeline(r))
}

// POST /v1/signals answers as the real server: 200 with the run's ID, 404
// when no run waits, 400 for a body it cannot read, 401 without the
// bearer token when a signing key is set.
func TestSignalAPI(t *testing.T) {
	const key = "signkey-test-0123456789abcdef"
	srv := startServer(t, devserver.Config{SigningKey: key, Clock: devserver.NewVirtualClock(time.Time{})})
	url := srv.URL() + "/v1/signals"
	status, out := postJSON(t, url, `{"signal":"s","data":1}`)
	require.Equal(t, http.StatusUnauthorized, status, out)
	token, err := sign.HashedKey(key)
	require.NoError(t, err)
	auth := []string{"Authorization", "Bearer " + token}
	status, out = postJSON(t, url, `{"signal":"s","data":1}`, auth...)
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "No signal found", out["error"])
	for _, body := range []string{`{"signal":`, `[1]`, `{"signal":""}`, `{"data":{}}`} {
		status, out = postJSON(t, url, body, auth...)
		require.Equal(t, http.StatusBadRequest, status, fmt.Sprint(body, out))
	}
}
