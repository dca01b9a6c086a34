package inngesttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/expr"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// userID is the user's step ID of an op.
func userID(op wire.Op) string {
	if op.Userland != nil && op.Userland.ID != "" {
		return op.Userland.ID
	}
	if op.Name != "" {
		return op.Name
	}
	return op.DisplayName
}

// newRecord starts the record of the step an op reports.
func (r *runner) newRecord(op wire.Op) *StepRecord {
	rec := &StepRecord{ID: userID(op), Name: op.DisplayName, Hash: op.ID, Kind: KindRun}
	if rec.Name == "" {
		rec.Name = rec.ID
	}
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
	case wire.OpStepPlanned, wire.OpStepRun, wire.OpStepError, wire.OpStepFailed:
		var o wire.AIWrapOpts
		_ = json.Unmarshal(op.Opts, &o)
		switch {
		case o.Type == "step.sendEvent" && op.Op == wire.OpStepPlanned:
			rec.Kind = KindSendEvent
		case o.Type == wire.StepTypeSendSignal:
			var s wire.SendSignalStepOpts
			_ = json.Unmarshal(op.Opts, &s)
			rec.Kind, rec.SentSignal = KindSendSignal, &SentSignalRecord{Signal: s.Signal}
		case o.Type == wire.StepTypeAIWrap:
			rec.Kind = KindAIWrap
			if len(o.Input) > 0 {
				rec.Input = o.Input[0]
			}
		}
	case wire.OpGateway, wire.OpAIGateway:
		r.describeGateway(rec, op)
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
		rec.Wait = &WaitRecord{Event: o.Event, Timeout: d}
		if o.If != nil {
			rec.Wait.If = *o.If
		}
	case wire.OpWaitForSignal:
		r.describeSignal(rec, op)
	case wire.OpInvokeFunction:
		rec.Kind = KindInvoke
		var o wire.InvokeOpts
		if err := json.Unmarshal(op.Opts, &o); err != nil {
			e.fatalf("invoke step %q has malformed opts %s: %v", rec.ID, op.Opts, err)
		}
		rec.Invoke = &InvokeRecord{FunctionID: o.FunctionID, Data: o.Payload.Data}
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

func (r *runner) sleep(rec *StepRecord) {
	r.e.now = rec.Until
	rec.Output = json.RawMessage("null")
	r.memo(rec, json.RawMessage("null"))
}

// exprs compiles the expressions of triggers and waits, with the
// semantics the embedded orchestrator gives them; one cache serves every
// Run.
var exprs = sync.OnceValues(expr.NewCache)

// wait answers a waitForEvent step from its mock. A mocked event resumes
// the wait only when the step's If expression matches it, with the run's
// triggering event as `event` and the mocked one as `async`, as on the
// server; otherwise the step times out and the log says why.
func (r *runner) wait(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	cond := r.waitCondition(rec)
	raw, ok := e.cfg.waits[rec.ID]
	e.use(rec.ID)
	if !ok {
		e.fatalf("step %q of %s waits for event %q (timeout %s) and has no mock: add inngesttest.MockWaitForEvent(%q, event) or inngesttest.MockWaitTimeout(%q)",
			rec.ID, r.fnID, rec.Wait.Event, rec.Wait.Timeout, rec.ID, rec.ID)
	}
	rec.Mocked = true
	if raw == nil {
		r.waitTimedOut(rec)
		return
	}
	var ev wire.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		e.fatalf("mocked event of step %q: %v", rec.ID, err)
	}
	ev = e.fillEvent(ev)
	out, err := json.Marshal(ev)
	if err != nil {
		e.fatalf("mocked event of step %q: %v", rec.ID, err)
	}
	// unmatched resolves the step as the server would for an event that
	// does not resume the wait, and says why in the test's log.
	unmatched := func(why, detail string) {
		e.tb.Logf("inngesttest: step %q of %s: %s, so the server would not resume the wait with it: the step times out and returns nil.%s",
			rec.ID, r.fnID, why, detail)
		g := genericEvent(ev)
		rec.Unmatched = &g
		r.waitTimedOut(rec)
	}
	if ev.Name != rec.Wait.Event {
		unmatched(fmt.Sprintf("the mocked event is named %q but the wait is for %q", ev.Name, rec.Wait.Event), "")
		return
	}
	if cond != nil {
		matched, why := cond.Check(decodeObject(r.event), decodeObject(out))
		if !matched {
			reason := ""
			if why != nil {
				reason = fmt.Sprintf(" (evaluating it: %v)", why)
			}
			unmatched(fmt.Sprintf("the mocked event does not match the wait's expression %q%s", rec.Wait.If, reason),
				fmt.Sprintf(" async (the mocked event): %s; event (the run's triggering event): %s", out, r.event))
			return
		}
	}
	rec.Output = out
	r.memo(rec, json.RawMessage(out))
}

