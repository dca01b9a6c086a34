package devserver

import (
	"container/heap"
	"math"
	"strconv"
	"time"
)

// trigger starts fn for ev, through batching or debouncing when fn asks
// for them. As on the real server, an event that joins a batch meets no
// rate limit or idempotency key, and one that is debounced meets them
// before the debounce, not when the debounced run starts. Called with s.mu
// held.
func (s *Server) trigger(fn *function, ev *eventRecord, data map[string]any) {
	now := s.clock.Now()
	if b := fn.batch; b != nil && (b.cond == nil || b.cond.Match(data, nil)) {
		s.addToBatch(fn, ev, data, now)
		return
	}
	if d := fn.debounce; d != nil {
		if s.admitRate(fn, ev, data, now) == notSkipped {
			s.debounceEvent(fn, ev, data, now)
		}
		return
	}
	s.createRun(fn, []*eventRecord{ev}, now, nil)
}

func itoa(i int) string { return strconv.Itoa(i) }

// batch collects events for one function and key.
type batch struct {
	key    string
	events []*eventRecord
	bytes  int // of the events' JSON
	at     time.Time
	timer  *timer
}

// maxBatchBytes closes a batch whatever its maxSize, as on the real
// server: 10 MiB of events (defaultBatchSizeLimit,
// pkg/execution/batch/redis.go in inngest/inngest).
const maxBatchBytes = 10 << 20

func (s *Server) addToBatch(fn *function, ev *eventRecord, data map[string]any, now time.Time) {
	cfg := fn.batch
	key := fn.id + "\x00" + keyOf(cfg.key, data)
	b := s.batches[key]
	if b == nil {
		b = &batch{key: key, at: now.Add(cfg.timeout)}
		s.armBatch(fn, b)
	}
	b.events = append(b.events, ev)
	b.bytes += len(ev.raw)
	if len(b.events) >= cfg.maxSize || b.bytes >= maxBatchBytes {
		s.stopTimer(b.timer)
		s.flushBatch(fn, b)
		return
	}
	s.saveBatch(fn, b)
}

// armBatch files b and sets its timer. Called with s.mu held.
func (s *Server) armBatch(fn *function, b *batch) {
	s.batches[b.key] = b
	b.timer = s.after(b.at, func() {
		if s.batches[b.key] == b {
			s.flushBatch(fn, b)
		}
	})
}

func (s *Server) saveBatch(fn *function, b *batch) {
	if s.j == nil {
		return
	}
	st := batchState{Function: fn.id, At: b.at}
	for _, ev := range b.events {
		st.Events = append(st.Events, ev.id)
	}
	s.j.setKV(kvBatch, b.key, jsonValue(st))
}

func (s *Server) flushBatch(fn *function, b *batch) {
	s.j.setKV(kvBatch, b.key, nil)
	delete(s.batches, b.key)
	if len(b.events) == 0 {
		return
	}
	s.startRun(fn, b.events, nil, s.clock.Now(), nil)
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
	key := fn.id + "\x00" + keyOf(cfg.key, data)
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
	s.armDebounce(fn, d, at)
}

// armDebounce sets d's timer for at. Called with s.mu held.
func (s *Server) armDebounce(fn *function, d *debounce, at time.Time) {
	s.j.setKV(kvDebounce, d.key, jsonValue(debounceState{Function: fn.id, Event: d.last.id, First: d.first, At: at}))
	d.timer = s.after(at, func() {
		if s.debounces[d.key] != d {
			return
		}
		delete(s.debounces, d.key)
		s.j.setKV(kvDebounce, d.key, nil)
		s.startRun(fn, []*eventRecord{d.last}, nil, s.clock.Now(), nil)
	})
}

