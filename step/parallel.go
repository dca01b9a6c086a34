package step

import (
	"context"
	"errors"

	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/stepcall"
)

// runOf returns the run a parallel call's ctx belongs to.
func runOf(ctx context.Context, kind string) (*engine.Run, error) {
	r, err := engine.FromContext(ctx, kind, "")
	if errors.Is(err, engine.ErrNotInFunction) {
		return nil, stepcall.Invalid("inngest: %s %w", kind, err)
	}
	return r, err
}

// Parallel runs fns as parallel branches, the Go form of Promise.all: the
// steps they reach are reported together and run in parallel on the
// server. It returns every result in order, and the errors of failed
// branches joined (errors.Is and errors.As see each).
//
// Within one call request the branches take turns: one runs until it
// reaches a step, then the next, in order. That keeps the order in which
// steps are found the same on every request, which replay needs. So code
// outside steps does not run concurrently across branches, and branches
// must not wait on each other (a branch blocked on a channel another
// branch would feed never gets it). Put slow work in steps.
//
// Each branch should use the ctx it is given.
func Parallel[T any](ctx context.Context, fns ...func(ctx context.Context) (T, error)) ([]T, error) {
	r, err := runOf(ctx, "step.Parallel")
	if err != nil {
		return nil, err
	}
	out := make([]T, len(fns))
	errs := make([]error, len(fns))
	err = r.Parallel(ctx, len(fns), func(ctx context.Context, i int) {
		if fns[i] == nil {
			errs[i] = stepcall.Invalid("inngest: step.Parallel: branch %d is nil", i)
			return
		}
		out[i], errs[i] = fns[i](ctx)
	})
	if err != nil {
		return nil, err
	}
	return out, errors.Join(errs...)
}

// Parallel2 runs two branches of different result types concurrently.
func Parallel2[A, B any](ctx context.Context, fa func(ctx context.Context) (A, error), fb func(ctx context.Context) (B, error)) (A, B, error) {
	var (
		a    A
		b    B
		errA error
		errB error
	)
	_, err := Parallel(ctx,
		func(ctx context.Context) (struct{}, error) { a, errA = fa(ctx); return struct{}{}, nil },
		func(ctx context.Context) (struct{}, error) { b, errB = fb(ctx); return struct{}{}, nil },
	)
	if err != nil {
		return a, b, err
	}
	return a, b, errors.Join(errA, errB)
}
