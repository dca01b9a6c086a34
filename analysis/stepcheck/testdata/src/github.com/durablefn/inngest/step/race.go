package step

import "context"

func Race[T any](ctx context.Context, fns ...func(ctx context.Context) (T, error)) (int, T, error) {
	var zero T
	for i, fn := range fns {
		v, err := fn(ctx)
		return i, v, err
	}
	return -1, zero, nil
}

type Group struct{ fns []func(ctx context.Context) }

type Branch interface{ branchErr() error }

type Result[T any] struct {
	v   T
	err error
}

func (r *Result[T]) branchErr() error { return r.err }

func (r *Result[T]) Value() T { return r.v }

func (r *Result[T]) Err() error { return r.err }

func (r *Result[T]) Done() bool { return true }

func Go[T any](g *Group, fn func(ctx context.Context) (T, error)) *Result[T] {
	res := &Result[T]{}
	g.fns = append(g.fns, func(ctx context.Context) { res.v, res.err = fn(ctx) })
	return res
}

func (g *Group) Wait(ctx context.Context) error {
	for _, fn := range g.fns {
		fn(ctx)
	}
	return nil
}

func (g *Group) Race(ctx context.Context) (Branch, error) { return nil, g.Wait(ctx) }
