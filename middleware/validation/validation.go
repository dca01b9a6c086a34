// Package validation provides the middleware that checks events against
// their JSON Schemas: the events that start a function, before its code
// runs, and the events the app sends. A schema comes from a
// [schema.Registry] in which the app declared its event types.
//
// It lives in its own package because it builds on package schema and on
// the SDK's error types, which themselves depend on package middleware.
package validation

import (
	"context"
	"fmt"
	"strings"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/schema"
)

// Config configures the validation middleware.
type Config struct {
	// Registry holds the schemas events are checked against. Required.
	Registry *schema.Registry
	// RequireDeclared also rejects events whose name the registry does not
	// declare. Default false: such events pass unchecked. Events of the
	// inngest/ namespace (cron ticks, function failures) always pass.
	RequireDeclared bool
}

// Middleware rejects events whose data does not match their schema.
//
// An incoming event that fails fails the run at once, before any of the
// function's code runs, with an inngest.NonRetriable error wrapping a
// *schema.ValidationError that names each bad field: the server is told
// not to retry, since the same event would fail again. The SDK logs the
// refusal once, as an error line at the app's logger (ClientConfig.Logger)
// naming the function and the reason. The check runs on a run's first
// call only; later calls carry the same event.
//
// An outgoing event that fails (Client.Send, step.SendEvent) is not sent;
// the send returns the same kind of error. Register it on the client for
// sends to be checked: only client middleware sees sends.
type Middleware struct {
	middleware.Base
	reg     *schema.Registry
	require bool
}

// New returns the validation middleware. It panics when cfg.Registry is
// nil, a mistake best found at start-up.
func New(cfg Config) *Middleware {
	if cfg.Registry == nil {
		panic("inngest: validation.New needs Config.Registry, the schema.Registry that declares the app's events")
	}
	return &Middleware{reg: cfg.Registry, require: cfg.RequireDeclared}
}

// TransformInput checks the events that started the run.
func (m *Middleware) TransformInput(ctx context.Context, call *middleware.Call, in *middleware.Input) (context.Context, error) {
	if len(in.Steps) > 0 {
		// The events were checked when the run started.
		return ctx, nil
	}
	if err := m.check(in.Events); err != nil {
		return ctx, inngest.NonRetriable(fmt.Errorf("inngest: function %q refused its event: %w", call.FunctionID, err))
	}
	return ctx, nil
}

// BeforeSendEvents checks events before they are sent. Its error is
// wrapped by the send, whose message says that middleware refused the
// events.
func (m *Middleware) BeforeSendEvents(_ context.Context, events []*middleware.Event) error {
	if err := m.check(events); err != nil {
		return inngest.NonRetriable(err)
	}
	return nil
}

// check validates events and returns the failures of each, or nil.
func (m *Middleware) check(events []*middleware.Event) error {
	var errs []error
	for _, ev := range events {
		if ev == nil || wire.IsInternalEvent(ev.Name) {
			continue
		}
		if m.require && !m.reg.Has(ev.Name) {
			errs = append(errs, fmt.Errorf("event %q has no declared schema; declare it with schema.Add", ev.Name))
			continue
		}
		if err := m.reg.Validate(ev.Name, ev.Data); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &checkError{errs: errs}
}

// checkError is the failures of a check, one a line. It is always wrapped
// by a message that starts with the "inngest: " prefix, so the lines go
// without the one their errors carry (a *schema.ValidationError has it).
// errors.Is and errors.As reach each failure.
type checkError struct {
	errs []error
}

func (e *checkError) Error() string {
	lines := make([]string, len(e.errs))
	for i, err := range e.errs {
		lines[i] = strings.TrimPrefix(err.Error(), "inngest: ")
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the failures.
func (e *checkError) Unwrap() []error { return e.errs }
