package devserver

import (
	"encoding/json"
	"github.com/durablefn/inngest/devserver/store"
	"slices"
	"time"

	iexpr "github.com/durablefn/inngest/internal/expr"
)

// cache is the server's working state in memory: events, runs with their
// memoized steps and timelines, pauses and idempotency keys, indexed for
// the executor, which calls it with the server's lock held. With a durable
// store (Config.Store), every change also reaches the journal (journal.go),
// and the cache is rebuilt from the store at start (recover.go).
type cache interface {
	// putEvent stores an event; dup reports that its internal ID or its
	// idempotency key (the event's "id" field) is already kept, in which
	// case nothing changes. Recent events of its name received
	// up to keepAfter may be forgotten: no call in flight can need them.
	putEvent(ev *eventRecord, keepAfter uint64) (dup bool)
	event(id string) *eventRecord
	// recentEvents lists kept events of a name received after seq.
	recentEvents(name string, afterSeq uint64) []*eventRecord

	putRun(r *run)
	run(id string) *run
	runsForEvent(eventID string) []*run
	runsForFunction(fnID string) []*run
	// memoize saves a step's result and appends it to the run's stack.
	memoize(r *run, stepID string, value json.RawMessage)

	addPause(p *pause)
	removePause(p *pause)
	// pauseCandidates returns the pauses that may match an event of the
	// given name: those filed under the event's indexed field values, and
	// those without an index.
	pauseCandidates(name string, async map[string]any) []*pause
	pauseCount() int

	// idempotent records key until expires; it reports false when the key
	// was already recorded and has not expired.
	idempotent(key string, now, expires time.Time) bool

	// finishRun marks r as ended, which makes it subject to retention.
	finishRun(r *run)
	// expire drops the events, finished runs and idempotency keys that
	// retention no longer keeps at now, and returns when the next one
	// expires (zero when nothing will).
	expire(now time.Time) (next time.Time)
	// counts reports how much the store holds.
	counts() Stats
	// listRuns returns the runs f keeps, newest first, at most f.Limit.
	listRuns(f RunFilter) []*run
	// listEvents returns the events f keeps, newest first, at most
	// f.Limit.
	listEvents(f EventFilter) []*eventRecord
}

// retention says how long, and how many of, the things that only history
// needs are kept.
type retention struct {
	events    time.Duration // events, and with them event ID de-duplication
	maxEvents int           // also bounds idempotency keys
	runs      time.Duration // finished runs, from their end; 0: no limit
	maxRuns   int
}

// eventRecord is a received event.
type eventRecord struct {
	seq        uint64
	id         string // the internal ID, a ULID
	key        string // the event's "id" field, its idempotency key
	name       string
	raw        json.RawMessage // the event as sent to SDKs, with id and ts
	receivedAt time.Time
	runIDs     []string
	evicted    bool
}

// recentPerName bounds the events kept per name for late pause matching,
// in case a call stays in flight while a flood of events of one name
// arrives; below it, events are kept exactly as long as a call in flight
// may need them.
const recentPerName = 16384

type memStore struct {
	j        *journal
	keep     retention
	events   map[string]*eventRecord // by internal ID
	byKey    map[string]*eventRecord // by idempotency key
	recent   map[string][]*eventRecord
	runs     map[string]*run
	byEvent  map[string][]*run
	byFn     map[string][]*run
	fnDead   map[string]int // evicted runs still listed in byFn
	pauses   map[string]*pauseNameIndex
	npauses  int
	idemKeys map[string]time.Time
	running  int

	// Retention queues, oldest first.
	eventQ fifo[*eventRecord]
	doneQ  fifo[*run]
	idemQ  fifo[idemEntry]
}

type idemEntry struct {
	key     string
	expires time.Time
}

func newMemStore(keep retention) *memStore {
	return &memStore{
		keep:     keep,
		fnDead:   make(map[string]int),
		events:   make(map[string]*eventRecord),
		byKey:    make(map[string]*eventRecord),
		recent:   make(map[string][]*eventRecord),
		runs:     make(map[string]*run),
		byEvent:  make(map[string][]*run),
		byFn:     make(map[string][]*run),
		pauses:   make(map[string]*pauseNameIndex),
		idemKeys: make(map[string]time.Time),
	}
}

func (m *memStore) putEvent(ev *eventRecord, keepAfter uint64) bool {
	if _, dup := m.byKey[ev.key]; dup {
		return true
	}
	if _, dup := m.events[ev.id]; dup {
		return true
	}
	m.events[ev.id] = ev
	m.byKey[ev.key] = ev
	m.eventQ.push(ev)
	list := m.recent[ev.name]
	drop := 0
	for drop < len(list) && (list[drop].seq <= keepAfter || len(list)-drop >= recentPerName) {
		drop++
	}
	// Dropped from the front without copying: append moves only the kept
	// events when it next grows the array.
	clear(list[:drop])
	m.recent[ev.name] = append(list[drop:], ev)
	return false
}