// admitRate applies the rate-limit stage of run creation, as the real
// server does before debouncing: an idempotency key (which the real server
// turns into a rate limit of one run per 24 hours, in place of any
// rateLimit) or else the rate limit. It reports why when the run is
// dropped. A key expression that evaluates to false exempts the event.
// Called with s.mu held.
func (s *Server) admitRate(fn *function, ev *eventRecord, data map[string]any, now time.Time) skipReason {
	if e := fn.idempotency; e != nil {
		key, exempt := e.RateKey(data)
		if exempt {
			return notSkipped
		}
		if !s.st.idempotent("idem\x00"+fn.id+"\x00"+key, now, now.Add(IdempotencyPeriod)) {
			s.log.Debug("devserver: run skipped by idempotency key", "function_id", fn.id, "event_id", ev.id)
			return skippedByIdempotency
		}
		return notSkipped
	}
	rl := fn.rateLimit
	if rl == nil {
		return notSkipped
	}
	key := ""
	if rl.key != nil {
		var exempt bool
		if key, exempt = rl.key.RateKey(data); exempt {
			return notSkipped
		}
	}
	if !s.allowRate(fn.id+"\x00"+key, rl.limit, rl.period, now) {
		s.log.Debug("devserver: run skipped by rate limit", "function_id", fn.id, "event_id", ev.id)
		return skippedByRateLimit
	}
	return notSkipped
}

// Throttle and rate limit follow the generic cell rate algorithm (GCRA),
// as on the real server. A key admits a number of runs at once (its
// capacity), then one every emission interval, period/limit. Its whole
// state is one time, the theoretical arrival time (TAT), which moves one
// emission interval later with every run admitted; a run is admitted when
// the TAT is at most a tolerance, emission × (capacity − 1), after now. A
// TAT not after now means the key is at full capacity, the same as no
// state, so such keys are dropped. s.throttles and s.rateLimits map each
// key to its TAT.
//
// The real server gives a rate limit a capacity of limit/10 + 1 and a
// throttle one of limit + burst.

// maxTolerance caps a key's tolerance so that a huge burst cannot overflow
// time arithmetic; it is far beyond any period.
const maxTolerance = 100 * 365 * 24 * time.Hour

// gcraParams returns the emission interval and tolerance of a key that
// admits limit runs per period, extra of them (capacity − 1) at once.
func gcraParams(period time.Duration, limit, extra int) (emission, tolerance time.Duration) {
	emission = period / time.Duration(max(limit, 1))
	if emission <= 0 || extra <= 0 {
		return emission, 0
	}
	if time.Duration(extra) > maxTolerance/emission {
		return emission, maxTolerance
	}
	return emission, emission * time.Duration(extra)
}

// tatOf returns key's TAT in m, or now when it has none after now.
func tatOf(m map[string]time.Time, key string, now time.Time) time.Time {
	if tat, ok := m[key]; ok && tat.After(now) {
		return tat
	}
	return now
}

// setTAT records key's TAT in m and files an expiry for a new key. A key
// has one expiry entry for as long as it is in m. Called with s.mu held.
func (s *Server) setTAT(m map[string]time.Time, rate bool, key string, tat time.Time) {
	_, known := m[key]
	m[key] = tat
	s.j.setKV(flowKind(rate), key, timeValue(tat))
	if known {
		return
	}
	heap.Push(&s.flowExpiries, &flowExpiry{at: tat, key: key, rate: rate})
}

// allowRate reports whether one more run may start under a rate limit of
// limit per period, and records it if so. Called with s.mu held.
func (s *Server) allowRate(key string, limit int, period time.Duration, now time.Time) bool {
	emission, tolerance := gcraParams(period, limit, limit/10)
	tat := tatOf(s.rateLimits, key, now)
	if tat.Sub(now) > tolerance {
		return false
	}
	s.setTAT(s.rateLimits, true, key, tat.Add(emission))
	return true
}

// gcra returns the emission interval and tolerance of the throttle: its
// capacity is limit + burst runs.
func (th *throttleCfg) gcra() (emission, tolerance time.Duration) {
	extra := th.limit - 1
	if th.burst > math.MaxInt-extra {
		extra = math.MaxInt
	} else {
		extra += th.burst
	}
	return gcraParams(th.period, th.limit, extra)
}

