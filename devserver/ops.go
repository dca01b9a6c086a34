package devserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// parseOps reads a 206 body as the real server does: an array of ops, or
// one op object (SDKs before 1.0); an empty array is a None op. Names are
// read without regard to case; an unknown name, a null op or a StepError
// without an error fails the whole answer.
func parseOps(body []byte) ([]wire.Op, error) {
	body = bytes.TrimSpace(body)
	var ops []wire.Op
	switch {
	case len(body) == 0:
		return nil, errors.New("empty body")
	case body[0] == '{':
		var op wire.Op
		if err := json.Unmarshal(body, &op); err != nil {
			return nil, fmt.Errorf("not a JSON op: %w", err)
		}
		ops = []wire.Op{op}
	case body[0] == '[':
		var err error
		if ops, err = parseOpArray(body); err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("expected a JSON array of ops or one op object")
	}
	for i := range ops {
		op, ok := wire.ParseOpcode(string(ops[i].Op))
		if !ok {
			return nil, fmt.Errorf("op %d: unknown opcode %q", i, ops[i].Op)
		}
		ops[i].Op = op
		if op == wire.OpStepError && ops[i].Error == nil {
			return nil, fmt.Errorf("op %d: StepError without an error", i)
		}
	}
	return ops, nil
}

// parseOpArray decodes a JSON array of ops in one pass. Only when that
// fails, or an element is null, are the elements decoded one by one, to say
// which one is wrong.
func parseOpArray(body []byte) ([]wire.Op, error) {
	var ptrs []*wire.Op
	if json.Unmarshal(body, &ptrs) == nil {
		ops := make([]wire.Op, len(ptrs))
		for i, p := range ptrs {
			if p == nil {
				return nil, fmt.Errorf("op %d is null", i)
			}
			ops[i] = *p
		}
		return ops, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON array of ops: %w", err)
	}
	ops := make([]wire.Op, len(raw))
	for i, r := range raw {
		if wire.IsNull(r) {
			return nil, fmt.Errorf("op %d is null", i)
		}
		if err := json.Unmarshal(r, &ops[i]); err != nil {
			return nil, fmt.Errorf("op %d: %w", i, err)
		}
	}
	return ops, nil
}

// applyOps handles a 206 answer. Called with s.mu held.
func (s *Server) applyOps(c *call, ops []wire.Op, res callResult) {
	it := c.it
	r := it.run
	now := s.clock.Now()
	if len(ops) > 1 {
		r.disableImmediate = true
	}
	if len(ops) == 0 && it.stepID != "" {
		// The targeted call ended without reaching its step.
		delete(r.planned, it.stepID)
		s.requestDiscovery(r)
		return
	}
	cont := false
	for i := range ops {
		op := &ops[i]
		switch op.Op {
		case wire.OpNone, wire.OpStepNotFound:
			// Nothing to do for this thread; a targeted step that was not
			// found must not hold the run.
			if it.stepID != "" {
				delete(r.planned, it.stepID)
				cont = true
			}
			continue
		case wire.OpDiscoveryRequest:
			// The SDK asks to be called again.
			if it.stepID != "" {
				delete(r.planned, it.stepID)
			}
			cont = true
			continue
		case wire.OpDeferAdd, wire.OpDeferAbort:
			// Deferred runs ride along with another op; like the real
			// server when it cannot schedule one, carry on without it.
			s.log.Debug("devserver: ignoring a deferred-run op", "run_id", r.id, "op", string(op.Op))
			continue
		case wire.OpSyncRunComplete:
			ue := &wire.UserError{Name: "UnsupportedOpcode", Message: fmt.Sprintf("the %s op is not supported by this server; run this function on the Inngest server", op.Op)}
			r.add(TimelineEntry{At: now, Kind: TimelineFailed, StepID: op.ID, Name: op.Name, Attempt: it.attempt, Duration: res.duration, Detail: ue.Name + ": " + ue.Message})
			s.failRun(r, ue)
			return
		}
		if op.ID == "" {
			continue
		}
		noteRace(r, op)
		if _, done := r.steps[op.ID]; done {
			continue
		}
		name := op.DisplayName
		if name == "" {
			name = op.Name
		}
		more, stop := s.applyStepOp(c, op, name, res, now)
		cont = cont || more
		if stop {
			return
		}
	}
	if cont {
		s.requestDiscovery(r)
	}
}

