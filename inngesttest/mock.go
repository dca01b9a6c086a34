package inngesttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/wire"
)

// Option configures one Run. Options are applied in order; a later mock
// for the same step ID replaces an earlier one.
type Option func(*config)

// config is what the options of one Run add up to. Mocks apply to every
// run the Run call makes: the function, the functions it invokes in
// process and its onFailure handler.
type config struct {
	encode func(event any) (wire.Event, error) // the client's
	events []wire.Event
	start  time.Time
	runID  string
	stopAt string

	steps       map[string]func(attempt int) (json.RawMessage, error)
	sends       map[string]func(events []inngest.GenericEvent) ([]string, error)
	invokes     map[string]invokeMock
	waits       map[string]json.RawMessage // a nil value: the wait times out
	fetches     map[string]fetchMock
	infers      map[string]func(body json.RawMessage) (json.RawMessage, error)
	signals     map[string]json.RawMessage // signal data by step ID
	sendSignals map[string]string          // the run a sent signal reaches, by step ID

	errs []error
}

func newConfig(a *app.App, opts []Option) *config {
	c := &config{
		encode:      a.Encode,
		steps:       map[string]func(int) (json.RawMessage, error){},
		sends:       map[string]func([]inngest.GenericEvent) ([]string, error){},
		invokes:     map[string]invokeMock{},
		waits:       map[string]json.RawMessage{},
		fetches:     map[string]fetchMock{},
		infers:      map[string]func(json.RawMessage) (json.RawMessage, error){},
		signals:     map[string]json.RawMessage{},
		sendSignals: map[string]string{},
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Event adds events that start the run, in order: the first is
// Input.Event, all of them are Input.Events (a batch). Events without an
// ID or timestamp get one. Without any Event option the run starts with
// an event named after the function's first event trigger, with empty
// data (for a cron function, the scheduled timer event).
func Event(events ...inngest.Sendable) Option {
	return func(c *config) {
		for i, e := range events {
			if e == nil {
				c.errs = append(c.errs, fmt.Errorf("inngesttest.Event: event %d is nil", i))
				continue
			}
			w, err := c.encode(e)
			if err != nil {
				c.errs = append(c.errs, fmt.Errorf("inngesttest.Event: %w", err))
				continue
			}
			c.events = append(c.events, w)
		}
	}
}

// StartAt sets the virtual clock's time at the start of the run. Default:
// the wall-clock time when Run is called. The function's own calls to
// time.Now still read the wall clock; the virtual clock times sleeps,
// waits and retry delays in the record.
func StartAt(t time.Time) Option {
	return func(c *config) { c.start = t }
}

// RunID sets the run's ID, which the function sees in Input.RunID.
// Default: a new ULID, as the real server makes run IDs.
func RunID(runID string) Option {
	return func(c *config) { c.runID = runID }
}

// StopAt stops the run when the function first reaches the step with the
// user's ID stepID, before that step runs. The result has status
// StatusStopped; its Steps are the steps done so far, and its Next the
// steps the function reported at that point (with their options), so a
// test can inspect the state of a run part way through.
func StopAt(stepID string) Option {
	return func(c *config) { c.stopAt = stepID }
}

// MockStep replaces the code of the step.Run step stepID (every repeat of
// that ID) with fn, which receives the attempt number from 0. Its result
// goes through JSON exactly as a real step result does, so it must
// decode into the step's result type. An error fails that attempt as the
// step's own error would: it is retried until the function's retries are
// exhausted, at once final if wrapped with inngest.NonRetriable, and
// delayed on the virtual clock if wrapped with inngest.RetryAfter. A step
// that fails twice and then succeeds:
//
//	inngesttest.MockStep("charge", func(attempt int) (Receipt, error) {
//		if attempt < 2 {
//			return Receipt{}, errors.New("card network down")
//		}
//		return Receipt{ID: "rcpt_1"}, nil
//	})
//
// It also mocks a step.SendEvent step by its ID (fn returns the event
// IDs), without the events being sent; use MockSendEvent to see them;
// and an ai.Wrap step, whose code then does not run.
// While a run has step mocks, the engine asks the SDK to report each
// step before running it, so mocked code never runs.
func MockStep[R any](stepID string, fn func(attempt int) (R, error)) Option {
	return func(c *config) {
		if fn == nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockStep(%q): nil function", stepID))
			return
		}
		c.steps[stepID] = func(attempt int) (json.RawMessage, error) {
			v, err := fn(attempt)
			if err != nil {
				return nil, err
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return nil, inngest.NonRetriable(fmt.Errorf("inngesttest: mock of step %q: encoding %T: %w", stepID, v, err))
			}
			return raw, nil
		}
	}
}

// MockStepResult makes the step.Run step stepID return v on its first
// attempt, without running its code.
func MockStepResult[R any](stepID string, v R) Option {
	return MockStep(stepID, func(int) (R, error) { return v, nil })
}

// MockStepError makes every attempt of the step.Run step stepID fail with
// err, without running its code: the step is retried until the function's
// retries are exhausted (once only for an inngest.NonRetriable error),
// then returns its *inngest.StepError to the function.
func MockStepError(stepID string, err error) Option {
	if err == nil {
		err = errors.New("mocked step error")
	}
	return MockStep(stepID, func(int) (struct{}, error) { return struct{}{}, err })
}

// MockSendEvent answers the event send of the step.SendEvent step stepID
// with fn, which receives the events the step sends (after the SDK gave
// them IDs and timestamps) and returns their IDs; nil IDs mean the
// events' own IDs. The client must send through the engine's transport
// (see NewClient). An error from fn makes the event API answer 400 with
// its message, and the step fails that attempt as a failed send would.
func MockSendEvent(stepID string, fn func(events []inngest.GenericEvent) ([]string, error)) Option {
	return func(c *config) {
		if fn == nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockSendEvent(%q): nil function", stepID))
			return
		}
		c.sends[stepID] = fn
	}
}

