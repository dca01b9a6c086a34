package engine

import (
	"context"
	"runtime"
	"slices"
	"sync"
)

// group is one step.Parallel or step.Race call: the branches it runs and
// what became of them.
//
// A branch's goroutine starts when the branch first gets the token, not
// before: branches run one at a time in path order, so a group of a
// thousand branches has one goroutine at work and none queued on the
// run's lock, and a branch that never gets the token (the loser of a
// decided race, or any branch of an aborted run) costs nothing.
type group struct {
	run      *Run
	ctx      context.Context
	fn       func(ctx context.Context, i int)
	parent   *branch
	children []branch
	next     int  // first child not started
	replay   bool // memoized steps remain: branches may decode results
	wg       sync.WaitGroup

	race   bool
	winner int  // the first child to return, in a race; -1 until then
	cancel bool // the losers were cancelled when the race was decided

	halted   bool        // a child halted (when no child won a race)
	panicked *PanicError // the first child's panic
}

// parallelState is the run's bookkeeping of its groups.
type parallelState struct {
	open  []*group // groups with children not started yet
	races int      // race groups opened in this run
	raced bool     // a race cancelled its losers: their memoized steps may be left unconsumed
}

// Parallel runs n branches, each on its own goroutine with a ctx naming
// its branch. It returns when every branch has returned or halted. If any
// branch halted, the caller halts too; a panic in a branch is re-raised in
// the caller.
func (r *Run) Parallel(ctx context.Context, n int, fn func(ctx context.Context, i int)) error {
	_, err := r.runGroup(ctx, "step.Parallel", n, false, fn)
	return err
}

// Race runs n branches as Parallel does, but returns as soon as one of
// them returns: the race's winner, whose index it returns. The other
// branches are cancelled: their goroutines end without running more of
// their code, and new steps they reached in this request are not
// reported. When every branch halted before one returned, the caller
// halts; a panic in a branch is re-raised in the caller.
func (r *Run) Race(ctx context.Context, n int, fn func(ctx context.Context, i int)) (int, error) {
	return r.runGroup(ctx, "step.Race", n, true, fn)
}

func (r *Run) runGroup(ctx context.Context, kind string, n int, race bool, fn func(ctx context.Context, i int)) (int, error) {
	if n == 0 {
		return -1, nil
	}
	r.mu.Lock()
	parent := r.branchOf(ctx)
	if err := r.claim(parent, kind, ""); err != nil {
		r.mu.Unlock()
		return -1, err
	}
	g := r.openGroup(ctx, parent, n, race, fn)
	parent.pending = n
	r.release(parent, parked)
	// The parent resumes once every child has ended; see release. When
	// the run is aborted, or the parent lost a race, its children end at
	// once, and so does it.
	if !r.awaitTurn(parent) {
		r.mu.Unlock()
		g.wg.Wait()
		runtime.Goexit()
	}
	r.parallel--
	r.closeGroup(g)
	if g.panicked != nil {
		parent.busy = false
		r.mu.Unlock()
		panic(g.panicked)
	}
	if g.winner < 0 && g.halted {
		r.halt(parent)
	}
	parent.busy = false
	r.mu.Unlock()
	return g.winner, nil
}

// openGroup creates the children of a group. Called with r.mu held.
func (r *Run) openGroup(ctx context.Context, parent *branch, n int, race bool, fn func(ctx context.Context, i int)) *group {
	g := &group{run: r, ctx: ctx, fn: fn, parent: parent, children: make([]branch, n), race: race, winner: -1, replay: r.unused > 0}
	depth := len(parent.path) + 1
	paths := make([]int, n*depth)
	for i := range g.children {
		c := &g.children[i]
		c.path = paths[i*depth : (i+1)*depth : (i+1)*depth]
		copy(c.path, parent.path)
		c.path[depth-1] = i
		c.parent, c.group, c.index = parent, g, i
		c.turn.L = &r.mu
	}
	r.parallel++
	r.branched.Store(true)
	if r.par == nil {
		r.par = &parallelState{}
	}
	if race {
		r.par.races++
	}
	r.par.open = append(r.par.open, g)
	if !g.replay {
		// Each branch is about to report a new step.
		r.ops, r.opKeys = slices.Grow(r.ops, n), slices.Grow(r.opKeys, n)
		r.counts.grow(n)
	}
	return g
}

// closeGroup forgets a group whose parent resumed. Called with r.mu held.
func (r *Run) closeGroup(g *group) {
	for i, o := range r.par.open {
		if o == g {
			r.par.open = append(r.par.open[:i], r.par.open[i+1:]...)
			break
		}
	}
}

// nextUnstarted returns the first child not started of any open group,
// in path order, or nil. Called with r.mu held.
func (r *Run) nextUnstarted() *branch {
	if r.par == nil {
		return nil
	}
	var pick *branch
	for _, g := range r.par.open {
		if g.next < len(g.children) {
			if c := &g.children[g.next]; pick == nil || less(c.path, pick.path) {
				pick = c
			}
		}
	}
	return pick
}

// start starts child c's goroutine, holding the token. Called with r.mu
// held.
func (r *Run) start(c *branch) {
	g := c.group
	g.next++
	c.state = running
	r.holder = c
	r.addLive(c)
	g.wg.Add(1)
	r.mu.spawnLater(c)
}

// spawn starts the goroutine of child b. The goroutine runs the literal
// itself, not a wrapper calling a method: a halting branch unwinds its
// stack, and copies it once, through one frame fewer.
func (r *Run) spawn(b *branch) {
	go func() {
		g := b.group
		if g.replay {
			growStack(0)
		} else {
			growStackSmall(0)
		}
		returned := false
		defer func() {
			p := recover()
			r.mu.Lock()
			switch {
			case p != nil:
				if g.panicked == nil {
					g.panicked = Recovered(p)
				}
			case returned:
				r.checkReturn(b)
				r.decide(b)
			default:
				g.halted = true
			}
			r.release(b, ended)
			r.mu.Unlock()
			g.wg.Done()
		}()
		// start made b the holder before this goroutine existed, and only
		// the holder passes the token on: b runs at once, without taking
		// the lock. A run aborted meanwhile finds b as it finds a branch
		// that was already running: b ends when it next waits for its
		// turn or halts.
		b.ctx = branchCtx{Context: g.ctx, b: b}
		g.fn(&b.ctx, b.index)
		returned = true
	}()
}
