package inngest

import (
	"errors"
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
)

// NonRetriableError marks an error that must not be retried: returned from
// a function, the run fails at once; returned from a step's code, the step
// fails at once and its error is memoized.
//
// errors.Is and errors.As reach the wrapped cause through Unwrap.
type NonRetriableError struct {
	Err error
}

// NonRetriable wraps err so that the server does not retry it. A nil err
// becomes a generic "non-retriable error".
func NonRetriable(err error) error {
	if err == nil {
		err = errors.New("non-retriable error")
	}
	return &NonRetriableError{Err: err}
}

func (e *NonRetriableError) Error() string {
	if e.Err == nil {
		return "non-retriable error"
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *NonRetriableError) Unwrap() error { return e.Err }

// RetryAfterError asks the server to retry no sooner than Delay from the
// failure (when Delay is set), or than At.
//
// errors.Is and errors.As reach the wrapped cause through Unwrap.
type RetryAfterError struct {
	Err error
	// Delay is the wait before the next attempt; sent as seconds, so it
	// does not depend on the clocks of the app and the server agreeing.
	Delay time.Duration
	// At is the earliest time of the next attempt. With Delay set, it is
	// the time the error was made plus Delay.
	At time.Time
}

// RetryAfter wraps err so that the next attempt comes no sooner than d
// later (and, servers counting in whole seconds, at most about a second
// after that).
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		err = errors.New("retry later")
	}
	if d < 0 {
		d = 0
	}
	return &RetryAfterError{Err: err, Delay: d, At: time.Now().Add(d)}
}

// RetryAt wraps err so that the next attempt happens no sooner than t.
func RetryAt(err error, t time.Time) error {
	if err == nil {
		err = errors.New("retry later")
	}
	return &RetryAfterError{Err: err, At: t}
}

func (e *RetryAfterError) Error() string {
	if e.Err == nil {
		return "retry later"
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *RetryAfterError) Unwrap() error { return e.Err }

// StepError is a step's final error, as memoized by the server after the
// step exhausted its retries (or failed with a NonRetriable error). The
// step call returns it; returning it (or an error wrapping it) from the
// function fails the run without further retries, as the SDK spec asks.
//
// StepError has no Unwrap: its cause lived in another process. Use
// errors.As to reach it.
type StepError struct {
	// Name is the error's type name ("Error" for plain Go errors).
	Name string
	// Message is the error's message.
	Message string
	// Stack is the stack trace, if the SDK that ran the step sent one.
	Stack string
	// StepID is the user's step ID.
	StepID string
}

func (e *StepError) Error() string {
	if e.StepID != "" {
		return fmt.Sprintf("step %q failed: %s", e.StepID, e.Message)
	}
	return e.Message
}

// classify turns an error into its wire form and retry policy. The test
// engine reaches it as app.App.Classify.
func classify(err error, _ time.Time) (wire.UserError, bool, engine.Retry) {
	ue := wire.UserError{Name: "Error", Message: err.Error()}
	var (
		nr *NonRetriableError
		ra *RetryAfterError
		se *StepError
	)
	noRetry := errors.As(err, &nr)
	if errors.As(err, &se) {
		// A memoized step error propagated: retrying would only meet it
		// again, so the run fails now with the step's own error.
		noRetry = true
		ue.Name, ue.Stack = se.Name, se.Stack
		if err == error(se) { //nolint:errorlint // identity: the step's own error, not one wrapping it
			ue.Message = se.Message
		}
		if ue.Name == "" {
			ue.Name = "StepError"
		}
	}
	if noRetry {
		ue.NoRetry = true
		if nr != nil && ue.Name == "Error" {
			ue.Name = "NonRetriableError"
		}
		return ue, true, engine.Retry{}
	}
	if errors.As(err, &ra) {
		ue.Name = "RetryAfterError"
		if ra.Delay > 0 {
			return ue, false, engine.Retry{After: ra.Delay}
		}
		return ue, false, engine.Retry{At: ra.At}
	}
	return ue, false, engine.Retry{}
}
