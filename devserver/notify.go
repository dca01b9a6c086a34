package devserver

// Changed returns a channel that is closed at the server's next change of
// state (an event, a sync, a step, a run's end), and false once the server
// is closing, when the channel is of no further use. A live view waits on
// the channel, reads what it shows, and calls Changed again:
//
//	for {
//		ch, open := srv.Changed()
//		if !open {
//			return
//		}
//		… read and show …
//		select {
//		case <-ch:
//		case <-ctx.Done():
//			return
//		}
//	}
//
// Changes are coalesced: several may have happened when the channel closes.
func (s *Server) Changed() (<-chan struct{}, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed, !s.closing
}
