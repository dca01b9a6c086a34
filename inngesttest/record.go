package inngesttest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/durablefn/inngest/devserver"

	inngest "github.com/durablefn/inngest"
)

// StepKind says which step function a step record came from.
type StepKind string

// The kinds of step, named after the step package's functions.
const (
	KindRun           StepKind = "run"           // step.Run
	KindSleep         StepKind = "sleep"         // step.Sleep, step.SleepUntil
	KindWaitForEvent  StepKind = "waitForEvent"  // step.WaitForEvent
	KindSendEvent     StepKind = "sendEvent"     // step.SendEvent
	KindInvoke        StepKind = "invoke"        // step.Invoke, step.InvokeByID
	KindFetch         StepKind = "fetch"         // step.Fetch
	KindInfer         StepKind = "infer"         // ai.Infer
	KindAIWrap        StepKind = "aiWrap"        // ai.Wrap
	KindWaitForSignal StepKind = "waitForSignal" // step.WaitForSignal
	KindSendSignal    StepKind = "sendSignal"    // step.SendSignal
)

// Result is the outcome of Run: the run's record plus its output decoded
// into the function's result type R.
type Result[R any] struct {
	RunRecord
	// Output is the function's result, decoded from RawOutput. It is the
	// zero R when the run failed or was stopped.
	Output R
}

// Status says how a run ended. It is devserver's run status, so one
// value means one thing in unit mode, in integration mode and on the
// orchestrator's API: StatusCompleted is devserver.StatusCompleted. Unit
// mode adds two statuses of its own, which no orchestrator reports.
type Status = devserver.RunStatus

// Run statuses.
const (
	// StatusCompleted: the function returned a result.
	StatusCompleted = devserver.StatusCompleted
	// StatusFailed: the function failed for good; Err says why.
	StatusFailed = devserver.StatusFailed
	// StatusStopped: the run was stopped at the step named by StopAt.
	StatusStopped Status = "Stopped"
	// StatusNotTriggered: no run started, because the if expression of
	// the function's trigger rejected the events, as the server would;
	// Err is a *NotTriggeredError saying which expression and event.
	StatusNotTriggered Status = "NotTriggered"
)

// RunRecord is the history of one function run, in the order the engine
// saw it. Nested runs (an invoked function, an onFailure handler) have
// their own RunRecord.
type RunRecord struct {
	// FunctionID is the function's full ID ("<app id>-<function id>").
	FunctionID string
	// RunID is the run's ID, as the function saw it in Input.RunID; empty
	// when no run started (StatusNotTriggered).
	RunID string
	// Events are the events the run was started with, as sent to the
	// function: those its trigger accepted. When none was
	// (StatusNotTriggered), the events given to Run.
	Events []inngest.GenericEvent
	// Status says how the run ended.
	Status Status
	// RawOutput is the function's JSON result; nil unless Status is
	// StatusCompleted.
	RawOutput json.RawMessage
	// Err is the error the run failed with, a *RunError, when Status is
	// StatusFailed; a *NotTriggeredError when it is StatusNotTriggered, so
	// that a test expecting a run fails on require.NoError(t, res.Err)
	// with the reason; nil otherwise.
	Err error
	// Steps lists every step the run completed, in the order their
	// results were saved. Each step appears once, with its attempts.
	Steps []*StepRecord
	// Next lists the steps the function had reached when the run was
	// stopped by StopAt, before any of them ran.
	Next []*StepRecord
	// Attempts lists the failed attempts of the function body itself
	// (errors returned outside steps), in order, including the last one
	// when the run failed.
	Attempts []Attempt
	// Sent holds every event the run sent, by step.SendEvent or by
	// Client.Send anywhere in its code, in order. Code outside steps runs
	// again on every call, so a send there shows up once per call.
	Sent []inngest.GenericEvent
	// Calls counts the call requests the engine sent to the handler.
	Calls int
	// Checkpoints counts the checkpoint requests the handler made (see
	// inngest.Checkpoint): each saved steps while its call request went
	// on. Only a client whose HTTPClient is the engine's reaches it.
	Checkpoints int
	// Started and Ended are the run's start and end on the virtual clock.
	Started, Ended time.Time
	// OnFailure is the run of the function's onFailure handler, when the
	// run failed and the function has one.
	OnFailure *RunRecord

	tb testing.TB
}

// Duration is the run's length on the virtual clock: the sleeps, waits
// and retry delays it went through, which took no wall time.
func (r *RunRecord) Duration() time.Duration { return r.Ended.Sub(r.Started) }

// Step returns the first record of the step with the user's ID stepID.
// It fails the test, listing the steps that did run, when there is none.
func (r *RunRecord) Step(stepID string) *StepRecord {
	if r.tb != nil {
		r.tb.Helper()
	}
	for _, s := range r.Steps {
		if s.ID == stepID {
			return s
		}
	}
	msg := fmt.Sprintf("inngesttest: step %q did not run in %s; steps that ran: %s", stepID, r.FunctionID, r.describeSteps())
	if r.tb == nil {
		panic(msg)
	}
	r.tb.Fatal(msg)
	return nil
}

// HasStep reports whether a step with the user's ID stepID ran.
func (r *RunRecord) HasStep(stepID string) bool {
	for _, s := range r.Steps {
		if s.ID == stepID {
			return true
		}
	}
	return false
}

// StepIDs returns the user's IDs of the steps that ran, in order; a
// repeated ID appears once per repeat.
func (r *RunRecord) StepIDs() []string {
	out := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		out[i] = s.ID
	}
	return out
}

