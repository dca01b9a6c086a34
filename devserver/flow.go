package devserver

import (
	"container/heap"
	"strconv"
	"time"
)

// trigger starts fn for ev, through batching or debouncing when fn asks
// for them. Called with s.mu held.
func (s *Server) trigger(fn *function, ev *eventRecord, data map[string]any) {
	now := s.clock.Now()
	if b := fn.batch; b != nil && (b.cond == nil || b.cond.match(data, nil)) {
		s.addToBatch(fn, ev, data, now)
		return
	}
	if d := fn.debounce; d != nil {
		s.debounceEvent(fn, ev, data, now)
		return
	}
	s.createRun(fn, []*eventRecord{ev}, now, nil)
}

// keyOf evaluates an optional key expression; nil gives "".
func (e *expr) keyOf(data map[string]any) string {
	if e == nil {
		return ""
	}
	return e.key(data)
}

func itoa(i int) string { return strconv.Itoa(i) }

// batch collects events for one function and key.
type batch struct {
	key    string
	events []*eventRecord
	timer  *timer
}

func (s *Server) addToBatch(fn *function, ev *eventRecord, data map[string]any, now time.Time) {
	cfg := fn.batch
	key := fn.id + "\x00" + cfg.key.keyOf(data)
	b := s.batches[key]
	if b == nil {
		b = &batch{key: key}
		s.batches[key] = b
		b.timer = s.after(now.Add(cfg.timeout), func() {
			if s.batches[key] == b {
				s.flushBatch(fn, b)
			}
		})
	}
	b.events = append(b.events, ev)
	if len(b.events) >= cfg.maxSize {
		s.stopTimer(b.timer)
		s.flushBatch(fn, b)
	}
}

func (s *Server) flushBatch(fn *function, b *batch) {
	delete(s.batches, b.key)
	if len(b.events) == 0 {
		return
	}
	s.createRun(fn, b.events, s.clock.Now(), nil)
}

// debounce holds the latest event for one function and key.
type debounce struct {
	key   string
	last  *eventRecord
	first time.Time
	timer *timer
}

func (s *Server) debounceEvent(fn *function, ev *eventRecord, data map[string]any, now time.Time) {
	cfg := fn.debounce
	key := fn.id + "\x00" + cfg.key.keyOf(data)
	d := s.debounces[key]
	if d == nil {
		d = &debounce{key: key, first: now}
		s.debounces[key] = d
	} else {
		s.stopTimer(d.timer)
	}
	d.last = ev
	at := now.Add(cfg.period)
	if cfg.timeout > 0 && at.After(d.first.Add(cfg.timeout)) {
		at = d.first.Add(cfg.timeout)
	}
	d.timer = s.after(at, func() {
		if s.debounces[key] != d {
			return
		}
		delete(s.debounces, key)
		s.createRun(fn, []*eventRecord{d.last}, s.clock.Now(), nil)
	})
}

// allowRate reports whether one more run may start under a rate limit of
// limit per period, and records it. Called with s.mu held.
func (s *Server) allowRate(key string, limit int, period time.Duration, now time.Time) bool {
	list := s.rateLimits[key]
	cut := 0
	for cut < len(list) && !list[cut].After(now.Add(-period)) {
		cut++
	}
	list = list[cut:]
	if len(list) >= limit {
		s.rateLimits[key] = list
		return false
	}
	s.rateLimits[key] = append(list, now)
	heap.Push(&s.flowExpiries, &flowExpiry{at: now.Add(period), key: key, period: period, rate: true})
	return true
}

// throttleAt returns when a run may start under a throttle of limit per
// period, and books that slot. Called with s.mu held.
func (s *Server) throttleAt(key string, limit int, period time.Duration, now time.Time) time.Time {
	list := s.throttles[key]
	cut := 0
	for cut < len(list) && !list[cut].After(now.Add(-period)) {
		cut++
	}
	list = list[cut:]
	at := now
	if len(list) >= limit {
		// The slot frees when the start limit places ago leaves the window.
		at = list[len(list)-limit].Add(period)
	}
	s.throttles[key] = append(list, at)
	heap.Push(&s.flowExpiries, &flowExpiry{at: at.Add(period), key: key, period: period})
	return at
}

// flowExpiry is when a rate-limit or throttle booking leaves its window,
// so that keys whose windows emptied are dropped (their number grows with
// event data otherwise).
type flowExpiry struct {
	at     time.Time
	key    string
	period time.Duration
	rate   bool
	index  int
}

func (e *flowExpiry) before(o *flowExpiry) bool { return e.at.Before(o.at) }
func (e *flowExpiry) setIndex(i int)            { e.index = i }

// expireFlows drops rate-limit and throttle bookings that left their
// windows by now, and keys left with none. Called with s.mu held.
func (s *Server) expireFlows(now time.Time) {
	for s.flowExpiries.Len() > 0 && !s.flowExpiries[0].at.After(now) {
		e := heap.Pop(&s.flowExpiries).(*flowExpiry)
		m := s.throttles
		if e.rate {
			m = s.rateLimits
		}
		list := m[e.key]
		cut := 0
		for cut < len(list) && !list[cut].After(now.Add(-e.period)) {
			cut++
		}
		if cut == len(list) {
			delete(m, e.key)
		} else if cut > 0 {
			m[e.key] = list[cut:]
		}
	}
}
