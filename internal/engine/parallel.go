package engine

import (
	"context"
	"sync"
)

// Parallel runs n branches concurrently, each on its own goroutine with a
// ctx naming its branch. It returns when every branch has returned or
// halted. If any branch halted, the caller halts too; a panic in a branch
// is re-raised in the caller.
func (r *Run) Parallel(ctx context.Context, n int, fn func(ctx context.Context, i int)) error {
	if n == 0 {
		return nil
	}
	r.mu.Lock()
	parent := r.branchOf(ctx)
	if err := r.claim(parent, "step.Parallel", ""); err != nil {
		r.mu.Unlock()
		return err
	}
	r.parallel++
	children := make([]*branch, n)
	for i := range children {
		path := make([]int, len(parent.path)+1)
		copy(path, parent.path)
		path[len(parent.path)] = i
		children[i] = &branch{path: path, state: runnable, parent: parent}
		children[i].turn.L = &r.mu
		r.addLive(children[i])
	}
	parent.pending = n
	r.release(parent, parked)
	r.mu.Unlock()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		halted   bool
		panicked *PanicError
	)
	wg.Add(n)
	for i := 0; i < n; i++ {
		b := children[i]
		bctx := context.WithValue(ctx, branchKey{}, b)
		go func(i int) {
			growStack(0)
			completed := false
			defer wg.Done()
			defer func() { r.exit(b, completed) }()
			defer func() {
				p := recover()
				mu.Lock()
				defer mu.Unlock()
				if p != nil {
					panicked = asPanicError(p)
					return
				}
				if !completed {
					halted = true
				}
			}()
			r.mu.Lock()
			r.acquire(b)
			r.mu.Unlock()
			fn(bctx, i)
			completed = true
		}(i)
	}
	wg.Wait()

	r.mu.Lock()
	r.parallel--
	r.acquire(parent)
	if panicked != nil {
		parent.busy = false
		r.mu.Unlock()
		panic(panicked)
	}
	if halted {
		r.halt(parent)
	}
	parent.busy = false
	r.mu.Unlock()
	return nil
}
