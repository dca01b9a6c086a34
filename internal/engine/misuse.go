package engine

import (
	"errors"
	"fmt"

	"github.com/durablefn/inngest/internal/wire"
)

// ErrMisuse is matched (errors.Is) by every error a step returns because
// it was called where steps cannot run.
var ErrMisuse = errors.New("step misuse")

// MisuseError is a step called where it cannot run: from a goroutine other
// than the function's own or a step.Parallel branch, concurrently with
// another step of the same branch, inside another step's code, or after
// the function returned. Such a call would hand memoized results to the
// wrong step, so it fails the whole run, without retries.
type MisuseError struct {
	Kind   string // "step.Run", …
	StepID string // the user's step ID; "" for step.Parallel
	reason string
}

func (e *MisuseError) Error() string {
	if e.StepID == "" {
		return fmt.Sprintf("inngest: %s %s", e.Kind, e.reason)
	}
	return fmt.Sprintf("inngest: %s(%q) %s", e.Kind, e.StepID, e.reason)
}

// Is reports whether target is ErrMisuse.
func (e *MisuseError) Is(target error) bool { return target == ErrMisuse }

const useParallel = "steps must be called one at a time from the function's own goroutine; to run steps concurrently, use step.Parallel"

// claim starts a step call on branch b, or returns the misuse it proves.
// Only b's own goroutine may call b's steps, one at a time; that cannot be
// seen directly in Go, but its violations can: a call while another of b's
// steps is in progress, a call after a step stopped b's goroutine (the
// caller is then some other goroutine), a call after the function
// returned. The check costs a few loads under r.mu, which the step call
// takes anyway. Called with r.mu held.
func (r *Run) claim(b *branch, kind, stepID string) error {
	var reason string
	switch {
	case r.finished || (b.state == ended && b.parent == nil):
		reason = "was called after the function returned, from a goroutine it started; " + useParallel
	case b.busy && b.inCode:
		reason = fmt.Sprintf("was called inside step %q's code, or from another goroutine while it ran: steps cannot be nested, and %s", b.current, useParallel)
	case b.busy:
		reason = fmt.Sprintf("was called while step %q was still being called, from another goroutine: %s", b.current, useParallel)
	case b.halted:
		reason = fmt.Sprintf("was called after step %q had stopped the goroutine it belongs to, so it was called from another goroutine: %s", b.current, useParallel)
	case b.state == ended:
		reason = "was called after its step.Parallel branch returned, from a goroutine the branch started; " + useParallel
	default:
		b.busy, b.kind, b.current = true, kind, stepID
		return nil
	}
	e := &MisuseError{Kind: kind, StepID: stepID, reason: reason}
	r.misused(e)
	return e
}

// refuse fails the run for e, a step of branch b that cannot go on, ends
// that step call and returns e for the step to return. Called with r.mu
// held.
func (r *Run) refuse(b *branch, e *MisuseError) error {
	b.busy = false
	r.misused(e)
	return e
}

// fromGoroutine is the misuse of a new step called from a goroutine the
// function started.
func fromGoroutine(kind, stepID string) *MisuseError {
	return &MisuseError{Kind: kind, StepID: stepID, reason: "was called from a goroutine the function started: " + useParallel}
}

// idClash is the misuse of a call of step id that shares its saved result
// with another step (see stepCounts.clash).
func idClash(kind, id, explicit, base string) *MisuseError {
	return &MisuseError{Kind: kind, StepID: id, reason: fmt.Sprintf(
		"is saved under the same ID as another step: a step ID used again is saved as %q, %q, …, so step %q and a repeat of step %q would each get the other's saved result; rename step %q",
		base+":1", base+":2", explicit, base, explicit)}
}

// checkReturn fails the run when branch b's code returned although one of
// its steps stopped a goroutine or is still being called: that step ran on
// a goroutine other than b's own. Called with r.mu held.
func (r *Run) checkReturn(b *branch) {
	who := "the function"
	if b.parent != nil {
		who = "a step.Parallel branch"
	}
	switch {
	case b.busy:
		r.misused(&MisuseError{Kind: b.kind, StepID: b.current, reason: fmt.Sprintf("was still being called when %s returned, so it was called from a goroutine it started: %s", who, useParallel)})
	case b.halted:
		r.misused(&MisuseError{Kind: b.kind, StepID: b.current, reason: fmt.Sprintf("stopped its goroutine, yet %s went on and returned, so the step was called from a goroutine it started: %s", who, useParallel)})
	}
}

// misused records a misuse as the run's fatal failure. Called with r.mu
// held.
func (r *Run) misused(e *MisuseError) {
	if r.finished {
		// The answer may be on its way already: say it loudly.
		r.in.Logger.Error(e.Error())
	}
	r.fail(&Failure{Error: wire.UserError{Name: "StepMisuse", Message: e.Error()}, NoRetry: true})
}

// fail records f as the run's fatal failure, unless one is recorded.
// Called with r.mu held.
func (r *Run) fail(f *Failure) {
	if r.fatal == nil {
		r.fatal = f
	}
}

// Fail ends the run for good with f, whatever the function does next:
// for example when a memoized result cannot be used.
func (r *Run) Fail(f *Failure) {
	r.mu.Lock()
	r.fail(f)
	r.mu.Unlock()
}

// finish marks the function as returned and returns the run's fatal
// failure, if any. A branch still stopped but not ended means its step was
// called from a goroutine that is not the branch's own, while the branch's
// goroutine went on (and never returned).
func (r *Run) finish() *Failure {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.live {
		if b.halted {
			r.misused(&MisuseError{Kind: b.kind, StepID: b.current,
				reason: "stopped its goroutine, yet the goroutine it belongs to went on and never returned, so the step was called from another goroutine: " + useParallel})
			break
		}
	}
	r.finished = true
	return r.fatal
}
