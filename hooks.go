package inngest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// This file connects middleware to the client and its functions: the
// input, step and output hooks of a call, and the send hooks.

// logRefusal logs, at the app's logger, a call that middleware refused:
// the function's code did not run, and no other line would say why. A
// refusal that fails the run (a NonRetriable error, as the validation
// middleware's) is an error; one the server may retry, a warning.
func logRefusal(ctx context.Context, c *Client, l *slog.Logger, mc *middleware.Call, final bool, err error) {
	if l == nil {
		l = c.app().Config.Logger
	}
	level := slog.LevelWarn
	if final {
		level = slog.LevelError
	}
	l.Log(ctx, level, "inngest: middleware refused the call, so the function did not run",
		"function_id", mc.FunctionID, "run_id", mc.RunID, "attempt", mc.Attempt, "error", err.Error())
}

// transformInput runs the middleware's TransformInput hooks in order and
// returns the events they left. Each hook sees Input.Event and
// Input.Events in step, as syncFirst keeps them.
func transformInput(ctx context.Context, mws []middleware.Middleware, mc *middleware.Call, evs callEvents, in *engine.Input) (context.Context, callEvents, error) {
	mi := &middleware.Input{Events: make([]*middleware.Event, 0, len(evs.all)), Steps: in.Steps}
	for _, raw := range evs.all {
		var ev middleware.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return ctx, evs, NonRetriable(fmt.Errorf("inngest: malformed event: %w", err))
		}
		mi.Events = append(mi.Events, &ev)
	}
	if len(mi.Events) > 0 {
		mi.Event = mi.Events[0]
	}
	for _, m := range mws {
		prev := mi.Event
		var err error
		if ctx, err = m.TransformInput(ctx, mc, mi); err != nil {
			return ctx, evs, err
		}
		syncFirst(mi, prev)
	}
	out := callEvents{all: make([]json.RawMessage, 0, len(mi.Events)), first: -1}
	for _, ev := range mi.Events {
		raw, err := json.Marshal(ev)
		if err != nil {
			return ctx, evs, fmt.Errorf("inngest: middleware produced an event that does not encode: %w", err)
		}
		if ev == mi.Event && out.first < 0 {
			out.first = len(out.all)
		}
		out.all = append(out.all, raw)
	}
	if out.first < 0 && mi.Event != nil {
		raw, err := json.Marshal(mi.Event)
		if err != nil {
			return ctx, evs, fmt.Errorf("inngest: middleware produced an event that does not encode: %w", err)
		}
		out.event = raw
	}
	in.Steps = mi.Steps
	return ctx, out, nil
}

// syncFirst keeps Input.Event the first of Input.Events after a hook that
// was handed prev as Input.Event: a hook that set Event replaced the
// first event (or removed it, setting nil); one that changed only Events
// made their new first the Event, or nil when none is left. Nil events
// are dropped.
func syncFirst(mi *middleware.Input, prev *middleware.Event) {
	set := mi.Event != prev
	replace := set && len(mi.Events) > 0 && mi.Events[0] == prev
	// A new slice only when the events change: most hooks leave them be.
	if replace || slices.Contains(mi.Events, nil) {
		events := make([]*middleware.Event, 0, len(mi.Events))
		for i, ev := range mi.Events {
			if i == 0 && replace {
				ev = mi.Event
			}
			if ev != nil {
				events = append(events, ev)
			}
		}
		mi.Events = events
	}
	if !set || mi.Event == nil {
		mi.Event = nil
		if len(mi.Events) > 0 {
			mi.Event = mi.Events[0]
		}
	}
}

// hooksFor returns the engine hooks that run mws' step hooks.
func hooksFor(mws []middleware.Middleware, mc *middleware.Call) *engine.Hooks {
	return &engine.Hooks{
		AfterMemoization: func(ctx context.Context) {
			for _, m := range mws {
				m.AfterMemoization(ctx, mc)
			}
		},
		BeforeExecution: func(ctx context.Context) {
			for _, m := range mws {
				m.BeforeExecution(ctx, mc)
			}
		},
		BeforeStep: func(ctx context.Context, info engine.StepInfo) context.Context {
			st := middleware.Step{ID: info.ID, Name: info.Name, Index: info.Index, Kind: info.Kind}
			for _, m := range mws {
				if next := m.BeforeStep(ctx, mc, st); next != nil {
					ctx = next
				}
			}
			return ctx
		},
		TransformStep: func(ctx context.Context, info engine.StepInfo, data json.RawMessage, err error) (json.RawMessage, error) {
			st := middleware.Step{ID: info.ID, Name: info.Name, Index: info.Index, Kind: info.Kind}
			if pe := (*engine.PanicError)(nil); errors.As(err, &pe) {
				onPanic(ctx, mws, mc, &middleware.Panic{Value: pe.Value, Stack: pe.Stack, Step: &st})
			}
			o := &middleware.Output{Data: data, Err: err}
			for i := len(mws) - 1; i >= 0; i-- {
				mws[i].TransformStep(ctx, mc, st, o)
			}
			return o.Data, o.Err
		},
	}
}

// onPanic runs mws' OnPanic hooks in reverse order.
func onPanic(ctx context.Context, mws []middleware.Middleware, mc *middleware.Call, p *middleware.Panic) {
	for i := len(mws) - 1; i >= 0; i-- {
		mws[i].OnPanic(ctx, mc, p)
	}
}

// mwSender runs a function's own middleware around step.SendEvent.
type mwSender struct {
	inner engine.Sender
	mws   []middleware.Middleware
}

func (s mwSender) SendEvents(ctx context.Context, events []wire.Event) ([]string, error) {
	return withSendHooks(ctx, s.mws, events, func(events []wire.Event) ([]string, error) {
		return s.inner.SendEvents(ctx, events)
	})
}

// withSendHooks runs mws around send: BeforeSendEvents in order (any may
// change the events, and a refusal fails without retries, since sending
// the same events again would be refused again), AfterSendEvents in
// reverse order.
func withSendHooks(ctx context.Context, mws []middleware.Middleware, events []wire.Event, send func([]wire.Event) ([]string, error)) ([]string, error) {
	if len(mws) == 0 {
		return send(events)
	}
	evs := toMWEvents(events)
	for _, m := range mws {
		if err := m.BeforeSendEvents(ctx, evs); err != nil {
			return nil, NonRetriable(fmt.Errorf("inngest: middleware refused the events: %w", err))
		}
	}
	ids, err := send(fromMWEvents(evs))
	for i := len(mws) - 1; i >= 0; i-- {
		mws[i].AfterSendEvents(ctx, evs, ids, err)
	}
	return ids, err
}

func toMWEvents(events []wire.Event) []*middleware.Event {
	out := make([]*middleware.Event, len(events))
	for i, e := range events {
		out[i] = &middleware.Event{ID: e.ID, Name: e.Name, Data: e.Data, User: e.User, Timestamp: e.Timestamp, Version: e.Version}
	}
	return out
}

func fromMWEvents(events []*middleware.Event) []wire.Event {
	out := make([]wire.Event, 0, len(events))
	for _, e := range events {
		if e == nil {
			continue
		}
		out = append(out, wire.Event{ID: e.ID, Name: e.Name, Data: e.Data, User: e.User, Timestamp: e.Timestamp, Version: e.Version})
	}
	return out
}
