package devserver

import (
	"context"
	"fmt"
)

// Run returns a snapshot of the run with its timeline, or nil when there
// is no such run.
func (s *Server) Run(runID string) *Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.run(runID)
	if r == nil {
		return nil
	}
	return r.snapshot(true)
}

// Runs returns snapshots of the runs an event started, oldest first.
func (s *Server) Runs(eventID string) []*Run { return s.eventRuns(eventID, true) }

// eventRuns is Runs, with each run's timeline and steps or without.
func (s *Server) eventRuns(eventID string, withDetail bool) []*Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshots(s.st.runsForEvent(eventID), withDetail)
}

// FunctionRuns returns snapshots of a function's runs, oldest first.
// functionID is the composite ID ("<app id>-<fn id>").
func (s *Server) FunctionRuns(functionID string) []*Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshots(s.st.runsForFunction(functionID), true)
}

func snapshots(list []*run, withDetail bool) []*Run {
	out := make([]*Run, 0, len(list))
	for _, r := range list {
		out = append(out, r.snapshot(withDetail))
	}
	return out
}

// Timeline returns a run's timeline, or nil when there is no such run.
func (s *Server) Timeline(runID string) []TimelineEntry {
	r := s.Run(runID)
	if r == nil {
		return nil
	}
	return r.Timeline
}

// WaitFor blocks until cond returns true, re-checking it after every change
// of the server's state, or until ctx ends. cond runs without the server's
// lock and may call the server's query methods.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("devserver: waiting: %w", ctx.Err())
		}
	}
}

// WaitForRun waits until the run has ended and returns it.
func (s *Server) WaitForRun(ctx context.Context, runID string) (*Run, error) {
	var out *Run
	err := s.WaitFor(ctx, func() bool {
		out = s.Run(runID)
		return out != nil && out.Status.Ended()
	})
	return out, err
}

// WaitForEventRuns waits until the event has started at least n runs and all
// of them have ended, and returns them.
func (s *Server) WaitForEventRuns(ctx context.Context, eventID string, n int) ([]*Run, error) {
	return s.waitEnded(ctx, n, func() []*Run { return s.Runs(eventID) })
}

// WaitForFunctionRuns waits until the function has at least n runs and
// all of them have ended, and returns them. functionID is the composite
// ID ("<app id>-<fn id>").
func (s *Server) WaitForFunctionRuns(ctx context.Context, functionID string, n int) ([]*Run, error) {
	return s.waitEnded(ctx, n, func() []*Run { return s.FunctionRuns(functionID) })
}

func (s *Server) waitEnded(ctx context.Context, n int, list func() []*Run) ([]*Run, error) {
	var out []*Run
	err := s.WaitFor(ctx, func() bool {
		out = list()
		if len(out) < n {
			return false
		}
		for _, r := range out {
			if !r.Status.Ended() {
				return false
			}
		}
		return true
	})
	return out, err
}

// WaitIdle waits until nothing is left to do now: no call in flight,
// nothing ready to run and, with time skipping on, no timer that time
// skipping would jump to (so every run has ended or waits only for an
// event that nobody sent).
func (s *Server) WaitIdle(ctx context.Context) error {
	return s.WaitFor(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		idle := s.inFlight == 0 && s.busy == 0 && s.ready.Len() == 0 && len(s.blocked) == 0
		if s.vclock != nil && s.timers.Len() > 0 {
			idle = false
		}
		// A timer that is already due (the clock was just moved) is work
		// the scheduler has not picked up yet.
		now := s.clock.Now()
		for _, h := range []*timerHeap{&s.timers, &s.bgTimers} {
			if h.Len() > 0 && !(*h)[0].at.After(now) {
				idle = false
			}
		}
		return idle
	})
}
