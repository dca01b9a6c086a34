package devserver

// Flush commits what the journal holds, as the committer would.
func Flush(s *Server) error { return s.commit() }
