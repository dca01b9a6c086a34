package devserver

import "time"

// Stats counts what a Server holds. Every count is bounded: events and
// idempotency keys by Config.EventRetention and Config.MaxEvents, finished
// runs by Config.RunRetention and Config.MaxFinishedRuns, queued calls by
// Config.MaxQueuedCalls.
type Stats struct {
	// Events is the number of received events kept.
	Events int `json:"events"`
	// Runs is the number of runs kept, running or finished.
	Runs int `json:"runs"`
	// RunningRuns is the number of runs that have not ended.
	RunningRuns int `json:"running_runs"`
	// Pauses is the number of waits and cancellation rules filed.
	Pauses int `json:"pauses"`
	// IdempotencyKeys is the number of idempotency keys kept.
	IdempotencyKeys int `json:"idempotency_keys"`
	// QueuedCalls is the number of calls due but not yet started.
	QueuedCalls int `json:"queued_calls"`
	// InFlight is the number of calls to apps in flight.
	InFlight int `json:"in_flight"`
	// FlowKeys is the number of throttle and rate-limit keys not yet back
	// at full capacity (keys that are are dropped).
	FlowKeys int `json:"flow_keys"`
}

// Stats reports how much the server holds.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.counts()
	st.QueuedCalls = s.queued()
	st.InFlight = s.inFlight
	st.FlowKeys = len(s.throttles) + len(s.rateLimits)
	return st
}

// queued counts the calls that are due but not started. Called with s.mu
// held.
func (s *Server) queued() int { return s.ready.Len() + len(s.blocked) }

// sweep drops what retention no longer keeps at now and arms a background
// timer for the next expiry, so that an idle server (or a virtual clock
// moved forward) still lets go of old history. It costs a few comparisons
// when nothing is due. Called with s.mu held.
func (s *Server) sweep(now time.Time) {
	s.expireFlows(now)
	next := s.st.expire(now)
	if next.IsZero() {
		return
	}
	if t := s.sweeper; t != nil && t.index >= 0 {
		if !next.Before(t.at) {
			return
		}
		s.stopTimer(t)
	}
	// Firing does nothing itself: fireDue sweeps after firing timers.
	s.sweeper = s.afterBG(next, func() {})
}
