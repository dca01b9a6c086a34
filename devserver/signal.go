package devserver

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// Timeline entry kinds of a WaitForSignal step.
const (
	// TimelineSignalWait: the run began waiting for a signal.
	TimelineSignalWait TimelineKind = "signal.wait"
	// TimelineSignalReceived: the awaited signal arrived.
	TimelineSignalReceived TimelineKind = "signal.received"
	// TimelineSignalTimeout: a signal wait timed out.
	TimelineSignalTimeout TimelineKind = "signal.timeout"
)

// signalWait is a run waiting for a signal: a WaitForSignal step. A
// signal resumes one wait, found by the signal's name, until the wait
// expires.
type signalWait struct {
	signal  string
	run     *run
	stepID  string
	name    string // the step's display name
	started time.Time
	expires time.Time
	timer   *timer
}

// signalIndex holds, for each signal, the wait the signal resumes, as the
// real server keeps one pause per signal and environment.
type signalIndex struct {
	m map[string]*signalWait
}

// get returns the wait the signal resumes, or nil.
func (ix *signalIndex) get(signal string) *signalWait { return ix.m[signal] }

// put files w under its signal. Another run's wait there (or another step
// of the same run) is a conflict: with replace, w takes its place and
// the other wait is left to time out; without, put reports false and
// changes nothing. The same wait filed again is no conflict.
func (ix *signalIndex) put(w *signalWait, replace bool) bool {
	if old := ix.m[w.signal]; old != nil && !replace && (old.run != w.run || old.stepID != w.stepID) {
		return false
	}
	if ix.m == nil {
		ix.m = make(map[string]*signalWait)
	}
	ix.m[w.signal] = w
	return true
}

// remove unfiles w, only if it is still the wait filed for its signal (a
// replaced wait no longer is).
func (ix *signalIndex) remove(w *signalWait) {
	if ix.m[w.signal] == w {
		delete(ix.m, w.signal)
	}
}

// startSignalWait files the wait of a WaitForSignal op, as the real
// server does: the signal comes from opts.signal only; a timeout is a
// duration or an RFC 3339 time, a year when empty. It reports false when
// the run failed on a conflict. Called with s.mu held.
func (s *Server) startSignalWait(r *run, op *wire.Op, name string, now time.Time) (bool, error) {
	var o wire.WaitForSignalOpts
	if err := unmarshalOpts(op.Opts, &o); err != nil {
		return false, fmt.Errorf("signal wait %q: %w", name, err)
	}
	if o.Signal == "" {
		return false, fmt.Errorf("signal wait %q: no signal name (opts.signal)", name)
	}
	expires, err := expiry(o.Timeout, now)
	if err != nil {
		return false, fmt.Errorf("signal wait %q: timeout: %w", name, err)
	}
	w := &signalWait{signal: o.Signal, run: r, stepID: op.ID, name: name, started: now, expires: expires}
	if !s.signals.put(w, o.Conflict == wire.SignalConflictReplace) {
		ue := &wire.UserError{Name: "Error", Message: wire.SignalConflictMessage}
		r.add(TimelineEntry{At: now, Kind: TimelineFailed, StepID: op.ID, Name: name, Detail: ue.Name + ": " + ue.Message + " (signal " + o.Signal + ")"})
		s.failRun(r, ue)
		return false, nil
	}
	r.add(TimelineEntry{At: now, Kind: TimelineSignalWait, StepID: op.ID, Name: name, Detail: o.Signal + " for " + timestr.Format(expires.Sub(now))})
	s.armSignalWait(w)
	return true, nil
}

// armSignalWait makes w its run's outstanding step and sets its timeout;
// w is filed already. Called with s.mu held.
func (s *Server) armSignalWait(w *signalWait) {
	r := w.run
	r.setOutstanding(w.stepID, &pending{kind: wire.OpWaitForSignal, name: w.name, started: w.started, until: w.expires, signal: w})
	w.timer = s.after(w.expires, func() { s.signalTimedOut(w) })
	r.timers = append(r.timers, w.timer)
}

// waiting reports whether w is still the outstanding step of its run.
func (w *signalWait) waiting() bool {
	p := w.run.outstanding[w.stepID]
	return !w.run.ended() && p != nil && p.signal == w
}

// signalTimedOut resumes a wait whose signal did not come, with null.
// Called with s.mu held.
func (s *Server) signalTimedOut(w *signalWait) {
	s.signals.remove(w)
	if !w.waiting() {
		return
	}
	r := w.run
	delete(r.outstanding, w.stepID)
	t := s.clock.Now()
	s.memoize(r, w.stepID, json.RawMessage("null"))
	r.add(TimelineEntry{At: t, Kind: TimelineSignalTimeout, StepID: w.stepID, Name: w.name, Duration: t.Sub(w.started)})
	s.requestDiscovery(r)
}

// resumeSignal hands data to the run waiting for signal, memoized as the
// real server does ({"data": {"signal", "data"}}), and returns the run's
// ID; "" when no unexpired wait is filed for it. Called with s.mu held.
func (s *Server) resumeSignal(signal string, data json.RawMessage) string {
	w := s.signals.get(signal)
	if w == nil {
		return ""
	}
	if !w.waiting() {
		s.signals.remove(w)
		return ""
	}
	now := s.clock.Now()
	if !now.Before(w.expires) {
		return "" // its timer resumes it with null
	}
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	out, err := json.Marshal(wire.SignalResult{Signal: signal, Data: data})
	if err != nil {
		return ""
	}
	r := w.run
	s.signals.remove(w)
	delete(r.outstanding, w.stepID)
	s.stopTimer(w.timer)
	s.memoize(r, w.stepID, wrapData(out))
	r.add(TimelineEntry{At: now, Kind: TimelineSignalReceived, StepID: w.stepID, Name: w.name, Duration: now.Sub(w.started), Detail: "→ " + string(data)})
	s.requestDiscovery(r)
	return r.id
}