func wrapData(data json.RawMessage) json.RawMessage {
	out := make([]byte, 0, len(data)+10)
	out = append(out, `{"data":`...)
	out = append(out, data...)
	out = append(out, '}')
	return out
}

func wrapError(ue *wire.UserError) json.RawMessage {
	b, _ := json.Marshal(struct {
		Error *wire.UserError `json:"error"`
	}{ue})
	return b
}

// memoize saves a step result. Called with s.mu held.
func (s *Server) memoize(r *run, stepID string, v json.RawMessage) {
	s.st.memoize(r, stepID, v)
	raceEnded(r, stepID)
}

func (r *run) setOutstanding(stepID string, p *pending) {
	if r.outstanding == nil {
		r.outstanding = make(map[string]*pending, 1)
	}
	r.outstanding[stepID] = p
}

func (s *Server) startSleep(r *run, op *wire.Op, name string, now time.Time) error {
	var o wire.SleepOpts
	if err := unmarshalOpts(op.Opts, &o); err != nil {
		return fmt.Errorf("sleep %q: %w", name, err)
	}
	if o.Duration == "" {
		// inngest-js (v1, v2 and v4) puts the duration in the op's name.
		o.Duration = op.Name
	}
	until := now
	if o.Duration != "" {
		// An empty duration is no sleep at all, as on the real server.
		t, err := timestr.ParseTimeOrDuration(o.Duration, now)
		if err != nil {
			return fmt.Errorf("sleep %q: %w", name, err)
		}
		until = t
	}
	p := &pending{kind: wire.OpSleep, name: name, started: now, until: until}
	r.setOutstanding(op.ID, p)
	r.add(TimelineEntry{At: now, Kind: TimelineSleep, StepID: op.ID, Name: name, Detail: "until +" + until.Sub(r.createdAt).String()})
	s.armSleep(r, op.ID, p)
	return nil
}

// armSleep sets a sleep's timer. Called with s.mu held.
func (s *Server) armSleep(r *run, stepID string, p *pending) {
	p.timer = s.after(p.until, func() {
		if r.ended() || r.outstanding[stepID] != p {
			return
		}
		delete(r.outstanding, stepID)
		t := s.clock.Now()
		s.memoize(r, stepID, json.RawMessage("null"))
		r.add(TimelineEntry{At: t, Kind: TimelineWoke, StepID: stepID, Name: p.name, Duration: t.Sub(p.started)})
		s.requestDiscovery(r)
	})
	r.timers = append(r.timers, p.timer)
}

