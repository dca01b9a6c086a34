package devserver

import (
	"encoding/json"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// applyStepOp applies one op that concerns a step not yet memoized. It
// reports whether the run needs a discovery call after the answer, and
// whether to stop reading the answer (the run ended or failed). Called
// with s.mu held.
func (s *Server) applyStepOp(c *call, op *wire.Op, name string, res callResult, now time.Time) (cont, stop bool) {
	it := c.it
	r := it.run
	if r.outstanding[op.ID] != nil && waits(op.Op) {
		return false, false // reported again while it goes on
	}
	switch op.Op {
	case wire.OpStepRun, wire.OpStep, wire.OpStepError, wire.OpStepFailed:
		cont = s.applyStepResult(c, op, name, res, now)
	case wire.OpStepPlanned:
		if _, ok := r.planned[op.ID]; ok {
			return false, false
		}
		if r.planned == nil {
			r.planned = make(map[string]struct{})
		}
		r.planned[op.ID] = struct{}{}
		r.add(TimelineEntry{At: now, Kind: TimelinePlanned, StepID: op.ID, Name: name})
		s.enqueue(r, op.ID, 0, now)
	case wire.OpSleep:
		if err := s.startSleep(r, op, name, now); err != nil {
			s.failRun(r, &wire.UserError{Name: "InvalidSleep", Message: err.Error()})
			return cont, true
		}
	case wire.OpWaitForEvent:
		matched, err := s.startWait(r, op, name, now, c.eventSeq)
		if err != nil {
			s.failRun(r, &wire.UserError{Name: "InvalidWaitForEvent", Message: err.Error()})
			return cont, true
		}
		if matched {
			cont = true
		}
	case wire.OpWaitForSignal:
		if ok, err := s.startSignalWait(r, op, name, now); !ok {
			if err != nil {
				s.failRun(r, &wire.UserError{Name: "InvalidWaitForSignal", Message: err.Error()})
			}
			return cont, true
		}
	case wire.OpInvokeFunction:
		resolved, err := s.startInvoke(r, op, name, now)
		if err != nil {
			s.failRun(r, &wire.UserError{Name: "InvalidInvoke", Message: err.Error()})
			return cont, true
		}
		if resolved {
			cont = true
		}
	case wire.OpGateway, wire.OpAIGateway:
		if err := s.startGateway(c, op, name, now); err != nil {
			s.failRun(r, &wire.UserError{Name: "Invalid" + string(op.Op), Message: err.Error()})
			return cont, true
		}
	case wire.OpRunComplete:
		// The SDK reports the function's result as an op.
		data := op.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		s.completeRun(r, data, res.duration, it.attempt)
		return cont, true
	default:
		s.log.Warn("devserver: ignoring an unknown opcode", "run_id", r.id, "op", string(op.Op))
		if it.stepID != "" && op.ID == it.stepID {
			delete(r.planned, it.stepID)
			cont = true
		}
	}
	return cont, r.ended()
}

// applyStepResult memoizes a step's result or error, or schedules its
// retry. It reports whether the run needs a discovery call. Called with
// s.mu held.
func (s *Server) applyStepResult(c *call, op *wire.Op, name string, res callResult, now time.Time) bool {
	it := c.it
	r := it.run
	switch op.Op {
	case wire.OpStepRun, wire.OpStep:
		data := op.Data
		if len(data) == 0 {
			data = json.RawMessage("null")
		}
		if op.Op == wire.OpStep {
			// The legacy op's data is memoized as sent, as the real
			// server does: SDKs that send it wrap it themselves, or
			// read their results unwrapped.
			s.memoize(r, op.ID, data)
		} else {
			s.memoize(r, op.ID, wrapData(data))
		}
		r.add(TimelineEntry{At: now, Kind: TimelineStep, StepID: op.ID, Name: name, Attempt: it.attempt, Duration: res.duration, Detail: "→ " + string(data)})
		delete(r.planned, op.ID)
		return true
	case wire.OpStepError, wire.OpStepFailed:
		ue := op.Error
		if ue == nil {
			ue = &wire.UserError{Name: "Error", Message: "step failed without an error"}
		}
		final := op.Op == wire.OpStepFailed || ue.NoRetry || res.noRetry || it.attempt+1 >= r.fn.maxAttempts
		if !final {
			at := res.retryAt
			if at.IsZero() || at.Before(now) {
				at = now.Add(s.cfg.Backoff(it.attempt + 1))
			}
			r.add(TimelineEntry{At: now, Kind: TimelineStepError, StepID: op.ID, Name: name, Attempt: it.attempt, Duration: res.duration,
				Detail: ue.Name + ": " + ue.Message + " (retry at +" + at.Sub(r.createdAt).String() + ")"})
			s.enqueue(r, it.stepID, it.attempt+1, at)
			return false
		}
		s.memoize(r, op.ID, wrapError(ue))
		r.add(TimelineEntry{At: now, Kind: TimelineStepFailed, StepID: op.ID, Name: name, Attempt: it.attempt, Duration: res.duration, Detail: ue.Name + ": " + ue.Message})
		delete(r.planned, op.ID)
		return true
	}
	return false
}

// waits reports whether op starts something the run waits on: a sleep, a
// wait, an invoke or a gateway request.
func waits(op wire.Opcode) bool {
	switch op {
	case wire.OpSleep, wire.OpWaitForEvent, wire.OpWaitForSignal, wire.OpInvokeFunction, wire.OpGateway, wire.OpAIGateway:
		return true
	}
	return false
}
