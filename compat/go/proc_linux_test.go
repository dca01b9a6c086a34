package compat

import (
	"os/exec"
	"syscall"
)

// setProcAttrs puts the process in its own group, so that stopping it
// stops anything it started, and has the kernel kill it if this test
// process dies first.
func setProcAttrs(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func interrupt(c *exec.Cmd) { _ = syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }

func kill(c *exec.Cmd) { _ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }

// cpuTime is the process's user and system CPU time so far, in ns: on a
// shared machine it varies less than wall time, and it leaves out time
// spent waiting for a processor.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
