package engine

import "sync"

// runMutex is the run's lock. It also passes the token: the branch that
// schedule chose is woken, or its goroutine started, only once the lock is
// released. A branch woken while its waker still holds the lock would,
// on another processor, block on the lock at once and have to be woken a
// second time; handing over after the unlock costs one wake-up, not two
// (measured by handler's BenchmarkParallelDiscovery with GOMAXPROCS > 1).
type runMutex struct {
	m     sync.Mutex
	wake  *branch // to signal once unlocked
	spawn *branch // to start once unlocked
}

// Lock locks the run.
func (l *runMutex) Lock() { l.m.Lock() }

// Unlock unlocks the run, then hands the token over.
func (l *runMutex) Unlock() {
	w, s := l.wake, l.spawn
	l.wake, l.spawn = nil, nil
	l.m.Unlock()
	if s != nil {
		s.group.run.spawn(s)
	}
	if w != nil {
		w.turn.Signal()
	}
}

// wakeLater signals b once the lock is released. Called with the lock
// held.
func (l *runMutex) wakeLater(b *branch) {
	if l.wake != nil && l.wake != b {
		l.wake.turn.Signal() // a second hand-over in one critical section
	}
	l.wake = b
}

// spawnLater starts b's goroutine once the lock is released. Called with
// the lock held.
func (l *runMutex) spawnLater(b *branch) {
	if l.spawn != nil {
		l.spawn.group.run.spawn(l.spawn)
	}
	l.spawn = b
}
