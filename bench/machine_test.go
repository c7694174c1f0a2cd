package bench

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func TestStatusKBReadsALine(t *testing.T) {
	status := []byte("Name:\tx\nVmPeak:\t  2048 kB\nVmHWM:\t    1536 kB\n")
	if v, err := statusKB(status, "VmHWM"); err != nil || v != 1536*1024 {
		t.Fatalf("VmHWM = %d, %v", v, err)
	}
	if _, err := statusKB(status, "VmRSS"); err == nil {
		t.Fatal("a missing line gave no error")
	}
}

// TestProcReadsThisProcess: the peak memory and CPU time of this process
// can be read, and the peak reset.
func TestProcReadsThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	pid := os.Getpid()
	peak, err := PeakRSS(pid)
	if err != nil || peak <= 0 {
		t.Fatalf("peak %d, %v", peak, err)
	}
	if err := ResetPeakRSS(pid); err != nil {
		t.Fatal(err)
	}
	if cpu, err := ProcessCPU(pid); err != nil || cpu < 0 {
		t.Fatalf("CPU %v, %v", cpu, err)
	}
}

// TestProcessTreeCPUCountsDescendants: the CPU of a process's tree counts
// a child that has exited and been waited for (its parent's cutime), which
// the process's own CPU does not.
func TestProcessTreeCPUCountsDescendants(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	// A subshell that spins, then, once it has been waited for, a sleep.
	cmd := exec.CommandContext(t.Context(), "sh", "-c", `(i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done); exec sleep 60`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// exec sleep runs once the subshell has exited and been waited for.
		if name, err := ProcessName(pid); err == nil && name == "sleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the subshell did not end within a minute")
		}
	}
	own, err := ProcessCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := ProcessTreeCPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	if tree < 0.05 || own > tree/2 {
		t.Fatalf("the tree used %.2f s of CPU and the process itself %.2f s: the exited child's time is not counted", tree, own)
	}
	if ppid, err := ParentPid(pid); err != nil || ppid != os.Getpid() {
		t.Fatalf("parent %d (%v), want %d", ppid, err, os.Getpid())
	}
	if _, err := ProcessTreeCPU(1 << 30); err == nil {
		t.Error("no error for a process that does not exist: " + strconv.Itoa(1<<30))
	}
}

func TestSyncWriteLatency(t *testing.T) {
	ms, err := SyncWriteLatency(t.TempDir(), 5)
	if err != nil || ms <= 0 {
		t.Fatalf("%v ms, %v", ms, err)
	}
}
