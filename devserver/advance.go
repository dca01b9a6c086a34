package devserver

import (
	"fmt"
	"time"
)

// Advance moves the server's virtual clock forward by d, firing every
// timer it passes in order: sleeps, wait timeouts, retry delays,
// flow-control windows and each cron tick (a cron misses none; see the
// package doc's Cron section). It returns at once; use WaitIdle to wait
// for what the timers started. It fails with an error on a server whose
// Config.Clock is not a *VirtualClock, and for a negative d.
func (s *Server) Advance(d time.Duration) error {
	vc, ok := s.clock.(*VirtualClock)
	if !ok {
		return fmt.Errorf("devserver: Advance needs a virtual clock (Config.Clock: devserver.NewVirtualClock(start)); this server runs on %T", s.clock)
	}
	if d < 0 {
		return fmt.Errorf("devserver: Advance(%s): the clock cannot go back", d)
	}
	vc.Advance(d)
	return nil
}
