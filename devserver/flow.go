package devserver

import (
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
	return at
}
