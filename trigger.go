package inngest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/limits"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

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
	if d < 0 {
		// The wire form cannot carry a negative jitter: it would read as 0.
		t.err = fmt.Errorf("inngest: Trigger.Jitter(%s): a jitter cannot be negative", d)
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

// validateTriggers checks a function's triggers: at least one, each an
// event or a cron schedule.
func validateTriggers(triggers []wire.Trigger) error {
	switch {
	case len(triggers) == 0:
		return errors.New("needs at least one trigger")
	case len(triggers) > limits.MaxTriggers:
		return fmt.Errorf("at most %d triggers, got %d", limits.MaxTriggers, len(triggers))
	}
	seen := make(map[string]bool, len(triggers))
	for _, t := range triggers {
		if err := validateTrigger(t); err != nil {
			return err
		}
		// The server refuses a trigger twice, and a cron schedule twice
		// whatever its jitter (pkg/inngest/trigger.go).
		key := "event " + t.Event
		if t.Expression != nil {
			key += " if " + *t.Expression
		}
		if t.Cron != "" {
			key = "cron " + t.Cron
		}
		if seen[key] {
			return fmt.Errorf("the trigger %s appears twice", key)
		}
		seen[key] = true
	}
	return nil
}

func validateTrigger(t wire.Trigger) error {
	switch {
	case t.Event != "" && t.Cron != "":
		return errors.New("a trigger has both an event and a cron")
	case t.Event != "":
		if len(t.Event) > limits.MaxEventNameLength {
			return fmt.Errorf("event name %.20q… is longer than %d bytes", t.Event, limits.MaxEventNameLength)
		}
		if strings.TrimSpace(t.Event) != t.Event {
			return fmt.Errorf("event name %q has surrounding spaces", t.Event)
		}
		if t.Expression != nil && strings.TrimSpace(*t.Expression) == "" {
			return fmt.Errorf("trigger on %q has an empty If expression", t.Event)
		}
	case t.Cron != "":
		if len(t.Cron) > limits.MaxCronLength {
			return fmt.Errorf("cron %.20q… is longer than %d bytes", t.Cron, limits.MaxCronLength)
		}
		if _, err := cronspec.Parse(t.Cron); err != nil {
			return fmt.Errorf("invalid cron %q: %w", t.Cron, err)
		}
		return validateJitter(t)
	default:
		return errors.New("a trigger needs an event name or a cron schedule")
	}
	return nil
}

// validateJitter checks a cron trigger's jitter: 0, or between the
// server's minimum and maximum.
func validateJitter(t wire.Trigger) error {
	if t.Jitter == nil {
		return nil
	}
	d, err := timestr.Parse(*t.Jitter)
	if err != nil {
		return fmt.Errorf("cron %q: jitter: %w", t.Cron, err)
	}
	if d != 0 && (d < limits.MinCronJitter || d > limits.MaxCronJitter) {
		return fmt.Errorf("cron %q: jitter must be 0 or between %s and %s, got %s", t.Cron, limits.MinCronJitter, limits.MaxCronJitter, d)
	}
	return nil
}
