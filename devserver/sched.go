package devserver

import (
	"container/heap"
	"time"
)

// item is one call to make: a run, the step it targets ("" for a
// discovery call) and its attempt.
type item struct {
	run     *run
	stepID  string
	attempt int
	at      time.Time // not before
	order   time.Time // at, moved earlier by the run's priority
	seq     uint64
	index   int
}

type readyHeap = indexedHeap[*item]

func (it *item) before(o *item) bool {
	if !it.order.Equal(o.order) {
		return it.order.Before(o.order)
	}
	return it.seq < o.seq
}

func (it *item) setIndex(i int) { it.index = i }

// timer runs fire, with the server's lock held, once the clock reaches at.
type timer struct {
	at    time.Time
	seq   uint64
	fire  func()
	index int
	bg    bool
}

type timerHeap = indexedHeap[*timer]

func (t *timer) before(o *timer) bool {
	if !t.at.Equal(o.at) {
		return t.at.Before(o.at)
	}
	return t.seq < o.seq
}

func (t *timer) setIndex(i int) { t.index = i }

// after schedules fire at at. Called with s.mu held.
func (s *Server) after(at time.Time, fire func()) *timer {
	s.seq++
	t := &timer{at: at, seq: s.seq, fire: fire}
	heap.Push(&s.timers, t)
	s.notify()
	return t
}

// afterBG schedules a background timer (cron), which time skipping never
// jumps to. Called with s.mu held.
func (s *Server) afterBG(at time.Time, fire func()) *timer {
	s.seq++
	t := &timer{at: at, seq: s.seq, fire: fire, bg: true}
	heap.Push(&s.bgTimers, t)
	s.notify()
	return t
}

// stopTimer cancels t if it has not fired. Called with s.mu held.
func (s *Server) stopTimer(t *timer) {
	if t == nil || t.index < 0 {
		return
	}
	if t.bg {
		heap.Remove(&s.bgTimers, t.index)
	} else {
		heap.Remove(&s.timers, t.index)
	}
}

// enqueue schedules a call. Called with s.mu held.
func (s *Server) enqueue(r *run, stepID string, attempt int, at time.Time) {
	if stepID == "" {
		r.discovery = discoveryQueued
	}
	s.seq++
	it := &item{run: r, stepID: stepID, attempt: attempt, at: at, order: at.Add(-r.priority), seq: s.seq, index: -1}
	if r.j != nil { // only a store needs the calls a run has pending
		r.calls = append(r.calls, it)
		r.touch()
	}
	if at.After(s.clock.Now()) {
		t := s.after(at, func() { heap.Push(&s.ready, it) })
		r.timers = append(r.timers, t)
		return
	}
	heap.Push(&s.ready, it)
	s.notify()
}

// schedule is the scheduler loop: it applies finished calls, fires due
// timers, dispatches ready calls within the concurrency limits, and skips
// time when allowed. After Close it keeps applying results until every
// call in flight has returned.
func (s *Server) schedule() {
	defer s.loops.Done()
	var got *finishedCall
	for {
		s.mu.Lock()
		s.applyResults(got)
		got = nil
		s.fireDue()
		select {
		case <-s.done:
			s.broadcast()
			s.unlock()
			return
		default:
		}
		if !s.closing {
			s.dispatch()
		}
		s.broadcast()
		var next time.Time
		if s.timers.Len() > 0 {
			next = s.timers[0].at
		}
		if s.bgTimers.Len() > 0 && (next.IsZero() || s.bgTimers[0].at.Before(next)) {
			next = s.bgTimers[0].at
		}
		if !s.closing && s.vclock != nil && s.inFlight == 0 && s.busy == 0 && s.ready.Len() == 0 && s.timers.Len() > 0 {
			// Every run waits on a timer: jump to the next one.
			at := s.timers[0].at
			s.unlock()
			s.vclock.AdvanceTo(at)
			continue
		}
		s.unlock()

		var tc <-chan time.Time
		var tm Timer
		if !next.IsZero() {
			// An absolute deadline: the clock may have moved since now
			// was read (a test advancing a virtual clock).
			if vc, ok := s.clock.(interface{ timerAt(time.Time) Timer }); ok {
				tm = vc.timerAt(next)
			} else {
				tm = s.clock.NewTimer(next.Sub(s.clock.Now()))
			}
			tc = tm.C()
		}
		select {
		case <-s.wake:
		case <-tc:
		case f := <-s.results:
			got = &f
		case <-s.done:
		}
		if tm != nil {
			tm.Stop()
		}
	}
}

// fireDue fires every timer whose time has come and returns the time it
// used. Anything that acts on the clock's reading calls it first, so that
// an event sent right after the clock moved meets the state the timers
// left. Called with s.mu held.
func (s *Server) fireDue() time.Time {
	now := s.clock.Now()
	for _, h := range []*timerHeap{&s.timers, &s.bgTimers} {
		for h.Len() > 0 && !(*h)[0].at.After(now) {
			t := heap.Pop(h).(*timer)
			t.fire()
		}
	}
	s.sweep(now)
	return now
}

// dispatch starts every ready call that its gates allow. Called with s.mu
// held.
func (s *Server) dispatch() {
	var stillBlocked []*item
	for s.ready.Len() > 0 && s.inFlight < s.cfg.MaxInFlight {
		it := heap.Pop(&s.ready).(*item)
		r := it.run
		if r.ended() || r.cancelling {
			r.dropCall(it)
			continue
		}
		if !s.gatesOpen(r) {
			stillBlocked = append(stillBlocked, it)
			continue
		}
		s.startCall(it)
	}
	s.blocked = append(s.blocked, stillBlocked...)
}

func (s *Server) gatesOpen(r *run) bool {
	for _, g := range r.gates {
		if s.gates[g.key] >= g.limit {
			return false
		}
	}
	return true
}

// releaseGates frees r's concurrency slots and requeues blocked calls.
// Called with s.mu held.
func (s *Server) releaseGates(r *run) {
	for _, g := range r.gates {
		s.gates[g.key]--
		if s.gates[g.key] <= 0 {
			delete(s.gates, g.key)
		}
	}
	if len(r.gates) > 0 && len(s.blocked) > 0 {
		for _, it := range s.blocked {
			heap.Push(&s.ready, it)
		}
		s.blocked = s.blocked[:0]
	}
}
