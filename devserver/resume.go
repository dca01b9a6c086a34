package devserver

import (
	"cmp"
	"maps"
	"slices"

	"github.com/durablefn/inngest/internal/wire"
)

// resumeRuns re-arms each restored running run as it was when it was
// stored: its cancellation rules and timeouts, its sleeps, waits and
// invokes, its planned steps, and its calls, which are made again (those
// in flight at a crash too). Called with s.mu held.
func (s *Server) resumeRuns(states map[*run]*runState, all map[string]*run) {
	runs := slices.SortedFunc(maps.Keys(states), func(a, b *run) int { return cmp.Compare(a.id, b.id) })
	now := s.clock.Now()
	for _, r := range runs {
		st := states[r]
		r.j = s.j
		if s.fns[r.fn.id] != r.fn {
			s.failRun(r, &wire.UserError{Name: "FunctionNotFound", Message: "the function " + r.fn.id + " is no longer synced"})
			continue
		}
		s.armRules(r)
		if !r.startedAt.IsZero() {
			s.startFinishTimeout(r)
		}
		again := s.resumePending(r, st, all)
		for _, id := range st.Planned {
			if r.planned == nil {
				r.planned = make(map[string]struct{})
			}
			r.planned[id] = struct{}{}
		}
		for _, c := range st.Calls {
			s.enqueue(r, c.StepID, c.Attempt, c.At)
		}
		switch {
		case st.Cancelling:
			// The call it waited for died with the server.
			s.finishCancel(r)
		case st.Throttled != "" && r.fn.throttle != nil:
			s.throttle(r, st.Throttled, r.fn.throttle, now)
		case again || len(st.Calls)+len(r.outstanding)+len(r.planned) == 0:
			s.requestDiscovery(r)
		}
	}
}

// resumePending re-arms r's sleeps, waits and invokes. It reports whether
// r needs a discovery call: a gateway request in flight is not resumed but
// made again, when the SDK reports its op again. Called with s.mu held.
func (s *Server) resumePending(r *run, st *runState, all map[string]*run) (again bool) {
	for _, ps := range st.Pending {
		p := &pending{kind: ps.Kind, name: ps.Name, started: ps.Started, until: ps.Until}
		switch ps.Kind {
		case wire.OpSleep:
			r.setOutstanding(ps.StepID, p)
			s.armSleep(r, ps.StepID, p)
		case wire.OpWaitForEvent:
			p.pause = &pause{kind: pauseWait, run: r, stepID: ps.StepID, name: ps.Name, event: ps.Event, started: ps.Started}
			if ps.If != "" {
				e, err := s.exprs.Compile(ps.If)
				if err != nil {
					again = true
					continue
				}
				p.pause.expr = e
			}
			r.setOutstanding(ps.StepID, p)
			s.armWait(r, ps.StepID, p)
		case wire.OpInvokeFunction:
			child := all[ps.Child]
			link := &invokeLink{parent: r, stepID: ps.StepID}
			if child != nil && child.parent != nil && child.parent.parent == r {
				link = child.parent
			}
			p.child = child
			r.setOutstanding(ps.StepID, p)
			s.armInvoke(r, ps.StepID, p, link)
		case wire.OpWaitForSignal:
			// The last wait restored for a signal holds it, as the last
			// one filed did (a wait that replaced another).
			w := &signalWait{signal: ps.Signal, run: r, stepID: ps.StepID, name: ps.Name, started: ps.Started, expires: ps.Until}
			s.signals.put(w, true)
			s.armSignalWait(w)
		default:
			again = true
		}
	}
	return again
}
