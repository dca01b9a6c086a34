package handler_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

// signalAPI is a fake POST /v1/signals: it records each body and answers
// with status and body.
type signalAPI struct {
	mu     sync.Mutex
	bodies []string
	status int
	answer string
}

func (a *signalAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	if r.URL.Path == "/v1/signals" {
		a.bodies = append(a.bodies, string(b))
	}
	status, answer := a.status, a.answer
	a.mu.Unlock()
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (a *signalAPI) sent() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.bodies...)
}

func (a *signalAPI) set(status int, answer string) {
	a.mu.Lock()
	a.status, a.answer = status, answer
	a.mu.Unlock()
}

// sendSignalClient serves "fn", whose step "notify" sends signal
// "approval-abc" with data, and returns the run it reached; its API
// requests go to api.
func sendSignalClient(t *testing.T, api *signalAPI) *inngest.Client {
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL, Logger: discardLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			sent, err := step.SendSignal(ctx, "notify", "approval-abc", approval{By: "ana"}, &step.Opts{Name: "Approve"})
			if err != nil {
				return "", err
			}
			return "reached " + sent.RunID, nil
		})
	require.NoError(t, err)
	return c
}

// A SendSignal step is reported as a Run step of type step.sendSignal
// naming its signal: planned, then run by a targeted call that posts the
// signal and answers the server's reply as the step's result.
func TestSendSignalStepOnTheWire(t *testing.T) {
	api := &signalAPI{}
	api.set(http.StatusOK, `{"data":{"run_id":"01JWAITER"},"metadata":{}}`)
	h := newHandler(sendSignalClient(t, api))

	res := post(t, h, "fn", "step", callBody(t, testEvent, nil, func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }))
	golden(t, "send_signal_planned", res.Body)
	require.Empty(t, api.sent(), "planning sends nothing")

	res = post(t, h, "fn", wire.HashStepID("notify"), callBody(t, testEvent, nil, nil))
	golden(t, "send_signal_run", res.Body)
	require.Equal(t, []string{`{"signal":"approval-abc","data":{"by":"ana"}}`}, api.sent())

	res = post(t, h, "fn", "step", callBody(t, testEvent, []memo{data("notify", `{"runId":"01JWAITER"}`)}, nil))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, `"reached 01JWAITER"`, string(res.Body))
	require.Len(t, api.sent(), 1, "a memoized signal is not sent again")
}

// No run waiting (404) is a result, saved without a run ID; any other
// failure is the step's error, retried.
func TestSendSignalStepWithoutAWaitingRun(t *testing.T) {
	api := &signalAPI{}
	api.set(http.StatusNotFound, `{"error":"No signal found"}`)
	h := newHandler(sendSignalClient(t, api))

	ops := post(t, h, "fn", wire.HashStepID("notify"), callBody(t, testEvent, nil, nil)).ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.JSONEq(t, `{}`, string(ops[0].Data))

	res := post(t, h, "fn", "step", callBody(t, testEvent, []memo{data("notify", `{}`)}, nil))
	require.JSONEq(t, `"reached "`, string(res.Body))

	api.set(http.StatusInternalServerError, `{"error":"Failed to receive signal"}`)
	ops = post(t, h, "fn", wire.HashStepID("notify"), callBody(t, testEvent, nil, nil)).ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepError, ops[0].Op)
	require.Equal(t, `inngest: SendSignal("approval-abc") failed with HTTP 500: Failed to receive signal`, ops[0].Error.Message)
}

// Bad arguments fail the call loudly before anything is reported or sent.
func TestSendSignalStepArguments(t *testing.T) {
	c := devClient(t)
	var errs []string
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
			_, err := step.SendSignal(ctx, "a", "", nil)
			errs = append(errs, err.Error())
			_, err = step.SendSignal(ctx, "b", "s", func() {})
			errs = append(errs, err.Error())
			_, err = step.SendSignal(ctx, "c", "s", nil, &step.Opts{}, &step.Opts{})
			errs = append(errs, err.Error())
			return 0, nil
		})
	require.NoError(t, err)
	res := post(t, newHandler(c), "fn", "step", callBody(t, testEvent, nil, nil))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.Equal(t, []string{
		`inngest: step.SendSignal("a") needs a signal name`,
		`inngest: step.SendSignal("b"): encoding data: json: unsupported type: func()`,
		`inngest: step.SendSignal("c") takes at most one *step.Opts, got 2`,
	}, errs)
}
