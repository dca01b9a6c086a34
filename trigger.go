package inngest

import (
	"errors"
	"fmt"
	"time"

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
