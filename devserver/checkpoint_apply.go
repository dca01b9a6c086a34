package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// applyCheckpoint saves the steps an SDK checkpointed for run runID: each
// new StepRun or Step result is memoized with its timeline entry, and the
// attempts of the run's discovery call in flight start again from 0, as
// the real server resets its queue item's attempts (the call made
// progress). It is one change of the run's state, checked before
// anything is written and made under the server's lock: whole or not at
// all, and committed to the store as one change. A step already saved is left
// as it is, so a checkpoint posted again changes nothing; StepPlanned,
// DeferAdd and DeferAbort ops have nothing to save. It returns what to
// wait for before answering, the change being durable (nil when nothing
// changed), or the HTTP status to answer with.
func (s *Server) applyCheckpoint(runID string, ops []wire.Op) (<-chan struct{}, int, error) {
	s.mu.Lock()
	defer s.unlock()
	r := s.st.run(runID)
	switch {
	case r == nil:
		return nil, http.StatusNotFound, fmt.Errorf("run %s not found", runID)
	case r.ended() || r.cancelling:
		return nil, http.StatusConflict, fmt.Errorf("run %s has ended", runID)
	}
	now := s.clock.Now()
	c := s.discoveryInFlight(r)
	var attempt int
	var took time.Duration
	if c != nil {
		attempt, took = c.it.attempt, now.Sub(c.started)
	}
	saved := false
	for i := range ops {
		op := &ops[i]
		if op.Op != wire.OpStepRun && op.Op != wire.OpStep {
			continue
		}
		if _, done := r.steps[op.ID]; done {
			continue
		}
		data := op.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		if op.Op == wire.OpStep {
			s.memoize(r, op.ID, data) // unwrapped, as in a 206 answer
		} else {
			s.memoize(r, op.ID, wrapData(data))
		}
		name := op.DisplayName
		if name == "" {
			name = op.Name
		}
		r.add(TimelineEntry{At: now, Kind: TimelineStep, StepID: op.ID, Name: name, Attempt: attempt, Duration: took, Detail: "→ " + string(data), Checkpointed: true})
		delete(r.planned, op.ID)
		saved = true
	}
	if !saved {
		return nil, http.StatusOK, nil
	}
	if c != nil {
		c.it.attempt = 0
	}
	s.broadcast()
	return s.durable(), http.StatusOK, nil
}

// discoveryInFlight returns run r's discovery call in flight, the only
// call that checkpoints, or nil. Called with s.mu held.
func (s *Server) discoveryInFlight(r *run) *call {
	if r.discovery != discoveryInFlight {
		return nil
	}
	q := &s.inFlightCalls
	for _, c := range q.items[q.head:] {
		if !c.done && c.it.run == r && c.it.stepID == "" {
			return c
		}
	}
	return nil
}
