package inngesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// maxCalls bounds the call requests of one Run, so that a function that
// never settles fails the test instead of hanging it.
const maxCalls = 10000

// unitURL is the app URL the engine reports the handler at; no request
// ever leaves the process.
const unitURL = "http://inngesttest.invalid/api/inngest"

// Run executes fn in process, through the real handler of client c, with
// the events and mocks given by opts, and returns its record once the run
// completed, failed for good, or was stopped by StopAt.
//
// The engine plays the orchestrator: it sends the handler call requests
// as the server would (real JSON both ways), saves each step's result,
// resolves sleeps at once on a virtual clock, answers waits and invokes
// from mocks (or runs an invoked function of the same client in process),
// retries failed steps and function errors up to the function's retries,
// and runs the function's onFailure handler when the run fails. The
// function's own error is in the result, not a test failure; misuse (an
// unmocked WaitForEvent, a function not served by c) fails the test.
func Run[T, R any](t testing.TB, c *inngest.Client, fn *inngest.Function[T, R], opts ...Option) *Result[R] {
	t.Helper()
	if c == nil || fn == nil {
		t.Fatalf("inngesttest.Run needs a client and a function")
		return nil
	}
	e := newEngine(t, c, opts)
	rec := e.start(fn.FullID())
	res := &Result[R]{RunRecord: *rec}
	if rec.Status == StatusCompleted && !wire.IsNull(rec.RawOutput) {
		if err := json.Unmarshal(rec.RawOutput, &res.Output); err != nil {
			t.Fatalf("inngesttest: %s returned %s, which does not decode into %T: %v", rec.FunctionID, rec.RawOutput, res.Output, err)
		}
	}
	return res
}

// engine is the orchestrator of one Run call: one virtual clock and one
// set of mocks shared by the runs it makes.
type engine struct {
	tb     testing.TB
	cfg    *config
	app    *app.App
	h      http.Handler
	fns    map[string]wire.Function
	now    time.Time
	calls  int
	noExec bool // ask the SDK to plan every step rather than run it
}

func newEngine(t testing.TB, c *inngest.Client, opts []Option) *engine {
	t.Helper()
	a, ok := app.Of(c)
	if !ok {
		t.Fatalf("inngesttest.Run needs a client from inngest.NewClient or inngesttest.NewClient")
	}
	cfg := newConfig(opts)
	for _, err := range cfg.errs {
		t.Errorf("%v", err)
	}
	if len(cfg.errs) > 0 {
		t.FailNow()
	}
	h := handler.New(c, nil)
	e := &engine{tb: t, cfg: cfg, app: a, h: h, fns: map[string]wire.Function{}, now: cfg.start}
	if e.now.IsZero() {
		e.now = time.Now()
	}
	// The sync payload is the function config the server would hold:
	// triggers, and retries as steps.step.retries.attempts.
	for _, f := range h.Payload(unitURL).Functions {
		e.fns[f.ID] = f
	}
	e.noExec = len(cfg.steps) > 0 || len(cfg.sends) > 0 || cfg.stopAt != ""
	return e
}

func (e *engine) fatalf(format string, args ...any) {
	e.tb.Helper()
	e.tb.Fatalf("inngesttest: "+format, args...)
}

// start runs the top-level function with the configured events.
func (e *engine) start(fnID string) *RunRecord {
	e.tb.Helper()
	f, ok := e.fns[fnID]
	if !ok {
		e.fatalf("function %q is not served by client %q; create it on the client passed to Run", fnID, e.app.Config.AppID)
	}
	events := e.cfg.events
	if len(events) == 0 {
		events = []wire.Event{defaultEvent(f)}
	}
	r := e.newRunner(fnID, events, e.cfg.runID)
	r.stopAt = e.cfg.stopAt
	r.run()
	return r.rec
}

// defaultEvent is the event a run starts with when a test gives none.
func defaultEvent(f wire.Function) wire.Event {
	for _, tr := range f.Triggers {
		if tr.Event != "" {
			return wire.Event{Name: tr.Event, Data: json.RawMessage("{}")}
		}
	}
	cron := ""
	if len(f.Triggers) > 0 {
		cron = f.Triggers[0].Cron
	}
	data, _ := json.Marshal(map[string]string{"cron": cron})
	return wire.Event{Name: wire.EventCron, Data: data}
}

// runner plays one run: its events, memoized steps and stack.
type runner struct {
	e           *engine
	fnID        string
	rec         *RunRecord
	event       json.RawMessage
	events      []json.RawMessage
	steps       map[string]json.RawMessage
	stack       []string
	maxAttempts int
	noImmed     bool
	stopAt      string
}

