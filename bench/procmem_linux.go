package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSS is the peak resident memory of process pid in bytes: the VmHWM
// ("high water mark") line of /proc/PID/status, which the kernel keeps for
// the life of the process or since ResetPeakRSS.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return statusKB(b, "VmHWM")
}

// ResetPeakRSS starts the peak of process pid afresh from its current
// resident memory (writing 5 to /proc/PID/clear_refs, Linux 4.0 and later),
// so that each load's peak is its own.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// ProcessCPU is the CPU time, user and system, that process pid has used so
// far, in seconds: fields 14 and 15 of /proc/PID/stat, in clock ticks of
// USER_HZ (100 per second on Linux, whatever the kernel's own tick).
func ProcessCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count the fields after its closing one.
	i := strings.LastIndex(string(b), ") ")
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat has no command name", pid)
	}
	f := strings.Fields(string(b)[i+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat has too few fields", pid)
	}
	const userHZ = 100
	var ticks int64
	for _, v := range f[11:13] { // utime and stime: fields 14 and 15 of the whole line
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return float64(ticks) / userHZ, nil
}