// throttleQueue holds the runs of one throttle key that wait for a start,
// in arrival order, and the timer set for the key's next free start.
type throttleQueue struct {
	runs  []*run
	timer *timer
}

// throttle starts r under its function's throttle: at once when the key
// has room and no run waits before it, else when its turn comes. As on the
// real server, the throttle is met when a run would start, so a run
// cancelled while it waits (a start timeout, cancelOn, the API) takes no
// start from those behind it. Called with s.mu held.
func (s *Server) throttle(r *run, key string, th *throttleCfg, now time.Time) {
	q := s.throttleQueues[key]
	if q == nil {
		if s.admitThrottle(key, th, now) {
			s.enqueue(r, "", 0, now)
			return
		}
		q = &throttleQueue{}
		s.throttleQueues[key] = q
	}
	q.runs = append(q.runs, r)
	r.throttled = key
	r.add(TimelineEntry{At: now, Kind: TimelineQueued, Detail: "throttled: waits for a start"})
	s.armThrottle(key, q, th)
}

// admitThrottle books a start now if the key has room. Called with s.mu
// held.
func (s *Server) admitThrottle(key string, th *throttleCfg, now time.Time) bool {
	emission, tolerance := th.gcra()
	tat := tatOf(s.throttles, key, now)
	if tat.Sub(now) > tolerance {
		return false
	}
	s.setTAT(s.throttles, false, key, tat.Add(emission))
	return true
}

// armThrottle sets the key's timer for its next free start, when the
// waiting runs at the head of the queue start. Called with s.mu held.
func (s *Server) armThrottle(key string, q *throttleQueue, th *throttleCfg) {
	if q.timer != nil {
		return
	}
	_, tolerance := th.gcra()
	now := s.clock.Now()
	at := tatOf(s.throttles, key, now).Add(-tolerance)
	if at.Before(now) {
		at = now
	}
	q.timer = s.after(at, func() {
		q.timer = nil
		now := s.clock.Now()
		for len(q.runs) > 0 {
			r := q.runs[0]
			if !r.ended() {
				if !s.admitThrottle(key, th, now) {
					break
				}
				r.throttled = ""
				r.add(TimelineEntry{At: now, Kind: TimelineQueued, Detail: "throttle let it start after " + now.Sub(r.createdAt).String()})
				s.enqueue(r, "", 0, now)
			}
			q.runs[0] = nil
			q.runs = q.runs[1:]
		}
		if len(q.runs) == 0 {
			delete(s.throttleQueues, key)
			return
		}
		s.armThrottle(key, q, th)
	})
}

// flowExpiry is when a throttle or rate-limit key may be back at full
// capacity, so that it can be dropped (the number of keys grows with event
// data otherwise).
type flowExpiry struct {
	at    time.Time
	key   string
	rate  bool
	index int
}

func (e *flowExpiry) before(o *flowExpiry) bool { return e.at.Before(o.at) }
func (e *flowExpiry) setIndex(i int)            { e.index = i }

// expireFlows drops the throttle and rate-limit keys back at full capacity
// by now; a key whose TAT moved on is filed again for its new TAT. Called
// with s.mu held.
func (s *Server) expireFlows(now time.Time) {
	for s.flowExpiries.Len() > 0 && !s.flowExpiries[0].at.After(now) {
		e := heap.Pop(&s.flowExpiries).(*flowExpiry)
		m := s.throttles
		if e.rate {
			m = s.rateLimits
		}
		tat, ok := m[e.key]
		if !ok || !tat.After(now) {
			delete(m, e.key)
			s.j.setKV(flowKind(e.rate), e.key, nil)
			continue
		}
		e.at = tat
		heap.Push(&s.flowExpiries, e)
	}
}

// flowKind is the store's kind for throttle or rate-limit state.
func flowKind(rate bool) string {
	if rate {
		return kvRateLimit
	}
	return kvThrottle
}
