package devserver

import (
	"encoding/json"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// createRun starts a run of fn for events after the rate-limit stage
// (idempotency key or rate limit), which applies to every run not made by
// a batch or a debounce: event triggers, cron ticks and invoked runs alike,
// as on the real server. It returns nil and the reason when flow control
// skipped the run. Called with s.mu held.
func (s *Server) createRun(fn *function, events []*eventRecord, now time.Time, link *invokeLink) (*run, skipReason) {
	var data map[string]any
	if fn.idempotency != nil || fn.rateLimit != nil {
		data = decodeMap(events[0].raw)
		if why := s.admitRate(fn, events[0], data, now); why != notSkipped {
			return nil, why
		}
	}
	return s.startRun(fn, events, data, now, link)
}

// skipReason says why flow control skipped a run.
type skipReason int

const (
	notSkipped skipReason = iota
	skippedByRateLimit
	skippedByIdempotency
	skippedBySingleton
)

func (w skipReason) String() string {
	switch w {
	case skippedByRateLimit:
		return "rate limit"
	case skippedByIdempotency:
		return "idempotency key"
	case skippedBySingleton:
		return "singleton"
	}
	return "not skipped"
}

// startRun starts a run of fn for events, applying the flow control that
// acts once the run is due: singleton, throttle, priority, concurrency
// keys, timeouts and cancellation rules. data is the first event decoded,
// or nil to decode it when needed. Invoked runs (link set) meet all of it,
// as on the real server. It returns nil and the reason when flow control
// skipped the run. Called with s.mu held.
func (s *Server) startRun(fn *function, events []*eventRecord, data map[string]any, now time.Time, link *invokeLink) (*run, skipReason) {
	first := func() map[string]any {
		if data == nil {
			data = decodeMap(events[0].raw)
		}
		return data
	}
	singletonKey := ""
	if sg := fn.singleton; sg != nil {
		singletonKey = fn.id + "\x00" + keyOf(sg.key, first())
		if cur := s.singletons[singletonKey]; cur != nil && !cur.ended() {
			if sg.mode == "cancel" {
				s.cancelRun(cur, &wire.UserError{Name: "FunctionCancelled", Message: "replaced by a newer run (singleton)"})
			} else {
				s.log.Debug("devserver: run skipped by singleton", "function_id", fn.id, "event_id", events[0].id)
				return nil, skippedBySingleton
			}
		}
	}
	r := &run{
		id:        newID(),
		fn:        fn,
		eventIDs:  make([]string, len(events)),
		events:    make([]json.RawMessage, len(events)),
		status:    StatusRunning,
		createdAt: now,
		parent:    link,
		j:         s.j,
	}
	for i, ev := range events {
		r.eventIDs[i] = ev.id
		r.events[i] = ev.raw
	}
	if singletonKey != "" {
		r.singletonKey = singletonKey
		s.singletons[singletonKey] = r
	}
	if fn.priority != nil {
		v, err := fn.priority.Eval(first(), nil)
		if err == nil {
			if n, ok := toInt(v.Value()); ok {
				if n > 600 {
					n = 600
				}
				if n < -600 {
					n = -600
				}
				r.priority = time.Duration(n) * time.Second
			}
		}
	}
	for i, c := range fn.concurrency {
		g := gate{limit: c.limit}
		if c.key == nil {
			g.key = "fn\x00" + fn.id
		} else {
			if c.scope == "env" || c.scope == "account" {
				// Shared by every function using the same key in this
				// scope, whatever its place in their lists.
				g.key = "key\x00" + c.scope + "\x00" + c.key.Key(first())
			} else {
				g.key = "key\x00" + fn.id + "\x00" + itoa(i) + "\x00" + c.key.Key(first())
			}
		}
		r.gates = append(r.gates, g)
	}
	r.add(TimelineEntry{At: now, Kind: TimelineQueued, Detail: "event " + events[0].name})
	s.st.putRun(r)
	s.armRules(r)
	s.log.Debug("devserver: run created", "run_id", r.id, "function_id", fn.id, "event_id", events[0].id)
	if th := fn.throttle; th != nil {
		s.throttle(r, fn.id+"\x00"+keyOf(th.key, first()), th, now)
	} else {
		s.enqueue(r, "", 0, now)
	}
	return r, notSkipped
}

// armRules files r's cancellation rules and sets its start timeout, from
// its creation. Called with s.mu held.
func (s *Server) armRules(r *run) {
	fn := r.fn
	for _, c := range fn.cancels {
		p := &pause{kind: pauseCancel, run: r, event: c.event, expr: c.expr, started: r.createdAt}
		s.filePause(r, p)
		r.pauses = append(r.pauses, p)
		if c.timeout > 0 {
			p.timer = s.after(r.createdAt.Add(c.timeout), func() { s.dropPause(p) })
			r.timers = append(r.timers, p.timer)
		}
	}
	if fn.timeoutStart > 0 {
		r.timers = append(r.timers, s.after(r.createdAt.Add(fn.timeoutStart), func() {
			if !r.ended() && r.startedAt.IsZero() {
				s.cancelRun(r, &wire.UserError{Name: "FunctionTimeout", Message: "the run did not start within " + fn.timeoutStart.String()})
			}
		}))
	}
}

// startFinishTimeout arms the finish timeout when a run's first call
// starts. Called with s.mu held.
func (s *Server) startFinishTimeout(r *run) {
	d := r.fn.timeoutFinish
	if d <= 0 {
		return
	}
	r.timers = append(r.timers, s.after(r.startedAt.Add(d), func() {
		if !r.ended() {
			s.cancelRun(r, &wire.UserError{Name: "FunctionTimeout", Message: "the run did not finish within " + d.String()})
		}
	}))
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case uint64:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// completeRun ends r with output. Called with s.mu held.
func (s *Server) completeRun(r *run, output json.RawMessage, d time.Duration, attempt int) {
	r.status = StatusCompleted
	r.output = output
	r.add(TimelineEntry{At: s.clock.Now(), Kind: TimelineCompleted, Attempt: attempt, Duration: d, Detail: "→ " + string(output)})
	s.endRun(r)
}

// failRun ends r with an error and emits inngest/function.failed. Called
// with s.mu held.
func (s *Server) failRun(r *run, ue *wire.UserError) {
	if r.ended() {
		return
	}
	r.status = StatusFailed
	r.err = ue
	out, _ := json.Marshal(ue)
	r.output = out
	if n := len(r.timeline); n == 0 || r.timeline[n-1].Kind != TimelineFailed {
		r.add(TimelineEntry{At: s.clock.Now(), Kind: TimelineFailed, Detail: ue.Name + ": " + ue.Message})
	}
	s.endRun(r)
	data := map[string]any{
		"function_id": r.fn.id,
		"run_id":      r.id,
		"error":       ue,
		"event":       r.events[0],
	}
	s.emit(wire.EventFunctionFailed, data)
}

// cancelRun cancels r between steps: at once when no call is in flight,
// otherwise when the call in flight returns. Called with s.mu held.
func (s *Server) cancelRun(r *run, ue *wire.UserError) {
	if r.ended() || r.cancelling {
		return
	}
	r.cancelErr = ue
	if r.inFlight > 0 {
		r.cancelling = true
		r.touch()
		return
	}
	s.finishCancel(r)
}

func (s *Server) finishCancel(r *run) {
	ue := r.cancelErr
	if ue == nil {
		ue = &wire.UserError{Name: "FunctionCancelled", Message: "the run was cancelled"}
	}
	r.status = StatusCancelled
	r.err = ue
	out, _ := json.Marshal(ue)
	r.output = out
	r.add(TimelineEntry{At: s.clock.Now(), Kind: TimelineCancelled, Detail: ue.Message})
	s.endRun(r)
	s.emit(wire.EventFunctionCancelled, map[string]any{
		"function_id": r.fn.id,
		"run_id":      r.id,
		"event":       r.events[0],
		"error":       ue,
	})
}

// runEndData is the data of inngest/function.finished.
type runEndData struct {
	CorrelationID string          `json:"correlation_id,omitempty"`
	Error         *wire.UserError `json:"error,omitempty"`
	Event         json.RawMessage `json:"event"`
	FunctionID    string          `json:"function_id"`
	Result        json.RawMessage `json:"result,omitempty"`
	RunID         string          `json:"run_id"`
}

// endRun releases everything r held and emits inngest/function.finished.
// Called with s.mu held, after r.status was set.
func (s *Server) endRun(r *run) {
	r.endedAt = s.clock.Now()
	s.st.finishRun(r)
	for _, p := range r.pauses {
		s.dropPause(p)
	}
	r.pauses = nil
	for _, p := range r.outstanding {
		if p.pause != nil {
			s.dropPause(p.pause)
		}
		if p.signal != nil {
			s.signals.remove(p.signal)
		}
		if p.child != nil && !p.child.ended() && p.child.parent != nil {
			p.child.parent.done = true
		}
	}
	r.outstanding = nil
	r.planned = nil
	r.calls = nil
	for _, t := range r.timers {
		s.stopTimer(t)
	}
	r.timers = nil
	if r.singletonKey != "" && s.singletons[r.singletonKey] == r {
		delete(s.singletons, r.singletonKey)
	}
	if r.parent != nil {
		s.resumeParent(r)
	}
	data := runEndData{FunctionID: r.fn.id, RunID: r.id, Event: r.events[0]}
	if r.status == StatusCompleted {
		data.Result = r.output
	} else {
		data.Error = r.err
	}
	if r.parent != nil {
		data.CorrelationID = r.parent.parent.id + "." + r.parent.stepID
	}
	s.log.Info("devserver: run ended", "run_id", r.id, "function_id", r.fn.id, "status", string(r.status),
		"duration", r.endedAt.Sub(r.createdAt).String())
	s.emit(wire.EventFunctionFinished, data)
	if s.cfg.OnRunFinished != nil {
		s.finished = append(s.finished, r.snapshot(true))
	}
	s.notify()
}
