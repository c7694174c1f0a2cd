//go:build !unix

package bench

import "os/exec"

func ownProcessGroup(*exec.Cmd) {}

// signalGroup ends cmd alone: there are no process groups to signal.
func signalGroup(cmd *exec.Cmd, _ bool) { _ = cmd.Process.Kill() }
