package devserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// sumSteps adds n sequential steps' results.
func sumSteps(n int) inngest.HandlerFunc[Data, int] {
	return func(ctx context.Context, in inngest.Input[Data]) (int, error) {
		sum := 0
		for i := 1; i <= n; i++ {
			v, err := step.Run(ctx, fmt.Sprintf("add-%d", i), func(ctx context.Context) (int, error) { return i, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	}
}

// countedApp serves function "sum" of n steps with checkpointing cp on
// srv in process, through a client whose API requests go through api,
// and counts the call requests it answers.
func countedApp(t *testing.T, srv *devserver.Server, cp *inngest.Checkpoint, n int, api http.RoundTripper) *atomic.Int32 {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL(), HTTPClient: &http.Client{Transport: api}, Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "sum", Checkpoint: cp}, inngest.OnEvent("sum"), sumSteps(n))
	require.NoError(t, err)
	calls := &atomic.Int32{}
	interceptedApp(t, srv, c, func(r *http.Request, body []byte) []byte {
		if r.Method == http.MethodPost {
			calls.Add(1)
		}
		return body
	})
	return calls
}

func TestCheckpointRunsSequentialStepsInOneCall(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{TimeSkipping: true, Logger: quietLogger()})
	calls := countedApp(t, srv, &inngest.Checkpoint{}, 3, srv.HTTPClient().Transport)

	r := oneRun(t, srv, send(t, srv, "sum", nil))

	require.Equal(t, devserver.StatusCompleted, r.Status)
	require.JSONEq(t, `6`, string(r.Output))
	require.EqualValues(t, 1, calls.Load(), "three steps and the result in one call request")
	var steps []devserver.TimelineEntry
	for _, e := range srv.Timeline(r.ID) {
		if e.Kind == devserver.TimelineStep {
			steps = append(steps, e)
		}
	}
	require.Len(t, steps, 3)
	for i, e := range steps {
		require.Equal(t, fmt.Sprintf("add-%d", i+1), e.Name)
		require.True(t, e.Checkpointed)
		require.Equal(t, fmt.Sprintf("→ %d", i+1), e.Detail)
	}
	require.Contains(t, devserver.FormatTimeline(srv.Run(r.ID)), `step          "add-1" (checkpointed) → 1`)
}

// failingCheckpoints answers every checkpoint request with status and
// passes the rest to next.
type failingCheckpoints struct {
	next   http.RoundTripper
	status int
	seen   atomic.Int32
}

func (f *failingCheckpoints) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.Contains(req.URL.Path, "/v1/checkpoint/") {
		return f.next.RoundTrip(req)
	}
	f.seen.Add(1)
	_ = req.Body.Close()
	return &http.Response{StatusCode: f.status, Body: io.NopCloser(strings.NewReader(`{"error":"down"}`)), Header: http.Header{}, Request: req}, nil
}

// A checkpoint that fails ends the request as without checkpointing: the
// step is reported in the answer, saved once, and the run goes on.
func TestCheckpointFailureFallsBackToTheCallProtocol(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{0, 2} {
		t.Run(fmt.Sprintf("BatchSteps%d", batch), func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, devserver.Config{TimeSkipping: true, Logger: quietLogger()})
			api := &failingCheckpoints{next: srv.HTTPClient().Transport, status: http.StatusServiceUnavailable}
			calls := countedApp(t, srv, &inngest.Checkpoint{BatchSteps: batch}, 3, api)

			r := oneRun(t, srv, send(t, srv, "sum", nil))

			require.Equal(t, devserver.StatusCompleted, r.Status)
			require.JSONEq(t, `6`, string(r.Output))
			names := []string{}
			for _, e := range srv.Timeline(r.ID) {
				if e.Kind == devserver.TimelineStep {
					require.False(t, e.Checkpointed)
					names = append(names, e.Name)
				}
			}
			require.Equal(t, []string{"add-1", "add-2", "add-3"}, names, "each step saved once")
			if batch == 0 {
				// Each call runs a step, fails to save it, reports it.
				require.EqualValues(t, 4, calls.Load())
				require.EqualValues(t, 3, api.seen.Load())
			} else {
				// Call 1 runs add-1 and add-2, fails to save them and
				// reports both. After an answer of several ops the server
				// plans steps (disable_immediate_execution), which are
				// never checkpointed: call 2 plans add-3, call 3 runs it,
				// call 4 returns the result.
				require.EqualValues(t, 4, calls.Load())
				require.EqualValues(t, 1, api.seen.Load())
			}
		})
	}
}

// With a signing key, the checkpoint API wants the bearer token, as the
// real server's API: an app holding the key checkpoints over HTTP.
func TestCheckpointWithSigningKeyOverHTTP(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{SigningKey: "signkey-prod-" + keyHex, TimeSkipping: true, Logger: quietLogger()})
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "cloud", SigningKey: keyHex, Dev: "0",
		APIOrigin: srv.URL(), EventAPIOrigin: srv.URL(), EventKey: "k", Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "sum", Checkpoint: &inngest.Checkpoint{}}, inngest.OnEvent("sum"), sumSteps(3))
	require.NoError(t, err)
	var calls atomic.Int32
	h := handlerFor(c)
	ts := newHTTPServerFor(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			calls.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	require.NoError(t, srv.SyncApp(ctxT(t), ts+"/api/inngest"))

	r := oneRun(t, srv, send(t, srv, "sum", nil))

	require.Equal(t, devserver.StatusCompleted, r.Status)
	require.JSONEq(t, `6`, string(r.Output))
	require.EqualValues(t, 1, calls.Load())
}

// newHTTPServerFor serves h on a loopback socket and returns its origin.
func newHTTPServerFor(t *testing.T, h http.Handler) string {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}
