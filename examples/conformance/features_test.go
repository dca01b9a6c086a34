package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/handler"
)

// Features beyond the fixture, checked against a running dev server as
// the fixture is (CONFORMANCE_SERVER): AI steps through the server's
// gateway (the model is a fake served by this test, so the server must
// reach 127.0.0.1), display names in the server's trace, the
// BeforeMemoization and OnPanic hooks over retried calls, streamed
// answers, and which requests carry a trust probe.
func TestFeaturesOnServer(t *testing.T) {
	model := newFakeModel(t)
	hooks := &hookLog{}
	plain := serverClient(t, AppID+"-features", registerFeatures(model.URL, hooks))
	streamed := serverClient(t, AppID+"-streamed", registerStreamed)
	var plainLog, streamedLog requestLog
	serveHTTP(t, plain, handler.Config{}, plainLog.wrap)
	serveHTTP(t, streamed, handler.Config{Streaming: true, KeepAliveInterval: 200 * time.Millisecond}, streamedLog.wrap)
	env := &demo.Env{Client: plain, Out: io.Discard}
	run := func(t *testing.T, name, status string) demo.Run {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		ids, err := env.Send(ctx, inngest.GenericEvent{Name: name, Data: map[string]any{}})
		require.NoError(t, err)
		r, err := env.WaitForEventRun(ctx, ids[0])
		require.NoError(t, err)
		require.Equal(t, status, r.Status, string(r.Output))
		return r
	}

	t.Run("Checks", func(t *testing.T) {
		t.Run("AI", func(t *testing.T) {
			t.Parallel()
			r := run(t, evAI, "Completed")
			require.JSONEq(t, `{"openai":"openai says hi","anthropic":"anthropic says hi","gemini":"gemini says hi","wrap":"wrapped hi"}`, string(r.Output))
			require.Equal(t, map[string]string{"openai": keyOpenAI, "anthropic": keyAnthropic, "gemini": keyGemini}, model.keys())
			trace := runTrace(t, r.ID)
			t.Logf("trace: %s", trace)
			require.Contains(t, trace, `{"name":"gemini","stepOp":"AI_GATEWAY","stepType":"AI_GATEWAY"`)
			require.Contains(t, trace, `{"name":"wrap","stepOp":"RUN","stepType":"step.ai.wrap"`)
		})
		t.Run("DisplayNames", func(t *testing.T) {
			t.Parallel()
			r := run(t, evNamed, "Completed")
			trace := runTrace(t, r.ID)
			t.Logf("trace: %s", trace)
			require.Contains(t, trace, `"name":"A named run"`)
			require.Contains(t, trace, `"name":"A named sleep"`)
		})
		t.Run("Hooks", func(t *testing.T) {
			t.Parallel()
			r := run(t, evHooks, "Completed")
			require.JSONEq(t, `"survived"`, string(r.Output))
			lines := hooks.all()
			t.Logf("hooks: %q", lines)
			require.Contains(t, lines, "OnPanic(step panic in step panics-once)")
			require.Contains(t, lines, "OnPanic(body panic in body)")
			for i, l := range lines {
				if l == "TransformInput" {
					require.Equal(t, "BeforeMemoization", lines[i+1], "every call runs BeforeMemoization")
				}
			}
		})
		t.Run("Streamed", func(t *testing.T) {
			t.Parallel()
			r := run(t, evStreamed, "Completed")
			require.JSONEq(t, `"say \"hi\""`, string(r.Output))
		})
		t.Run("StreamedNoRetry", func(t *testing.T) {
			t.Parallel()
			r := run(t, evStreamedErr, "Failed")
			require.Contains(t, string(r.Output), "given up")
		})
	})
	t.Run("StreamedAnswers", func(t *testing.T) {
		calls := streamedLog.all()
		t.Logf("streamed app's calls: %v", calls)
		require.Equal(t, []string{"201", "201", "201"}, calls, "2 calls for the slow step's run, 1 for the failing run: no retry")
	})
	t.Run("NoTrustProbe", func(t *testing.T) {
		for _, l := range [][]string{plainLog.all(), streamedLog.all()} {
			require.NotContains(t, strings.Join(l, " "), "probe", "the open-source server sends no trust probe")
		}
	})
}

// requestLog records the call requests (POSTs) an app answered: the
// answer's status, and any probe query parameter.
type requestLog struct{ lines }

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if r.Method != http.MethodPost {
			return
		}
		entry := strconv.Itoa(sw.status)
		if p := r.URL.Query().Get("probe"); p != "" {
			entry += " probe=" + p
		}
		l.add(entry)
	})
}

// statusWriter notes the status written; Unwrap keeps flushing working.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// runTrace returns the server's trace of a run, as its GraphQL API gives
// it: the span names, step ops and step types, two levels deep.
func runTrace(t *testing.T, runID string) string {
	t.Helper()
	const q = `query($id: String!) { runTrace(runID: $id) { name status
		childrenSpans { name stepOp stepType status childrenSpans { name stepOp stepType status } } } }`
	body, err := json.Marshal(map[string]any{"query": q, "variables": map[string]string{"id": runID}})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, os.Getenv("CONFORMANCE_SERVER")+"/v0/gql", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	return string(out)
}