func (e *engine) newRunner(fnID string, events []wire.Event, runID string) *runner {
	if runID == "" {
		runID = uuid.NewString()
	}
	r := &runner{e: e, fnID: fnID, steps: map[string]json.RawMessage{}, maxAttempts: 1}
	if f, ok := e.fns[fnID]; ok {
		if s, ok := f.Steps["step"]; ok && s.Retries != nil && s.Retries.Attempts > 0 {
			r.maxAttempts = s.Retries.Attempts
		}
	}
	r.rec = &RunRecord{FunctionID: fnID, RunID: runID, Started: e.now, tb: e.tb}
	for _, ev := range events {
		if ev.ID == "" {
			ev.ID = uuid.NewString()
		}
		if ev.Timestamp == 0 {
			ev.Timestamp = e.now.UnixMilli()
		}
		if wire.IsNull(ev.Data) {
			ev.Data = json.RawMessage("{}")
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			e.fatalf("encoding event %q: %v", ev.Name, err)
		}
		r.events = append(r.events, raw)
		r.rec.Events = append(r.rec.Events, genericEvent(ev))
	}
	r.event = r.events[0]
	return r
}

// run drives the run until it completes, fails for good or stops.
func (r *runner) run() {
	e := r.e
	e.tb.Helper()
	attempt := 0
	for {
		res := r.call("", "", attempt)
		switch res.status {
		case http.StatusOK:
			r.rec.Status, r.rec.RawOutput = StatusCompleted, res.body
			r.rec.Ended = e.now
			return
		case http.StatusPartialContent:
			if r.handleOps(res) {
				r.rec.Ended = e.now
				return
			}
			attempt = 0
			continue
		}
		r.rec.Attempts = append(r.rec.Attempts, Attempt{Attempt: attempt, Err: res.err, RetryAfter: res.retryAfter, At: e.now})
		if res.err.NoRetry || attempt+1 >= r.maxAttempts {
			r.fail(res.err)
			return
		}
		e.now = e.now.Add(res.retryAfter)
		attempt++
	}
}

// fail ends the run with err and runs the function's onFailure handler.
func (r *runner) fail(err *RunError) {
	e := r.e
	r.rec.Status, r.rec.Err, r.rec.Ended = StatusFailed, err, e.now
	failID := r.fnID + "-failure"
	if _, ok := e.fns[failID]; !ok {
		return
	}
	data, merr := json.Marshal(map[string]any{
		"function_id": r.fnID,
		"run_id":      r.rec.RunID,
		"error":       inngest.FailureError{Name: err.Name, Message: err.Message, Stack: err.Stack},
		"event":       r.event,
	})
	if merr != nil {
		e.fatalf("encoding the %s event: %v", wire.EventFunctionFailed, merr)
	}
	child := e.newRunner(failID, []wire.Event{{Name: wire.EventFunctionFailed, Data: data}}, "")
	child.run()
	r.rec.OnFailure = child.rec
}

// handleOps settles every step of a 206 answer, in order. It reports
// whether the run ended (stopped, or failed in a targeted call).
func (r *runner) handleOps(res callResult) bool {
	e := r.e
	e.tb.Helper()
	if len(res.ops) > 1 {
		r.noImmed = true
	}
	if r.stopAt != "" {
		for _, op := range res.ops {
			if userID(op) == r.stopAt {
				for _, op := range res.ops {
					rec := r.newRecord(op)
					r.describe(rec, op)
					r.rec.Next = append(r.rec.Next, rec)
				}
				r.rec.Status = StatusStopped
				return true
			}
		}
	}
	for _, op := range res.ops {
		rec := r.newRecord(op)
		r.describe(rec, op)
		switch op.Op {
		case wire.OpStepRun, wire.OpStepError, wire.OpStepFailed:
			// Run in this discovery call (immediate execution).
			if op.Op == wire.OpStepRun && sentIDs(op.Data, res.sent) {
				rec.Kind, rec.Sent = KindSendEvent, genericEvents(res.sent)
			}
			first := op
			if !r.settleRun(rec, &first, res.retryAfter) {
				return true
			}
		case wire.OpStepPlanned:
			if !r.settleRun(rec, nil, 0) {
				return true
			}
		case wire.OpSleep:
			r.sleep(rec)
		case wire.OpWaitForEvent:
			r.wait(rec)
		case wire.OpInvokeFunction:
			r.invoke(rec)
		default:
			e.fatalf("%s reported step %q with opcode %q, which the engine does not know", r.fnID, rec.ID, op.Op)
		}
	}
	return false
}

