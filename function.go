package inngest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// Limits enforced at function creation, matching the server's.
const (
	MaxRetries         = 20
	DefaultRetries     = 3
	MaxConcurrencyKeys = 2
	MaxBatchSize       = 100
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
	// Middleware runs around this function only, after the client's.
	Middleware []middleware.Middleware
	// OnFailure runs when a run of this function fails for good. It is
	// registered as a companion function with ID "<ID>-failure", triggered
	// by inngest/function.failed for this function. It may use steps.
	OnFailure func(ctx context.Context, in FailureInput) error
}

// Concurrency limits how many steps run at once, optionally per key.
type Concurrency struct {
	// Limit is the number of concurrent steps. Must be positive.
	Limit int
	// Key is an optional CEL expression over `event` naming the group.
	Key string
	// Scope is "fn" (default), "env" or "account".
	Scope string
}

// Throttle lets Limit runs start per Period, queuing the rest: they start
// later, in order. The server spreads starts evenly: Limit+Burst runs may
// start at once, then one every Period/Limit (a throttle of 10 per minute
// starts a queued run every 6 seconds, not 10 at the top of each minute).
type Throttle struct {
	// Limit is the number of runs that may start per Period. Must be
	// positive.
	Limit int
	// Period is the window, 1s to 7 days, in whole seconds.
	Period time.Duration
	// Burst is how many runs beyond Limit may start at once.
	Burst int
	// Key is an optional CEL expression over `event`.
	Key string
}

// RateLimit lets Limit runs start per Period and skips the rest: their
// events start no run. The server spreads the allowance evenly: Limit/10+1
// runs may start at once, then one every Period/Limit (a limit of 2 per
// hour lets one run start, then one more every 30 minutes). A Key
// expression that evaluates to false leaves the event out of the limit.
type RateLimit struct {
	// Limit is the number of runs that may start per Period. Must be
	// positive.
	Limit int
	// Period is the window, at most 24h.
	Period time.Duration
	// Key is an optional CEL expression over `event`.
	Key string
}

// Debounce waits until no event arrived for Period, then runs once with
// the last event.
type Debounce struct {
	// Period is the quiet time that must pass, 1s to 7 days.
	Period time.Duration
	// Key is an optional CEL expression over `event`.
	Key string
	// Timeout bounds the total delay.
	Timeout time.Duration
}

// Priority orders pending runs: Run is a CEL expression over `event`
// returning seconds (-600 to 600) to move the run ahead or behind.
type Priority struct {
	Run string
}

// BatchEvents collects events into batches of up to MaxSize, waiting at
// most Timeout (1s to 60s) for a batch to fill.
type BatchEvents struct {
	MaxSize int
	Timeout time.Duration
	// Key is an optional CEL expression grouping events into batches.
	Key string
	// If is an optional CEL expression; events failing it run unbatched.
	If string
}

// CancelOn cancels a run when Event arrives and If holds, with the
// triggering event as `event` and the new one as `async`.
//
//	CancelOn: []inngest.CancelOn{{Type: ReminderCancelled, Match: "data.reminderId"}}
type CancelOn struct {
	// Event is the name of the cancelling event. Set Event or Type.
	Event string
	// Type is the cancelling event declared with EventType, in place of
	// Event: Match is then also checked against its data type.
	Type DeclaredEvent
	// If is an optional CEL expression; both If and Match must hold.
	If string
	// Match is shorthand for If: a field path such as "data.userId" that
	// must be equal in both events. It must start with "data.", "user.",
	// "id", "name", "ts" or "v", and where the function's event data
	// type, or Type's, is a struct, name its JSON fields (a map or an
	// interface allows anything below it): CreateFunction returns an
	// error for a path that could never match.
	Match string
	// Timeout bounds how long the cancellation stays armed. 0: the life
	// of the run.
	Timeout time.Duration
}

// Timeouts cancel runs that wait too long to start or run too long.
type Timeouts struct {
	// Start cancels a run not started within this time of its event.
	// 0: no limit.
	Start time.Duration
	// Finish cancels a run not finished within this time of its start.
	// 0: no limit.
	Finish time.Duration
}

// Singleton modes.
const (
	SingletonSkip   = "skip"
	SingletonCancel = "cancel"
)