func (r *RunRecord) describeSteps() string {
	if len(r.Steps) == 0 {
		return "none"
	}
	parts := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		parts[i] = fmt.Sprintf("%q (%s)", s.ID, s.Kind)
	}
	return strings.Join(parts, ", ")
}

// StepRecord is one step of a run: what the function asked for, what it
// got back, and how many attempts it took.
type StepRecord struct {
	// ID is the user's step ID.
	ID string
	// Name is the step's display name (step.Opts): its ID unless it was
	// given one.
	Name string
	// Index counts earlier steps with the same ID in the run (0 for the
	// first).
	Index int
	// Hash is the hashed step ID used on the wire.
	Hash string
	// Kind is the step function used.
	Kind StepKind

	// Sleep is the duration a sleep step asked for (for step.SleepUntil,
	// the time left until its target on the virtual clock).
	Sleep time.Duration
	// Until is the virtual time a sleep step resumed at.
	Until time.Time
	// Wait holds what a waitForEvent step asked for.
	Wait *WaitRecord
	// Invoke holds what an invoke step asked for.
	Invoke *InvokeRecord
	// Signal holds what a waitForSignal step asked for.
	Signal *SignalRecord
	// Sent holds the events a sendEvent step sent.
	Sent []inngest.GenericEvent
	// SentSignal holds the signal a sendSignal step sent.
	SentSignal *SentSignalRecord
	// Fetch holds the request of a fetch step.
	Fetch *FetchRecord
	// Infer holds the request of an infer step, without its key.
	Infer *InferRecord
	// Input is the input of an aiWrap step, as JSON.
	Input json.RawMessage

	// Output is the step's saved result: a run step's data, the awaited
	// event for a waitForEvent step (null at timeout), the signal for a
	// waitForSignal step ({"signal", "data"}; null at timeout), the invoked
	// function's result, the event IDs of a sendEvent step, the run a
	// sendSignal step reached ({"runId": …}, {} for none), null for a
	// sleep, the response as the server saves it for a fetch step
	// ({"url", "headers", "body", "status_code"}), the model's response
	// for an infer step.
	Output json.RawMessage
	// Err is the step's final error, after its last attempt; nil when it
	// succeeded.
	Err *inngest.StepError
	// TimedOut is true for a waitForEvent step that got no event, a
	// waitForSignal step that got no signal, and for
	// an invoke step whose invoked run did not end within the step's
	// timeout (Err is then the server's InngestInvokeTimeoutError).
	TimedOut bool
	// Unmatched is the event mocked for a waitForEvent step that does not
	// match it: another name, or an If expression that does not hold for
	// it. The server would not resume the wait
	// with that event, so the step timed out instead: TimedOut is true
	// and Output is null. Nil otherwise.
	Unmatched *inngest.GenericEvent
	// Mocked is true when an option supplied the step's result instead of
	// the step's own code or the orchestrator.
	Mocked bool
	// Attempt is the attempt that settled the step, from 0.
	Attempt int
	// Checkpointed is true when the handler saved the step's result
	// through the checkpoint API and the function went on in the same
	// call request.
	Checkpointed bool
	// Attempts lists the step's failed attempts in order, including the
	// last one when the step failed for good.
	Attempts []Attempt
	// At is the virtual time at which the step's result was saved.
	At time.Time
	// Invoked is the run of the invoked function, for an invoke step
	// that the engine ran in process rather than mocked.
	Invoked *RunRecord
}

// Decode decodes the step's Output into v.
func (s *StepRecord) Decode(v any) error {
	if err := json.Unmarshal(s.Output, v); err != nil {
		return fmt.Errorf("inngesttest: step %q output %s does not decode into %T: %w", s.ID, s.Output, v, err)
	}
	return nil
}

// WaitRecord records what a waitForEvent step asked for, as sent on the
// wire.
type WaitRecord struct {
	// Event is the awaited event's name.
	Event string
	// If is the match expression; empty when none.
	If string
	// Timeout is how long the step waits.
	Timeout time.Duration
}

// InvokeRecord records what an invoke step asked for, as sent on the
// wire.
type InvokeRecord struct {
	// FunctionID is the invoked function's full ID.
	FunctionID string
	// Data is the invocation event's data.
	Data json.RawMessage
	// Timeout is the invocation's timeout; 0 means the server default.
	Timeout time.Duration
}

// Attempt is one failed attempt of a step or of the function body.
type Attempt struct {
	// Attempt counts from 0.
	Attempt int
	// Err is the error of the attempt, as the SDK reported it.
	Err *RunError
	// RetryAfter is the delay the error asked for before the next attempt
	// (inngest.RetryAfter); 0 when it asked for none.
	RetryAfter time.Duration
	// At is the virtual time of the attempt.
	At time.Time
}

// RunError is an error as the SDK reported it on the wire: a run's final
// error, or one attempt's error. Unlike devserver.RunError, which is what
// the runs API reports of a run's end, it says whether the SDK asked for
// no retry, which is what a test of one attempt looks at.
type RunError struct {
	// Name is the error's type name, such as "Error",
	// "NonRetriableError" or "StepError".
	Name string
	// Message is the error's message.
	Message string
	// Stack is the stack trace, when the SDK sent one.
	Stack string
	// NoRetry is true when the error asked not to be retried.
	NoRetry bool
}

func (e *RunError) Error() string {
	if e.Name == "" || e.Name == "Error" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}
