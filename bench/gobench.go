package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// GoBench is what the output of `go test -bench` (several runs of each
// benchmark, -count) says.
type GoBench struct {
	CPU     string
	Results map[string]*GoBenchResult
	Order   []string // benchmark names in their first order of appearance
	// Fixtures are the usage benchmarks' lines about their report fixture
	// ("usagebench: fixture … ingested in …").
	Fixtures []string
}

// GoBenchResult is one benchmark's runs: the iterations of each run and,
// for each unit (ns/op, B/op, events/s…), each run's value.
type GoBenchResult struct {
	Name  string
	Iters []int
	Units map[string][]float64
}

// Median is the median of the runs' values in unit.
func (r *GoBenchResult) Median(unit string) (float64, bool) {
	return median(r.Units[unit])
}

// Units is the result's units other than ns/op, sorted.
func (r *GoBenchResult) otherUnits() []string {
	var units []string
	for u := range r.Units {
		if u != "ns/op" {
			units = append(units, u)
		}
	}
	slices.Sort(units)
	return units
}

// Figure is the median of benchmark name's runs in unit.
func (g *GoBench) Figure(name, unit string) (float64, bool) {
	if g == nil {
		return 0, false
	}
	r, ok := g.Results[name]
	if !ok {
		return 0, false
	}
	return r.Median(unit)
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)

// ParseGoBench adds the benchmark lines of r to g.
func ParseGoBench(r io.Reader, g *GoBench) error {
	if g.Results == nil {
		g.Results = map[string]*GoBenchResult{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "cpu: "):
			g.CPU = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "usagebench: fixture ") && strings.Contains(line, " ingested in "):
			g.Fixtures = append(g.Fixtures, strings.TrimPrefix(line, "usagebench: "))
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res, ok := g.Results[m[1]]
		if !ok {
			res = &GoBenchResult{Name: m[1], Units: map[string][]float64{}}
			g.Results[m[1]] = res
			g.Order = append(g.Order, m[1])
		}
		iters, _ := strconv.Atoi(m[3])
		res.Iters = append(res.Iters, iters)
		fields := strings.Fields(m[4])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %w", line, err)
			}
			res.Units[fields[i+1]] = append(res.Units[fields[i+1]], v)
		}
	}
	return sc.Err()
}

// ParseGoBenchFiles parses the files named; nil when none is named.
func ParseGoBenchFiles(paths []string) (*GoBench, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	g := &GoBench{}
	for _, p := range paths {
		f, err := os.Open(p) //nolint:gosec // G304: files named by make bench
		if err != nil {
			return nil, err
		}
		err = ParseGoBench(f, g)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if len(g.Results) == 0 {
		return nil, fmt.Errorf("no benchmark results in %v", paths)
	}
	return g, nil
}

// median of v, which it leaves as it is.
func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}
