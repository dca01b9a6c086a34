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