func (m *memStore) event(id string) *eventRecord { return m.events[id] }

func (m *memStore) recentEvents(name string, afterSeq uint64) []*eventRecord {
	list := m.recent[name]
	var out []*eventRecord
	for _, ev := range list {
		if ev.seq > afterSeq {
			out = append(out, ev)
		}
	}
	return out
}

func (m *memStore) putRun(r *run) {
	m.running++
	m.runs[r.id] = r
	m.byFn[r.fn.id] = append(m.byFn[r.fn.id], r)
	for _, id := range r.eventIDs {
		m.byEvent[id] = append(m.byEvent[id], r)
		if ev := m.events[id]; ev != nil {
			ev.runIDs = append(ev.runIDs, r.id)
		}
	}
}

func (m *memStore) run(id string) *run { return m.runs[id] }

func (m *memStore) runsForEvent(id string) []*run { return m.byEvent[id] }

func (m *memStore) runsForFunction(id string) []*run {
	if m.fnDead[id] > 0 {
		m.compactFn(id)
	}
	return m.byFn[id]
}

// compactFn drops evicted runs from a function's list.
func (m *memStore) compactFn(id string) {
	list := m.byFn[id]
	kept := list[:0]
	for _, r := range list {
		if !r.evicted {
			kept = append(kept, r)
		}
	}
	clear(list[len(kept):])
	if len(kept) == 0 {
		delete(m.byFn, id)
	} else {
		m.byFn[id] = kept
	}
	delete(m.fnDead, id)
}

func (m *memStore) memoize(r *run, stepID string, value json.RawMessage) {
	r.touch()
	if r.steps == nil {
		r.steps = make(map[string]json.RawMessage, 4)
	}
	value = canonicalJSON(value)
	if _, ok := r.steps[stepID]; !ok {
		r.stack = append(r.stack, stepID)
		r.vals = append(r.vals, value)
	} else if i := slices.Index(r.stack, stepID); i >= 0 {
		// Calls in flight share vals: replace it rather than write to it.
		r.vals = slices.Clone(r.vals)
		r.vals[i] = value
		r.savedSteps = min(r.savedSteps, i)
	}
	r.steps[stepID] = value
	r.stateSize += len(value) + len(stepID) + 8
}

// pauseNameIndex files the pauses of one event name.
type pauseNameIndex struct {
	// scan holds pauses without a usable index: each event of the name is
	// checked against all of them.
	scan []*pause
	// fields maps an async field path to its extractor and, by value, the
	// pauses waiting for that value.
	fields map[string]*fieldIndex
}

type fieldIndex struct {
	ix      *iexpr.EqIndex
	byValue map[string][]*pause
	n       int
}

func (m *memStore) addPause(p *pause) {
	ni := m.pauses[p.event]
	if ni == nil {
		ni = &pauseNameIndex{}
		m.pauses[p.event] = ni
	}
	m.npauses++
	if p.ixPath == "" {
		ni.scan = append(ni.scan, p)
		return
	}
	if ni.fields == nil {
		ni.fields = make(map[string]*fieldIndex)
	}
	fi := ni.fields[p.ixPath]
	if fi == nil {
		fi = &fieldIndex{ix: p.expr.Index(), byValue: make(map[string][]*pause)}
		ni.fields[p.ixPath] = fi
	}
	fi.byValue[p.ixValue] = append(fi.byValue[p.ixValue], p)
	fi.n++
}

func removeFrom(list []*pause, p *pause) ([]*pause, bool) {
	for i, q := range list {
		if q == p {
			last := len(list) - 1
			list[i] = list[last]
			list[last] = nil
			return list[:last], true
		}
	}
	return list, false
}

func (m *memStore) removePause(p *pause) {
	ni := m.pauses[p.event]
	if ni == nil {
		return
	}
	removed := false
	if p.ixPath == "" {
		ni.scan, removed = removeFrom(ni.scan, p)
	} else if fi := ni.fields[p.ixPath]; fi != nil {
		var list []*pause
		list, removed = removeFrom(fi.byValue[p.ixValue], p)
		if len(list) == 0 {
			delete(fi.byValue, p.ixValue)
		} else {
			fi.byValue[p.ixValue] = list
		}
		if removed {
			fi.n--
		}
		if fi.n == 0 {
			delete(ni.fields, p.ixPath)
		}
	}
	if removed {
		m.npauses--
	}
	if len(ni.scan) == 0 && len(ni.fields) == 0 {
		delete(m.pauses, p.event)
	}
}

