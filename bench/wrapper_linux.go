package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
)

// RunProviderWrapper runs the real provider with args and returns the exit
// code to exit with (see ProviderExecEnv).
func RunProviderWrapper(args []string) int {
	providerPath, dir := os.Getenv(ProviderExecEnv), os.Getenv(ProviderPeakDirEnv)
	if providerPath == "" || dir == "" {
		fmt.Fprintf(os.Stderr, "benchdriver: as %s, it needs %s and %s\n", ProviderBinaryName, ProviderExecEnv, ProviderPeakDirEnv)
		return 2
	}
	// Pdeathsig is tied to the thread that starts the child: keep this
	// goroutine on it, so that the provider dies with the wrapper even if
	// Terraform kills the wrapper.
	runtime.LockOSThread()
	// Terraform ends the provider over gRPC, or by killing the wrapper.
	cmd := exec.CommandContext(context.Background(), providerPath, args...) //nolint:gosec // G204: the provider binary the harness built
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Terraform stops a provider over gRPC; a plugin ignores SIGINT (the
	// user's Ctrl-C reaches the whole process group), and so does the wrapper.
	signal.Ignore(os.Interrupt)
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "benchdriver: start the provider: %v\n", err)
		return 1
	}
	go func() {
		for s := range terms {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		// ru_maxrss is in kilobytes on Linux.
		p := ProviderProcess{PeakBytes: ru.Maxrss * 1024, CPUSeconds: seconds(ru.Utime) + seconds(ru.Stime)}
		name := filepath.Join(dir, strconv.Itoa(cmd.Process.Pid)+".peak")
		if werr := os.WriteFile(name, []byte(formatProviderProcess(p)), 0o600); werr != nil { //nolint:gosec // G703: the harness's folder, from its environment
			fmt.Fprintf(os.Stderr, "benchdriver: record the provider's peak memory: %v\n", werr)
		}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return max(exit.ExitCode(), 1)
	}
	if err != nil {
		return 1
	}
	return 0
}

func seconds(tv syscall.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
