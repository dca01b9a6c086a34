package engine

import (
	"context"
	"runtime"
	"sync"

	"github.com/durablefn/inngest/internal/wire"
)

// branch is one goroutine running user code: the function's own, or a
// step.Parallel branch. Only the holder of the run's token runs user code;
// the others wait. The token passes, in branch-path order, whenever its
// holder blocks, so steps are discovered in the same order on every
// request, and repeat indexes (:n) always name the same step.
//
// A branch is also the unit of step ownership: its steps are called one
// at a time, by its own goroutine. busy is set from a step call's start
// until it returns or halts the branch; halted is set when a step stopped
// the branch's goroutine. A step call that finds either set, or a branch
// that returned while either is set, proves that a goroutine other than
// the branch's own called a step (see misuse.go).
type branch struct {
	path    []int
	pos     int     // stack position awaited when state is waitingMemo
	parent  *branch // the branch that started this one in step.Parallel
	pending int     // live children while parked
	liveIx  int     // b's index in r.live while it has not ended
	group   *group  // the group b is a child of; nil for the root
	index   int     // b's index in its group
	// turn wakes the branch when it gets the token (on the run's mu): only
	// the new holder wakes, so passing the token costs the same with 1000
	// branches waiting as with 2.
	turn sync.Cond

	kind    string // the kind ("step.Run") of the branch's latest step
	current string // and its user ID
	state   branchState
	busy    bool // a step call of this branch is in progress
	inCode  bool // that step's own code is running
	// halted is set when a step stopped the branch's goroutine; kind and
	// current then name that step, since no claim succeeds after it.
	halted bool
	ulUsed bool          // ul is taken
	ul     wire.Userland // the userland of the branch's first op
	ctx    branchCtx     // the ctx the branch's code runs with
}

// branchCtx is the ctx of a step.Parallel branch: its group's ctx, naming
// the branch. It is kept in the branch, where context.WithValue would
// allocate once per branch.
type branchCtx struct {
	context.Context
	b *branch
}

// Value returns the branch and its run for their keys, without a walk up
// the parent chain every step call would make, else the parent ctx's
// value. No branch runs inside a step's code (step.Parallel refuses a
// step's ctx), so a branch ctx is never in a step.
func (c *branchCtx) Value(key any) any {
	switch key.(type) {
	case branchKey:
		return c.b
	case ctxKey:
		return c.b.group.run
	case inStepKey:
		return nil
	}
	return c.Context.Value(key)
}

type branchState uint8

const (
	runnable branchState = iota
	running
	waitingMemo // waiting for its memoized step's turn in stack order
	parked      // waiting for its parallel branches to end
	ended
)

func less(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

// branchOf returns the goroutine calling a step. Only the token holder
// runs user code, so the holder is the caller, even when a branch passed
// its parent's ctx. Called with r.mu held.
func (r *Run) branchOf(ctx context.Context) *branch {
	if r.holder != nil {
		return r.holder
	}
	if b, ok := ctx.Value(branchKey{}).(*branch); ok {
		return b
	}
	return &r.root
}

// schedule hands the token to the first runnable branch when nobody holds
// it, starting the goroutine of a branch that has not run yet. When every live branch waits for a memoized step that is not next in
// the stack, the code changed: the earliest awaited step goes next (§5.4).
// Called with r.mu held.
func (r *Run) schedule() {
	if r.holder != nil {
		return
	}
	var pick, earliest *branch
	for _, b := range r.live {
		switch b.state {
		case runnable:
			if pick == nil || less(b.path, pick.path) {
				pick = b
			}
		case waitingMemo:
			if earliest == nil || b.pos < earliest.pos {
				earliest = b
			}
		}
	}
	if c := r.nextUnstarted(); c != nil && !r.aborted && (pick == nil || less(c.path, pick.path)) {
		r.start(c)
		return
	}
	if pick == nil && earliest != nil {
		// After a race cancelled its losers, the steps they would have
		// consumed are skipped here: not a change of code.
		if !r.warned && !r.raced() {
			r.warned = true
			r.in.Logger.Warn("inngest: memoized steps were reached out of their recorded order; the function's code appears to have changed mid-run or is non-deterministic",
				"expected_step", safeIndex(r.in.Stack, r.next))
		}
		r.next = earliest.pos
		earliest.state = runnable
		pick = earliest
	}
	if pick != nil {
		r.holder = pick
		r.mu.wakeLater(pick)
	}
}

// acquire waits for b's turn to run. Called with r.mu held; Goexits when
// the run was aborted.
func (r *Run) acquire(b *branch) {
	if b.state != waitingMemo {
		b.state = runnable
	}
	r.schedule()
	if !r.awaitTurn(b) {
		r.mu.Unlock()
		runtime.Goexit()
	}
}

// awaitTurn waits until b holds the token, and makes it running. It
// reports false, with b holding nothing, when the run was aborted or b
// lost a race meanwhile: b must end. Called with r.mu held.
func (r *Run) awaitTurn(b *branch) bool {
	for r.holder != b && !r.aborted && !r.lost(b) {
		b.turn.Wait()
	}
	if r.aborted || r.lost(b) {
		if r.holder == b {
			r.holder = nil
		}
		return false
	}
	b.state = running
	return true
}

// release gives up the token, leaving b in state st. Called with r.mu held.
func (r *Run) release(b *branch, st branchState) {
	b.state = st
	if r.holder == b {
		r.holder = nil
	}
	if st == ended {
		r.dropLive(b)
		if p := b.parent; p != nil {
			p.pending--
			if p.pending == 0 && p.state == parked {
				// The parent resumes next, before any recovery.
				p.state = runnable
			}
		}
	}
	r.schedule()
}

// waitTurn blocks until pos is the next stack position. While it waits,
// other branches run; see schedule for the recovery when code changed.
// Called with r.mu held.
func (r *Run) waitTurn(b *branch, pos int) {
	if pos == r.next {
		return
	}
	b.pos = pos
	r.release(b, waitingMemo)
	r.acquire(b)
}

// wakeNext makes the branch awaiting the next stack position runnable.
// Called with r.mu held.
func (r *Run) wakeNext() {
	for _, b := range r.live {
		if b.state == waitingMemo && b.pos == r.next {
			b.state = runnable
		}
	}
}

func safeIndex(s []string, i int) string {
	if i >= 0 && i < len(s) {
		return s[i]
	}
	return ""
}

// exit ends branch b; returned says whether its code returned rather
// than halted or panicked.
func (r *Run) exit(b *branch, returned bool) {
	r.mu.Lock()
	if returned {
		r.checkReturn(b)
	}
	r.release(b, ended)
	r.mu.Unlock()
}

// addLive and dropLive keep r.live, the branches that have not ended, in
// no particular order: removing one swaps the last into its place, so a
// thousand branches ending cost a thousand steps, not half a million.
// Called with r.mu held.
func (r *Run) addLive(b *branch) {
	b.liveIx = len(r.live)
	r.live = append(r.live, b)
}

func (r *Run) dropLive(b *branch) {
	last := r.live[len(r.live)-1]
	r.live[b.liveIx], last.liveIx = last, b.liveIx
	r.live[len(r.live)-1] = nil
	r.live = r.live[:len(r.live)-1]
}
