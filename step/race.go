package step

import (
	"context"

	"github.com/durablefn/inngest/internal/stepcall"
)

// Race runs fns as parallel branches, the Go form of Promise.race: it
// returns as soon as one branch returns, with that branch's index, its
// value and its error. A branch that fails first wins too; to wait for
// the first success, handle errors inside the branches.
//
// Which branch wins is decided by the order in which steps complete on
// the server. Each step a racing branch reaches is reported in race mode,
// so the server calls the function again as soon as any of them ends,
// instead of when all have; the branch whose steps completed first
// returns first, on that call and every later one. A branch that returns
// without reaching a new step wins at once, the first in order winning a
// tie.
//
// Once a branch has won, the others are cancelled: their code does not
// run again after Race returns, and steps they had not reported are never
// started. Steps of theirs already running on the server finish there and
// are ignored, so the run may keep them in flight for a while; make their
// step IDs unique within the function. Steps called after Race by the
// function itself are not in race mode.
//
// Race is useful to take the first of several answers, or to bound a
// wait with a sleep of your own.
func Race[T any](ctx context.Context, fns ...func(ctx context.Context) (T, error)) (int, T, error) {
	var zero T
	r, err := runOf(ctx, "step.Race")
	if err != nil {
		return -1, zero, err
	}
	if len(fns) == 0 {
		return -1, zero, stepcall.Invalid("inngest: step.Race needs at least one branch")
	}
	for i, fn := range fns {
		if fn == nil {
			return -1, zero, stepcall.Invalid("inngest: step.Race: branch %d is nil", i)
		}
	}
	out := make([]T, len(fns))
	errs := make([]error, len(fns))
	won, err := r.Race(ctx, len(fns), func(ctx context.Context, i int) {
		out[i], errs[i] = fns[i](ctx)
	})
	if err != nil {
		return -1, zero, err
	}
	return won, out[won], errs[won]
}
