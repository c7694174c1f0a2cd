// Command benchreport turns the output of the usage benchmarks (go test
// -bench, several runs of each) into BENCHMARKS.md: the targets of issue 5
// with the measured medians, ratios first, then every figure and how it was
// measured. `make bench` runs it; it reads the files named as arguments.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is one benchmark's runs: for each unit (ns/op, p50-ms, events/s…)
// the value of each run.
type result struct {
	name  string
	iters []int
	units map[string][]float64
}

func (r *result) median(unit string) (float64, bool) {
	v := slices.Clone(r.units[unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// parsed is everything read from the benchmark output.
type parsed struct {
	cpu      string
	results  map[string]*result
	order    []string
	fixtures []string // the fixture lines of usagebench
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+(\d+)\s+(.*)$`)

func parse(r io.Reader, p *parsed) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "cpu: "):
			p.cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "usagebench: fixture ") && strings.Contains(line, " ingested in "):
			p.fixtures = append(p.fixtures, strings.TrimPrefix(line, "usagebench: "))
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		res, ok := p.results[m[1]]
		if !ok {
			res = &result{name: m[1], units: map[string][]float64{}}
			p.results[m[1]] = res
			p.order = append(p.order, m[1])
		}
		iters, _ := strconv.Atoi(m[3])
		res.iters = append(res.iters, iters)
		fields := strings.Fields(m[4])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %w", line, err)
			}
			res.units[fields[i+1]] = append(res.units[fields[i+1]], v)
		}
	}
	return sc.Err()
}

// figure is a median, or "not measured".
func (p *parsed) figure(name, unit string) (float64, bool) {
	r, ok := p.results[name]
	if !ok {
		return 0, false
	}
	return r.median(unit)
}

func main() {
	p := &parsed{results: map[string]*result{}}
	for _, name := range os.Args[1:] {
		f, err := os.Open(name) //nolint:gosec // G304: files named by make bench
		if err != nil {
			fail(err)
		}
		err = parse(f, p)
		_ = f.Close()
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
	}
	if len(p.results) == 0 {
		fail(fmt.Errorf("no benchmark results in %v", os.Args[1:]))
	}
	write(os.Stdout, p)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "benchreport: %v\n", err)
	os.Exit(1)
}

const (
	reportHTTP    = "BenchmarkReport31Days1000Accounts/http"
	reportService = "BenchmarkReport31Days1000Accounts/service"
	reportPast    = "BenchmarkReport31Days1000Accounts/service-past-window"
	rawGroupBy    = "BenchmarkRawGroupBy"
	ingest        = "BenchmarkIngest10kBatch"
	ingestHTTP    = "BenchmarkIngest10kBatchHTTP"
)

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func write(w io.Writer, p *parsed) {
	fmt.Fprintf(w, "# Benchmarks\n\n")
	fmt.Fprintf(w, "Written by `make bench` on %s. Machine: %s, %d cores as Go sees them, %s, %s/%s, SQLite through the pure-Go driver modernc.org/sqlite.\n\n",
		time.Now().UTC().Format("2006-01-02"), cpuName(p), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "Every figure is the median of several runs (`go test -bench -count`); the runs of each benchmark are listed below.\n\n")

	fmt.Fprintf(w, "## Targets (issue 5)\n\n| target | measured | |\n|---|---|---|\n")
	raw, rawOK := p.figure(rawGroupBy, "p50-ms")
	svc, svcOK := p.figure(reportService, "p50-ms")
	httpMs, httpOK := p.figure(reportHTTP, "p50-ms")
	if rawOK && svcOK {
		fmt.Fprintf(w, "| report at least 10 times faster than a GROUP BY over the raw events | %.0f times (%.1f ms against %.0f ms) | %s |\n",
			raw/svc, svc, raw, verdict(raw/svc >= 10))
	}
	if httpOK {
		past := ""
		if v, ok := p.figure(reportPast, "p50-ms"); ok {
			past = fmt.Sprintf("; a window of the past, six blocks: %.1f ms in the service", v)
		}
		fmt.Fprintf(w, "| 31-day report, 1,000 managed accounts, 10 million events: median under 50 ms | %.1f ms through HTTP (%.1f ms in the service%s) | %s |\n",
			httpMs, svc, past, verdict(httpMs < 50))
	}
	ingestOK := true
	if v, ok := p.figure(ingest, "events/s"); ok {
		ingestOK = v >= 50_000
		fmt.Fprintf(w, "| ingestion of at least 50,000 events/s in batches on SQLite | %.0f events/s (service), %.0f events/s (HTTP) | %s |\n",
			v, must(p.figure(ingestHTTP, "events/s")), verdict(ingestOK))
	}
	fmt.Fprintf(w, "\n")
	for _, f := range p.fixtures {
		fmt.Fprintf(w, "Report fixture: %s (the rate of the 10-million-event database, ingested in batches of 10,000 as it grows to its full size).\n\n", f)
	}
	if !ingestOK {
		fmt.Fprint(w, ingestionGap)
	}
	if httpOK && httpMs >= 50 {
		fmt.Fprint(w, reportGap)
	}

	fmt.Fprintf(w, "## Every benchmark\n\n| benchmark | runs | iterations per run | median | other medians |\n|---|---|---|---|---|\n")
	for _, name := range p.order {
		r := p.results[name]
		ns, _ := r.median("ns/op")
		var others []string
		units := make([]string, 0, len(r.units))
		for u := range r.units {
			if u != "ns/op" {
				units = append(units, u)
			}
		}
		slices.Sort(units)
		for _, u := range units {
			v, _ := r.median(u)
			others = append(others, fmt.Sprintf("%s %s", strconv.FormatFloat(v, 'f', -1, 64), u))
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.2f ms/op | %s |\n", strings.TrimPrefix(name, "Benchmark"), len(r.iters), r.iters[0], ns/1e6, strings.Join(others, ", "))
	}
	fmt.Fprint(w, howMeasured)
}

func must(v float64, _ bool) float64 { return v }

// cpuName is the CPU the benchmarks reported, or /proc/cpuinfo's.
func cpuName(p *parsed) string {
	if p.cpu != "" {
		return p.cpu
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
			}
		}
	}
	return "unknown CPU"
}

// ingestionGap says where ingestion spends its time, from a CPU profile of
// Ingest10kBatch (go test -cpuprofile, pprof -top -cum).
const ingestionGap = `## Why ingestion misses its target

A CPU profile of Ingest10kBatch (` + "`go test -bench Ingest10kBatch$ -cpuprofile`" + `) splits a
batch of 10,000 events as follows, all of it in the write path (IngestUsage and the SQLite
store's usage.go):

- about 45%: inserting the events into usage_events, one multi-row INSERT per 500 events.
  The table is a rowid table with a TEXT primary key, so every event is written to two
  B-trees (the table, and the unique index of its id), and the ids, random UUIDs, land on
  random pages of that index; binding 15 values per event through database/sql is about
  a tenth of it.
- about 20%: adding to the rollups (an upsert per rollup key), of which the triggers that
  keep the blocks of rollups (migration 0006, for the reports) are about half: measured
  without them, ingestion is about 10% faster.
- about 12%: the commit, which syncs the WAL (synchronous=FULL).
- about 10%: looking up which ids are already stored (a json_each query) before inserting.
- the rest: decoding, validation and rating in Go, ledger charges.

As the database grows, the rate falls (the report fixture's rate, over 10 million events),
because the index of the event ids (hundreds of megabytes by then) outgrows the writer's page
cache: each insert reads a random page of it back from the file. What would close the gap, in
the write path: usage_events WITHOUT ROWID (one B-tree per event instead of two),
` + "`INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`" + ` instead of the separate lookup,
and time-ordered event ids from producers (new ids then append to the end of the index).

`

// reportGap says where a report spends its time.
const reportGap = `## Why the report misses its target

A report's time is SQLite reading and grouping the rows of its blocks of rollups, about a
microsecond a row with the pure-Go driver, then handing the groups to Go (a few
microseconds each). The benchmarked report reads about 26,000 rows (three blocks over
1,000 accounts) and returns about 1,800 groups.

`

const howMeasured = `
## How it is measured

The benchmarks are Go benchmarks in internal/backend/usagebench (run them by
hand with ` + "`go test -run '^$' -bench . ./internal/backend/usagebench/`" + `;
` + "`USAGEBENCH_EVENTS`" + ` makes the report fixture smaller for a quick look).

- **Ingest10kBatch**: IngestUsage (validation, rating, storage of the events,
  their rollups and the blocks of rollups, ledger charges) with batches of
  10,000 new events of 100 accounts, on a SQLite file (WAL,
  synchronous=FULL: every batch is one durable transaction), which grows from
  batch to batch. **Ingest10kBatchHTTP** is the same through the operator
  API's handler (JSON decoding included), in process.
- **Report fixture**: a manager with 1,000 managed accounts and 10 million
  events of ` + "`reference-backend simulate-usage`" + `'s traffic (messaging,
  voice and wireless, a few busy accounts and many quiet ones) over the 31
  days from 16 January, after a quieter history (20 events per account and
  day) from 1 January, ingested once per run through IngestUsage in batches
  of 10,000, as the operator API would take them.
- **Report31Days1000Accounts**: the manager's messaging report over all its
  managed accounts (` + "`managed_accounts=true`" + `) for those 31 days, by
  direction (with user_id, added by managed_accounts), with count, parts and
  cost, every row on one page: through the HTTP handler in process (key
  check, parameters, JSON of every row) and through the service alone. The
  window starts mid-month with usage before it, and nothing comes after it,
  as in a "last 31 days" report: it is summed from three blocks of the
  rollups (16 January, 17 to 31 January, and February, which has no usage
  after the window). **service-past-window** is the same report over 10
  January to 9 February, a window of the past with usage on both sides: six
  blocks (1, 2, 4 and 16 days of January, 8 and 1 days of February).
- **RawGroupBy**: the same sums as one GROUP BY over usage_events in the same
  database, on a read-only connection set up like the store's readers (the
  benchmark first checks that it gives the report's rows).
`
