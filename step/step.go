// Package step provides the durable steps a function is made of: Run,
// Sleep, SleepUntil, WaitForEvent, WaitForSignal, SendEvent, SendSignal,
// Invoke and Fetch, and the ways to run branches of them concurrently: Parallel and
// Parallel2, Race, and a Group of typed branches (Go, Group.Wait,
// Group.Race). Package step/ai adds the AI steps, Infer and Wrap. Every
// step takes per-step options (Opts): a display name.
//
// Each step has an ID chosen by you. Its result is saved by the server the
// first time it completes; when the function is called again, the step
// returns the saved result instead of running again. IDs may repeat, for
// example in a loop: the n-th repeat is told apart by its position, saved
// as "<id>:<n>". So an ID of that form ("item:1") and a repeat of "item"
// would share one saved result: the run then fails (ErrMisuse), naming
// both.
//
// Steps only work with the ctx a function handler received (or one derived
// from it); called elsewhere they return an error. So does a step called
// with what it cannot take: an empty ID, a nil function, a negative sleep,
// a zero timeout. Such an error is wrapped in inngest.NonRetriable, as it
// would come back alike on every attempt: a function that returns it fails
// without retries.
//
// # One goroutine, one step at a time
//
// Call steps from the function's own goroutine or from a Parallel branch,
// one at a time. When a step is new, the goroutine that called it is
// stopped (runtime.Goexit) until the server calls again, and memoized
// results are handed back in the order the steps are reached; a step
// called from a goroutine you start (go, errgroup, sync.WaitGroup.Go),
// concurrently with another step of the same branch, inside another
// step's code, or after the function returned would break both. Such a
// call returns an error matching ErrMisuse and fails the whole run at
// once, without retries, whatever the function returns: never a wrong
// result. To run steps concurrently, use Parallel:
//
//	results, err := step.Parallel(ctx,
//		func(ctx context.Context) (int, error) { return step.Run(ctx, "a", fa) },
//		func(ctx context.Context) (int, error) { return step.Run(ctx, "b", fb) },
//	)
//
// Go cannot name the goroutine calling a step, so the engine catches
// misuse by its effects, which every misuse has before a run can end: a
// branch's steps are claimed one at a time, a step call on a branch whose
// goroutine a step already stopped comes from another goroutine, and so
// does the step of a branch that returned although one of its steps
// stopped its goroutine. A new step of the function's own (outside
// Parallel) also looks at where its goroutine began, so one called from a
// goroutine of the user's returns the error at once rather than stopping
// that goroutine, and code waiting for that goroutine is not left waiting.
// What it cannot see within one request: a goroutine that calls a step
// after the function returned (the call fails and is logged as an error,
// but the answer may be sent by then), goroutines whose steps all return
// results saved by an earlier version of the code, and a goroutine started
// in a Parallel branch whose new step stops it while the branch waits for
// it without a deferred call (the request then holds until it ends).
// cmd/inngest-vet reports steps in goroutines and nested steps before the
// code runs.
//
// Each call below is one step on the server, as billed: Run, Sleep,
// SleepUntil, WaitForEvent, WaitForSignal, SendEvent, SendSignal, Invoke
// and Fetch are one step each; Parallel, Race and Group add no step of their own.
package step

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/stepcall"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

func start(ctx context.Context, kind, stepID string) (*engine.Run, error) {
	return stepcall.Start(ctx, kind, stepID)
}

// ErrMisuse is matched (errors.Is) by the error of a step called where
// steps cannot run: from a goroutine other than the function's own or a
// Parallel branch, concurrently with another step of the same branch,
// inside another step's code, or after the function returned. Such a call
// could hand a memoized result to the wrong step, so the run fails at
// once, without retries, whatever the function returns.
var ErrMisuse = engine.ErrMisuse

// Run runs fn once as a step and returns its result, which must encode as
// JSON. If fn fails, the step is retried with backoff; after its last
// retry (or at once for an inngest.NonRetriable error) Run returns an
// *inngest.StepError. An error wrapped with inngest.RetryAfter delays the
// retry.
//
// opts, at most one and possibly nil, give the step a display name.
func Run[T any](ctx context.Context, stepID string, fn func(ctx context.Context) (T, error), opts ...*Opts) (T, error) {
	var zero T
	r, err := start(ctx, "step.Run", stepID)
	if err != nil {
		return zero, err
	}
	if fn == nil {
		return zero, stepcall.Invalid("inngest: step.Run(%q) has no function", stepID)
	}
	name, err := nameOf("step.Run", stepID, opts)
	if err != nil {
		return zero, err
	}
	ref, raw, ok, err := r.Lookup(ctx, "step.Run", stepID)
	if err != nil {
		return zero, err
	}
	if ok {
		return decodeOutcome[T](r, stepID, raw)
	}
	ref.Name = name
	saved := r.RunStep(ctx, ref, "step.run", func(ctx context.Context) (json.RawMessage, error) {
		v, err := fn(ctx)
		return stepcall.Result("step.Run", stepID, v, err)
	})
	// Reached only when the step was checkpointed: the function goes on
	// with the result as a later request would read it.
	return decodeOutcome[T](r, stepID, saved)
}

