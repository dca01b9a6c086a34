package inngesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// callKey keys the callState in a call request's context, where the
// engine's transport finds it when the function sends events.
type callKey struct{}

// callState is what one call request's sends are recorded in.
type callState struct {
	r      *runner
	stepID string // the targeted step's user ID; "" in a discovery call

	mu     sync.Mutex
	events []wire.Event
	// signals are the signals sent during the call (POST /v1/signals).
	signals []wire.SendSignalRequest
	cpSent  int // events already matched to checkpointed steps
}

// sent records events sent during the call and applies the targeted
// step's MockSendEvent, if any: non-nil IDs replace the events' own.
func (c *callState) sent(events []wire.Event) ([]string, error) {
	c.mu.Lock()
	c.events = append(c.events, events...)
	c.mu.Unlock()
	if c.stepID == "" {
		return nil, nil
	}
	mock, ok := c.r.e.cfg.sends[c.stepID]
	if !ok {
		return nil, nil
	}
	c.r.e.use(c.stepID)
	return mock(genericEvents(events))
}

// callResult is the handler's answer to one call request.
type callResult struct {
	status     int
	body       []byte
	ops        []wire.Op
	err        *RunError
	retryAfter time.Duration
	sent       []wire.Event
	signals    []wire.SendSignalRequest
}

// call sends one call request: a discovery call when hash is "", else a
// call targeting that step.
func (r *runner) call(hash, stepID string, attempt int) callResult {
	e := r.e
	e.tb.Helper()
	e.calls++
	r.rec.Calls++
	if e.calls > maxCalls {
		e.fatalf("%s did not settle after %d call requests; its steps so far: %s", r.fnID, maxCalls, r.rec.describeSteps())
	}
	body, param := r.request(hash, attempt)
	cs := &callState{r: r, stepID: stepID}
	ctx := context.WithValue(context.Background(), callKey{}, cs)
	target := unitURL + "?fnId=" + url.QueryEscape(r.fnID) + "&stepId=" + url.QueryEscape(param)
	hr := httptest.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	hr.Header.Set(wire.HeaderContentType, "application/json")
	hr.Header.Set(wire.HeaderServerKind, wire.ServerKindDev)
	if key := e.app.Config.SigningKey; key != "" {
		hr.Header.Set(wire.HeaderSignature, sign.Header(key, body, time.Now()))
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, hr)

	res := callResult{status: w.Code, body: w.Body.Bytes()}
	header := w.Header()
	if res.status == wire.StatusStreaming {
		// A streamed answer (handler.Config.Streaming, INNGEST_STREAMING):
		// read as the server reads it.
		f, err := wire.ParseStream(res.body)
		if err != nil {
			e.fatalf("%s answered a stream the server cannot read: %v: %q", r.fnID, err, res.body)
		}
		f.Merge(header)
		res.status, res.body = f.Status, f.Body
	}
	cs.mu.Lock()
	res.sent, res.signals = cs.events, cs.signals
	cs.mu.Unlock()
	r.rec.Sent = append(r.rec.Sent, genericEvents(res.sent)...)
	res.retryAfter = retryDelay(header.Get(wire.HeaderRetryAfter), e.now)
	switch res.status {
	case http.StatusOK:
		return res
	case http.StatusPartialContent:
		if err := json.Unmarshal(res.body, &res.ops); err != nil {
			e.fatalf("%s answered 206 with a body that is not a list of ops: %s: %v", r.fnID, res.body, err)
		}
		if len(res.ops) == 0 {
			e.fatalf("%s answered 206 with no ops", r.fnID)
		}
		return res
	}
	noRetry := header.Get(wire.HeaderNoRetry)
	if noRetry == "" {
		e.fatalf("the handler answered %d without %s: %s", res.status, wire.HeaderNoRetry, res.body)
	}
	var ue wire.UserError
	if json.Unmarshal(res.body, &ue) != nil || (ue.Name == "" && ue.Message == "") {
		ue = wire.UserError{Name: "Error", Message: string(res.body)}
	}
	res.err = runError(ue, noRetry == "true")
	return res
}

// retryDelay reads a Retry-After value as the real server reads it
// (wire.ParseRetryAfter), as a delay from now on the engine's clock.
func retryDelay(h string, now time.Time) time.Duration {
	t := wire.ParseRetryAfter(h, now)
	if t.IsZero() {
		return 0
	}
	return max(t.Sub(now), 0)
}

// request encodes the call request for the step hash (none: the
// function's next step) and returns it with the stepId parameter.
func (r *runner) request(hash string, attempt int) ([]byte, string) {
	param := hash
	if param == "" {
		param = "step"
	}
	req := wire.CallRequest{
		Event:  r.event,
		Events: r.events,
		Steps:  r.steps,
		Ctx: wire.CallCtx{
			FnID:                      wire.FunctionUUID(r.fnID),
			RunID:                     r.rec.RunID,
			StepID:                    param,
			Attempt:                   attempt,
			MaxAttempts:               r.maxAttempts,
			Stack:                     wire.Stack{Stack: r.stack, Current: len(r.stack)},
			DisableImmediateExecution: r.noImmed || r.e.noExec,
		},
		Version: 2,
	}
	body, err := json.Marshal(req)
	if err != nil {
		r.e.fatalf("encoding a call request: %v", err)
	}
	return body, param
}