// Singleton allows one run at a time per Key: a new run is skipped
// (SingletonSkip) or replaces the running one (SingletonCancel).
type Singleton struct {
	// Key is an optional CEL expression over `event`; one run at a time
	// per distinct value. Empty: one run at a time for the function.
	Key string
	// Mode is SingletonSkip (the default) or SingletonCancel.
	Mode string
}

// Ptr returns a pointer to v, for optional fields such as Retries.
func Ptr[T any](v T) *T { return &v }

// Trigger says which events or schedule start a function whose events
// carry data of type T. Build one with EventType.Trigger, On or OnCron,
// and combine with Or.
type Trigger[T any] struct {
	list []wire.Trigger
	err  error
}

// On triggers on the event named name, with data decoded into T.
func On[T any](name string) Trigger[T] {
	return Trigger[T]{list: []wire.Trigger{{Event: name}}}
}

// OnEvent triggers on the event named name with untyped data.
func OnEvent(name string) Trigger[map[string]any] { return On[map[string]any](name) }

// CronData is the data of the event that starts a cron-triggered run.
type CronData struct {
	Cron string `json:"cron"`
}

// OnCron triggers on a cron schedule of five fields: minute, hour, day of
// month, month and day of week ("*/5 * * * *", "0 9 * * MON-FRI"). Prefix
// "TZ=Europe/Paris " to choose a time zone. As on the Inngest server,
// descriptors such as "@hourly" and "@every 5m" are refused: CreateFunction
// returns an error giving the five fields to write instead.
func OnCron(schedule string) Trigger[CronData] {
	return Trigger[CronData]{list: []wire.Trigger{{Cron: schedule}}}
}

// If restricts the last event trigger to events for which the CEL
// expression holds.
func (t Trigger[T]) If(expression string) Trigger[T] {
	t.list = append([]wire.Trigger(nil), t.list...)
	if len(t.list) == 0 || t.list[len(t.list)-1].Event == "" {
		t.err = errors.New("inngest: Trigger.If applies to an event trigger")
		return t
	}
	t.list[len(t.list)-1].Expression = &expression
	return t
}

// OrCron adds a cron schedule to the trigger.
func (t Trigger[T]) OrCron(schedule string) Trigger[T] {
	t.list = append(append([]wire.Trigger(nil), t.list...), wire.Trigger{Cron: schedule})
	return t
}

// Jitter spreads the last cron trigger's runs over up to d after each tick.
func (t Trigger[T]) Jitter(d time.Duration) Trigger[T] {
	t.list = append([]wire.Trigger(nil), t.list...)
	if len(t.list) == 0 || t.list[len(t.list)-1].Cron == "" {
		t.err = errors.New("inngest: Trigger.Jitter applies to a cron trigger")
		return t
	}
	j := timestr.Format(d)
	t.list[len(t.list)-1].Jitter = &j
	return t
}

// Or combines triggers with the same data type.
func (t Trigger[T]) Or(other Trigger[T]) Trigger[T] {
	t.list = append(append([]wire.Trigger(nil), t.list...), other.list...)
	if t.err == nil {
		t.err = other.err
	}
	return t
}

// Input is what a function receives for each call.
type Input[T any] struct {
	// Event is the triggering event (the first of a batch).
	Event Event[T]
	// Events holds every event of a batch; one event otherwise.
	Events []Event[T]
	// RunID identifies this run.
	RunID string
	// Attempt counts retries of the current step or body, from 0.
	Attempt int
	// Logger is tagged with the function, run and attempt, and with
	// step_id while a step's code runs (loggers derived from it with With
	// or WithGroup too); it stays silent while memoized code is replayed,
	// so each line appears once per run. It is the logger [Logger](ctx)
	// returns.
	Logger *slog.Logger
}

// FailureData is the data of an inngest/function.failed event.
type FailureData struct {
	// FunctionID is the failed function's full ID ("<app>-<function>").
	FunctionID string `json:"function_id"`
	// RunID identifies the failed run.
	RunID string `json:"run_id"`
	// Error is the error that failed the run.
	Error FailureError `json:"error"`
	// Event is the event that started the failed run.
	Event json.RawMessage `json:"event"`
}

// FailureError is the error that failed a run.
type FailureError struct {
	// Name is the error's type name.
	Name string `json:"name"`
	// Message is the error's message.
	Message string `json:"message"`
	// Stack is the stack trace, when the SDK sent one.
	Stack string `json:"stack,omitempty"`
}

