package devserver

import "github.com/durablefn/inngest/internal/wire"

// Race mode, as the real server has it: a step reported with
// opts.parallelMode "race" calls the function again as soon as it ends,
// even while other planned steps are still running; in the default mode
// the last planned step to end does. Nothing is cancelled: the other
// steps run on, and the SDK decides what their results mean.

// raceState is a run's race-mode steps.
type raceState struct {
	steps map[string]struct{} // steps reported in race mode, not ended
	due   bool                // one of them ended: discovery is due
}

// noteRace remembers that op's step runs in race mode. Called with s.mu
// held.
func noteRace(r *run, op *wire.Op) {
	if !wire.IsRace(op.Opts) {
		return
	}
	if r.race.steps == nil {
		r.race.steps = make(map[string]struct{})
	}
	r.race.steps[op.ID] = struct{}{}
}

// raceEnded marks discovery due when stepID, which just got its result,
// ran in race mode. Called with s.mu held.
func raceEnded(r *run, stepID string) {
	if _, ok := r.race.steps[stepID]; ok {
		delete(r.race.steps, stepID)
		r.race.due = true
	}
}

// raceDue reports, once, that a race-mode step ended since the last
// discovery was asked for. Called with s.mu held.
func raceDue(r *run) bool {
	due := r.race.due
	r.race.due = false
	return due
}