// startWait files a pause for a WaitForEvent op, or resolves it at once
// with an event that arrived while the call that reported it was running.
func (s *Server) startWait(r *run, op *wire.Op, name string, now time.Time, afterSeq uint64) (bool, error) {
	var o wire.WaitForEventOpts
	if err := unmarshalOpts(op.Opts, &o); err != nil {
		return false, fmt.Errorf("wait %q: %w", name, err)
	}
	if o.Event == "" {
		// inngest-js (v1, v2 and v4) puts the event name in the op's name.
		o.Event = op.Name
	}
	if o.Event == "" {
		return false, fmt.Errorf("wait %q: no event name (opts.event or the op's name)", name)
	}
	// Unlike an invoke's, an empty wait timeout means no wait at all, as
	// on the real server: inngest-js sends one for a negative timeout.
	expires := now
	if o.Timeout != "" {
		t, err := timestr.ParseTimeOrDuration(o.Timeout, now)
		if err != nil {
			return false, fmt.Errorf("wait %q: timeout: %w", name, err)
		}
		expires = t
	}
	p := &pause{kind: pauseWait, run: r, stepID: op.ID, name: name, event: o.Event, started: now}
	if o.If != nil && *o.If != "" {
		e, err := s.exprs.Compile(*o.If)
		if err != nil {
			return false, fmt.Errorf("wait %q: %w", name, err)
		}
		p.expr = e
	}
	// An event that arrived while the call was running counts.
	for _, ev := range s.st.recentEvents(o.Event, afterSeq) {
		if p.matches(s, decodeMap(ev.raw)) {
			s.memoize(r, op.ID, ev.raw)
			r.add(TimelineEntry{At: now, Kind: TimelineWaitMatched, StepID: op.ID, Name: name, Detail: "event " + ev.id + " (arrived during the call)"})
			return true, nil
		}
	}
	pend := &pending{kind: wire.OpWaitForEvent, name: name, started: now, until: expires, pause: p}
	r.setOutstanding(op.ID, pend)
	r.add(TimelineEntry{At: now, Kind: TimelineWait, StepID: op.ID, Name: name, Detail: o.Event + " for " + timestr.Format(expires.Sub(now))})
	s.armWait(r, op.ID, pend)
	return false, nil
}

// armWait files a wait's pause and sets its timeout. Called with s.mu
// held.
func (s *Server) armWait(r *run, stepID string, pend *pending) {
	p := pend.pause
	s.filePause(r, p)
	pend.timer = s.after(pend.until, func() {
		if r.ended() || r.outstanding[stepID] != pend {
			return
		}
		delete(r.outstanding, stepID)
		s.dropPause(p)
		t := s.clock.Now()
		s.memoize(r, stepID, json.RawMessage("null"))
		r.add(TimelineEntry{At: t, Kind: TimelineWaitTimeout, StepID: stepID, Name: pend.name, Duration: t.Sub(pend.started)})
		s.requestDiscovery(r)
	})
	p.timer = pend.timer
	r.timers = append(r.timers, pend.timer)
}

// resolveWait resumes a run whose wait matched ev. Called with s.mu held.
func (s *Server) resolveWait(p *pause, ev *eventRecord) {
	r := p.run
	pend := r.outstanding[p.stepID]
	if r.ended() || pend == nil || pend.pause != p {
		return
	}
	delete(r.outstanding, p.stepID)
	s.dropPause(p)
	s.stopTimer(pend.timer)
	now := s.clock.Now()
	s.memoize(r, p.stepID, ev.raw)
	r.add(TimelineEntry{At: now, Kind: TimelineWaitMatched, StepID: p.stepID, Name: p.name, Duration: now.Sub(p.started), Detail: "event " + ev.id})
	s.requestDiscovery(r)
}