func decodeOutcome[T any](r *engine.Run, stepID string, raw json.RawMessage) (T, error) {
	return stepcall.Decode[T](r, stepID, raw)
}

func unusable(r *engine.Run, err error) error { return stepcall.Unusable(r, err) }

// Sleep pauses the run for d. The process does not wait: the server calls
// the function again when the time is up. opts, at most one and possibly nil, give the step a display name.
func Sleep(ctx context.Context, stepID string, d time.Duration, opts ...*Opts) error {
	r, err := start(ctx, "step.Sleep", stepID)
	if err != nil {
		return err
	}
	if d < 0 {
		return stepcall.Invalid("inngest: step.Sleep(%q): negative duration %s", stepID, d)
	}
	name, err := nameOf("step.Sleep", stepID, opts)
	if err != nil {
		return err
	}
	ref, _, ok, err := r.Lookup(ctx, "step.Sleep", stepID)
	if err != nil || ok {
		return err
	}
	ref.Name = name
	r.Report(ctx, ref, wire.OpSleep, wire.SleepOpts{Duration: timestr.Format(d)})
	panic("unreachable")
}

// SleepUntil pauses the run until t. A time in the past resumes at once.
// opts, at most one and possibly nil, give the step a display name.
func SleepUntil(ctx context.Context, stepID string, t time.Time, opts ...*Opts) error {
	r, err := start(ctx, "step.SleepUntil", stepID)
	if err != nil {
		return err
	}
	if t.IsZero() {
		return stepcall.Invalid("inngest: step.SleepUntil(%q): zero time", stepID)
	}
	name, err := nameOf("step.SleepUntil", stepID, opts)
	if err != nil {
		return err
	}
	ref, _, ok, err := r.Lookup(ctx, "step.SleepUntil", stepID)
	if err != nil || ok {
		return err
	}
	ref.Name = name
	r.Report(ctx, ref, wire.OpSleep, wire.SleepOpts{Duration: t.UTC().Format(time.RFC3339)})
	panic("unreachable")
}

// WaitOpts configure WaitForEvent.
type WaitOpts struct {
	// Timeout is how long to wait. Required.
	Timeout time.Duration
	// If is a CEL expression the awaited event must satisfy, with the
	// run's triggering event as `event` and the awaited one as `async`.
	If string
	// Match is shorthand for the common If: a field path such as
	// "data.invoiceId" that must be equal in both events. With If set
	// too, the event must satisfy both.
	Match string
	// Name is the step's display name (see Opts). Default: the step ID.
	Name string
}

// WaitForEvent pauses the run until an event of type ev arrives that
// matches opts, or the timeout passes. It returns the event, or nil when
// the timeout passed first.
func WaitForEvent[T any](ctx context.Context, stepID string, ev inngest.EventType[T], opts WaitOpts) (*inngest.Event[T], error) {
	r, err := start(ctx, "step.WaitForEvent", stepID)
	if err != nil {
		return nil, err
	}
	if ev.Name() == "" {
		return nil, stepcall.Invalid("inngest: step.WaitForEvent(%q) needs an event name", stepID)
	}
	if opts.Timeout <= 0 {
		return nil, stepcall.Invalid("inngest: step.WaitForEvent(%q) needs a positive Timeout", stepID)
	}
	ref, raw, ok, err := r.Lookup(ctx, "step.WaitForEvent", stepID)
	if err != nil {
		return nil, err
	}
	if ok {
		if wire.IsNull(raw) {
			return nil, nil
		}
		var got inngest.Event[T]
		if err := json.Unmarshal(raw, &got); err != nil {
			return nil, unusable(r, fmt.Errorf("inngest: step.WaitForEvent(%q): the event it received does not decode into %v: %w", stepID, reflect.TypeFor[T](), err))
		}
		return &got, nil
	}
	// The expression matters only when the wait is reported, so a replay
	// does not walk the event's data type to check Match again.
	expr, err := waitExpr(ev, opts)
	if err != nil {
		r.Drop(ref)
		return nil, stepcall.Invalid("inngest: step.WaitForEvent(%q): %w", stepID, err)
	}
	o := wire.WaitForEventOpts{Event: ev.Name(), Timeout: timestr.Format(opts.Timeout)}
	if expr != "" {
		o.If = &expr
	}
	ref.Name = opts.Name
	r.Report(ctx, ref, wire.OpWaitForEvent, o)
	panic("unreachable")
}

