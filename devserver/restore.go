package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/durablefn/inngest/devserver/store"
	"github.com/durablefn/inngest/internal/wire"
)

// restore rebuilds the server's state from its store at Start: apps and
// their functions, events, runs with their steps and timelines, then
// everything that runs on time — sleeps, waits and their timeouts,
// invokes, retries, batches, debounces, cron — through the functions that
// arm them in normal operation. Calls that were queued or in flight are
// made again. Called before the scheduler starts.
func (s *Server) restore(ctx context.Context) error {
	snap, err := s.cfg.Store.Load(ctx)
	if err != nil {
		return fmt.Errorf("devserver: loading the store: %w", err)
	}
	s.restoreApps(snap.Apps)
	s.mu.Lock()
	defer s.unlock()
	events := s.restoreEvents(snap.Events)
	all, running := s.restoreRuns(snap)
	s.restoreKV(snap.KV, events)
	s.resumeRuns(running, all)
	s.log.Info("devserver: state restored", "apps", len(snap.Apps), "events", len(snap.Events), "runs", len(snap.Runs),
		"running", s.st.counts().RunningRuns)
	return nil
}

// restoreApps registers each stored app from its sync payload.
func (s *Server) restoreApps(apps []store.App) {
	for _, a := range apps {
		var req wire.RegisterRequest
		err := json.Unmarshal(a.Config, &req)
		if err == nil {
			_, err = s.register(&req)
		}
		if err != nil {
			s.log.Error("devserver: a stored app could not be restored; sync it again", "app_id", a.ID, "error", err)
		}
	}
}

// restoreEvents files the stored events and returns them by ID. Called
// with s.mu held.
func (s *Server) restoreEvents(events []store.Event) map[string]*eventRecord {
	byID := make(map[string]*eventRecord, len(events))
	for _, e := range events {
		rec := &eventRecord{seq: e.Seq, id: e.ID, key: e.Key, name: e.Name, raw: e.Data, receivedAt: e.ReceivedAt}
		s.st.putEvent(rec, e.Seq)
		byID[e.ID] = rec
		s.eventSeq = max(s.eventSeq, e.Seq)
	}
	return byID
}

// restoreRuns rebuilds every stored run and returns them by ID, and the
// state of those still running. Called with s.mu held.
func (s *Server) restoreRuns(snap *store.Snapshot) (map[string]*run, map[*run]*runState) {
	all := make(map[string]*run, len(snap.Runs))
	states := make(map[*run]*runState, len(snap.Runs))
	var ended []*run
	steps, timeline := snap.Steps, snap.Timeline
	for _, row := range snap.Runs {
		r, st, err := s.restoreRun(row)
		if err != nil {
			s.log.Error("devserver: a stored run could not be read; it is left out", "run_id", row.ID, "error", err)
			continue
		}
		steps = restoreSteps(r, steps)
		timeline = restoreTimeline(r, timeline)
		s.st.putRun(r)
		all[r.id] = r
		if r.ended() {
			ended = append(ended, r)
		} else {
			states[r] = st
		}
	}
	slices.SortFunc(ended, func(a, b *run) int { return a.endedAt.Compare(b.endedAt) })
	for _, r := range ended {
		s.st.finishRun(r)
	}
	for r, st := range states {
		s.relink(r, st, all)
	}
	return all, states
}

// restoreRun reads one run's row.
func (s *Server) restoreRun(row store.Run) (*run, *runState, error) {
	var st runState
	if err := json.Unmarshal(row.State, &st); err != nil {
		return nil, nil, fmt.Errorf("state: %w", err)
	}
	var events []json.RawMessage
	if err := json.Unmarshal(row.Events, &events); err != nil {
		return nil, nil, fmt.Errorf("events: %w", err)
	}
	if len(events) == 0 {
		return nil, nil, errors.New("a run without events")
	}
	fn := s.fns[row.FunctionID]
	if fn == nil {
		fn = &function{id: row.FunctionID, app: &appRecord{}, maxAttempts: 1}
	}
	r := &run{
		id: row.ID, fn: fn, eventIDs: row.EventIDs, events: events, status: RunStatus(row.Status),
		createdAt: row.CreatedAt, endedAt: row.EndedAt, output: st.Output, err: st.Err,
		startedAt: st.StartedAt, disableImmediate: st.DisableImmediate, cancelErr: st.CancelErr,
		priority: st.Priority, singletonKey: st.SingletonKey, saved: true,
	}
	for _, g := range st.Gates {
		r.gates = append(r.gates, gate{key: g.Key, limit: g.Limit})
	}
	return r, &st, nil
}

