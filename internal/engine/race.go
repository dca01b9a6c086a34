package engine

import "github.com/durablefn/inngest/internal/wire"

// A race (step.Race) is decided by the first of its branches to return.
// Branches take turns in a fixed order and memoized steps are handed back
// in the order they completed on the server, so the winner is the same on
// every request that has its result: the branch whose steps completed
// first. Each op a race branch reports carries opts.parallelMode "race",
// so the server calls the function again as soon as any of them ends
// rather than when all have.
//
// Once decided, the losers are cancelled: their goroutines end at their
// next turn without running more of their code, and the new steps they
// reached in this request are withdrawn (the results of steps run in this
// request are kept). Their steps already running on the server finish,
// and are ignored. In a targeted call the losers are cancelled only once
// the target was found, since it may be one of theirs.

// decide makes b the winner of its race, if b's group is a race that has
// none. Called with r.mu held, when b returned.
func (r *Run) decide(b *branch) {
	g := b.group
	if !g.race || g.winner >= 0 {
		return
	}
	g.winner = b.index
	if r.in.TargetHash != "" && !r.targetFound {
		return
	}
	g.cancel = true
	r.par.raced = true
	// Children of the race and of any group under a loser that have not
	// started never will.
	for _, o := range r.par.open {
		if o == g || r.lost(o.parent) {
			o.parent.pending -= len(o.children) - o.next
			o.next = len(o.children)
		}
	}
	for _, l := range r.live {
		if r.lost(l) {
			l.turn.Broadcast()
		}
	}
}

// lost reports whether b, or a branch it runs under, lost a race whose
// losers were cancelled. Called with r.mu held.
func (r *Run) lost(b *branch) bool {
	if r.par == nil || r.par.races == 0 {
		return false
	}
	for ; b.group != nil; b = b.parent {
		if g := b.group; g.cancel && g.winner != b.index {
			return true
		}
	}
	return false
}

// racing reports whether b runs in a race, itself or under a branch that
// does. Called with r.mu held.
func racing(b *branch) bool {
	for ; b.group != nil; b = b.parent {
		if b.group.race {
			return true
		}
	}
	return false
}

// raceOps withdraws the ops of cancelled losers that report new steps,
// and marks the ops of race branches with the race parallel mode. Called
// with r.mu held, once the function returned or halted.
func (r *Run) raceOps() {
	if r.par == nil || r.par.races == 0 {
		return
	}
	n := 0
	for i, op := range r.ops {
		k := r.opKeys[i]
		if r.lost(k.b) && !isResult(op.Op) {
			continue
		}
		if racing(k.b) {
			op.Opts = wire.WithRaceMode(op.Opts)
		}
		r.ops[n], r.opKeys[n] = op, k
		n++
	}
	clear(r.ops[n:])
	r.ops, r.opKeys = r.ops[:n], r.opKeys[:n]
}

// isResult reports whether op reports the outcome of code run in this
// request, which is never withdrawn.
func isResult(op wire.Opcode) bool {
	return op == wire.OpStepRun || op == wire.OpStepError || op == wire.OpStepFailed
}

// raced reports whether a race cancelled its losers in this run. Called
// with r.mu held.
func (r *Run) raced() bool { return r.par != nil && r.par.raced }