// MockInvoke answers the step.Invoke step stepID with fn, which receives
// the invocation's data decoded into T and returns the invoked function's
// result, or an error that the step returns as an *inngest.StepError (an
// invoked run's failure is final: it is not retried). The invoked run
// takes no time; use MockInvokeAfter to test the invoke's timeout.
// Without a mock, an invoked function served by the same client runs in
// process as a nested run, recorded in the step's Invoked field.
func MockInvoke[T, R any](stepID string, fn func(data T) (R, error)) Option {
	return mockInvoke("MockInvoke", stepID, 0, fn)
}

// MockInvokeAfter answers the step.Invoke step stepID as MockInvoke does,
// as if the invoked run took d on the virtual clock. When d is longer than
// the step's timeout (a year when it has none, as on the server), the
// step gets the error the server gives at the timeout, an
// *inngest.StepError named "InngestInvokeTimeoutError" with the message
// "Timed out waiting for invoked function to complete", once the timeout
// has passed; fn still runs, as the invoked run does, but its result is
// dropped. Otherwise the step gets fn's result after d.
func MockInvokeAfter[T, R any](stepID string, d time.Duration, fn func(data T) (R, error)) Option {
	return mockInvoke("MockInvokeAfter", stepID, d, fn)
}

// invokeMock is the mock of one invoke step: how long the invoked run
// takes, and its outcome.
type invokeMock struct {
	took time.Duration
	fn   func(data json.RawMessage) (json.RawMessage, error)
}

func mockInvoke[T, R any](name, stepID string, d time.Duration, fn func(data T) (R, error)) Option {
	return func(c *config) {
		if fn == nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.%s(%q): nil function", name, stepID))
			return
		}
		if d < 0 {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.%s(%q): negative duration %s", name, stepID, d))
			return
		}
		c.invokes[stepID] = invokeMock{took: d, fn: func(raw json.RawMessage) (json.RawMessage, error) {
			var data T
			if err := json.Unmarshal(raw, &data); err != nil {
				return nil, fmt.Errorf("inngesttest: mock of invoke step %q: data %s does not decode into %T: %w", stepID, raw, data, err)
			}
			v, err := fn(data)
			if err != nil {
				return nil, err
			}
			out, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("inngesttest: mock of invoke step %q: encoding %T: %w", stepID, v, err)
			}
			return out, nil
		}}
	}
}

// MockWaitForEvent makes the step.WaitForEvent step stepID receive ev, as
// if it arrived at once. The event gets an ID and a timestamp (the
// virtual time) when it has none. When the step has an If expression (or
// a Match, which the SDK turns into one), ev must match it as on the
// server, with the run's triggering event as `event` and ev as `async`.
// An ev that does not match would never resume the wait: the step times
// out instead (it returns nil, and its record's Unmatched holds ev), and
// the test's log says so. An expression that does not compile fails the
// test.
func MockWaitForEvent[T any](stepID string, ev inngest.Event[T]) Option {
	return func(c *config) {
		w, err := c.encode(ev)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockWaitForEvent(%q): %w", stepID, err))
			return
		}
		raw, err := json.Marshal(w)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("inngesttest.MockWaitForEvent(%q): %w", stepID, err))
			return
		}
		c.waits[stepID] = raw
	}
}

// MockWaitTimeout makes the step.WaitForEvent or step.WaitForSignal step
// stepID time out: the step returns nil, and the virtual clock moves on by
// the step's timeout.
func MockWaitTimeout(stepID string) Option {
	return func(c *config) {
		c.waits[stepID] = nil
		delete(c.signals, stepID)
	}
}
