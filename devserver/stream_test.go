package devserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

// An app of this SDK that streams its answers, over a real socket (the
// answer is chunked): steps, sleeps, results and errors all arrive.
func TestStreamedAnswers(t *testing.T) {
	srv := startServer(t, devserver.Config{TimeSkipping: true})
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL(), Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "steps"}, inngest.OnEvent("stream/steps"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			n, err := step.Run(ctx, "one", func(ctx context.Context) (int, error) { return 1, nil })
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", time.Hour); err != nil {
				return "", err
			}
			if n != 1 {
				return "", errors.New("step result lost")
			}
			return "done", nil
		})
	require.NoError(t, err)
	var attempts atomic.Int32
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fails", Retries: inngest.Ptr(3)}, inngest.OnEvent("stream/fails"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			attempts.Add(1)
			return 0, inngest.NonRetriable(errors.New("bad input"))
		})
	require.NoError(t, err)
	ts := httptest.NewServer(handler.New(c, handler.Config{Streaming: true}))
	t.Cleanup(ts.Close)
	require.NoError(t, srv.SyncApp(ctxT(t), ts.URL+"/api/inngest"))

	r := oneRun(t, srv, send(t, srv, "stream/steps", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, "%+v", r.Error)
	require.JSONEq(t, `"done"`, string(r.Output), "a string result is not unwrapped twice")

	r = oneRun(t, srv, send(t, srv, "stream/fails", nil))
	require.Equal(t, devserver.StatusFailed, r.Status)
	require.Equal(t, "bad input", r.Error.Message)
	require.EqualValues(t, 1, attempts.Load(), "X-Inngest-No-Retry inside the frame is honoured")
}

// streamingRawApp answers every call 201 with whitespace and the given
// frame, as other SDKs stream.
func streamingRawApp(t *testing.T, srv *devserver.Server, frame func(req *wire.CallRequest) string) {
	t.Helper()
	const url = "http://raw.local/api/inngest"
	sync := &rawApp{url: url}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			sync.ServeHTTP(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var req wire.CallRequest
		require.NoError(t, json.Unmarshal(b, &req))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "   \n ")
		_, _ = io.WriteString(w, frame(&req))
	})
	require.NoError(t, srv.AddApp(ctxT(t), url, h))
}

func TestStreamedAnswersOfOtherSDKs(t *testing.T) {
	a := wire.HashStepID("a")
	tests := []struct {
		name   string
		frame  func(req *wire.CallRequest) string
		status devserver.RunStatus
		output string // of a completed run; else the failed run's error
	}{
		{"inngest-js: body as a string", func(req *wire.CallRequest) string {
			if _, ok := req.Steps[a]; ok {
				return `{"status":200,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}","version":2}`
			}
			return `{"status":206,"headers":{},"body":"[{\"id\":\"` + a + `\",\"op\":\"StepRun\",\"data\":7}]","version":2}`
		}, devserver.StatusCompleted, `{"ok":true}`},
		{"inngestgo: body as JSON", func(req *wire.CallRequest) string {
			if _, ok := req.Steps[a]; ok {
				return `{"status":200,"body":{"ok":true},"retryAt":null,"noRetry":false,"headers":null}` + "\n"
			}
			return `{"status":206,"body":[{"id":"` + a + `","op":"StepRun","data":7}],"retryAt":null,"noRetry":false,"headers":null}` + "\n"
		}, devserver.StatusCompleted, `{"ok":true}`},
		{"no-retry header in the frame", func(req *wire.CallRequest) string {
			return `{"status":400,"headers":{"X-Inngest-No-Retry":"true"},"body":"{\"name\":\"Error\",\"message\":\"nope\"}"}`
		}, devserver.StatusFailed, "nope"},
		{"only whitespace", func(req *wire.CallRequest) string { return "" }, devserver.StatusFailed, "streamed answer ended before its result"},
		{"an error frame", func(req *wire.CallRequest) string { return `{"error":"the app broke"}` }, devserver.StatusFailed, "the app broke"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
			streamingRawApp(t, srv, tt.frame)
			r := oneRun(t, srv, send(t, srv, "raw/go", nil))
			require.Equal(t, tt.status, r.Status, "%+v", r.Error)
			if tt.status == devserver.StatusFailed {
				require.Contains(t, r.Error.Message, tt.output)
				return
			}
			require.JSONEq(t, tt.output, string(r.Output))
			require.JSONEq(t, `{"data":7}`, string(r.Steps[a]))
		})
	}
}