// waitExpr is a wait's If expression: opts.If, and opts.Match checked
// against the awaited event's data type.
func waitExpr[T any](ev inngest.EventType[T], opts WaitOpts) (string, error) {
	if opts.Match == "" {
		return opts.If, nil
	}
	m, err := inngest.MatchExpressionFor(ev, opts.Match)
	if err != nil || opts.If == "" {
		return m, err
	}
	return "(" + opts.If + ") && " + m, nil
}

// SendEvent sends events as a step, so a replayed run does not send them
// twice, and returns their IDs.
func SendEvent(ctx context.Context, stepID string, events ...inngest.Sendable) ([]string, error) {
	return SendEventWith(ctx, stepID, nil, events...)
}

// SendEventWith is SendEvent with per-step options, which may be nil.
func SendEventWith(ctx context.Context, stepID string, opts *Opts, events ...inngest.Sendable) ([]string, error) {
	r, err := start(ctx, "step.SendEvent", stepID)
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, stepcall.Invalid("inngest: step.SendEvent(%q) has no events", stepID)
	}
	ws := make([]wire.Event, len(events))
	for i, e := range events {
		if e == nil {
			return nil, stepcall.Invalid("inngest: step.SendEvent(%q): event %d is nil", stepID, i)
		}
		if ws[i], err = r.Encode(e); err != nil {
			return nil, stepcall.Invalid("inngest: step.SendEvent(%q): %w", stepID, err)
		}
	}
	ref, raw, ok, err := r.Lookup(ctx, "step.SendEvent", stepID)
	if err != nil {
		return nil, err
	}
	if ok {
		return decodeOutcome[[]string](r, stepID, raw)
	}
	sender := r.Sender()
	if sender == nil {
		r.Drop(ref)
		return nil, stepcall.Invalid("inngest: step.SendEvent(%q): no event sender configured", stepID)
	}
	if opts != nil {
		ref.Name = opts.Name
	}
	saved := r.RunStep(ctx, ref, "step.sendEvent", func(ctx context.Context) (json.RawMessage, error) {
		ids, err := sender.SendEvents(ctx, ws)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ids)
	})
	return decodeOutcome[[]string](r, stepID, saved)
}

// InvokeOpts configure Invoke.
type InvokeOpts struct {
	// Timeout bounds the wait for the invoked run. 0: the server default.
	Timeout time.Duration
	// User is optional user data for the invocation event.
	User map[string]any
	// Name is the step's display name (see Opts). Default: the step ID.
	Name string
}

// Invoke runs another function with data as its event data and waits for
// its result. A failed run returns an *inngest.StepError.
func Invoke[T, R any](ctx context.Context, stepID string, fn *inngest.Function[T, R], data T, opts *InvokeOpts) (R, error) {
	var zero R
	if fn == nil {
		return zero, stepcall.Invalid("inngest: step.Invoke(%q) needs a function", stepID)
	}
	return InvokeByID[R](ctx, stepID, fn.FullID(), data, opts)
}

// InvokeByID invokes the function with the given full ID
// ("<app id>-<function id>"), possibly in another app.
func InvokeByID[R any](ctx context.Context, stepID string, functionID string, data any, opts *InvokeOpts) (R, error) {
	var zero R
	r, err := start(ctx, "step.Invoke", stepID)
	if err != nil {
		return zero, err
	}
	if functionID == "" {
		return zero, stepcall.Invalid("inngest: step.Invoke(%q) needs a function ID", stepID)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return zero, fmt.Errorf("inngest: step.Invoke(%q): encoding data: %w", stepID, err)
	}
	if wire.IsNull(raw) {
		raw = json.RawMessage("{}")
	}
	if raw[0] != '{' {
		return zero, fmt.Errorf("inngest: step.Invoke(%q): data must encode as a JSON object", stepID)
	}
	o := wire.InvokeOpts{FunctionID: functionID, Payload: wire.Event{Data: raw}}
	if opts != nil {
		if opts.Timeout < 0 {
			return zero, fmt.Errorf("inngest: step.Invoke(%q): negative timeout", stepID)
		}
		if opts.Timeout > 0 {
			o.Timeout = timestr.Format(opts.Timeout)
		}
		if len(opts.User) > 0 {
			if o.Payload.User, err = json.Marshal(opts.User); err != nil {
				return zero, fmt.Errorf("inngest: step.Invoke(%q): encoding user: %w", stepID, err)
			}
		}
	}
	ref, memo, ok, err := r.Lookup(ctx, "step.Invoke", stepID)
	if err != nil {
		return zero, err
	}
	if ok {
		return decodeOutcome[R](r, stepID, memo)
	}
	if opts != nil {
		ref.Name = opts.Name
	}
	r.Report(ctx, ref, wire.OpInvokeFunction, o)
	panic("unreachable")
}
