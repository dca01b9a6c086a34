package inngesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

// seenCall is one call request as the handler received it.
type seenCall struct {
	stepID string
	fnID   string // the fnId query parameter
	req    wire.CallRequest
	status int
}

// statusWriter remembers the status the handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// runWire runs fnID like Run and returns every call request it sent.
func runWire(t *testing.T, c *inngest.Client, fnID string, opts ...Option) ([]seenCall, *RunRecord) {
	t.Helper()
	e := newEngine(t, c, opts)
	inner := e.h
	var calls []seenCall
	e.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		var req wire.CallRequest
		require.NoError(t, json.Unmarshal(body, &req))
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		inner.ServeHTTP(sw, r)
		calls = append(calls, seenCall{stepID: r.URL.Query().Get("stepId"), fnID: r.URL.Query().Get("fnId"), req: req, status: sw.status})
	})
	return calls, e.start(fnID)
}

func hash(id string) string { return wire.HashStepID(id) }

type approval struct {
	By string `json:"by"`
}

func TestMemoizedShapesAreTheServers(t *testing.T) {
	t.Parallel()
	c := NewClient(t, inngest.ClientConfig{AppID: "wire"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "shapes"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			a, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "A", nil })
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "s", time.Minute); err != nil {
				return "", err
			}
			ev, err := step.WaitForEvent(ctx, "w", inngest.EventType[approval]("approved"), step.WaitOpts{Timeout: time.Hour})
			if err != nil {
				return "", err
			}
			_, err = step.Run(ctx, "b", func(ctx context.Context) (int, error) {
				return 0, inngest.NonRetriable(errors.New("no"))
			})
			return a + ev.Data.By + err.Error(), nil
		})
	require.NoError(t, err)

	calls, rec := runWire(t, c, "wire-shapes", MockWaitForEvent("w", inngest.Event[approval]{ID: "ev-1", Name: "approved", Data: approval{By: "ana"}, Timestamp: 7}))

	require.Equal(t, StatusCompleted, rec.Status)
	require.JSONEq(t, `"Aanastep \"b\" failed: no"`, string(rec.RawOutput))
	last := calls[len(calls)-1].req
	require.Equal(t, []string{hash("a"), hash("s"), hash("w"), hash("b")}, last.Ctx.Stack.Stack)
	require.Equal(t, 4, last.Ctx.Stack.Current)
	require.JSONEq(t, `{"data":"A"}`, string(last.Steps[hash("a")]))
	require.JSONEq(t, `null`, string(last.Steps[hash("s")]))
	require.JSONEq(t, `{"id":"ev-1","name":"approved","data":{"by":"ana"},"ts":7}`, string(last.Steps[hash("w")]))
	require.JSONEq(t, `{"error":{"name":"NonRetriableError","message":"no"}}`, string(last.Steps[hash("b")]))
	for _, call := range calls {
		require.Equal(t, "step", call.stepID, "no step was planned, so every call is a discovery call")
		require.False(t, call.req.Ctx.DisableImmediateExecution)
		require.NotEmpty(t, call.req.Event)
		require.Len(t, call.req.Events, 1)
		require.Equal(t, rec.RunID, call.req.Ctx.RunID)
		require.Equal(t, 4, call.req.Ctx.MaxAttempts)
	}
}

func TestParallelUsesTargetedCallsThenPlans(t *testing.T) {
	t.Parallel()
	c := NewClient(t, inngest.ClientConfig{AppID: "wire"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "par"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			xs, err := step.Parallel(ctx,
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "x", func(ctx context.Context) (int, error) { return 1, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "y", func(ctx context.Context) (int, error) { return 2, nil })
				})
			if err != nil {
				return 0, err
			}
			return step.Run(ctx, "z", func(ctx context.Context) (int, error) { return xs[0] + xs[1], nil })
		})
	require.NoError(t, err)

	calls, rec := runWire(t, c, "wire-par")

	require.JSONEq(t, `3`, string(rec.RawOutput))
	var seq []string
	for _, call := range calls {
		seq = append(seq, call.stepID)
	}
	require.Equal(t, []string{"step", hash("x"), hash("y"), "step", hash("z"), "step"}, seq)
	require.False(t, calls[0].req.Ctx.DisableImmediateExecution)
	for _, call := range calls[1:] {
		require.True(t, call.req.Ctx.DisableImmediateExecution, "after a 206 with several ops")
	}
	require.Equal(t, http.StatusPartialContent, calls[0].status)
	require.Equal(t, http.StatusOK, calls[len(calls)-1].status)
}

