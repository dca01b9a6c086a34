package connect

import "context"

// WaitState waits until w is in state st, or ctx ends.
func WaitState(ctx context.Context, w *Worker, st State) error {
	for {
		w.mu.Lock()
		cur, ch := w.state, w.changed
		w.mu.Unlock()
		if cur == st {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
