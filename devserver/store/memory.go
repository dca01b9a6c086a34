package store

import (
	"cmp"
	"context"
	"slices"
	"sync"
)

// Memory is a Store that keeps its rows in memory: what a process applied
// survives a restart of the orchestrator within that process, not of the
// process. It is the store that tests of restarts use.
type Memory struct {
	mu       sync.Mutex
	closed   bool
	events   map[string]Event
	runs     map[string]Run
	steps    map[string]map[int]Step
	timeline map[string]map[int]TimelineEntry
	apps     map[string]App
	kv       map[KVKey]KV
}

// NewMemory returns an empty memory store.
func NewMemory() *Memory {
	m := &Memory{}
	m.reset()
	return m
}

func (m *Memory) reset() {
	m.events = make(map[string]Event)
	m.runs = make(map[string]Run)
	m.steps = make(map[string]map[int]Step)
	m.timeline = make(map[string]map[int]TimelineEntry)
	m.apps = make(map[string]App)
	m.kv = make(map[KVKey]KV)
}

// Reopen returns a store holding what m holds, as reopening a file would.
// m itself stays closed.
func (m *Memory) Reopen() *Memory {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := &Memory{events: m.events, runs: m.runs, steps: m.steps, timeline: m.timeline, apps: m.apps, kv: m.kv}
	m.closed = true
	m.reset()
	return n
}

// Apply implements Store.
func (m *Memory) Apply(ctx context.Context, c *Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.put(c)
	m.drop(c)
	return nil
}

func (m *Memory) put(c *Change) {
	for _, e := range c.Events {
		m.events[e.ID] = cloneEvent(e)
	}
	for _, r := range c.Runs {
		r = cloneRun(r)
		if r.Events == nil {
			r.Events = m.runs[r.ID].Events
		}
		m.runs[r.ID] = r
	}
	for _, s := range c.Steps {
		s.Value = slices.Clone(s.Value)
		inner(m.steps, s.RunID)[s.Index] = s
	}
	for _, t := range c.Timeline {
		t.Data = slices.Clone(t.Data)
		inner(m.timeline, t.RunID)[t.Index] = t
	}
	for _, a := range c.Apps {
		a.Config = slices.Clone(a.Config)
		m.apps[a.ID] = a
	}
	for _, kv := range c.KV {
		kv.Value = slices.Clone(kv.Value)
		m.kv[KVKey{kv.Kind, kv.Key}] = kv
	}
}

func (m *Memory) drop(c *Change) {
	for _, id := range c.DropEvents {
		delete(m.events, id)
	}
	for _, id := range c.DropRuns {
		delete(m.runs, id)
		delete(m.steps, id)
		delete(m.timeline, id)
	}
	for _, id := range c.DropApps {
		delete(m.apps, id)
	}
	for _, k := range c.DropKV {
		delete(m.kv, k)
	}
}

func inner[V any](m map[string]map[int]V, key string) map[int]V {
	in := m[key]
	if in == nil {
		in = make(map[int]V)
		m[key] = in
	}
	return in
}

// Load implements Store.
func (m *Memory) Load(ctx context.Context) (*Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	s := &Snapshot{}
	for _, e := range m.events {
		s.Events = append(s.Events, cloneEvent(e))
	}
	slices.SortFunc(s.Events, func(a, b Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, r := range m.runs {
		s.Runs = append(s.Runs, cloneRun(r))
	}
	slices.SortFunc(s.Runs, func(a, b Run) int { return cmp.Compare(a.ID, b.ID) })
	for _, in := range m.steps {
		for _, st := range in {
			st.Value = slices.Clone(st.Value)
			s.Steps = append(s.Steps, st)
		}
	}
	slices.SortFunc(s.Steps, func(a, b Step) int { return cmp.Or(cmp.Compare(a.RunID, b.RunID), cmp.Compare(a.Index, b.Index)) })
	for _, in := range m.timeline {
		for _, t := range in {
			t.Data = slices.Clone(t.Data)
			s.Timeline = append(s.Timeline, t)
		}
	}
	slices.SortFunc(s.Timeline, func(a, b TimelineEntry) int {
		return cmp.Or(cmp.Compare(a.RunID, b.RunID), cmp.Compare(a.Index, b.Index))
	})
	for _, a := range m.apps {
		a.Config = slices.Clone(a.Config)
		s.Apps = append(s.Apps, a)
	}
	slices.SortFunc(s.Apps, func(a, b App) int { return cmp.Compare(a.ID, b.ID) })
	for _, kv := range m.kv {
		kv.Value = slices.Clone(kv.Value)
		s.KV = append(s.KV, kv)
	}
	slices.SortFunc(s.KV, func(a, b KV) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key)) })
	return s, nil
}

// Close implements Store.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func cloneEvent(e Event) Event {
	e.Data = slices.Clone(e.Data)
	return e
}

func cloneRun(r Run) Run {
	r.EventIDs = slices.Clone(r.EventIDs)
	r.Events = slices.Clone(r.Events)
	r.State = slices.Clone(r.State)
	return r
}

var _ Store = (*Memory)(nil)
