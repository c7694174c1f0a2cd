package bench

import (
	"os"
	"runtime"
	"testing"
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

func TestSyncWriteLatency(t *testing.T) {
	ms, err := SyncWriteLatency(t.TempDir(), 5)
	if err != nil || ms <= 0 {
		t.Fatalf("%v ms, %v", ms, err)
	}
}
