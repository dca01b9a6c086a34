package inngest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// invoke runs a typed function for one call request: the middleware's
// input hooks, the events decoded into T, then fn on the replay engine.
func invoke[T, R any](ctx context.Context, c *Client, spec *app.Function, call *app.Call, fn HandlerFunc[T, R]) engine.Result {
	in, mws, mc := call.Engine, spec.Middleware, call.MW
	evs := eventsOf(call.Req)
	if len(mws) > 0 {
		mc = describeCall(mc, spec, call)
		var err error
		if ctx, evs, err = transformInput(ctx, mws, mc, evs, &in); err != nil {
			ue, noRetry, retry := classify(err, time.Time{})
			logRefusal(ctx, c, in.Logger, mc, noRetry, err)
			return engine.Result{Done: true, Err: err, Failure: &engine.Failure{Error: ue, NoRetry: noRetry, Retry: retry}}
		}
		in.Hooks = hooksFor(mws, mc)
	}
	first, events, err := decodeEvents[T](evs)
	if err != nil {
		return badInput(err)
	}
	in.Classify = classify
	if in.Sender == nil {
		in.Sender = c.senderFor(mws)
	}
	in.Encode = c.app().Encode
	if in.Signaler == nil {
		in.Signaler = signaler{c}
	}
	in.Logger = c.baseLogger(ctx, in.Logger)
	run := engine.New(in)
	// The closure keeps the two fields it needs, not the whole call
	// context, which would then move to the heap on every call.
	runID, attempt := call.Req.Ctx.RunID, call.Req.Ctx.Attempt
	logger := newRunLogger(in.Logger.Handler(), run, spec.Slug, runID, attempt)
	ctx = context.WithValue(ctx, loggerKey{}, logger)
	for _, m := range mws {
		m.BeforeMemoization(ctx, mc)
	}
	res := run.Execute(ctx, func(ctx context.Context) (json.RawMessage, error) {
		out, err := fn(ctx, Input[T]{Event: first, Events: events, RunID: runID, Attempt: attempt, Logger: logger})
		return transformOutput(ctx, mws, mc, out, err)
	})
	if len(mws) > 0 && run.Executed() {
		for i := len(mws) - 1; i >= 0; i-- {
			mws[i].AfterExecution(ctx, mc)
		}
	}
	if len(mws) > 0 && res.Panic != nil {
		onPanic(ctx, mws, mc, &middleware.Panic{Value: res.Panic.Value, Stack: res.Panic.Stack})
	}
	return res
}

// describeCall fills in the middleware's description of a call.
func describeCall(mc *middleware.Call, spec *app.Function, call *app.Call) *middleware.Call {
	if mc == nil {
		mc = &middleware.Call{}
	}
	mc.FunctionID, mc.RunID, mc.Attempt = spec.Slug, call.Req.Ctx.RunID, call.Req.Ctx.Attempt
	mc.Targeted = call.Engine.TargetHash != ""
	return mc
}

// decodeEvents decodes a call's events into T, and returns the
// triggering one too.
func decodeEvents[T any](evs callEvents) (Event[T], []Event[T], error) {
	var first Event[T]
	events := make([]Event[T], 0, len(evs.all))
	for i, raw := range evs.all {
		ev, err := decodeEvent[T](raw)
		if err != nil {
			return first, nil, fmt.Errorf("inngest: event %d does not decode into %v: %w", i, reflect.TypeFor[T](), err)
		}
		events = append(events, ev)
	}
	switch {
	case evs.first >= 0 && evs.first < len(events):
		first = events[evs.first]
	case len(evs.event) > 0:
		var err error
		if first, err = decodeEvent[T](evs.event); err != nil {
			return first, nil, fmt.Errorf("inngest: the event middleware set does not decode into %v: %w", reflect.TypeFor[T](), err)
		}
	}
	return first, events, nil
}

// senderFor returns the sender of step.SendEvent for a function with
// middleware mws: the client's middleware runs inside the client's send;
// the function's own middleware wraps it.
func (c *Client) senderFor(mws []middleware.Middleware) engine.Sender {
	if own := mws[len(c.app().Config.Middleware):]; len(own) > 0 {
		return mwSender{inner: c.app().Sender, mws: own}
	}
	return c.app().Sender
}

// baseLogger returns the logger a run's logger is built on: one set by
// middleware (such as middleware.Logging), else the call's, else the
// client's.
func (c *Client) baseLogger(ctx context.Context, call *slog.Logger) *slog.Logger {
	if l, ok := middleware.BaseLogger(ctx); ok {
		return l
	}
	if call != nil {
		return call
	}
	return c.app().Config.Logger
}

// transformOutput encodes a function's result and runs the middleware's
// output hooks, in reverse order, over it.
func transformOutput(ctx context.Context, mws []middleware.Middleware, mc *middleware.Call, out any, err error) (json.RawMessage, error) {
	var raw json.RawMessage
	if err == nil {
		var merr error
		if raw, merr = json.Marshal(out); merr != nil {
			err = NonRetriable(fmt.Errorf("inngest: encoding the function's result: %w", merr))
		}
	}
	if len(mws) == 0 {
		return raw, err
	}
	o := &middleware.Output{Data: raw, Err: err}
	for i := len(mws) - 1; i >= 0; i-- {
		mws[i].TransformOutput(ctx, mc, o)
	}
	return o.Data, o.Err
}

// callEvents are a call's events, encoded: all of them, and the
// triggering one, which is all[first], or event when first is -1 (a
// middleware set an event of its own; nil when none is left).
type callEvents struct {
	all   []json.RawMessage
	first int
	event json.RawMessage
}

// eventsOf returns the events of a call request.
func eventsOf(req *wire.CallRequest) callEvents {
	all := req.Events
	if len(all) == 0 && len(req.Event) > 0 {
		all = []json.RawMessage{req.Event}
	}
	if len(all) == 0 {
		return callEvents{first: -1}
	}
	return callEvents{all: all}
}

// badInput fails a run whose input cannot be used, without retries: the
// same input would fail again.
func badInput(err error) engine.Result {
	return engine.Result{Done: true, Err: err, Failure: &engine.Failure{
		Error:   wire.UserError{Name: "NonRetriableError", Message: err.Error(), NoRetry: true},
		NoRetry: true,
	}}
}