func TestStepRetriesCountAttempts(t *testing.T) {
	t.Parallel()
	c := NewClient(t, inngest.ClientConfig{AppID: "wire"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "retry", Retries: inngest.Ptr(2)}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.Run(ctx, "flaky", func(ctx context.Context) (int, error) {
				if in.Attempt < 2 {
					return 0, errors.New("not yet")
				}
				return in.Attempt, nil
			})
		})
	require.NoError(t, err)

	calls, rec := runWire(t, c, "wire-retry")

	require.JSONEq(t, `2`, string(rec.RawOutput))
	var attempts []int
	for _, call := range calls {
		attempts = append(attempts, call.req.Ctx.Attempt)
		require.Equal(t, 3, call.req.Ctx.MaxAttempts)
	}
	require.Equal(t, []int{0, 1, 2, 0}, attempts)
	require.Equal(t, []string{"step", hash("flaky"), hash("flaky"), "step"},
		[]string{calls[0].stepID, calls[1].stepID, calls[2].stepID, calls[3].stepID})
}

func TestMocksMakeTheSDKPlanFirst(t *testing.T) {
	t.Parallel()
	c := NewClient(t, inngest.ClientConfig{AppID: "wire"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "plan"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			a, err := step.Run(ctx, "mocked", func(ctx context.Context) (int, error) { panic("mocked code ran") })
			if err != nil {
				return 0, err
			}
			b, err := step.Run(ctx, "real", func(ctx context.Context) (int, error) { return 10, nil })
			return a + b, err
		})
	require.NoError(t, err)

	calls, rec := runWire(t, c, "wire-plan", MockStepResult("mocked", 5))

	require.JSONEq(t, `15`, string(rec.RawOutput))
	var seq []string
	for _, call := range calls {
		seq = append(seq, call.stepID)
		require.True(t, call.req.Ctx.DisableImmediateExecution)
	}
	require.Equal(t, []string{"step", "step", hash("real"), "step"}, seq)
}

func TestFunctionRetryAfterMovesTheClock(t *testing.T) {
	t.Parallel()
	c := NewClient(t, inngest.ClientConfig{AppID: "wire"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "later"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			if in.Attempt == 0 {
				return 0, inngest.RetryAfter(errors.New("busy"), 10*time.Minute)
			}
			return in.Attempt, nil
		})
	require.NoError(t, err)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	calls, rec := runWire(t, c, "wire-later", StartAt(start))

	require.Len(t, calls, 2)
	require.Equal(t, http.StatusInternalServerError, calls[0].status)
	require.JSONEq(t, `1`, string(rec.RawOutput))
	// Sent as 601 seconds: from a whole second, the real server waits all
	// of them.
	require.Equal(t, 10*time.Minute+time.Second, rec.Attempts[0].RetryAfter)
	require.Equal(t, "RetryAfterError", rec.Attempts[0].Err.Name)
	require.Equal(t, start.Add(10*time.Minute+time.Second), rec.Ended)
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	require.Zero(t, retryDelay("", time.Time{}))
	require.Zero(t, retryDelay("soon", time.Time{}))
	require.Equal(t, 30*time.Second, retryDelay("30", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	// A time is read against the engine's clock, never the wall clock.
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	require.Zero(t, retryDelay(now.Add(-time.Hour).Format(time.RFC3339), now))
	require.Equal(t, time.Hour, retryDelay(now.Add(time.Hour).Format(time.RFC3339), now))
	require.Equal(t, 90*time.Second, retryDelay(now.Add(90*time.Second).Format(http.TimeFormat), now))
}

// ctx.fn_id is the function's UUID, as devserver and the real server send
// it (the official Go SDK refuses a slug); the slug travels in fnId.
func TestCallCtxFnIDIsTheFunctionUUID(t *testing.T) {
	t.Parallel()
	c := NewClient(t, inngest.ClientConfig{AppID: "wire"})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "uuid"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) { return 1, nil })
	require.NoError(t, err)
	calls, _ := runWire(t, c, "wire-uuid")
	require.NotEmpty(t, calls)
	require.Equal(t, "wire-uuid", calls[0].fnID)
	require.Equal(t, wire.FunctionUUID("wire-uuid"), calls[0].req.Ctx.FnID)
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, calls[0].req.Ctx.FnID)
}
