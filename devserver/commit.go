package devserver

import (
	"context"
	"fmt"
	"time"

	"github.com/durablefn/inngest/devserver/store"
)

// The committer makes the journal durable. It takes everything collected
// since its last commit as one change and applies it in one transaction:
// while one commit is written, the next collects, so a store's fixed cost
// per transaction (an fsync) is shared by every change made meanwhile —
// group commit. Durability costs latency, not throughput.

// unsentChange is a change taken from the journal and not yet applied,
// with the channel to close once it is.
type unsentChange struct {
	c    *store.Change
	done chan struct{}
}

// commitLoop commits whenever the journal has something, until Close,
// which makes the last commit itself (flush). A store that fails is
// retried with backoff: nothing waiting for durability is told it has it
// before it does, and no change is dropped.
func (s *Server) commitLoop() {
	defer s.loops.Done()
	const first = 10 * time.Millisecond
	wait := first
	var retry <-chan time.Time
	for {
		select {
		case <-s.j.wake:
		case <-retry:
		case <-s.done:
			return
		}
		retry = nil
		if err := s.commit(); err != nil {
			s.log.Error("devserver: the store refused a change; retrying", "error", err, "retry_in", wait.String())
			retry = time.After(wait)
			wait = min(wait*2, 5*time.Second)
			continue
		}
		wait = first
	}
}

// commit applies, in order, every change not yet applied and what the
// journal holds now.
func (s *Server) commit() error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.mu.Lock()
	c, done := s.j.take()
	s.mu.Unlock()
	s.unsent = append(s.unsent, unsentChange{c, done})
	for len(s.unsent) > 0 {
		u := s.unsent[0]
		if !u.c.Empty() {
			if err := s.cfg.Store.Apply(context.Background(), u.c); err != nil {
				return err
			}
		}
		close(u.done)
		s.unsent[0] = unsentChange{}
		s.unsent = s.unsent[1:]
	}
	return nil
}

// flush commits what is left at Close, retrying until ctx ends.
func (s *Server) flush(ctx context.Context) error {
	if s.j == nil {
		return nil
	}
	wait := 10 * time.Millisecond
	for {
		err := s.commit()
		if err == nil {
			return nil
		}
		s.log.Error("devserver: the store refused the last change; retrying", "error", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("devserver: the last changes were not stored: %w", err)
		}
		wait = min(wait*2, time.Second)
	}
}

// durable returns a channel closed once every change made so far is
// durable; it is closed already without a store. Called with s.mu held.
func (s *Server) durable() <-chan struct{} {
	if s.j == nil {
		return closedChan
	}
	s.j.signal()
	return s.j.done
}

var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// awaitDurable waits for ch, or ctx.
func awaitDurable(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