func userID(op wire.Op) string {
	if op.Userland != nil && op.Userland.ID != "" {
		return op.Userland.ID
	}
	if op.Name != "" {
		return op.Name
	}
	return op.DisplayName
}

func (r *runner) newRecord(op wire.Op) *StepRecord {
	rec := &StepRecord{ID: userID(op), Hash: op.ID, Kind: KindRun}
	if op.Userland != nil {
		rec.Index = op.Userland.Index
	}
	return rec
}

// describe fills a record's kind and options from its op.
func (r *runner) describe(rec *StepRecord, op wire.Op) {
	e := r.e
	e.tb.Helper()
	switch op.Op {
	case wire.OpStepPlanned:
		var o wire.RunOpts
		_ = json.Unmarshal(op.Opts, &o)
		if o.Type == "step.sendEvent" {
			rec.Kind = KindSendEvent
		}
	case wire.OpSleep:
		rec.Kind = KindSleep
		var o wire.SleepOpts
		if err := json.Unmarshal(op.Opts, &o); err != nil {
			e.fatalf("sleep step %q has malformed opts %s: %v", rec.ID, op.Opts, err)
		}
		until, err := timestr.ParseTimeOrDuration(o.Duration, e.now)
		if err != nil {
			e.fatalf("sleep step %q: %v", rec.ID, err)
		}
		if until.Before(e.now) {
			until = e.now
		}
		rec.Sleep, rec.Until = until.Sub(e.now), until
	case wire.OpWaitForEvent:
		rec.Kind = KindWaitForEvent
		var o wire.WaitForEventOpts
		if err := json.Unmarshal(op.Opts, &o); err != nil {
			e.fatalf("waitForEvent step %q has malformed opts %s: %v", rec.ID, op.Opts, err)
		}
		d, err := timestr.Parse(o.Timeout)
		if err != nil {
			e.fatalf("waitForEvent step %q: timeout: %v", rec.ID, err)
		}
		rec.Wait = &WaitOptions{Event: o.Event, Timeout: d}
		if o.If != nil {
			rec.Wait.If = *o.If
		}
	case wire.OpInvokeFunction:
		rec.Kind = KindInvoke
		var o wire.InvokeOpts
		if err := json.Unmarshal(op.Opts, &o); err != nil {
			e.fatalf("invoke step %q has malformed opts %s: %v", rec.ID, op.Opts, err)
		}
		rec.Invoke = &InvokeOptions{FunctionID: o.FunctionID, Data: o.Payload.Data}
		if o.Timeout != "" {
			d, err := timestr.Parse(o.Timeout)
			if err != nil {
				e.fatalf("invoke step %q: timeout: %v", rec.ID, err)
			}
			rec.Invoke.Timeout = d
		}
	}
}

// sentIDs reports whether a step's data is the list of the IDs of the
// events sent during its call: the mark of a step.SendEvent step run
// immediately (its op carries no opts saying so).
func sentIDs(data json.RawMessage, sent []wire.Event) bool {
	if len(sent) == 0 {
		return false
	}
	var ids []string
	if json.Unmarshal(data, &ids) != nil || len(ids) != len(sent) {
		return false
	}
	for i := range ids {
		if ids[i] != sent[i].ID {
			return false
		}
	}
	return true
}