// waitCondition compiles the If expression of a waitForEvent step; nil
// when it has none. An expression that does not compile fails the test:
// the server would fail the run.
func (r *runner) waitCondition(rec *StepRecord) *expr.Expr {
	e := r.e
	e.tb.Helper()
	if rec.Wait.If == "" {
		return nil
	}
	cache, err := exprs()
	if err != nil {
		e.fatalf("%v", err)
	}
	cond, err := cache.Compile(rec.Wait.If)
	if err != nil {
		e.fatalf("step %q of %s waits for event %q with an If expression that does not compile, so the server would fail the run: %v",
			rec.ID, r.fnID, rec.Wait.Event, err)
	}
	return cond
}

// waitTimedOut resolves a waitForEvent step without an event, once its
// timeout passed on the virtual clock.
func (r *runner) waitTimedOut(rec *StepRecord) {
	r.e.now = r.e.now.Add(rec.Wait.Timeout)
	rec.TimedOut, rec.Output = true, json.RawMessage("null")
	r.memo(rec, json.RawMessage("null"))
}

// decodeObject decodes an event as expressions see it; nil when raw is
// not a JSON object.
func decodeObject(raw json.RawMessage) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}

// The error the server resumes an invoke step with when the invoked run
// did not end within the step's timeout.
const (
	invokeTimeoutName    = "InngestInvokeTimeoutError"
	invokeTimeoutMessage = "Timed out waiting for invoked function to complete"
)

// invoke answers an invoke step from its mock, or by running the invoked
// function in process. As on the server, the step gets the invoked run's
// outcome when the run ends within the step's timeout, and the timeout
// error when the timeout passes first; the invoked run goes on regardless.
func (r *runner) invoke(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	data := rec.Invoke.Data
	if wire.IsNull(data) {
		data = json.RawMessage("{}")
	}
	expires := e.now.AddDate(1, 0, 0) // the server's default
	if rec.Invoke.Timeout > 0 {
		expires = e.now.Add(rec.Invoke.Timeout)
	}
	if mock, ok := e.cfg.invokes[rec.ID]; ok {
		e.use(rec.ID)
		rec.Mocked = true
		out, err := mock.fn(data)
		ended := e.now.Add(mock.took)
		if ended.After(expires) {
			e.now = expires
			r.invokeTimedOut(rec)
			return
		}
		e.now = ended
		if err != nil {
			ue, _, _ := e.app.Classify(err, e.now)
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
	if child.rec.Ended.After(expires) {
		// The nested run played out at once, moving the shared clock; the
		// invoking run resumed at its timeout, while the child went on.
		e.now = expires
		r.invokeTimedOut(rec)
		return
	}
	if child.rec.Status == StatusCompleted {
		out := child.rec.RawOutput
		if wire.IsNull(out) {
			out = json.RawMessage("null")
		}
		rec.Output = out
		r.memo(rec, wire.StepOutcome{Data: out})
		return
	}
	var err *RunError
	if !errors.As(child.rec.Err, &err) {
		err = &RunError{Name: "Error", Message: fmt.Sprintf("invoked run %s did not complete", child.rec.RunID)}
	}
	r.invokeFailed(rec, err)
}

// invokeTimedOut resolves an invoke step with the server's timeout error.
func (r *runner) invokeTimedOut(rec *StepRecord) {
	rec.TimedOut = true
	r.invokeFailed(rec, &RunError{Name: invokeTimeoutName, Message: invokeTimeoutMessage})
}

func (r *runner) invokeFailed(rec *StepRecord, err *RunError) {
	rec.Attempts = append(rec.Attempts, Attempt{Err: err, At: r.e.now})
	rec.Err = &inngest.StepError{Name: err.Name, Message: err.Message, Stack: err.Stack, StepID: rec.ID}
	r.memo(rec, wire.StepOutcome{Error: &wire.UserError{Name: err.Name, Message: err.Message, Stack: err.Stack}})
}