// restoreSteps gives r its steps from the front of steps (sorted by run,
// then index) and returns the rest.
func restoreSteps(r *run, steps []store.Step) []store.Step {
	for len(steps) > 0 && steps[0].RunID < r.id {
		steps = steps[1:] // of a run that could not be read
	}
	for len(steps) > 0 && steps[0].RunID == r.id {
		st := steps[0]
		steps = steps[1:]
		if r.steps == nil {
			r.steps = make(map[string]json.RawMessage)
		}
		r.steps[st.StepID] = st.Value
		r.stack = append(r.stack, st.StepID)
		r.vals = append(r.vals, st.Value)
		r.stateSize += len(st.Value) + len(st.StepID) + 8
	}
	r.savedSteps = len(r.stack)
	return steps
}

// restoreTimeline gives r its timeline from the front of entries.
func restoreTimeline(r *run, entries []store.TimelineEntry) []store.TimelineEntry {
	for len(entries) > 0 && entries[0].RunID < r.id {
		entries = entries[1:]
	}
	for len(entries) > 0 && entries[0].RunID == r.id {
		var e TimelineEntry
		if json.Unmarshal(entries[0].Data, &e) == nil {
			r.timeline = append(r.timeline, e)
		}
		entries = entries[1:]
	}
	r.savedTimeline = len(r.timeline)
	return entries
}

// relink restores what ties a running run to others: the run that invoked
// it, and its singleton key. Called with s.mu held.
func (s *Server) relink(r *run, st *runState, all map[string]*run) {
	if p := st.Parent; p != nil {
		if parent := all[p.RunID]; parent != nil {
			r.parent = &invokeLink{parent: parent, stepID: p.StepID, done: p.Done}
		}
	}
	if r.singletonKey != "" {
		s.singletons[r.singletonKey] = r
	}
}

// restoreKV restores batches, debounces, flow-control state, idempotency
// keys and cron positions. Called with s.mu held.
func (s *Server) restoreKV(rows []store.KV, events map[string]*eventRecord) {
	var idem, crons []store.KV
	for _, kv := range rows {
		switch kv.Kind {
		case kvIdempotency:
			idem = append(idem, kv)
		case kvThrottle, kvRateLimit:
			var tat time.Time
			if json.Unmarshal(kv.Value, &tat) == nil {
				m := s.throttles
				if kv.Kind == kvRateLimit {
					m = s.rateLimits
				}
				s.setTAT(m, kv.Kind == kvRateLimit, kv.Key, tat)
			}
		case kvBatch:
			s.restoreBatch(kv, events)
		case kvDebounce:
			s.restoreDebounce(kv, events)
		case kvCron:
			crons = append(crons, kv)
		}
	}
	s.restoreCrons(crons)
	s.st.(*memStore).restoreIdempotency(idem)
}

func (s *Server) restoreBatch(kv store.KV, events map[string]*eventRecord) {
	var st batchState
	_ = json.Unmarshal(kv.Value, &st)
	fn := s.fns[st.Function]
	if fn == nil || fn.batch == nil {
		s.j.setKV(kvBatch, kv.Key, nil)
		return
	}
	b := &batch{key: kv.Key, at: st.At}
	for _, id := range st.Events {
		if ev := events[id]; ev != nil {
			b.events = append(b.events, ev)
			b.bytes += len(ev.raw)
		}
	}
	s.armBatch(fn, b)
}

func (s *Server) restoreDebounce(kv store.KV, events map[string]*eventRecord) {
	var st debounceState
	_ = json.Unmarshal(kv.Value, &st)
	fn, ev := s.fns[st.Function], events[st.Event]
	if fn == nil || ev == nil {
		s.j.setKV(kvDebounce, kv.Key, nil)
		return
	}
	d := &debounce{key: kv.Key, last: ev, first: st.First}
	s.debounces[kv.Key] = d
	s.armDebounce(fn, d, st.At)
}

// restoreCrons moves each cron entry back to its stored next tick, so
// that ticks due while the server was down fire now, each once, in order.
func (s *Server) restoreCrons(rows []store.KV) {
	if len(rows) == 0 {
		return
	}
	entries := make(map[string]*cronEntry)
	for _, fn := range s.fns {
		for _, ce := range fn.crons {
			entries[ce.key()] = ce
		}
	}
	for _, kv := range rows {
		var next time.Time
		ce := entries[kv.Key]
		if ce == nil || ce.timer == nil || json.Unmarshal(kv.Value, &next) != nil {
			continue
		}
		s.stopTimer(ce.timer)
		s.armCron(ce, next.Add(-time.Nanosecond))
	}
}