// settleRun brings a Run (or SendEvent) step to its final result: a
// success, or an error after its last attempt. first is the outcome of
// attempt 0 when the SDK already ran the step; otherwise each attempt is
// a mock call or a targeted call. It reports false when the run failed
// in a targeted call.
func (r *runner) settleRun(rec *StepRecord, first *wire.Op, firstDelay time.Duration) bool {
	e := r.e
	e.tb.Helper()
	op, delay := first, firstDelay
	for attempt := 0; ; attempt++ {
		if op == nil {
			if mock, ok := e.cfg.steps[rec.ID]; ok {
				op, delay = r.mockRun(rec, mock, attempt)
			} else {
				res := r.call(rec.Hash, rec.ID, attempt)
				switch {
				case res.status == http.StatusPartialContent && len(res.ops) == 1 && res.ops[0].ID == rec.Hash:
					op, delay = &res.ops[0], res.retryAfter
					if rec.Kind == KindSendEvent {
						rec.Sent = genericEvents(res.sent)
					}
				case res.status == http.StatusPartialContent || res.status == http.StatusOK:
					e.fatalf("%s answered the targeted call for step %q with %d %s; want the step's own result", r.fnID, rec.ID, res.status, res.body)
				default:
					// The call failed as a whole (the step was not found,
					// say): the orchestrator retries it like a function
					// error.
					r.rec.Attempts = append(r.rec.Attempts, Attempt{Attempt: attempt, Err: res.err, RetryAfter: res.retryAfter, At: e.now})
					if res.err.NoRetry || attempt+1 >= r.maxAttempts {
						r.fail(res.err)
						return false
					}
					e.now = e.now.Add(res.retryAfter)
					continue
				}
			}
		}
		switch op.Op {
		case wire.OpStepRun:
			data := op.Data
			if len(data) == 0 {
				data = json.RawMessage("null")
			}
			rec.Output, rec.Attempt = data, attempt
			r.memo(rec, wire.StepOutcome{Data: data})
			return true
		case wire.OpStepError, wire.OpStepFailed:
			ue := wire.UserError{Name: "Error", Message: "step failed without an error body"}
			if op.Error != nil {
				ue = *op.Error
			}
			noRetry := op.Op == wire.OpStepFailed || ue.NoRetry
			rec.Attempts = append(rec.Attempts, Attempt{Attempt: attempt, Err: runError(ue, noRetry), RetryAfter: delay, At: e.now})
			if noRetry || attempt+1 >= r.maxAttempts {
				rec.Attempt = attempt
				rec.Err = &inngest.StepError{Name: ue.Name, Message: ue.Message, Stack: ue.Stack, StepID: rec.ID}
				r.memo(rec, wire.StepOutcome{Error: &wire.UserError{Name: ue.Name, Message: ue.Message, Stack: ue.Stack}})
				return true
			}
			e.now = e.now.Add(delay)
			op, delay = nil, 0
		default:
			e.fatalf("%s answered step %q with opcode %q; want StepRun, StepError or StepFailed", r.fnID, rec.ID, op.Op)
		}
	}
}

// mockRun runs a step mock for one attempt and turns its answer into the
// op the SDK would have sent.
func (r *runner) mockRun(rec *StepRecord, mock func(int) (json.RawMessage, error), attempt int) (*wire.Op, time.Duration) {
	rec.Mocked = true
	data, err := mock(attempt)
	if err == nil {
		return &wire.Op{ID: rec.Hash, Op: wire.OpStepRun, Data: data}, 0
	}
	ue, noRetry, at := classify(err)
	op := &wire.Op{ID: rec.Hash, Op: wire.OpStepError, Error: &ue}
	if noRetry {
		op.Op = wire.OpStepFailed
	}
	var delay time.Duration
	if !at.IsZero() {
		delay = max(time.Until(at).Round(time.Millisecond), 0)
	}
	return op, delay
}

func runError(ue wire.UserError, noRetry bool) *RunError {
	return &RunError{Name: ue.Name, Message: ue.Message, Stack: ue.Stack, NoRetry: noRetry || ue.NoRetry}
}

// memo saves a step's result as the server would and stacks its ID.
func (r *runner) memo(rec *StepRecord, v any) {
	var raw json.RawMessage
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			r.e.fatalf("encoding the result of step %q: %v", rec.ID, err)
		}
		raw = b
	}
	if wire.IsNull(raw) {
		raw = json.RawMessage("null")
	}
	r.steps[rec.Hash] = raw
	r.stack = append(r.stack, rec.Hash)
	rec.At = r.e.now
	r.rec.Steps = append(r.rec.Steps, rec)
}

func (r *runner) sleep(rec *StepRecord) {
	r.e.now = rec.Until
	rec.Output = json.RawMessage("null")
	r.memo(rec, json.RawMessage("null"))
}

func (r *runner) wait(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	raw, ok := e.cfg.waits[rec.ID]
	if !ok {
		e.fatalf("step %q of %s waits for event %q (timeout %s) and has no mock: add inngesttest.MockWaitForEvent(%q, event) or inngesttest.MockWaitTimeout(%q)",
			rec.ID, r.fnID, rec.Wait.Event, rec.Wait.Timeout, rec.ID, rec.ID)
	}
	rec.Mocked = true
	if raw == nil {
		e.now = e.now.Add(rec.Wait.Timeout)
		rec.TimedOut, rec.Output = true, json.RawMessage("null")
		r.memo(rec, json.RawMessage("null"))
		return
	}
	var ev wire.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		e.fatalf("mocked event of step %q: %v", rec.ID, err)
	}
	if ev.ID == "" {
		ev.ID = uuid.NewString()
	}
	if ev.Timestamp == 0 {
		ev.Timestamp = e.now.UnixMilli()
	}
	if wire.IsNull(ev.Data) {
		ev.Data = json.RawMessage("{}")
	}
	out, err := json.Marshal(ev)
	if err != nil {
		e.fatalf("mocked event of step %q: %v", rec.ID, err)
	}
	rec.Output = out
	r.memo(rec, json.RawMessage(out))
}

