// Package middleware defines the hooks through which code runs around every
// function call, step and event send: logging, validation, tracing, error
// reporting, encryption.
//
// # Lifecycle
//
// For each call request, in this order:
//
//  1. TransformInput: may change the events and memoized step data, and
//     return a context the function runs with (to add a database handle,
//     say). An error fails the call, and is logged at the app's logger
//     (an error line when it fails the run, a warning otherwise); wrap it
//     with inngest.NonRetriable to fail the run without retries.
//  2. BeforeMemoization: once, before the function starts and any
//     memoized step is handed back to it, even when nothing is memoized.
//  3. AfterMemoization: once every memoized step has been handed back.
//  4. BeforeExecution: when the function first reaches code that was not
//     memoized (at most once per request).
//  5. BeforeStep and TransformStep, around each step whose code runs in
//     this request. BeforeStep returns the context the step's code runs
//     with (to carry a span, say); TransformStep may change its result or
//     error. When the step's code panics, OnPanic runs between the two,
//     with Panic.Step set, and TransformStep sees the panic as the
//     step's error (the step is retried like any failed step).
//  6. TransformOutput: after the function returns, with its result or error.
//  7. AfterExecution: when the call's user code is done (returned or
//     stopped at a new step), if BeforeExecution was called.
//  8. OnPanic: when the function's own code panicked (outside any step's
//     code, or in a step.Parallel branch), with Panic.Step nil. The call
//     answers 500 with the panic and its stack, and is retried.
//  9. BeforeResponse: before the answer is written.
//
// A hook that panics fails the call the same way: the hooks that run
// with the function's code are its code (a panic there is the function's,
// and OnPanic sees it); a panic in TransformInput, BeforeMemoization,
// AfterExecution, OnPanic or BeforeResponse answers 500 with the panic
// and its stack, and is retried, without calling OnPanic.
//
// BeforeSendEvents and AfterSendEvents run around each event send, by
// Client.Send and step.SendEvent.
//
// # Order
//
// Client middleware runs before function middleware. "Before" and
// "Transform input" hooks run in registration order; "After", "Transform
// output", "Transform step" and OnPanic hooks run in reverse order, so the
// first middleware registered wraps all others.
//
// Embed [Base] to implement only the hooks you need.
package middleware

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
)

// Middleware is the set of lifecycle hooks. Embed Base for no-op defaults.
type Middleware interface {
	TransformInput(ctx context.Context, call *Call, in *Input) (context.Context, error)
	BeforeMemoization(ctx context.Context, call *Call)
	AfterMemoization(ctx context.Context, call *Call)
	BeforeExecution(ctx context.Context, call *Call)
	BeforeStep(ctx context.Context, call *Call, step Step) context.Context
	TransformStep(ctx context.Context, call *Call, step Step, out *Output)
	TransformOutput(ctx context.Context, call *Call, out *Output)
	AfterExecution(ctx context.Context, call *Call)
	OnPanic(ctx context.Context, call *Call, p *Panic)
	BeforeResponse(ctx context.Context, call *Call)
	BeforeSendEvents(ctx context.Context, events []*Event) error
	AfterSendEvents(ctx context.Context, events []*Event, ids []string, err error)
}

// Call describes one call request.
type Call struct {
	// FunctionID is the function's ID within its app.
	FunctionID string
	// RunID identifies the run.
	RunID string
	// Attempt counts retries, from 0.
	Attempt int
	// Targeted is true when the call runs one step that an earlier call
	// planned, such as each branch of step.Parallel: the server names
	// the step in the request, and the run started in an earlier call
	// even when nothing is memoized yet. False when the call runs the
	// function from its start to find its next steps.
	Targeted bool
	// Request is the HTTP request, when the call came over HTTP.
	Request *http.Request
}

// Input is what TransformInput may change: edit an event in place, or
// set Event or Events. The function receives what the last hook left,
// and each hook sees Event as the first of Events: setting Event replaces
// the first event (nil removes it); changing Events makes its first
// element the Event. With every event removed, the function receives
// none (a zero Input.Event and no Input.Events). An Event set together
// with an Events that does not hold it is received as given.
type Input struct {
	// Event is the triggering event (the first of a batch).
	Event *Event
	// Events are all events of the call. Nil elements are dropped.
	Events []*Event
	// Steps maps hashed step IDs to memoized results.
	Steps map[string]json.RawMessage
}

// Event is an event with raw JSON data.
type Event struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name"`
	Data      json.RawMessage `json:"data,omitempty"`
	User      json.RawMessage `json:"user,omitempty"`
	Timestamp int64           `json:"ts,omitempty"`
	Version   string          `json:"v,omitempty"`
}

// Step describes a step whose code runs in this request.
type Step struct {
	// ID is the user's step ID.
	ID string
	// Name is the step's display name: its ID unless step.Opts gave one.
	Name string
	// Index counts earlier steps with the same ID in this run.
	Index int
	// Kind is "step.run" or "step.sendEvent".
	Kind string
}

// Panic is a panic in user code, recovered by the SDK.
type Panic struct {
	// Value is the value the code panicked with.
	Value any
	// Stack is the goroutine's stack at the panic, trimmed to the user's
	// frames.
	Stack string
	// Step is the step whose code panicked; nil for a panic in the
	// function's own code.
	Step *Step
}

// Output is a function's or step's result; hooks may change it.
type Output struct {
	// Data is the JSON result when Err is nil.
	Data json.RawMessage
	// Err is the returned error.
	Err error
}

// Base implements every hook as a no-op. Embed it.
type Base struct{}

// TransformInput returns ctx unchanged.
func (Base) TransformInput(ctx context.Context, _ *Call, _ *Input) (context.Context, error) {
	return ctx, nil
}

// BeforeMemoization does nothing.
func (Base) BeforeMemoization(context.Context, *Call) {}

// AfterMemoization does nothing.
func (Base) AfterMemoization(context.Context, *Call) {}

// BeforeExecution does nothing.
func (Base) BeforeExecution(context.Context, *Call) {}

// BeforeStep returns ctx unchanged.
func (Base) BeforeStep(ctx context.Context, _ *Call, _ Step) context.Context { return ctx }

// TransformStep does nothing.
func (Base) TransformStep(context.Context, *Call, Step, *Output) {}

// TransformOutput does nothing.
func (Base) TransformOutput(context.Context, *Call, *Output) {}

// AfterExecution does nothing.
func (Base) AfterExecution(context.Context, *Call) {}

// OnPanic does nothing.
func (Base) OnPanic(context.Context, *Call, *Panic) {}

// BeforeResponse does nothing.
func (Base) BeforeResponse(context.Context, *Call) {}

// BeforeSendEvents does nothing.
func (Base) BeforeSendEvents(context.Context, []*Event) error { return nil }

// AfterSendEvents does nothing.
func (Base) AfterSendEvents(context.Context, []*Event, []string, error) {}

var _ Middleware = Base{}

type baseLoggerKey struct{}

// WithBaseLogger returns ctx carrying the logger the SDK builds a run's
// logger on (Input.Logger and inngest.Logger), in place of the client's.
// Call it from TransformInput; the Logging middleware does.
func WithBaseLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, baseLoggerKey{}, l)
}

// BaseLogger returns the logger set with WithBaseLogger, if any.
func BaseLogger(ctx context.Context) (*slog.Logger, bool) {
	l, ok := ctx.Value(baseLoggerKey{}).(*slog.Logger)
	return l, ok && l != nil
}
