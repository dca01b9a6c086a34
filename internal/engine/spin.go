package engine

// The request's goroutine and the function's goroutine hand over often and
// briefly; these two keep each hand-over cheap.

import (
	"runtime"
	"sync/atomic"
)

// spinTurns is how many times Execute yields its processor, polling, before
// it blocks to wait for user code.
const spinTurns = 64

// poll reports whether done closed within spinTurns yields of the
// processor. A replay that needs no I/O finishes within them, and the
// request's goroutine then never parks, which saves waking a thread to run
// it again (measured by handler's BenchmarkCall). Yielding runs whatever
// else is runnable, user code first, so on a busy machine polling only
// costs a few scheduler passes.
func poll(done <-chan struct{}, branched *atomic.Bool) bool {
	for range spinTurns {
		if branched.Load() {
			// Parallel branches take far longer than a few yields.
			return false
		}
		select {
		case <-done:
			return true
		default:
		}
		runtime.Gosched()
	}
	return false
}

// growStack grows the calling goroutine's stack to 16 KB in one step while
// it is shallow. User code runs on a fresh goroutine whose stack starts
// small; replaying a step decodes JSON, and encoding/json recurses deep
// enough to double the stack two or three times, each time copying every
// frame and adjusting its pointers. One copy of one shallow frame is far
// cheaper (measured by handler's BenchmarkCall). The large frame is what
// makes the runtime grow the stack to fit it; the result is never used.
//
//go:noinline
func growStack(i int) byte {
	var frame [8 << 10]byte
	frame[i&(len(frame)-1)] = 1 // an index the compiler cannot see keeps the frame
	return frame[(i+1)&(len(frame)-1)]
}

// growStackSmall grows the calling goroutine's stack to 4 KB in one step
// while it is shallow: enough for a branch that only reaches new steps,
// which decodes nothing (measured by handler's
// BenchmarkParallelDiscovery), at a quarter of growStack's cost.
//
//go:noinline
func growStackSmall(i int) byte {
	var frame [1536]byte
	frame[i%len(frame)] = 1
	return frame[(i+1)%len(frame)]
}
