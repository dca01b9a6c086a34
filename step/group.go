package step

import (
	"context"
	"errors"

	"github.com/durablefn/inngest/internal/stepcall"
)

// Group runs branches whose results have different types, all in
// parallel ([Group.Wait], like [Parallel]) or as a race ([Group.Race],
// like [Race]). Add each branch with [Go], which returns a typed handle
// to its result:
//
//	var g step.Group
//	receipt := step.Go(&g, func(ctx context.Context) (Receipt, error) {
//		return step.Run(ctx, "charge", charge)
//	})
//	points := step.Go(&g, func(ctx context.Context) (int, error) {
//		return step.Run(ctx, "points", award)
//	})
//	if err := g.Wait(ctx); err != nil {
//		return err
//	}
//	ship(receipt.Value(), points.Value())
//
// Branches run when Wait or Race is called, taking turns as Parallel
// describes. The zero Group is empty and ready to use; a Group runs once.
type Group struct {
	fns []func(ctx context.Context)
	hs  []Branch
	err error // the first misuse while adding branches
	ran bool
}

// Branch is a branch of a Group: the *Result[T] that Go returned for it.
// Group.Race returns the branch that won, to compare with those handles.
type Branch interface {
	branchErr() error
	settle(won bool)
}

// Result is the typed result of one branch of a Group, set once the
// Group has run: for every branch after Wait, for the winner only after
// Race.
type Result[T any] struct {
	v        T
	err      error
	returned bool // the branch's function returned in this request
	done     bool
}

func (r *Result[T]) branchErr() error { return r.err }

// settle publishes the branch's outcome once its Group has run. A branch
// that did not win (lost a race) keeps none: a loser may still return in
// a request that does not cancel it at once (a targeted call, until the
// target is found), and would otherwise read as done there and not on
// other requests, so the function would take another path.
func (r *Result[T]) settle(won bool) {
	if won && r.returned {
		r.done = true
		return
	}
	var zero T
	r.v, r.err = zero, nil
}

// Value returns the branch's value once its Group has run: the zero T
// before, and for a branch that lost a race.
func (r *Result[T]) Value() T { return r.v }

// Err returns the branch's error once its Group has run: nil for a branch
// that lost a race (see Done). An error of Go's own (a misuse) is there
// at once.
func (r *Result[T]) Err() error { return r.err }

// Done reports whether the branch returned: every branch after Wait, the
// winner only after Race, on every call of the run (a loser whose steps
// all completed on the server is not done either, so the function takes
// the same path whichever call it runs in).
func (r *Result[T]) Done() bool { return r.done }

// Go adds a branch running fn to g and returns the handle its result will
// be in once g has run. g must not have run yet.
func Go[T any](g *Group, fn func(ctx context.Context) (T, error)) *Result[T] {
	res := &Result[T]{}
	switch {
	case g == nil:
		res.err = stepcall.Invalid("inngest: step.Go needs a *step.Group")
		return res
	case g.ran:
		res.err = stepcall.Invalid("inngest: step.Go was called after its step.Group ran; use a new Group")
	case fn == nil:
		res.err = stepcall.Invalid("inngest: step.Go: branch %d has no function", len(g.fns))
	}
	if res.err != nil {
		if g.err == nil {
			g.err = res.err
		}
		return res
	}
	g.fns = append(g.fns, func(ctx context.Context) {
		res.v, res.err = fn(ctx)
		res.returned = true
	})
	g.hs = append(g.hs, res)
	return res
}

// Wait runs every branch of g, as Parallel does, and returns when all
// have returned, with their errors joined; each handle holds its own.
func (g *Group) Wait(ctx context.Context) error {
	if err := g.start(); err != nil {
		return err
	}
	r, err := runOf(ctx, "step.Group.Wait")
	if err != nil {
		return err
	}
	if err := r.Parallel(ctx, len(g.fns), func(ctx context.Context, i int) { g.fns[i](ctx) }); err != nil {
		return err
	}
	errs := make([]error, len(g.hs))
	for i, h := range g.hs {
		h.settle(true)
		errs[i] = h.branchErr()
	}
	return errors.Join(errs...)
}

// Race runs the branches of g as Race does and returns the first to
// return, with its error; its handle holds its value. The others are
// cancelled.
func (g *Group) Race(ctx context.Context) (Branch, error) {
	if err := g.start(); err != nil {
		return nil, err
	}
	if len(g.fns) == 0 {
		return nil, stepcall.Invalid("inngest: step.Group.Race needs at least one branch")
	}
	r, err := runOf(ctx, "step.Group.Race")
	if err != nil {
		return nil, err
	}
	won, err := r.Race(ctx, len(g.fns), func(ctx context.Context, i int) { g.fns[i](ctx) })
	if err != nil {
		return nil, err
	}
	for i, h := range g.hs {
		h.settle(i == won)
	}
	h := g.hs[won]
	return h, h.branchErr()
}

// start marks g as run, or returns why it cannot run.
func (g *Group) start() error {
	if g.err != nil {
		return g.err
	}
	if g.ran {
		return stepcall.Invalid("inngest: a step.Group runs once; use a new Group")
	}
	g.ran = true
	return nil
}
