package inngesttest

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/app"
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
// function's own error is in the result, not a test failure; so is an
// event the trigger's if expression rejects (StatusNotTriggered, with a
// *NotTriggeredError). Misuse (an unmocked WaitForEvent, an expression
// that does not compile, a function not served by c) fails the test.
func Run[T, R any](t testing.TB, c *inngest.Client, fn *inngest.Function[T, R], opts ...Option) *Result[R] {
	t.Helper()
	if c == nil || fn == nil {
		t.Fatalf("inngesttest.Run needs a client and a function")
		return nil
	}
	e := newEngine(t, c, opts)
	rec := e.start(fn.FullID())
	e.reportUnusedMocks(rec)
	res := &Result[R]{RunRecord: *rec}
	if rec.Status == StatusCompleted && !wire.IsNull(rec.RawOutput) {
		if err := json.Unmarshal(rec.RawOutput, &res.Output); err != nil {
			t.Fatalf("inngesttest: %s returned %s, which does not decode into %v: %v", rec.FunctionID, rec.RawOutput, reflect.TypeFor[R](), err)
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

	mu   sync.Mutex
	used map[string]bool // step IDs whose mock was used
}

func newEngine(t testing.TB, c *inngest.Client, opts []Option) *engine {
	t.Helper()
	a, ok := app.Of(c)
	if !ok {
		t.Fatalf("inngesttest.Run needs a client from inngest.NewClient or inngesttest.NewClient")
	}
	cfg := newConfig(a, opts)
	for _, err := range cfg.errs {
		t.Errorf("%v", err)
	}
	if len(cfg.errs) > 0 {
		t.FailNow()
	}
	h := handler.New(c, handler.Config{})
	e := &engine{tb: t, cfg: cfg, app: a, h: h, fns: map[string]wire.Function{}, now: cfg.start}
	if e.now.IsZero() {
		e.now = time.Now().Truncate(time.Second)
	}
	// The sync payload is the function config the server would hold:
	// triggers, and retries as steps.step.retries.attempts.
	for _, f := range a.Functions() {
		e.fns[f.CompositeID] = f.Config
	}
	e.noExec = len(cfg.steps) > 0 || len(cfg.sends) > 0 || len(cfg.sendSignals) > 0 || cfg.stopAt != ""
	return e
}

// use notes that the mock of stepID answered a step.
func (e *engine) use(stepID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.used == nil {
		e.used = map[string]bool{}
	}
	e.used[stepID] = true
}

// reportUnusedMocks logs the mocks no step used: a misspelt step ID shows
// up in the test's log instead of passing silently.
func (e *engine) reportUnusedMocks(rec *RunRecord) {
	e.tb.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for _, m := range []map[string]bool{keys(e.cfg.steps), keys(e.cfg.sends), keys(e.cfg.sendSignals), keys(e.cfg.invokes), keys(e.cfg.waits)} {
		for id := range m {
			if !e.used[id] {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		e.tb.Logf("inngesttest: the mock of step %q was not used; steps of %s: %s", id, rec.FunctionID, rec.describeSteps())
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
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
	events, defaulted := e.cfg.events, len(e.cfg.events) == 0
	if defaulted {
		events = []wire.Event{defaultEvent(f)}
	}
	for i := range events {
		events[i] = e.fillEvent(events[i])
	}
	// As on the server, the trigger's if expression decides whether the
	// events start a run at all; a rejected event is left out of a batch.
	kept, rejected := e.triggered(fnID, f, events)
	if len(kept) == 0 {
		for _, j := range rejected {
			j.log(e.tb, "no run starts")
		}
		return e.notTriggered(fnID, events, rejected[0].err, defaulted)
	}
	for _, j := range rejected {
		j.log(e.tb, "the server would leave it out of the run's events")
	}
	r := e.newRunner(fnID, kept, e.cfg.runID)
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
		// A ULID, as the real server's run IDs.
		runID = ulid.Make().String()
	}
	r := &runner{e: e, fnID: fnID, steps: map[string]json.RawMessage{}, maxAttempts: inngest.DefaultRetries + 1}
	if f, ok := e.fns[fnID]; ok {
		if s, ok := f.Steps["step"]; ok && s.Retries != nil {
			// As on the real server, "attempts" counts retries.
			r.maxAttempts = min(max(s.Retries.Attempts, 0), inngest.MaxRetries) + 1
		}
	}
	r.rec = &RunRecord{FunctionID: fnID, RunID: runID, Started: e.now, tb: e.tb}
	for _, ev := range events {
		raw, err := json.Marshal(e.fillEvent(ev))
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
	if racing(res.ops) {
		return !r.settleRace(res)
	}
	for _, op := range res.ops {
		if !r.settleOp(op, res) {
			return true
		}
	}
	return false
}

// settleOp settles the step one op reports. It reports false when the
// run failed in a targeted call.
func (r *runner) settleOp(op wire.Op, res callResult) bool {
	e := r.e
	e.tb.Helper()
	rec := r.newRecord(op)
	r.describe(rec, op)
	switch op.Op {
	case wire.OpStepRun, wire.OpStepError, wire.OpStepFailed:
		// Run in this discovery call (immediate execution).
		if op.Op == wire.OpStepRun && sentIDs(op.Data, res.sent) {
			rec.Kind, rec.Sent = KindSendEvent, genericEvents(res.sent)
		}
		rec.noteSignal(res.signals, op.Data)
		first := op
		return r.settleRun(rec, &first, res.retryAfter)
	case wire.OpStepPlanned:
		return r.settleRun(rec, nil, 0)
	case wire.OpSleep:
		r.sleep(rec)
	case wire.OpWaitForEvent:
		r.wait(rec)
	case wire.OpWaitForSignal:
		r.waitSignal(rec)
	case wire.OpInvokeFunction:
		r.invoke(rec)
	case wire.OpGateway:
		r.fetch(rec)
	case wire.OpAIGateway:
		r.infer(rec)
	default:
		e.fatalf("%s reported step %q with opcode %q, which the engine does not know", r.fnID, rec.ID, op.Op)
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
				e.use(rec.ID)
				op, delay = r.mockRun(rec, mock, attempt)
			} else {
				res := r.call(rec.Hash, rec.ID, attempt)
				switch {
				case res.status == http.StatusPartialContent && len(res.ops) == 1 && res.ops[0].ID == rec.Hash:
					op, delay = &res.ops[0], res.retryAfter
					if rec.Kind == KindSendEvent {
						rec.Sent = genericEvents(res.sent)
					}
					rec.noteSignal(res.signals, op.Data)
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
	// Classified as the SDK classifies a step's own error, and delayed as
	// an orchestrator would read the Retry-After the SDK sends for it.
	now := r.e.now
	ue, noRetry, retry := r.e.app.Classify(err, now)
	op := &wire.Op{ID: rec.Hash, Op: wire.OpStepError, Error: &ue}
	if noRetry {
		op.Op = wire.OpStepFailed
		return op, 0
	}
	if retry.IsZero() {
		return op, 0
	}
	return op, retryDelay(wire.FormatRetryAfter(retry.After, retry.At), now)
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

// fillEvent gives an event the ID, timestamp and data the server would:
// a new ID (a ULID, as the real server makes them), the virtual now,
// and {} for no data.
func (e *engine) fillEvent(ev wire.Event) wire.Event {
	if ev.ID == "" {
		ev.ID = ulid.Make().String()
	}
	if ev.Timestamp == 0 {
		ev.Timestamp = e.now.UnixMilli()
	}
	if wire.IsNull(ev.Data) {
		ev.Data = json.RawMessage("{}")
	}
	return ev
}
