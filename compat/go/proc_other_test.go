//go:build !linux

package compat

import (
	"os"
	"os/exec"
)

func setProcAttrs(*exec.Cmd) {}

func interrupt(c *exec.Cmd) { _ = c.Process.Signal(os.Interrupt) }

func kill(c *exec.Cmd) { _ = c.Process.Kill() }
