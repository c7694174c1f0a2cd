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
	st, err := readProcStat(pid)
	if err != nil {
		return 0, err
	}
	return ticksToSeconds(st.utime + st.stime), nil
}

// ProcessTreeCPU is the CPU time, in seconds, of process pid and of every
// process below it: those alive now, and those that have exited and been
// waited for, whose time the kernel adds to their parent's cutime and cstime
// (fields 16 and 17). A PostgreSQL server is such a tree: the postmaster and
// a process per connection.
func ProcessTreeCPU(pid int) (float64, error) {
	root, err := readProcStat(pid)
	if err != nil {
		return 0, err
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	children := map[int][]procStat{}
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n == pid {
			continue
		}
		// A process may exit between the listing and the read: it is
		// then counted in its parent's cutime, or it was not in the tree.
		if st, err := readProcStat(n); err == nil {
			children[st.ppid] = append(children[st.ppid], st)
		}
	}
	var ticks int64
	for queue := []procStat{root}; len(queue) > 0; queue = queue[1:] {
		st := queue[0]
		ticks += st.utime + st.stime + st.cutime + st.cstime
		queue = append(queue, children[st.pid]...)
	}
	return ticksToSeconds(ticks), nil
}

// ProcessName is the command name of process pid (field 2 of
// /proc/PID/stat, without its parentheses).
func ProcessName(pid int) (string, error) {
	st, err := readProcStat(pid)
	return st.comm, err
}

// ParentPid is the process id of pid's parent.
func ParentPid(pid int) (int, error) {
	st, err := readProcStat(pid)
	return st.ppid, err
}

// procStat is what the harness reads of /proc/PID/stat: times in clock ticks.
type procStat struct {
	pid, ppid                    int
	comm                         string
	utime, stime, cutime, cstime int64
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count the fields after its closing one.
	open, i := strings.IndexByte(string(b), '('), strings.LastIndex(string(b), ") ")
	if open < 0 || i < open {
		return procStat{}, fmt.Errorf("/proc/%d/stat has no command name", pid)
	}
	f := strings.Fields(string(b)[i+2:])
	if len(f) < 15 {
		return procStat{}, fmt.Errorf("/proc/%d/stat has too few fields", pid)
	}
	st := procStat{pid: pid, comm: string(b[open+1 : i])}
	// f[0] is field 3 of the whole line (the state): ppid is field 4, the
	// times fields 14 to 17.
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	st.ppid = ppid
	for j, dst := range []*int64{&st.utime, &st.stime, &st.cutime, &st.cstime} {
		if *dst, err = strconv.ParseInt(f[11+j], 10, 64); err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
	}
	return st, nil
}

// ticksToSeconds converts clock ticks of USER_HZ, 100 per second on Linux
// whatever the kernel's own tick, to seconds.
func ticksToSeconds(ticks int64) float64 {
	const userHZ = 100
	return float64(ticks) / userHZ
}
