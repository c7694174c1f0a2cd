package bench

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// wrapperTestEnv makes the test binary run as the provider wrapper.
const wrapperTestEnv = "BENCH_TEST_AS_PROVIDER_WRAPPER"

func TestMain(m *testing.M) {
	if os.Getenv(wrapperTestEnv) == "1" {
		os.Exit(RunProviderWrapper(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestProviderWrapperRecordsTheChildAndItsExit: the wrapper runs the
// program it wraps with its arguments and streams, exits with its exit
// code, and records its peak memory and CPU time.
func TestProviderWrapperRecordsTheChildAndItsExit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the wrapper runs on Linux")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-c", "echo handshake; exit 3")
	cmd.Env = append(os.Environ(), wrapperTestEnv+"=1", ProviderExecEnv+"="+sh, ProviderPeakDirEnv+"="+dir)
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("the wrapper ended with %v, want exit status 3", err)
	}
	if string(out) != "handshake\n" {
		t.Errorf("the child's output reached stdout as %q", out)
	}
	procs, err := ProviderProcesses(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].PeakBytes <= 0 || procs[0].CPUSeconds < 0 {
		t.Fatalf("recorded %+v, want one process with its peak", procs)
	}
	if err := ClearProviderPeaks(dir); err != nil {
		t.Fatal(err)
	}
	if procs, _ := ProviderProcesses(dir); len(procs) != 0 {
		t.Errorf("%d records left after clearing", len(procs))
	}
}

func TestProviderProcessesReadsTheRecords(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"1.peak": formatProviderProcess(ProviderProcess{PeakBytes: 1 << 20, CPUSeconds: 0.5}),
		"2.peak": formatProviderProcess(ProviderProcess{PeakBytes: 3 << 20, CPUSeconds: 1.25}),
		"other":  "ignored",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	procs, err := ProviderProcesses(dir)
	if err != nil {
		t.Fatal(err)
	}
	var peak int64
	var cpu float64
	for _, p := range procs {
		peak, cpu = max(peak, p.PeakBytes), cpu+p.CPUSeconds
	}
	if len(procs) != 2 || peak != 3<<20 || cpu != 1.75 {
		t.Fatalf("read %+v", procs)
	}
}

func TestIsProviderWrapperByName(t *testing.T) {
	for _, name := range []string{"terraform-provider-telnyx", "terraform-provider-null", "terraform-provider-random"} {
		if !IsProviderWrapper("/tmp/x/" + name) {
			t.Errorf("the wrapper is not told by its name %s", name)
		}
	}
	if IsProviderWrapper("/tmp/x/benchdriver") {
		t.Error("benchdriver is taken for the wrapper")
	}
}