func (r *runner) invoke(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	data := rec.Invoke.Data
	if wire.IsNull(data) {
		data = json.RawMessage("{}")
	}
	if mock, ok := e.cfg.invokes[rec.ID]; ok {
		rec.Mocked = true
		out, err := mock(data)
		if err != nil {
			ue, _, _ := classify(err)
			r.invokeFailed(rec, &RunError{Name: ue.Name, Message: ue.Message})
			return
		}
		rec.Output = out
		r.memo(rec, wire.StepOutcome{Data: out})
		return
	}
	if _, ok := e.fns[rec.Invoke.FunctionID]; !ok {
		e.fatalf("step %q of %s invokes %q, which client %q does not serve: mock it with inngesttest.MockInvoke(%q, ...)",
			rec.ID, r.fnID, rec.Invoke.FunctionID, e.app.Config.AppID, rec.ID)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		e.fatalf("invoke step %q: data %s is not a JSON object", rec.ID, data)
	}
	meta, _ := json.Marshal(map[string]string{
		wire.InvokeFnIDKey:        rec.Invoke.FunctionID,
		wire.InvokeCorrelationKey: r.rec.RunID + "." + rec.Hash,
	})
	fields[wire.InngestDataKey] = meta
	evData, _ := json.Marshal(fields)
	child := e.newRunner(rec.Invoke.FunctionID, []wire.Event{{Name: wire.EventFunctionInvoked, Data: evData}}, "")
	child.run()
	rec.Invoked = child.rec
	if child.rec.Status == StatusCompleted {
		out := child.rec.RawOutput
		if wire.IsNull(out) {
			out = json.RawMessage("null")
		}
		rec.Output = out
		r.memo(rec, wire.StepOutcome{Data: out})
		return
	}
	err, _ := child.rec.Err.(*RunError)
	if err == nil {
		err = &RunError{Name: "Error", Message: fmt.Sprintf("invoked run %s did not complete", child.rec.RunID)}
	}
	r.invokeFailed(rec, err)
}

func (r *runner) invokeFailed(rec *StepRecord, err *RunError) {
	rec.Attempts = append(rec.Attempts, Attempt{Err: err, At: r.e.now})
	rec.Err = &inngest.StepError{Name: err.Name, Message: err.Message, Stack: err.Stack, StepID: rec.ID}
	r.memo(rec, wire.StepOutcome{Error: &wire.UserError{Name: err.Name, Message: err.Message, Stack: err.Stack}})
}

// callKey keys the callState in a call request's context, where the
// engine's transport finds it when the function sends events.
type callKey struct{}

// callState is what one call request's sends are recorded in.
type callState struct {
	r      *runner
	stepID string // the targeted step's user ID; "" in a discovery call

	mu     sync.Mutex
	events []wire.Event
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
	param := hash
	if param == "" {
		param = "step"
	}
	req := wire.CallRequest{
		Event:  r.event,
		Events: r.events,
		Steps:  r.steps,
		Ctx: wire.CallCtx{
			FnID:                      r.fnID,
			RunID:                     r.rec.RunID,
			StepID:                    param,
			Attempt:                   attempt,
			MaxAttempts:               r.maxAttempts,
			Stack:                     wire.Stack{Stack: r.stack, Current: len(r.stack)},
			DisableImmediateExecution: r.noImmed || e.noExec,
		},
		Version: 2,
	}
	body, err := json.Marshal(req)
	if err != nil {
		e.fatalf("encoding a call request: %v", err)
	}
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
	cs.mu.Lock()
	res.sent = cs.events
	cs.mu.Unlock()
	r.rec.Sent = append(r.rec.Sent, genericEvents(res.sent)...)
	res.retryAfter = retryDelay(w.Header().Get(wire.HeaderRetryAfter))
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
	noRetry := w.Header().Get(wire.HeaderNoRetry)
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

// retryDelay reads a Retry-After header (an RFC 3339 time, or seconds)
// as a delay from now. The header has whole seconds and the SDK
// truncates the time it asked for, so the delay is rounded up to the
// second.
func retryDelay(h string) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil {
		return time.Duration(max(n, 0)) * time.Second
	}
	t, err := time.Parse(time.RFC3339, h)
	if err != nil {
		return 0
	}
	secs := math.Ceil(time.Until(t).Seconds())
	return time.Duration(max(secs, 0)) * time.Second
}
