package handler_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

// streamingApp serves functions whose outcome the test picks by event
// data, each waiting for release first, with a streaming handler whose
// keep-alive ticks the test drives.
func streamingApp(t *testing.T, release <-chan struct{}) (*handler.Handler, chan time.Time) {
	t.Helper()
	c := devClient(t)
	wait := func() {
		if release != nil {
			<-release
		}
	}
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "result"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { wait(); return "hello", nil })
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "steps"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			wait()
			return 1, step.Sleep(ctx, "nap", time.Minute)
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fails"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			wait()
			return 0, inngest.NonRetriable(errors.New("bad input"))
		})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "later"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			wait()
			return 0, inngest.RetryAfter(errors.New("busy"), 30*time.Second)
		})
	require.NoError(t, err)
	h := handler.New(c, handler.Config{Streaming: true})
	ticks := make(chan time.Time)
	handler.SetKeepAliveTicks(h, ticks)
	return h, ticks
}

// frame checks a streamed answer: 201, exactly spaces keep-alive spaces,
// then one frame, which it returns parsed.
func frame(t *testing.T, res response, spaces int) wire.StreamFrame {
	t.Helper()
	require.Equal(t, http.StatusCreated, res.Code)
	require.Equal(t, strings.Repeat(" ", spaces), string(res.Body[:spaces]))
	require.Equal(t, byte('{'), res.Body[spaces], "%q", res.Body)
	f, err := wire.ParseStream(res.Body)
	require.NoError(t, err)
	return f
}

func TestStreamingKeepAliveUntilResult(t *testing.T) {
	release := make(chan struct{})
	h, ticks := streamingApp(t, release)
	done := make(chan response)
	go func() { done <- post(t, h, "result", "step", callBody(t, testEvent, nil, nil)) }()
	for range 3 {
		ticks <- time.Time{} // received by the handler, which writes a space
	}
	close(release)
	res := <-done
	f := frame(t, res, 3)
	require.Equal(t, http.StatusOK, f.Status)
	require.Equal(t, `"hello"`, string(f.Body), "a string result survives the server's unwrapping")
	golden(t, "stream_result", bytes.TrimLeft(res.Body, " "))
}

func TestStreamingFrames(t *testing.T) {
	h, _ := streamingApp(t, nil)
	tests := []struct {
		fn, golden string
		status     int
		noRetry    string
	}{
		{"steps", "stream_steps", http.StatusPartialContent, ""},
		{"fails", "stream_non_retriable", http.StatusBadRequest, "true"},
		{"later", "stream_retry_after", http.StatusInternalServerError, "false"},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			res := post(t, h, tt.fn, "step", callBody(t, testEvent, nil, nil))
			f := frame(t, res, 0)
			require.Equal(t, tt.status, f.Status)
			require.Equal(t, tt.noRetry, f.Headers[wire.HeaderNoRetry])
			golden(t, tt.golden, res.Body)
		})
	}
}

func TestStreamingAnswersAtOnce(t *testing.T) {
	release := make(chan struct{})
	h, ticks := streamingApp(t, release)
	srv := httptest.NewServer(h)
	defer srv.Close()
	body := callBody(t, testEvent, nil, nil)
	resp, err := srv.Client().Post(srv.URL+"/api/inngest?fnId=app-result&stepId=step", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	// The function is still waiting for release: the status came first.
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Equal(t, wire.ReqVersion, resp.Header.Get(wire.HeaderReqVersion))
	ticks <- time.Time{}
	one := make([]byte, 1)
	_, err = io.ReadFull(resp.Body, one)
	require.NoError(t, err)
	require.Equal(t, " ", string(one), "a keep-alive space reaches the server while the function runs")
	close(release)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	f, err := wire.ParseStream(rest)
	require.NoError(t, err)
	require.Equal(t, `"hello"`, string(f.Body))
}

func TestStreamingErrorsBeforeTheRunAreNotStreamed(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	h := handler.New(cloudClient(t, testSigningKey, ""), handler.Config{Streaming: true, Now: func() time.Time { return now }})
	body := callBody(t, testEvent, nil, nil)
	res := do(t, h, http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", body, nil)
	require.Equal(t, http.StatusUnauthorized, res.Code, "a refused request is answered as it is, not streamed")
	res = do(t, h, http.MethodPost, "/api/inngest?fnId=app-missing&stepId=step", body, signed(body, testSigningKey, now))
	require.Equal(t, http.StatusInternalServerError, res.Code)
}
