package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where the benchmarks ran.
type Machine struct {
	Date             string `json:"date"` // UTC, RFC 3339
	CPU              string `json:"cpu"`
	Cores            int    `json:"cores"` // as Go sees them
	MemoryBytes      int64  `json:"memory_bytes,omitempty"`
	OS               string `json:"os"`
	Kernel           string `json:"kernel,omitempty"`
	GoVersion        string `json:"go_version"`
	TerraformVersion string `json:"terraform_version,omitempty"`
	NodeVersion      string `json:"node_version,omitempty"`
	// LoadAverage is the 1, 5 and 15-minute load averages when the run
	// began: a busy machine shows here.
	LoadAverage string `json:"load_average,omitempty"`
	// SyncWriteMs is the median time of a 4 KiB write that waits for the
	// disk (O_DSYNC) where the benchmarks keep their databases: the floor of
	// a durable SQLite commit (synchronous=FULL syncs the WAL at each one).
	SyncWriteMs float64 `json:"sync_write_ms,omitempty"`
}

// DescribeMachine describes this machine, with the versions of terraform
// and node when their paths are given, and the latency of a durable write
// in dir.
func DescribeMachine(ctx context.Context, terraform, node, dir string) Machine {
	m := Machine{
		Date: time.Now().UTC().Format(time.RFC3339), CPU: cpuModel(), Cores: runtime.NumCPU(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version(), LoadAverage: LoadAverage(),
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kb, err := statusKB(b, "MemTotal"); err == nil {
			m.MemoryBytes = kb
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if terraform != "" {
		m.TerraformVersion, _ = TerraformVersion(ctx, terraform)
	}
	if ms, err := SyncWriteLatency(dir, 200); err == nil {
		m.SyncWriteMs = ms
	}
	if node != "" {
		if out, err := exec.CommandContext(ctx, node, "--version").Output(); err == nil {
			m.NodeVersion = strings.TrimSpace(string(out))
		}
	}
	return m
}

// LoadAverage is /proc/loadavg's three load averages, or "" without it.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuModel is /proc/cpuinfo's model name, or the architecture.
func cpuModel() string {
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
			}
		}
	}
	return runtime.GOARCH + " CPU"
}

// GiB formats bytes as gibibytes.
func GiB(b int64) string { return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64) }

// SyncWriteLatency writes n blocks of 4 KiB to a new file in dir, each
// waiting for the disk, and returns the median time of one in milliseconds.
func SyncWriteLatency(dir string, n int) (float64, error) {
	f, err := os.CreateTemp(dir, "sync-write-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, 4096)
	times := make([]float64, 0, n)
	for range n {
		start := time.Now()
		if _, err := f.Write(block); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		times = append(times, float64(time.Since(start).Microseconds())/1000)
	}
	m, _ := median(times)
	return m, nil
}

// statusKB reads a "Name:   123 kB" line of a /proc status file, in bytes.
func statusKB(status []byte, name string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), name+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s in /proc status: %w", name, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("no %s line in /proc status", name)
}
