package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrFunctionGone is returned by Rerun when the run's function is no
// longer synced.
var ErrFunctionGone = errors.New("devserver: the run's function is no longer synced")

// Rerun starts a new run of a run's function with the run's events, and
// returns the new run's ID. The new run meets the function's flow control
// as any run that is due (concurrency, throttle, singleton, cancellation
// rules) but not its rate limit or idempotency key, which would refuse
// the same event a second time. It runs the function as synced now, and
// is listed under the same events.
func (s *Server) Rerun(ctx context.Context, runID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.unlock()
	if s.closing {
		return "", ErrClosed
	}
	old := s.st.run(runID)
	if old == nil {
		return "", fmt.Errorf("%w: %q", ErrRunNotFound, runID)
	}
	fn := s.fns[old.fn.id]
	if fn == nil {
		return "", fmt.Errorf("%w: %s", ErrFunctionGone, old.fn.id)
	}
	events := make([]*eventRecord, len(old.events))
	for i, raw := range old.events {
		var head struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(raw, &head)
		events[i] = &eventRecord{id: old.eventIDs[i], name: head.Name, raw: raw}
	}
	s.fireDue()
	r, why := s.startRun(fn, events, nil, s.clock.Now(), nil)
	if r == nil {
		return "", fmt.Errorf("devserver: rerun of %s skipped by %s", runID, why)
	}
	s.notify()
	return r.id, nil
}
