package inngesttest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
)

// NotTriggeredError is the Err of a Run whose events the function's
// trigger rejects: the trigger on the event's name has an if expression
// that does not hold for it, so the server would start no run. The
// result's Status is StatusNotTriggered, and the function never ran.
type NotTriggeredError struct {
	// FunctionID is the function's full ID.
	FunctionID string
	// Event is the run's first event (Input.Event), as the expressions
	// saw it.
	Event inngest.GenericEvent
	// Events counts the events given to Run; none matched.
	Events int
	// Expressions are the if expressions of the function's triggers on
	// the event's name, none of which holds.
	Expressions []string

	defaulted bool // Run made the event up: the test gave none
}

func (e *NotTriggeredError) Error() string {
	which := fmt.Sprintf("event %q does not", e.Event.Name)
	if e.Events > 1 {
		which = fmt.Sprintf("none of the %d events given matches; the first, event %q, does not", e.Events, e.Event.Name)
	}
	exprs := make([]string, len(e.Expressions))
	for i, x := range e.Expressions {
		exprs[i] = fmt.Sprintf("%q", x)
	}
	what := "the if expression of " + e.FunctionID + "'s trigger"
	if len(exprs) > 1 {
		what = "the if expressions of " + e.FunctionID + "'s triggers"
	}
	msg := fmt.Sprintf("inngesttest: %s match %s (%s), so the server would start no run", which, what, strings.Join(exprs, ", "))
	if e.defaulted {
		msg += "; the test gave no event, and the default one has empty data: pass inngesttest.Event with an event that matches it"
	}
	return msg
}

// triggered sorts the events a run would start with into those the
// function's triggers accept and those they reject, as the server does
// when each event arrives: an event is rejected when every trigger on
// its name has an if expression, with the event as `event`, that does
// not hold. An event no trigger names is accepted: unit mode runs the
// function with the events the test gives. An expression that does not
// compile fails the test, as the server rejects the app.
func (e *engine) triggered(fnID string, f wire.Function, events []wire.Event) (kept []wire.Event, rejected []rejection) {
	e.tb.Helper()
	cache, err := exprs()
	if err != nil {
		e.fatalf("%v", err)
	}
	for _, tr := range f.Triggers {
		if tr.Expression == nil {
			continue
		}
		if _, err := cache.Compile(*tr.Expression); err != nil {
			e.fatalf("the if expression %q of %s's trigger on %q does not compile, so the server would reject the app: %v", *tr.Expression, fnID, tr.Event, err)
		}
	}
	for _, ev := range events {
		var (
			named  bool
			failed []string
			reason []string
		)
		raw, err := json.Marshal(ev)
		if err != nil {
			e.fatalf("encoding event %q: %v", ev.Name, err)
		}
		accepted := false
		for _, tr := range f.Triggers {
			if tr.Event == "" || tr.Event != ev.Name {
				continue
			}
			named = true
			if tr.Expression == nil {
				accepted = true
				break
			}
			x, _ := cache.Compile(*tr.Expression)
			ok, why := x.Check(decodeObject(raw), nil)
			if ok {
				accepted = true
				break
			}
			failed = append(failed, *tr.Expression)
			if why != nil {
				reason = append(reason, fmt.Sprintf("evaluating %q: %v", *tr.Expression, why))
			}
		}
		if accepted || !named {
			kept = append(kept, ev)
			continue
		}
		rejected = append(rejected, rejection{
			err:    &NotTriggeredError{FunctionID: fnID, Event: genericEvent(ev), Events: 1, Expressions: failed},
			raw:    raw,
			reason: strings.Join(reason, "; "),
		})
	}
	return kept, rejected
}

// rejection is an event a function's triggers reject.
type rejection struct {
	err    *NotTriggeredError
	raw    json.RawMessage // the event as the expressions saw it
	reason string          // why evaluating an expression failed, if it did
}

// log says in the test's log why the event was rejected and what became
// of it.
func (j rejection) log(tb testing.TB, outcome string) {
	tb.Helper()
	why := ""
	if j.reason != "" {
		why = " (" + j.reason + ")"
	}
	exprs := make([]string, len(j.err.Expressions))
	for i, x := range j.err.Expressions {
		exprs[i] = fmt.Sprintf("%q", x)
	}
	tb.Logf("inngesttest: event %q does not match the if expression %s of %s's trigger%s: %s. The event: %s",
		j.err.Event.Name, strings.Join(exprs, " or "), j.err.FunctionID, why, outcome, j.raw)
}

// notTriggered is the record of a Run whose events the trigger rejected.
func (e *engine) notTriggered(fnID string, events []wire.Event, first *NotTriggeredError, defaulted bool) *RunRecord {
	err := *first
	err.Events, err.defaulted = len(events), defaulted
	rec := &RunRecord{FunctionID: fnID, Status: StatusNotTriggered, Err: &err, Started: e.now, Ended: e.now, tb: e.tb}
	for _, ev := range events {
		rec.Events = append(rec.Events, genericEvent(ev))
	}
	return rec
}