// startInvoke starts the invoked run. It reports true when the step was
// resolved at once (the function does not exist), and an error for opts
// that cannot be followed.
func (s *Server) startInvoke(r *run, op *wire.Op, name string, now time.Time) (bool, error) {
	var o wire.InvokeOpts
	fail := func(msg string) bool {
		ue := &wire.UserError{Name: "Error", Message: msg}
		s.memoize(r, op.ID, wrapError(ue))
		r.add(TimelineEntry{At: now, Kind: TimelineInvokeDone, StepID: op.ID, Name: name, Detail: ue.Message})
		return true
	}
	if err := unmarshalOpts(op.Opts, &o); err != nil {
		return false, fmt.Errorf("invoke %q: %w", name, err)
	}
	expires, err := expiry(o.Timeout, now)
	if err != nil {
		return false, fmt.Errorf("invoke %q: timeout: %w", name, err)
	}
	fn := s.fns[o.FunctionID]
	if fn == nil {
		return fail(fmt.Sprintf("could not find function %q to invoke", o.FunctionID)), nil
	}
	data := map[string]any{}
	if len(o.Payload.Data) > 0 && !wire.IsNull(o.Payload.Data) {
		if err := json.Unmarshal(o.Payload.Data, &data); err != nil {
			return false, fmt.Errorf("invoke %q: payload data must be a JSON object", name)
		}
	}
	correlation := r.id + "." + op.ID
	data[wire.InngestDataKey] = map[string]any{wire.InvokeFnIDKey: fn.id, wire.InvokeCorrelationKey: correlation}
	raw, _ := json.Marshal(data)
	ev := wire.Event{Name: wire.EventFunctionInvoked, Data: raw, User: o.Payload.User}
	rec := s.storeEvent(&ev)
	link := &invokeLink{parent: r, stepID: op.ID}
	pend := &pending{kind: wire.OpInvokeFunction, name: name, started: now, until: expires}
	r.setOutstanding(op.ID, pend)
	r.add(TimelineEntry{At: now, Kind: TimelineInvoke, StepID: op.ID, Name: name, Detail: fn.id})
	s.armInvoke(r, op.ID, pend, link)
	child, why := s.createRun(fn, []*eventRecord{rec}, now, link)
	switch why {
	case notSkipped:
		pend.child = child
	case skippedByRateLimit:
		// The real server fails the invoking step at once.
		link.done = true
		delete(r.outstanding, op.ID)
		s.stopTimer(pend.timer)
		return fail("invoked function is rate limited"), nil
	default:
		// Skipped by an idempotency key or a singleton: as on the real
		// server, the invoker is not told, and waits for its timeout.
		r.add(TimelineEntry{At: now, Kind: TimelineInvoke, StepID: op.ID, Name: name, Detail: fn.id + " skipped the run (" + why.String() + "); waiting for the invoke's timeout"})
	}
	return false, nil
}

// armInvoke sets an invoke's timeout. Called with s.mu held.
func (s *Server) armInvoke(r *run, stepID string, pend *pending, link *invokeLink) {
	pend.timer = s.after(pend.until, func() {
		if link.done || r.ended() {
			return
		}
		link.done = true
		delete(r.outstanding, stepID)
		t := s.clock.Now()
		ue := &wire.UserError{Name: "InngestInvokeTimeoutError", Message: "Timed out waiting for invoked function to complete"}
		s.memoize(r, stepID, wrapError(ue))
		r.add(TimelineEntry{At: t, Kind: TimelineInvokeDone, StepID: stepID, Name: pend.name, Duration: t.Sub(pend.started), Detail: ue.Message})
		s.requestDiscovery(r)
	})
	r.timers = append(r.timers, pend.timer)
}

// noTimeout is how long a wait or an invoke without a timeout lasts: a
// year, as on the real server.
const noTimeout = 365 * 24 * time.Hour

// expiry reads a wait's or an invoke's timeout, which the real server
// takes as a duration ("30m", "1h30m") or an RFC 3339 time.
func expiry(timeout string, now time.Time) (time.Time, error) {
	if timeout == "" {
		return now.Add(noTimeout), nil
	}
	return timestr.ParseTimeOrDuration(timeout, now)
}

// resumeParent hands an invoked run's outcome to the run that invoked it.
// Called with s.mu held.
func (s *Server) resumeParent(child *run) {
	link := child.parent
	if link == nil || link.done {
		return
	}
	link.done = true
	r := link.parent
	pend := r.outstanding[link.stepID]
	if r.ended() || pend == nil {
		return
	}
	delete(r.outstanding, link.stepID)
	s.stopTimer(pend.timer)
	now := s.clock.Now()
	var v json.RawMessage
	detail := ""
	if child.status == StatusCompleted {
		v = wrapData(child.output)
		detail = "→ " + string(child.output)
	} else {
		ue := child.err
		if ue == nil {
			ue = &wire.UserError{Name: "Error", Message: "invoked run " + string(child.status)}
		}
		v = wrapError(ue)
		detail = ue.Name + ": " + ue.Message
	}
	s.memoize(r, link.stepID, v)
	r.add(TimelineEntry{At: now, Kind: TimelineInvokeDone, StepID: link.stepID, Name: pend.name, Duration: now.Sub(pend.started), Detail: detail})
	s.requestDiscovery(r)
}
