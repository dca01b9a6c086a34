package inngest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/durablefn/inngest/internal/fnspec"
	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// Limits enforced at function creation, matching the server's.
const (
	MaxRetries         = limits.MaxRetries
	DefaultRetries     = 3
	MaxConcurrencyKeys = limits.MaxConcurrencyLimits
	MaxBatchSize       = 100
	// MaxCancelOn is how many CancelOn a function may have.
	MaxCancelOn = limits.MaxCancellations
)

// FunctionOpts configure a function. Only ID is required.
type FunctionOpts struct {
	// ID identifies the function within its app. Required, unique per
	// app; changing it makes a new function on the server.
	ID string
	// Name is shown in UIs. Default: ID.
	Name string
	// Retries is the number of retries of each step and of the function
	// body, 0 to 20. Nil means DefaultRetries (3).
	Retries *int
	// Concurrency limits concurrently running steps, at most two limits.
	Concurrency []Concurrency
	// Throttle delays run starts above a rate.
	Throttle *Throttle
	// RateLimit drops run starts above a rate.
	RateLimit *RateLimit
	// Debounce delays a run until events stop arriving.
	Debounce *Debounce
	// Priority orders runs by an expression.
	Priority *Priority
	// Idempotency is a CEL expression over `event`; at most one run per
	// distinct value per 24 hours.
	Idempotency string
	// BatchEvents runs the function with batches of events.
	BatchEvents *BatchEvents
	// CancelOn cancels runs when a matching event arrives.
	CancelOn []CancelOn
	// Timeouts bound how long a run may wait to start and to finish.
	Timeouts *Timeouts
	// Singleton allows one run at a time, optionally per key.
	Singleton *Singleton
	// Checkpoint, when set, runs sequential steps in one call request,
	// saving each with the server as it finishes. Nil: the client's
	// default (ClientConfig.Checkpoint), else off, each step ending its
	// request. &Checkpoint{Disabled: true}: off, whatever the client's
	// default.
	Checkpoint *Checkpoint
	// Middleware runs around this function only, after the client's.
	Middleware []middleware.Middleware
	// OnFailure runs when a run of this function fails for good. It is
	// registered as a companion function with ID "<ID>-failure", triggered
	// by inngest/function.failed for this function. It may use steps.
	OnFailure func(ctx context.Context, in FailureInput) error
}

// Ptr returns a pointer to v, for optional fields such as Retries.
func Ptr[T any](v T) *T { return &v }

// validator is an option type that checks itself. Each returns errors
// without the "inngest: function" prefix, which FunctionOpts.config adds.
type validator interface{ validate() error }

// validate checks what the Go types cannot say: the ID, the retries, and
// what each option type's fields document (a positive limit, say). The
// rules of the protocol, which the server applies at sync, are checked
// on the wire form by internal/fnspec (see config), exactly as devserver
// checks a sync. CancelOn is checked by toWire, which needs the
// function's event data type.
func (o FunctionOpts) validate() error {
	if o.ID == "" {
		return fmt.Errorf("ID is required (FunctionOpts.ID), such as \"send-welcome-email\"")
	}
	if len(o.ID) > 128 || strings.ContainsAny(o.ID, " \t\r\n/?#&") {
		return fmt.Errorf("ID must be at most 128 characters without spaces, '/', '?', '#' or '&'")
	}
	if r := o.retries(); r < 0 || r > MaxRetries {
		return fmt.Errorf("FunctionOpts.Retries must be between 0 and %d, got %d", MaxRetries, r)
	}
	opts := []validator{o.Throttle, o.RateLimit, o.Debounce, o.BatchEvents, o.Timeouts, o.Checkpoint}
	for _, cc := range o.Concurrency {
		opts = append(opts, cc)
	}
	for _, v := range opts {
		if err := v.validate(); err != nil {
			return err
		}
	}
	return nil
}

// retries is the number of retries: Retries, or DefaultRetries.
func (o FunctionOpts) retries() int {
	if o.Retries == nil {
		return DefaultRetries
	}
	return *o.Retries
}

// config checks o and the triggers and returns the function's sync
// config in app appID. data is the data type of the events that trigger
// the function, which CancelOn.Match is checked against.
func (o FunctionOpts) config(appID string, triggers []wire.Trigger, data reflect.Type) (wire.Function, error) {
	fail := func(err error) (wire.Function, error) {
		return wire.Function{}, fmt.Errorf("inngest: function %q: %w", o.ID, err)
	}
	if err := o.validate(); err != nil {
		return fail(err)
	}
	cfg := wire.Function{
		ID:       appID + "-" + o.ID,
		Name:     o.Name,
		Triggers: triggers,
		Steps: map[string]wire.Step{"step": {
			ID: "step", Name: "step",
			Runtime: wire.StepRuntime{Type: "http"},
			// The server reads "attempts" as the number of retries,
			// whatever the spec's wording.
			Retries: &wire.StepRetries{Attempts: o.retries()},
		}},
		Idempotency: strPtr(o.Idempotency),
		Throttle:    o.Throttle.toWire(),
		RateLimit:   o.RateLimit.toWire(),
		Debounce:    o.Debounce.toWire(),
		Priority:    o.Priority.toWire(),
		BatchEvents: o.BatchEvents.toWire(),
		Timeouts:    o.Timeouts.toWire(),
		Singleton:   o.Singleton.toWire(),
		Checkpoint:  o.Checkpoint.toWire(),
	}
	if cfg.Name == "" {
		cfg.Name = o.ID
	}
	for _, cc := range o.Concurrency {
		cfg.Concurrency = append(cfg.Concurrency, cc.toWire())
	}
	for _, co := range o.CancelOn {
		wc, err := co.toWire(data)
		if err != nil {
			return fail(err)
		}
		cfg.Cancel = append(cfg.Cancel, wc)
	}
	if cfg.Triggers == nil {
		cfg.Triggers = []wire.Trigger{} // an invoke-only function
	}
	if problems := fnspec.Check(&cfg); len(problems) > 0 {
		return fail(errors.New(problems[0].String()))
	}
	return cfg, nil
}

// strPtr returns a pointer to s, or nil for "", as optional wire fields
// want.
func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
