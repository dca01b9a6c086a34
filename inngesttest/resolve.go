package inngesttest

import (
	"encoding/json"
	"fmt"

	inngest "github.com/durablefn/inngest"
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

func (r *runner) sleep(rec *StepRecord) {
	r.e.now = rec.Until
	rec.Output = json.RawMessage("null")
	r.memo(rec, json.RawMessage("null"))
}

func (r *runner) wait(rec *StepRecord) {
	e := r.e
	e.tb.Helper()
	raw, ok := e.cfg.waits[rec.ID]
	e.use(rec.ID)
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
	out, err := json.Marshal(e.fillEvent(ev))
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
		e.use(rec.ID)
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
