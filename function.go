package inngest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// HandlerFunc is a function's code: it receives the input and returns a
// JSON-encodable result or an error.
type HandlerFunc[T, R any] func(ctx context.Context, in Input[T]) (R, error)

// Function is a function registered on a client.
type Function[T, R any] struct {
	spec *app.Function
}

// ID returns the function's ID within its app.
func (f *Function[T, R]) ID() string { return f.spec.Slug }

// FullID returns the ID the server knows the function by:
// "<app id>-<function id>".
func (f *Function[T, R]) FullID() string { return f.spec.CompositeID }

// Name returns the function's display name.
func (f *Function[T, R]) Name() string { return f.spec.Config.Name }

// CreateFunction registers a function on c, which must be made by
// NewClient (a nil or zero Client is an error). Invalid options and the
// server's limits on them (internal/limits) fail here, with an error saying
// what to change; CEL expressions (If, Key, CancelOn.If) are compiled by
// the server, and refused at sync.
func CreateFunction[T, R any](c *Client, opts FunctionOpts, trigger Trigger[T], fn HandlerFunc[T, R]) (*Function[T, R], error) {
	if err := c.usable("CreateFunction"); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, fmt.Errorf("inngest: function %q has no handler", opts.ID)
	}
	if trigger.err != nil {
		return nil, trigger.err
	}
	opts.Checkpoint = opts.Checkpoint.orDefault(c.app().Config.Checkpoint)
	cfg, err := opts.config(c.app().Config.AppID, trigger.list, reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	f := &Function[T, R]{}
	f.spec = &app.Function{Slug: opts.ID, CompositeID: cfg.ID, Config: cfg, Middleware: c.middlewareFor(opts), Checkpoint: opts.Checkpoint.policy()}
	f.spec.Invoke = func(ctx context.Context, call *app.Call) engine.Result {
		return invoke(ctx, c, f.spec, call, fn)
	}
	specs := []*app.Function{f.spec}
	if opts.OnFailure != nil {
		companion, err := onFailureSpec(c, opts, cfg)
		if err != nil {
			return nil, err
		}
		specs = append(specs, companion)
	}
	// The function and its companion are registered together or not at
	// all.
	if err := c.app().Register(specs...); err != nil {
		return nil, err
	}
	return f, nil
}

// middlewareFor returns the middleware of a function with opts: the
// client's, then the function's own.
func (c *Client) middlewareFor(opts FunctionOpts) []middleware.Middleware {
	return append(append([]middleware.Middleware(nil), c.app().Config.Middleware...), opts.Middleware...)
}

// onFailureSpec builds the companion function that runs opts.OnFailure.
func onFailureSpec(c *Client, opts FunctionOpts, parent wire.Function) (*app.Function, error) {
	handler := opts.OnFailure
	expr := fmt.Sprintf("event.data.function_id == %q", parent.ID)
	fopts := FunctionOpts{ID: opts.ID + "-failure", Name: parent.Name + " (failure)", Retries: opts.Retries}
	trigger := []wire.Trigger{{Event: wire.EventFunctionFailed, Expression: &expr}}
	cfg, err := fopts.config(c.app().Config.AppID, trigger, reflect.TypeFor[FailureData]())
	if err != nil {
		return nil, err
	}
	spec := &app.Function{Slug: fopts.ID, CompositeID: cfg.ID, Config: cfg, Middleware: c.middlewareFor(opts)}
	spec.Invoke = func(ctx context.Context, call *app.Call) engine.Result {
		return invoke(ctx, c, spec, call, func(ctx context.Context, in Input[FailureData]) (any, error) {
			fin := FailureInput{Input: in}
			d := in.Event.Data
			fin.Error = &StepError{Name: d.Error.Name, Message: d.Error.Message, Stack: d.Error.Stack}
			if err := originalEvent(d.Event, &fin.OriginalEvent); err != nil {
				return nil, NonRetriable(fmt.Errorf("inngest: function %q: %w", fopts.ID, err))
			}
			return nil, handler(ctx, fin)
		})
	}
	return spec, nil
}

// originalEvent decodes the event that started a failed run, from the
// data of its inngest/function.failed event. Servers always send it; an
// OnFailure handler must not run with a zero event in its place.
func originalEvent(raw json.RawMessage, ev *GenericEvent) error {
	if wire.IsNull(raw) {
		return fmt.Errorf("%s has no original event (data.event)", wire.EventFunctionFailed)
	}
	got, err := decodeEvent[map[string]any](raw)
	if err != nil {
		return fmt.Errorf("the original event of %s does not decode: %w", wire.EventFunctionFailed, err)
	}
	*ev = got
	return nil
}
