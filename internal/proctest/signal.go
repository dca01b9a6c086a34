//go:build unix

// Package proctest helps tests that run a program of the module as a
// child process.
package proctest

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RequireSecondSignalKills sends p SIGTERM, then SIGINT again and again
// (the first may come before the program took the SIGTERM) until it
// exits, as exited reports, and fails t unless SIGINT killed it: the first
// signal starts a graceful shutdown, and a second one must end the
// process at once.
func RequireSecondSignalKills(t testing.TB, p *os.Process, exited <-chan error) {
	t.Helper()
	require.NoError(t, p.Signal(syscall.SIGTERM))
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var werr error
	for ended := false; !ended; {
		select {
		case werr = <-exited:
			ended = true
		case <-tick.C:
			_ = p.Signal(os.Interrupt)
		}
	}
	var ee *exec.ExitError
	require.True(t, errors.As(werr, &ee), "exit: %v", werr)
	ws := ee.Sys().(syscall.WaitStatus)
	require.True(t, ws.Signaled(), "the process ended by itself (%v), not by the second signal", werr)
	require.Equal(t, syscall.SIGINT, ws.Signal())
}
