package devserver

import (
	"container/heap"
	"sync"
	"time"
)

// Clock tells the time and makes timers. Every time-dependent part of a
// Server (sleeps, wait timeouts, retry backoff, batch and debounce windows,
// throttles, cron) reads this one clock, so swapping it for a
// [*VirtualClock] makes a whole orchestrator run on virtual time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that fires once d has passed.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer made by a Clock.
type Timer interface {
	// C receives the time when the timer fires.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer wraps time.NewTimer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// VirtualClock is a clock that moves only when told to: by Advance or
// AdvanceTo, or by a Server configured with TimeSkipping, which jumps to
// the next timer whenever every run is waiting on one. It is safe for
// concurrent use.
type VirtualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers vtimerHeap
}

// NewVirtualClock returns a virtual clock reading start. A zero start
// means the current wall-clock time, truncated to the second.
func NewVirtualClock(start time.Time) *VirtualClock {
	if start.IsZero() {
		start = time.Now().Truncate(time.Second)
	}
	return &VirtualClock{now: start}
}

// Now returns the virtual time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer firing when the virtual time reaches Now()+d.
// A timer with d <= 0 fires at once.
func (c *VirtualClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &vtimer{clock: c, at: c.now.Add(d), ch: make(chan time.Time, 1), index: -1}
	if d <= 0 {
		t.ch <- c.now
		return t
	}
	heap.Push(&c.timers, t)
	return t
}

// timerAt returns a timer firing when the virtual time reaches t, deciding
// under the clock's lock so that a concurrent Advance cannot be missed.
func (c *VirtualClock) timerAt(t time.Time) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	vt := &vtimer{clock: c, at: t, ch: make(chan time.Time, 1), index: -1}
	if !t.After(c.now) {
		vt.ch <- c.now
		return vt
	}
	heap.Push(&c.timers, vt)
	return vt
}

// Advance moves the clock forward by d, firing the timers it passes.
func (c *VirtualClock) Advance(d time.Duration) {
	c.AdvanceTo(c.Now().Add(d))
}

// AdvanceTo moves the clock forward to t, firing the timers it passes. A
// t before Now() does nothing.
func (c *VirtualClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		return
	}
	c.now = t
	for len(c.timers) > 0 && !c.timers[0].at.After(t) {
		vt := heap.Pop(&c.timers).(*vtimer)
		vt.ch <- t
	}
}

type vtimer struct {
	clock *VirtualClock
	at    time.Time
	ch    chan time.Time
	index int
}

func (t *vtimer) C() <-chan time.Time { return t.ch }

func (t *vtimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&c.timers, t.index)
	return true
}

type vtimerHeap = indexedHeap[*vtimer]

func (t *vtimer) before(o *vtimer) bool { return t.at.Before(o.at) }

func (t *vtimer) setIndex(i int) { t.index = i }
