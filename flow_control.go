package inngest

import (
	"errors"
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// Concurrency limits how many steps run at once, optionally per key.
type Concurrency struct {
	// Limit is the number of concurrent steps. Must be positive.
	Limit int
	// Key is an optional CEL expression over `event` naming the group.
	Key string
	// Scope is "fn" (default), "env" or "account".
	Scope string
}

func (c Concurrency) validate() error {
	if c.Limit <= 0 {
		return fmt.Errorf("Concurrency.Limit must be positive, got %d", c.Limit)
	}
	return nil
}

func (c Concurrency) toWire() wire.Concurrency {
	return wire.Concurrency{Limit: c.Limit, Key: strPtr(c.Key), Scope: c.Scope}
}

// Throttle lets Limit runs start per Period, queuing the rest: they start
// later, in order. The server spreads starts evenly: Limit+Burst runs may
// start at once, then one every Period/Limit (a throttle of 10 per minute
// starts a queued run every 6 seconds, not 10 at the top of each minute).
type Throttle struct {
	// Limit is the number of runs that may start per Period. Must be
	// positive.
	Limit int
	// Period is the window, at least 1s; the server counts it in whole
	// seconds, dropping any fraction.
	Period time.Duration
	// Burst is how many runs beyond Limit may start at once.
	Burst int
	// Key is an optional CEL expression over `event`.
	Key string
}

func (t *Throttle) validate() error {
	if t != nil && t.Limit <= 0 {
		return errors.New("Throttle.Limit must be positive")
	}
	return nil
}

func (t *Throttle) toWire() *wire.Throttle {
	if t == nil {
		return nil
	}
	return &wire.Throttle{Limit: t.Limit, Period: timestr.Format(t.Period), Burst: t.Burst, Key: strPtr(t.Key)}
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

func (r *RateLimit) validate() error {
	if r != nil && r.Limit <= 0 {
		return errors.New("RateLimit.Limit must be positive")
	}
	return nil
}

func (r *RateLimit) toWire() *wire.RateLimit {
	if r == nil {
		return nil
	}
	return &wire.RateLimit{Limit: r.Limit, Period: timestr.Format(r.Period), Key: strPtr(r.Key)}
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

func (d *Debounce) validate() error {
	switch {
	case d == nil:
		return nil
	case d.Timeout != 0 && d.Timeout < d.Period:
		return errors.New("Debounce.Timeout must be at least Debounce.Period")
	}
	return nil
}

func (d *Debounce) toWire() *wire.Debounce {
	if d == nil {
		return nil
	}
	w := &wire.Debounce{Period: timestr.Format(d.Period), Key: strPtr(d.Key)}
	if d.Timeout != 0 {
		s := timestr.Format(d.Timeout)
		w.Timeout = &s
	}
	return w
}

// Priority orders pending runs: Run is a CEL expression over `event`
// returning seconds (-600 to 600) to move the run ahead or behind.
type Priority struct {
	Run string
}

func (p *Priority) toWire() *wire.Priority {
	if p == nil {
		return nil
	}
	return &wire.Priority{Run: &p.Run}
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

func (b *BatchEvents) validate() error {
	switch {
	case b == nil:
		return nil
	case b.MaxSize > MaxBatchSize:
		return fmt.Errorf("BatchEvents.MaxSize must be at most %d", MaxBatchSize)
	case b.Timeout > time.Minute:
		return errors.New("BatchEvents.Timeout must be at most 60s")
	}
	return nil
}

func (b *BatchEvents) toWire() *wire.BatchEvents {
	if b == nil {
		return nil
	}
	return &wire.BatchEvents{MaxSize: b.MaxSize, Timeout: timestr.Format(b.Timeout), Key: strPtr(b.Key), If: strPtr(b.If)}
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

func (s *Singleton) toWire() *wire.Singleton {
	if s == nil {
		return nil
	}
	mode := s.Mode
	if mode == "" {
		mode = SingletonSkip
	}
	return &wire.Singleton{Key: strPtr(s.Key), Mode: mode}
}