func (m *memStore) pauseCandidates(name string, async map[string]any) []*pause {
	ni := m.pauses[name]
	if ni == nil {
		return nil
	}
	out := append([]*pause(nil), ni.scan...)
	for _, fi := range ni.fields {
		v, ok := fi.ix.AsyncValue(async)
		if !ok {
			continue
		}
		out = append(out, fi.byValue[v]...)
	}
	return out
}

func (m *memStore) pauseCount() int { return m.npauses }

func (m *memStore) idempotent(key string, now, expires time.Time) bool {
	if exp, ok := m.idemKeys[key]; ok && now.Before(exp) {
		return false
	}
	m.idemKeys[key] = expires
	m.idemQ.push(idemEntry{key, expires})
	m.j.setKV(kvIdempotency, key, timeValue(expires))
	return true
}

func (m *memStore) finishRun(r *run) {
	m.running--
	m.doneQ.push(r)
}

func (m *memStore) expire(now time.Time) time.Time {
	for m.eventQ.len() > 0 {
		ev := m.eventQ.front()
		if m.eventQ.len() <= m.keep.maxEvents && now.Before(ev.receivedAt.Add(m.keep.events)) {
			break
		}
		m.eventQ.pop()
		m.dropEvent(ev)
	}
	for m.doneQ.len() > 0 {
		r := m.doneQ.front()
		if m.doneQ.len() <= m.keep.maxRuns && (m.keep.runs <= 0 || now.Before(r.endedAt.Add(m.keep.runs))) {
			break
		}
		m.doneQ.pop()
		m.dropRun(r)
	}
	for m.idemQ.len() > 0 {
		e := m.idemQ.front()
		if m.idemQ.len() <= m.keep.maxEvents && now.Before(e.expires) {
			break
		}
		m.idemQ.pop()
		if m.idemKeys[e.key].Equal(e.expires) {
			delete(m.idemKeys, e.key)
			m.j.setKV(kvIdempotency, e.key, nil)
		}
	}
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if m.eventQ.len() > 0 {
		earliest(m.eventQ.front().receivedAt.Add(m.keep.events))
	}
	if m.doneQ.len() > 0 && m.keep.runs > 0 {
		earliest(m.doneQ.front().endedAt.Add(m.keep.runs))
	}
	if m.idemQ.len() > 0 {
		earliest(m.idemQ.front().expires)
	}
	return next
}

// dropEvent forgets an event: its ID may start runs again.
func (m *memStore) dropEvent(ev *eventRecord) {
	ev.evicted = true
	m.j.dropEvent(ev.id)
	if m.events[ev.id] == ev {
		delete(m.events, ev.id)
	}
	if m.byKey[ev.key] == ev {
		delete(m.byKey, ev.key)
	}
	// Recent lists are in arrival order, so an evicted event, the oldest
	// kept, can only be at the front of its name's list.
	if list := m.recent[ev.name]; len(list) > 0 && list[0] == ev {
		list[0] = nil
		if list = list[1:]; len(list) == 0 {
			delete(m.recent, ev.name)
		} else {
			m.recent[ev.name] = list
		}
	}
}

// dropRun forgets a finished run with its steps and timeline.
func (m *memStore) dropRun(r *run) {
	r.evicted = true
	m.j.dropRun(r.id)
	if m.runs[r.id] == r {
		delete(m.runs, r.id)
	}
	for _, id := range r.eventIDs {
		list := m.byEvent[id]
		for i, q := range list {
			if q == r {
				last := len(list) - 1
				copy(list[i:], list[i+1:])
				list[last] = nil
				list = list[:last]
				break
			}
		}
		if len(list) == 0 {
			delete(m.byEvent, id)
		} else {
			m.byEvent[id] = list
		}
	}
	m.fnDead[r.fn.id]++
	if n := m.fnDead[r.fn.id]; n >= 64 && n*2 >= len(m.byFn[r.fn.id]) {
		m.compactFn(r.fn.id)
	}
}

func (m *memStore) counts() Stats {
	return Stats{
		Events:          len(m.events),
		Runs:            len(m.runs),
		RunningRuns:     m.running,
		Pauses:          m.npauses,
		IdempotencyKeys: len(m.idemKeys),
	}
}

// compile-time check.
var _ cache = (*memStore)(nil)

// restoreIdempotency files stored idempotency keys, in expiry order as
// retention wants them.
func (m *memStore) restoreIdempotency(rows []store.KV) {
	entries := make([]idemEntry, 0, len(rows))
	for _, kv := range rows {
		var exp time.Time
		if json.Unmarshal(kv.Value, &exp) == nil {
			entries = append(entries, idemEntry{kv.Key, exp})
		}
	}
	slices.SortFunc(entries, func(a, b idemEntry) int { return a.expires.Compare(b.expires) })
	for _, e := range entries {
		m.idemKeys[e.key] = e.expires
		m.idemQ.push(e)
	}
}