// FailureInput is what an OnFailure handler receives.
type FailureInput struct {
	Input[FailureData]
	// Error is the error that failed the run: a *StepError (errors.As
	// reaches it) holding the run's final error, whether a step or the
	// function body raised it.
	Error error
	// OriginalEvent is the event that started the failed run.
	OriginalEvent GenericEvent
}

// HandlerFunc is a function's code: it receives the input and returns a
// JSON-encodable result or an error.
type HandlerFunc[T, R any] func(ctx context.Context, in Input[T]) (R, error)

// Function is a function registered on a client.
type Function[T, R any] struct {
	client *Client
	opts   FunctionOpts
	spec   *app.Function
}

// ID returns the function's ID within its app.
func (f *Function[T, R]) ID() string { return f.spec.Slug }

// FullID returns the ID the server knows the function by:
// "<app id>-<function id>".
func (f *Function[T, R]) FullID() string { return f.spec.CompositeID }

// Name returns the function's display name.
func (f *Function[T, R]) Name() string { return f.spec.Config.Name }

// CreateFunction registers a function on c, which must be made by
// NewClient (a nil or zero Client is an error). Invalid options fail here,
// with an error saying what to change.
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
	cfg, err := buildConfig(c, opts, trigger.list, reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	f := &Function[T, R]{client: c, opts: opts}
	f.spec = &app.Function{
		Slug:        opts.ID,
		CompositeID: cfg.ID,
		Config:      cfg,
		Middleware:  append(append([]middleware.Middleware(nil), c.app.Config.Middleware...), opts.Middleware...),
		Invoke: func(ctx context.Context, call *app.Call) engine.Result {
			return invoke(ctx, c, f.spec, call, fn)
		},
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
	if err := c.app.Register(specs...); err != nil {
		return nil, err
	}
	return f, nil
}

// onFailureSpec builds the companion function that runs opts.OnFailure.
func onFailureSpec(c *Client, opts FunctionOpts, parent wire.Function) (*app.Function, error) {
	handler := opts.OnFailure
	expr := fmt.Sprintf("event.data.function_id == %q", parent.ID)
	fopts := FunctionOpts{ID: opts.ID + "-failure", Name: parent.Name + " (failure)", Retries: opts.Retries}
	cfg, err := buildConfig(c, fopts, []wire.Trigger{{Event: wire.EventFunctionFailed, Expression: &expr}}, reflect.TypeFor[FailureData]())
	if err != nil {
		return nil, err
	}
	spec := &app.Function{Slug: fopts.ID, CompositeID: cfg.ID, Config: cfg,
		Middleware: append(append([]middleware.Middleware(nil), c.app.Config.Middleware...), opts.Middleware...)}
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

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func positive(field string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s must be positive", field)
	}
	return nil
}

// buildConfig checks o and returns the function's sync config. data is
// the data type of the events that trigger it.
func buildConfig(c *Client, o FunctionOpts, triggers []wire.Trigger, data reflect.Type) (wire.Function, error) {
	fail := func(format string, args ...any) (wire.Function, error) {
		return wire.Function{}, fmt.Errorf("inngest: function %q: "+format, append([]any{o.ID}, args...)...)
	}
	if o.ID == "" {
		return fail("ID is required (FunctionOpts.ID), such as \"send-welcome-email\"")
	}
	if len(o.ID) > 128 || strings.ContainsAny(o.ID, " \t\r\n/?#&") {
		return fail("ID must be at most 128 characters without spaces, '/', '?', '#' or '&'")
	}
	name := o.Name
	if name == "" {
		name = o.ID
	}
	retries := DefaultRetries
	if o.Retries != nil {
		retries = *o.Retries
	}
	if retries < 0 || retries > MaxRetries {
		return fail("Retries must be between 0 and %d, got %d", MaxRetries, retries)
	}
	cfg := wire.Function{
		ID:       c.app.Config.AppID + "-" + o.ID,
		Name:     name,
		Triggers: triggers,
		Steps: map[string]wire.Step{"step": {
			ID: "step", Name: "step",
			Runtime: wire.StepRuntime{Type: "http"},
			// The server reads "attempts" as the number of retries,
			// whatever the spec's wording.
			Retries: &wire.StepRetries{Attempts: retries},
		}},
	}
	if len(triggers) == 0 {
		return fail("needs at least one trigger")
	}
	for _, t := range triggers {
		switch {
		case t.Event != "" && t.Cron != "":
			return fail("a trigger has both an event and a cron")
		case t.Event != "":
			if strings.TrimSpace(t.Event) != t.Event {
				return fail("event name %q has surrounding spaces", t.Event)
			}
			if t.Expression != nil && strings.TrimSpace(*t.Expression) == "" {
				return fail("trigger on %q has an empty If expression", t.Event)
			}
		case t.Cron != "":
			if _, err := cronspec.Parse(t.Cron); err != nil {
				return fail("invalid cron %q: %v", t.Cron, err)
			}
		default:
			return fail("a trigger needs an event name or a cron schedule")
		}
	}
	if o.Idempotency != "" {
		cfg.Idempotency = &o.Idempotency
	}
	if len(o.Concurrency) > MaxConcurrencyKeys {
		return fail("at most %d concurrency limits, got %d", MaxConcurrencyKeys, len(o.Concurrency))
	}
	for _, cc := range o.Concurrency {
		if cc.Limit <= 0 {
			return fail("Concurrency.Limit must be positive, got %d", cc.Limit)
		}
		switch cc.Scope {
		case "", "fn", "env", "account":
		default:
			return fail("Concurrency.Scope must be \"fn\", \"env\" or \"account\", got %q", cc.Scope)
		}
		if (cc.Scope == "env" || cc.Scope == "account") && cc.Key == "" {
			return fail("Concurrency with scope %q needs a Key", cc.Scope)
		}
		cfg.Concurrency = append(cfg.Concurrency, wire.Concurrency{Limit: cc.Limit, Key: strPtr(cc.Key), Scope: cc.Scope})
	}
	if t := o.Throttle; t != nil {
		if t.Limit <= 0 {
			return fail("Throttle.Limit must be positive")
		}
		if t.Period < time.Second || t.Period > 7*24*time.Hour {
			return fail("Throttle.Period must be between 1s and 7 days")
		}
		if t.Burst < 0 {
			return fail("Throttle.Burst must not be negative")
		}
		cfg.Throttle = &wire.Throttle{Limit: t.Limit, Period: timestr.Format(t.Period), Burst: t.Burst, Key: strPtr(t.Key)}
	}
	if r := o.RateLimit; r != nil {
		if r.Limit <= 0 {
			return fail("RateLimit.Limit must be positive")
		}
		if r.Period <= 0 || r.Period > 24*time.Hour {
			return fail("RateLimit.Period must be between 1ns and 24h")
		}
		cfg.RateLimit = &wire.RateLimit{Limit: r.Limit, Period: timestr.Format(r.Period), Key: strPtr(r.Key)}
	}
	if d := o.Debounce; d != nil {
		if d.Period < time.Second || d.Period > 7*24*time.Hour {
			return fail("Debounce.Period must be between 1s and 7 days")
		}
		cfg.Debounce = &wire.Debounce{Period: timestr.Format(d.Period), Key: strPtr(d.Key)}
		if d.Timeout != 0 {
			if d.Timeout < d.Period {
				return fail("Debounce.Timeout must be at least Debounce.Period")
			}
			s := timestr.Format(d.Timeout)
			cfg.Debounce.Timeout = &s
		}
	}
	if p := o.Priority; p != nil {
		if strings.TrimSpace(p.Run) == "" {
			return fail("Priority.Run needs an expression")
		}
		cfg.Priority = &wire.Priority{Run: &p.Run}
	}
	if b := o.BatchEvents; b != nil {
		if b.MaxSize < 1 || b.MaxSize > MaxBatchSize {
			return fail("BatchEvents.MaxSize must be between 1 and %d", MaxBatchSize)
		}
		if b.Timeout < time.Second || b.Timeout > time.Minute {
			return fail("BatchEvents.Timeout must be between 1s and 60s")
		}
		cfg.BatchEvents = &wire.BatchEvents{MaxSize: b.MaxSize, Timeout: timestr.Format(b.Timeout), Key: strPtr(b.Key), If: strPtr(b.If)}
	}
	for _, co := range o.CancelOn {
		wc, err := co.build(data)
		if err != nil {
			return fail("%v", err)
		}
		cfg.Cancel = append(cfg.Cancel, wc)
	}
	if t := o.Timeouts; t != nil {
		wt := &wire.Timeouts{}
		if t.Start != 0 {
			if err := positive("Timeouts.Start", t.Start); err != nil {
				return fail("%v", err)
			}
			s := timestr.Format(t.Start)
			wt.Start = &s
		}
		if t.Finish != 0 {
			if err := positive("Timeouts.Finish", t.Finish); err != nil {
				return fail("%v", err)
			}
			s := timestr.Format(t.Finish)
			wt.Finish = &s
		}
		cfg.Timeouts = wt
	}
	if s := o.Singleton; s != nil {
		mode := s.Mode
		if mode == "" {
			mode = SingletonSkip
		}
		if mode != SingletonSkip && mode != SingletonCancel {
			return fail("Singleton.Mode must be %q or %q", SingletonSkip, SingletonCancel)
		}
		cfg.Singleton = &wire.Singleton{Key: strPtr(s.Key), Mode: mode}
	}
	return cfg, nil
}

// build checks a cancellation and returns its wire form. data is the
// data type of the function's triggering events, which Match is checked
// against as well as the cancelling event's, when Type gives it.
func (co CancelOn) build(data reflect.Type) (wire.Cancel, error) {
	name := co.Event
	var async reflect.Type
	if co.Type != nil {
		if co.Event != "" && co.Event != co.Type.Name() {
			return wire.Cancel{}, fmt.Errorf("CancelOn has Event %q and Type %q; set one of them", co.Event, co.Type.Name())
		}
		name, async = co.Type.Name(), co.Type.dataType()
	}
	if name == "" {
		return wire.Cancel{}, errors.New("CancelOn needs an Event (or a Type)")
	}
	wc := wire.Cancel{Event: name, If: strPtr(co.If)}
	if co.Match != "" {
		p, err := parseMatch(co.Match)
		if err == nil {
			err = p.check(data, "the triggering event")
		}
		if err == nil {
			err = p.check(async, "the cancelling event")
		}
		if err != nil {
			return wire.Cancel{}, fmt.Errorf("CancelOn %q: %w", name, err)
		}
		expr := p.expr()
		if co.If != "" {
			expr = "(" + co.If + ") && " + expr
		}
		wc.If = &expr
	}
	if co.Timeout < 0 {
		return wire.Cancel{}, errors.New("CancelOn.Timeout must not be negative")
	}
	if co.Timeout > 0 {
		s := timestr.Format(co.Timeout)
		wc.Timeout = &s
	}
	return wc, nil
}

// MatchExpression returns the CEL expression that a Match field path
// stands for: "data.id" becomes "event.data.id == async.data.id". The
// path must start with a member of an event: "data.", "user.", "id",
// "name", "ts" or "v". To check it against an event's data type too, use
// MatchExpressionFor.
func MatchExpression(field string) (string, error) {
	p, err := parseMatch(field)
	if err != nil {
		return "", err
	}
	return p.expr(), nil
}

// invoke runs a typed function for one call request.
func invoke[T, R any](ctx context.Context, c *Client, spec *app.Function, call *app.Call, fn HandlerFunc[T, R]) engine.Result {
	req := call.Req
	in := call.Engine
	mws := spec.Middleware
	mc := call.MW
	evs := eventsOf(req)
	if len(mws) > 0 {
		if mc == nil {
			mc = &middleware.Call{}
		}
		mc.FunctionID, mc.RunID, mc.Attempt = spec.Slug, req.Ctx.RunID, req.Ctx.Attempt
		mc.Targeted = in.TargetHash != ""
		var err error
		if ctx, evs, err = transformInput(ctx, mws, mc, evs, &in); err != nil {
			ue, noRetry, retry := classify(err, time.Now())
			logRefusal(ctx, c, in.Logger, mc, noRetry, err)
			return engine.Result{Done: true, Err: err, Failure: &engine.Failure{Error: ue, NoRetry: noRetry, Retry: retry}}
		}
		in.Hooks = hooksFor(mws, mc)
	}

	events := make([]Event[T], 0, len(evs.all))
	for i, raw := range evs.all {
		ev, err := decodeEvent[T](raw)
		if err != nil {
			return badInput(fmt.Errorf("inngest: event %d does not decode into %T: %w", i, ev.Data, err))
		}
		events = append(events, ev)
	}
	var first Event[T]
	switch {
	case evs.first >= 0 && evs.first < len(events):
		first = events[evs.first]
	case len(evs.event) > 0:
		var err error
		if first, err = decodeEvent[T](evs.event); err != nil {
			return badInput(fmt.Errorf("inngest: the event middleware set does not decode into %T: %w", first.Data, err))
		}
	}
	in.Classify = classify
	if in.Sender == nil {
		in.Sender = c.app.Sender
		if own := mws[len(c.app.Config.Middleware):]; len(own) > 0 {
			// Client middleware runs inside the client's send; the
			// function's own middleware wraps it.
			in.Sender = mwSender{inner: in.Sender, mws: own}
		}
	}
	base := in.Logger
	if base == nil {
		base = c.app.Config.Logger
	}
	if l, ok := middleware.BaseLogger(ctx); ok {
		base = l // set by middleware, such as middleware.Logging
	}
	in.Logger = base
	run := engine.New(in)
	logger := newRunLogger(base.Handler(), run, spec.Slug, req.Ctx.RunID, req.Ctx.Attempt)
	ctx = context.WithValue(ctx, loggerKey{}, logger)
	res := run.Execute(ctx, func(ctx context.Context) (json.RawMessage, error) {
		out, err := fn(ctx, Input[T]{Event: first, Events: events, RunID: req.Ctx.RunID, Attempt: req.Ctx.Attempt, Logger: logger})
		var raw json.RawMessage
		if err == nil {
			var merr error
			if raw, merr = json.Marshal(out); merr != nil {
				err = NonRetriable(fmt.Errorf("inngest: encoding the function's result: %w", merr))
			}
		}
		if len(mws) > 0 {
			o := &middleware.Output{Data: raw, Err: err}
			for i := len(mws) - 1; i >= 0; i-- {
				mws[i].TransformOutput(ctx, mc, o)
			}
			raw, err = o.Data, o.Err
		}
		return raw, err
	})
	if len(mws) > 0 && run.Executed() {
		for i := len(mws) - 1; i >= 0; i-- {
			mws[i].AfterExecution(ctx, mc)
		}
	}
	return res
}

// logRefusal logs, at the app's logger, a call that middleware refused:
// the function's code did not run, and no other line would say why. A
// refusal that fails the run (a NonRetriable error, as the validation
// middleware's) is an error; one the server may retry, a warning.
func logRefusal(ctx context.Context, c *Client, l *slog.Logger, mc *middleware.Call, final bool, err error) {
	if l == nil {
		l = c.app.Config.Logger
	}
	level := slog.LevelWarn
	if final {
		level = slog.LevelError
	}
	l.Log(ctx, level, "inngest: middleware refused the call, so the function did not run",
		"function_id", mc.FunctionID, "run_id", mc.RunID, "attempt", mc.Attempt, "error", err.Error())
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
	events := make([]*middleware.Event, 0, len(mi.Events))
	for i, ev := range mi.Events {
		if i == 0 && ev == prev && set {
			ev = mi.Event
		}
		if ev != nil {
			events = append(events, ev)
		}
	}
	mi.Events = events
	if !set || mi.Event == nil {
		mi.Event = nil
		if len(events) > 0 {
			mi.Event = events[0]
		}
	}
}

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
			st := middleware.Step{ID: info.ID, Index: info.Index, Kind: info.Kind}
			for _, m := range mws {
				if next := m.BeforeStep(ctx, mc, st); next != nil {
					ctx = next
				}
			}
			return ctx
		},
		TransformStep: func(ctx context.Context, info engine.StepInfo, data json.RawMessage, err error) (json.RawMessage, error) {
			st := middleware.Step{ID: info.ID, Index: info.Index, Kind: info.Kind}
			o := &middleware.Output{Data: data, Err: err}
			for i := len(mws) - 1; i >= 0; i-- {
				mws[i].TransformStep(ctx, mc, st, o)
			}
			return o.Data, o.Err
		},
	}
}

func badInput(err error) engine.Result {
	return engine.Result{Done: true, Err: err, Failure: &engine.Failure{
		Error:   wire.UserError{Name: "NonRetriableError", Message: err.Error(), NoRetry: true},
		NoRetry: true,
	}}
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
