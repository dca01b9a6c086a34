package engine

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// Sender sends events for step.SendEvent.
type Sender interface {
	SendEvents(ctx context.Context, events []wire.Event) ([]string, error)
}

// Signaler sends signals for step.SendSignal: data is the signal's data
// as JSON; it returns the ID of the run the signal resumed, "" when no
// run waited for it.
type Signaler interface {
	SendSignal(ctx context.Context, signal string, data json.RawMessage) (string, error)
}

// Input is everything the engine needs to run a function once.
type Input struct {
	// Steps are the memoized step results by hashed ID.
	Steps map[string]json.RawMessage
	// Stack lists hashed IDs in the order they were memoized.
	Stack []string
	// TargetHash is the hashed ID of the step to run, or "" when the call
	// is a discovery call (stepId absent or "step").
	TargetHash string
	// Immediate allows a lone new Run step to execute in this request.
	Immediate bool
	// Checkpoint, when set, lets a discovery call run one new Run step
	// after another outside step.Parallel, saving each with the server
	// instead of ending the request. Needs Immediate.
	Checkpoint *Checkpointing
	// Logger receives the engine's warnings.
	Logger *slog.Logger
	// Sender sends events on behalf of step.SendEvent.
	Sender Sender
	// Encode turns an event given to step.SendEvent into its wire form.
	Encode func(event any) (wire.Event, error)
	// Signaler sends signals on behalf of step.SendSignal.
	Signaler Signaler
	// Hooks are per-step callbacks (middleware). May be nil.
	Hooks *Hooks
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Classify turns an error into its wire form and retry policy. Nil
	// means DefaultClassify.
	Classify Classifier
	// AbortGrace is how long Execute waits for user code to return once
	// the request's context has ended; zero means DefaultAbortGrace.
	AbortGrace time.Duration
}

// DefaultAbortGrace is the grace period user code gets to notice that its
// request ended.
const DefaultAbortGrace = 5 * time.Second

// Classifier turns an error into its wire form, whether it must not be
// retried, and when it may be retried (zero: the server decides).
type Classifier func(err error, now time.Time) (ue wire.UserError, noRetry bool, retry Retry)

// Retry is when a failed call may be retried: after a delay, or at a time.
// The zero value leaves it to the server.
type Retry struct {
	After time.Duration
	At    time.Time
}

// IsZero reports whether no retry time was asked for.
func (r Retry) IsZero() bool { return r.After <= 0 && r.At.IsZero() }

// Later returns whichever of r and o asks to wait longer, from now.
func (r Retry) Later(o Retry, now time.Time) Retry {
	if r.IsZero() {
		return o
	}
	if o.IsZero() {
		return r
	}
	if o.abs(now).After(r.abs(now)) {
		return o
	}
	return r
}

func (r Retry) abs(now time.Time) time.Time {
	if r.After > 0 {
		return now.Add(r.After)
	}
	return r.At
}

// DefaultClassify serializes err as a retriable error named "Error".
func DefaultClassify(err error, _ time.Time) (wire.UserError, bool, Retry) {
	return wire.UserError{Name: "Error", Message: err.Error()}, false, Retry{}
}

// Failure is a classified function error.
type Failure struct {
	Error   wire.UserError
	NoRetry bool
	Retry   Retry
}

// Hooks observe steps as they run. Any field may be nil.
type Hooks struct {
	// BeforeExecution is called once, when the function first reaches code
	// that was not memoized.
	BeforeExecution func(ctx context.Context)
	// BeforeStep is called before a new step's code runs in this request
	// and returns the context that code runs with.
	BeforeStep func(ctx context.Context, info StepInfo) context.Context
	// TransformStep is called after a new step's code ran, with its
	// result, and may change it.
	TransformStep func(ctx context.Context, info StepInfo, data json.RawMessage, err error) (json.RawMessage, error)
	// AfterMemoization is called once all memoized state has been used.
	AfterMemoization func(ctx context.Context)

	// consumed is called with each memoized step's hash as it is handed
	// back, under the run's lock (tests).
	consumed func(hash string)
}

// StepInfo describes one step.
type StepInfo struct {
	ID     string // the user's step ID
	Name   string // its display name: the ID unless one was given
	Hash   string // the hashed, indexed ID
	Index  int    // repeat index of ID in this run
	Op     wire.Opcode
	Kind   string // "step.run", "step.sleep", …
	Memoed bool
}

// Result is the outcome of running a function once.
type Result struct {
	// Done is true when the function returned.
	Done bool
	// Value is the function's JSON result when Done and Err is nil.
	Value json.RawMessage
	// Err is the function's returned error.
	Err error
	// Failure is Err (or Panic) classified; nil when neither is set.
	Failure *Failure
	// Ops are the new steps found, in deterministic order.
	Ops []wire.Op
	// RetryAfter is set when a step asked to be retried later.
	RetryAfter Retry
	// Panic is set when user code panicked outside a step.
	Panic *PanicError
	// TargetFound reports whether a targeted step was found.
	TargetFound bool
	// Fatal is set when the run cannot go on whatever the function did:
	// steps were misused (see MisuseError), or a memoized result cannot be
	// used. It is never retried, and it outranks everything else.
	Fatal *Failure
}

// RunFunc is a Run step's code, returning its JSON result.
type RunFunc func(ctx context.Context) (json.RawMessage, error)
