package bench

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ReportInput is every section's results; a nil section was not run.
type ReportInput struct {
	Machine Machine
	// Terraform holds one run of the Terraform section per size (BENCH_SIZES):
	// the targets are judged at the largest, and the others show how the
	// ratios scale.
	Terraform []*TerraformResults
	HTTP      *HTTPResults
	Postgres  *PostgresResults // the HTTP loads on PostgreSQL (issue 6)
	Usage     *GoBench         // the usage benchmarks of issue 5
	HotPaths  *GoBench         // the Go benchmarks of the HTTP hot paths
	// Quick marks a run at BENCH_QUICK's small sizes, whose figures only
	// show that the harness works.
	Quick bool
}

// The targets of issues 8 and 5.
const (
	// Issue 16: each operation of a Telnyx resource within 1.0 × the
	// anchor random_string and, the stretch, 1.5 × null_resource.
	maxRandomStringRatio  = 1.0
	maxNullResourceRatio  = 1.5
	maxRefreshRequests    = 1.0
	maxCreateRequests     = 2.0
	maxDestroyRequests    = 2.0
	minRetrieveVsPrism    = 10.0
	minRetrieveVsLimit    = 0.25 // of httplimit's throughput (issue 16)
	maxReplicaRetrieveGap = 0.05 // two replicas' retrieves below one's (issue 16)
	maxRetrieveP99Ms      = 10.0
	minCreatesPerSecond   = 2000.0
	maxBackendPeakMB      = 150.0
	minIngestEventsPerS   = 50_000.0
	maxReportMedianMs     = 50.0
	minReportVsRawGroupBy = 10.0
)

// targetRow is one line of the targets table.
type targetRow struct {
	area, target, measured string
	met                    bool
	// figure marks a figure the issue asks for without a target.
	figure bool
	// skipped marks a target whose comparison was not run (its anchor
	// was not given): measured says why.
	skipped bool
}

// report is the Markdown being written: the targets first, collected while
// the sections are written below them.
type report struct {
	in       ReportInput
	targets  []targetRow
	gaps     []string // explanations of missed targets
	sections strings.Builder
}

// WriteReport writes BENCHMARKS.md: the machine, the targets with met or
// missed, why each missed target is missed, then every section's figures
// and how they were measured.
func WriteReport(w io.Writer, in ReportInput) error {
	// The Terraform sizes, smallest first, in every section.
	in.Terraform = slices.Clone(in.Terraform)
	slices.SortStableFunc(in.Terraform, func(a, b *TerraformResults) int { return a.N - b.N })
	r := &report{in: in}
	r.terraform()
	r.http()
	r.postgres()
	r.memory()
	r.usage()
	r.hotPaths()

	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	if in.Quick {
		b.WriteString("**A quick run** (`make bench BENCH_QUICK=1`): small sizes and short loads that check the harness. " +
			"Its figures are not the published ones and its verdicts mean little.\n\n")
	}
	fmt.Fprintf(&b, "Written by `make bench` on %s. %s\n\n", dateOf(in.Machine.Date), machineLine(in.Machine))
	b.WriteString("Every figure is the median of several runs unless it says otherwise; each section lists its runs. " +
		"Ratios and targets come first, then the figures, then how they were measured.\n\n")
	b.WriteString("## Targets\n\n| area | target | measured | |\n|---|---|---|---|\n")
	for _, t := range r.targets {
		v := verdict(t.met)
		switch {
		case t.figure:
			v = "no target"
		case t.skipped:
			v = "skipped"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.area, t.target, t.measured, v)
	}
	if len(r.targets) == 0 {
		b.WriteString("| | no section was run | | |\n")
	}
	b.WriteString("\n")
	if len(r.gaps) > 0 {
		b.WriteString("## Why targets are missed\n\n")
		for _, g := range r.gaps {
			b.WriteString(g)
			b.WriteString("\n")
		}
	}
	b.WriteString(r.sections.String())
	b.WriteString(howMeasured)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *report) target(area, target, measured string, met bool) {
	r.targets = append(r.targets, targetRow{area: area, target: target, measured: measured, met: met})
}

func (r *report) printf(format string, args ...any) { fmt.Fprintf(&r.sections, format, args...) }

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

func dateOf(rfc3339 string) string {
	if d, _, ok := strings.Cut(rfc3339, "T"); ok {
		return d
	}
	return rfc3339
}

func machineLine(m Machine) string {
	parts := []string{fmt.Sprintf("Machine: %s, %d cores as Go sees them", m.CPU, m.Cores)}
	if m.MemoryBytes > 0 {
		parts = append(parts, GiB(m.MemoryBytes)+" GiB of memory")
	}
	osName := m.OS
	if m.Kernel != "" {
		osName += " (kernel " + m.Kernel + ")"
	}
	parts = append(parts, osName, m.GoVersion)
	if m.TerraformVersion != "" {
		parts = append(parts, "Terraform "+m.TerraformVersion)
	}
	if m.NodeVersion != "" {
		parts = append(parts, "Node.js "+m.NodeVersion+" for Prism")
	}
	line := strings.Join(parts, ", ") + "; SQLite through the pure-Go driver modernc.org/sqlite."
	if m.SyncWriteMs > 0 {
		line += fmt.Sprintf(" A durable 4 KiB write (fsync) takes %.2f ms on its disk.", m.SyncWriteMs)
	}
	if m.LoadAverage != "" {
		line += " Load averages (1, 5, 15 min) when the run began: " + m.LoadAverage + "."
	}
	return line
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// ---- Terraform ----

// resourceRoute is the path prefix of a resource type's own requests.
var resourceRoute = map[string]string{ //nolint:gosec // G101: API paths, not credentials
	TelnyxManagedAccount: "/v2/managed_accounts",
	TelnyxAPIKey:         "/v2/api_keys",
}

// perResource splits one run's requests into the resource's own (per
// resource) and the others (in total).
func perResource(typ string, reqs map[string]int, n int) (own float64, others int) {
	prefix := resourceRoute[typ]
	ownCount := 0
	for route, c := range reqs {
		_, path, _ := strings.Cut(route, " ")
		if strings.HasPrefix(path, prefix) {
			ownCount += c
		} else {
			others += c
		}
	}
	return float64(ownCount) / float64(n), others
}

// routeLists are the routes of one run's requests: the resource's own, per
// resource, and the others, in all.
type routeLists struct{ own, others string }

// requestFigures are an operation's median requests per resource and the
// first run's routes.
func requestFigures(typ string, op *OpRuns, n int) (own float64, others int, routes routeLists) {
	var ownRuns, otherRuns []float64
	for _, reqs := range op.Requests {
		o, x := perResource(typ, reqs, n)
		ownRuns, otherRuns = append(ownRuns, o), append(otherRuns, float64(x))
	}
	own, _ = median(ownRuns)
	x, _ := median(otherRuns)
	if len(op.Requests) > 0 {
		ownReqs, otherReqs := map[string]int{}, map[string]int{}
		for route, c := range op.Requests[0] {
			if _, path, _ := strings.Cut(route, " "); strings.HasPrefix(path, resourceRoute[typ]) {
				ownReqs[route] = c
			} else {
				otherReqs[route] = c
			}
		}
		routes = routeLists{own: routeList(ownReqs, n, true), others: routeList(otherReqs, 1, false)}
	}
	return own, int(x), routes
}

// plural is "1 run", "2 runs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// routeList is "`GET /v2/x/{id}` 1.00, …", counts divided by n (per
// resource) or, with perResource false, "`GET /v2/x/{id}` ×10", most
// frequent first.
func routeList(reqs map[string]int, n int, perResource bool) string {
	routes := make([]string, 0, len(reqs))
	for route := range reqs {
		routes = append(routes, route)
	}
	slices.SortFunc(routes, func(a, b string) int {
		if reqs[a] != reqs[b] {
			return reqs[b] - reqs[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(routes))
	for i, route := range routes {
		if perResource {
			parts[i] = fmt.Sprintf("`%s` %s", route, strconv.FormatFloat(float64(reqs[route])/float64(n), 'f', 2, 64))
		} else {
			parts[i] = fmt.Sprintf("`%s` ×%d", route, reqs[route])
		}
	}
	return strings.Join(parts, ", ")
}

func secondsList(v []float64) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = strconv.FormatFloat(s, 'f', 2, 64)
	}
	return strings.Join(parts, ", ")
}

func (r *report) terraform() {
	if len(r.in.Terraform) == 0 {
		return
	}
	sizes := r.in.Terraform
	judged := sizes[len(sizes)-1]
	ns := make([]string, len(sizes))
	for i, t := range sizes {
		ns[i] = strconv.Itoa(t.N)
	}
	r.printf("## Terraform\n\n")
	r.printf("`terraform apply`, a no-change `plan` and `destroy` of %s resources of each type at `-parallelism=%d`, Terraform %s, "+
		"one size after the other, one type after the other within a run. Times are wall-clock seconds of the terraform command; each "+
		"ratio is the median against the median of `random_string`, `null_resource` (HashiCorp's own terraform-plugin-framework "+
		"providers, built from their sources) or `terraform_data` (built into Terraform: no plugin) in the same runs and at the same "+
		"size. CPU is the user and system time of the terraform command and of the provider processes; per resource, it is the figure "+
		"that resists a loaded machine. The targets are judged at %d resources", strings.Join(ns, " and "), judged.Parallelism,
		judged.TerraformVersion, judged.N)
	if len(sizes) > 1 {
		r.printf("; the smaller sizes show how each ratio scales (the last table)")
	}
	r.printf(".")
	if judged.AnchorsSkipped != "" {
		r.printf(" **The anchors were not measured**: %s.", strings.TrimSuffix(judged.AnchorsSkipped, "."))
	}
	r.printf("\n\n")
	for _, t := range sizes {
		r.terraformSize(t, t == judged)
	}
	setups := make([]string, 0, len(judged.Resources))
	for _, rr := range judged.Resources {
		setups = append(setups, fmt.Sprintf("`%s`: %s", rr.Type, rr.Setup))
	}
	r.printf("Setups (at %d): %s. Peaks are the largest of the runs.\n\n", judged.N, strings.Join(setups, "; "))
	if len(sizes) > 1 {
		r.terraformScaling(sizes)
	}
}

// terraformAnchors are the anchors each Telnyx resource is judged against,
// with its limit; terraform_data (no plugin at all) is only shown, as the
// floor.
var terraformAnchors = []struct {
	typ   string
	limit float64
	what  string
}{{RandomString, maxRandomStringRatio, "target"}, {NullResource, maxNullResourceRatio, "stretch"}}

// terraformSize writes the table of one size; judge adds its targets.
func (r *report) terraformSize(t *TerraformResults, judge bool) {
	r.printf("### %d resources\n\n%s of each.", t.N, plural(t.Runs, "run"))
	if t.LoadAverage != "" {
		r.printf(" Load averages when the runs began: %s.", t.LoadAverage)
	}
	r.printf("\n\n| resource | operation | median s | × `random_string` | × `null_resource` | × `terraform_data` | requests per resource " +
		"| CPU s: terraform / provider / backend | CPU ms per resource | provider peak | backend peak | runs (s) |\n" +
		"|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, rr := range t.Resources {
		for _, op := range rr.Ops {
			secs, _ := median(op.Seconds)
			ratios := make([]string, 0, 3)
			for _, base := range []string{RandomString, NullResource, TerraformData} {
				x, _, ok := t.ratio(rr.Type, base, op.Op)
				if !ok || rr.Type == base {
					ratios = append(ratios, "")
					continue
				}
				ratios = append(ratios, fmt.Sprintf("%.2f", x))
			}
			reqs, provider, backend := "", "", ""
			if isTelnyx(rr.Type) {
				own, others, routes := requestFigures(rr.Type, &op, t.N)
				reqs = fmt.Sprintf("%.2f (%s)", own, routes.own)
				if others > 0 {
					reqs += fmt.Sprintf("; besides, %s in all: %s", plural(others, "request"), routes.others)
				}
				if judge {
					r.terraformTargets(t, rr.Type, &op, secs, own, others)
				}
				if len(op.BackendPeakBytes) > 0 {
					backend = fmt.Sprintf("%.0f MB", mb(slices.Max(op.BackendPeakBytes)))
				}
			}
			if len(op.ProviderPeakBytes) > 0 {
				provider = fmt.Sprintf("%.0f MB (%d processes)", mb(slices.Max(op.ProviderPeakBytes)), slices.Max(op.ProviderProcesses))
			}
			r.printf("| `%s` | %s | %.2f | %s | %s | %s | %s | %s | %s | %s |\n", rr.Type, op.Op, secs, strings.Join(ratios, " | "),
				reqs, cpuText(&op), cpuPerResource(&op, t.N), provider, backend, secondsList(op.Seconds))
		}
	}
	r.printf("\n")
}

// terraformTargets judges one operation of a Telnyx type: its ratios to
// the anchors (median seconds secs) and its requests per resource.
func (r *report) terraformTargets(t *TerraformResults, typ string, op *OpRuns, secs, own float64, others int) {
	for _, a := range terraformAnchors {
		target := fmt.Sprintf("`%s` of %d `%s` within %.2f × `%s` (%s)", op.Op, t.N, typ, a.limit, a.typ, a.what)
		x, baseSecs, ok := t.ratio(typ, a.typ, op.Op)
		if !ok {
			r.target("Terraform", target, "`"+a.typ+"` not measured ("+strings.TrimSuffix(t.AnchorsSkipped, ".")+")", false)
			continue
		}
		r.target("Terraform", target, fmt.Sprintf("%.2f × (%.2f s against %.2f s)", x, secs, baseSecs), x <= a.limit)
		if x > a.limit {
			r.gap(gapTerraform(typ, op.Op))
		}
	}
	switch op.Op {
	case OpPlan:
		r.target("Terraform", fmt.Sprintf("`%s` refresh (`plan`): at most %.0f request per resource", typ, maxRefreshRequests),
			requestTargetText(own, others), own <= maxRefreshRequests)
	case OpApply:
		r.target("Terraform", fmt.Sprintf("`%s` create (`apply`): at most %.0f requests per resource", typ, maxCreateRequests),
			requestTargetText(own, others), own <= maxCreateRequests)
	case OpDestroy:
		r.target("Terraform", fmt.Sprintf("`%s` `destroy`: at most %.0f requests per resource", typ, maxDestroyRequests),
			requestTargetText(own, others), own <= maxDestroyRequests)
	}
}

// terraformScaling writes how each type's time, CPU and ratios move from
// the smallest size to the largest (issue 16: destroy scaled worse than
// linearly), and puts the Telnyx types' ratio trends in the targets table.
func (r *report) terraformScaling(sizes []*TerraformResults) {
	ns := make([]string, len(sizes))
	for i, t := range sizes {
		ns[i] = strconv.Itoa(t.N)
	}
	arrow := func(f func(t *TerraformResults) (string, bool)) string {
		parts := make([]string, 0, len(sizes))
		for _, t := range sizes {
			v, ok := f(t)
			if !ok {
				v = "–"
			}
			parts = append(parts, v)
		}
		return strings.Join(parts, " → ")
	}
	r.printf("### Scaling: %s resources\n\n", strings.Join(ns, " → "))
	r.printf("Each figure at %s resources, in that order. Milliseconds per resource that grow with the size mean a cost that grows "+
		"faster than the number of resources (Terraform rewrites the whole state after each resource, under its lock); a ratio "+
		"that grows means this type's cost grows faster than the anchor's.\n\n", strings.Join(ns, ", "))
	r.printf("| resource | operation | median s | wall-clock ms per resource | CPU ms per resource | × `random_string` | × `null_resource` |\n" +
		"|---|---|---|---|---|---|---|\n")
	largest := sizes[len(sizes)-1]
	for _, rr := range largest.Resources {
		var trends []string
		for _, op := range rr.Ops {
			opOf := func(t *TerraformResults) *OpRuns {
				if res := t.Resource(rr.Type); res != nil {
					return res.Op(op.Op)
				}
				return nil
			}
			secs := arrow(func(t *TerraformResults) (string, bool) {
				if o := opOf(t); o != nil {
					m, ok := median(o.Seconds)
					return strconv.FormatFloat(m, 'f', 2, 64), ok
				}
				return "", false
			})
			perResource := arrow(func(t *TerraformResults) (string, bool) {
				if o := opOf(t); o != nil {
					m, ok := median(o.Seconds)
					return strconv.FormatFloat(1000*m/float64(t.N), 'f', 1, 64), ok
				}
				return "", false
			})
			cpu := arrow(func(t *TerraformResults) (string, bool) {
				if o := opOf(t); o != nil {
					v := cpuPerResource(o, t.N)
					return v, v != "–"
				}
				return "", false
			})
			ratios := make([]string, 0, 2)
			for _, base := range []string{RandomString, NullResource} {
				if rr.Type == base {
					ratios = append(ratios, "")
					continue
				}
				ratios = append(ratios, arrow(func(t *TerraformResults) (string, bool) {
					x, _, ok := t.ratio(rr.Type, base, op.Op)
					return strconv.FormatFloat(x, 'f', 2, 64), ok
				}))
			}
			r.printf("| `%s` | %s | %s | %s | %s | %s |\n", rr.Type, op.Op, secs, perResource, cpu, strings.Join(ratios, " | "))
			if isTelnyx(rr.Type) {
				trends = append(trends, op.Op+" "+ratios[0])
			}
		}
		if isTelnyx(rr.Type) {
			r.targets = append(r.targets, targetRow{area: "Terraform",
				target:   fmt.Sprintf("scaling of `%s`: × `random_string` at %s resources", rr.Type, strings.Join(ns, " → ")),
				measured: strings.Join(trends, "; "), figure: true})
		}
	}
	r.printf("\n")
}

// ratio is the median seconds of op on typ against those on base, and
// base's median; false when either was not measured.
func (t *TerraformResults) ratio(typ, base, op string) (x, baseSecs float64, ok bool) {
	rr, b := t.Resource(typ), t.Resource(base)
	if rr == nil || b == nil || rr.Op(op) == nil || b.Op(op) == nil {
		return 0, 0, false
	}
	secs, ok1 := median(rr.Op(op).Seconds)
	baseSecs, ok2 := median(b.Op(op).Seconds)
	if !ok1 || !ok2 || baseSecs <= 0 {
		return 0, 0, false
	}
	return secs / baseSecs, baseSecs, true
}

// cpuPerResource is the median CPU milliseconds per resource of terraform
// and the provider processes together (the backend's apart).
func cpuPerResource(op *OpRuns, n int) string {
	runs := make([]float64, len(op.TerraformCPUSeconds))
	for i, v := range op.TerraformCPUSeconds {
		runs[i] = v
		if i < len(op.ProviderCPUSeconds) {
			runs[i] += op.ProviderCPUSeconds[i]
		}
	}
	m, ok := median(runs)
	if !ok || n < 1 {
		return "–"
	}
	return strconv.FormatFloat(1000*m/float64(n), 'f', 2, 64)
}

// cpuText is an operation's median CPU seconds: Terraform's own, the
// provider's, the backend's.
func cpuText(op *OpRuns) string {
	parts := make([]string, 0, 3)
	for _, v := range [][]float64{op.TerraformCPUSeconds, op.ProviderCPUSeconds, op.BackendCPUSeconds} {
		if m, ok := median(v); ok {
			parts = append(parts, strconv.FormatFloat(m, 'f', 2, 64))
		} else {
			parts = append(parts, "–")
		}
	}
	return strings.Join(parts, " / ")
}

func requestTargetText(own float64, others int) string {
	s := fmt.Sprintf("%.2f", own)
	if others > 0 {
		s += fmt.Sprintf(" (and %s in all on other routes)", plural(others, "request"))
	}
	return s
}

func (r *report) gap(text string) {
	if text != "" && !slices.Contains(r.gaps, text) {
		r.gaps = append(r.gaps, text)
	}
}

// ---- HTTP ----

// loadMedians are the medians of an endpoint's runs on one server.
type loadMedians struct {
	rps, p50, p99, max float64
	failures           int64
	firstFailure       string
	// cpu is the median CPU per request of each tier measured, in µs.
	cpu map[string]float64
}

func mediansOf(runs []LoadResult) (loadMedians, bool) {
	if len(runs) == 0 {
		return loadMedians{}, false
	}
	var rps, p50, p99, mx []float64
	cpu := map[string][]float64{}
	var m loadMedians
	for _, l := range runs {
		rps, p50, p99, mx = append(rps, l.RequestsPerSec), append(p50, l.P50Ms), append(p99, l.P99Ms), append(mx, l.MaxMs)
		m.failures += l.Failures
		if m.firstFailure == "" {
			m.firstFailure = l.FirstFailure
		}
		for _, c := range l.CPU {
			if us, ok := l.CPUPerRequest(c.Tier); ok {
				cpu[c.Tier] = append(cpu[c.Tier], us)
			}
		}
	}
	m.rps, _ = median(rps)
	m.p50, _ = median(p50)
	m.p99, _ = median(p99)
	m.max, _ = median(mx)
	m.cpu = map[string]float64{}
	for tier, v := range cpu {
		m.cpu[tier], _ = median(v)
	}
	return m, true
}

// cpuText is the median CPU per request of tiers, "12 / 34" µs, with "–"
// for a tier not measured.
func (m loadMedians) cpuText(tiers ...string) string {
	parts := make([]string, len(tiers))
	for i, t := range tiers {
		if us, ok := m.cpu[t]; ok {
			parts[i] = strconv.FormatFloat(us, 'f', 0, 64)
		} else {
			parts[i] = "–"
		}
	}
	return strings.Join(parts, " / ")
}

// cpuTotal is the CPU per request of every tier measured, in µs.
func (m loadMedians) cpuTotal() float64 {
	var sum float64
	for _, us := range m.cpu {
		sum += us
	}
	return sum
}

func (r *report) http() {
	h := r.in.HTTP
	if h == nil {
		return
	}
	r.printf("## Backend HTTP beside Prism\n\n")
	r.printf("%d connections, each with one request in flight, for %.0f s after %.0f s of warm-up, %s of each endpoint; the backend binary "+
		"on SQLite (`--rate-limit 0`) then Prism, endpoint after endpoint, with the same load generator.", h.Concurrency, h.DurationSeconds, h.WarmupSeconds, plural(h.Runs, "run"))
	if h.PrismVersion != "" {
		r.printf(" Prism %s (`prism mock` of the contract).", h.PrismVersion)
	} else {
		r.printf(" **Prism was not measured**: %s.", strings.TrimSuffix(h.PrismUnavailable, "."))
	}
	if h.HTTPLimitSkipped == "" {
		r.printf(" The retrieve also against httplimit, the anchor that answers it from memory with the backend's own bytes " +
			"(BENCH_ANCHORS): the limit of Go's HTTP stack and this generator on this machine.")
	} else {
		r.printf(" **The httplimit anchor was not measured**: %s.", strings.TrimSuffix(h.HTTPLimitSkipped, "."))
	}
	if h.LoadAverage != "" {
		r.printf(" Load averages when the runs began: %s.", h.LoadAverage)
	}
	r.printf(" CPU is per answered request, in microseconds: the server's process (with its children) and the load generator's, " +
		"read from /proc before and after each measured load.")
	r.printf("\n\n| endpoint | server | requests/s | p50 ms | p99 ms | max ms | CPU µs: server / generator | failures | runs (requests/s) |\n" +
		"|---|---|---|---|---|---|---|---|---|\n")
	for _, ep := range h.Endpoints {
		for _, side := range []struct {
			name string
			runs []LoadResult
		}{{"backend", ep.Backend}, {"httplimit", ep.HTTPLimit}, {"Prism " + h.PrismVersion, ep.Prism}} {
			m, ok := mediansOf(side.runs)
			if !ok {
				continue
			}
			var rates []string
			for _, l := range side.runs {
				rates = append(rates, strconv.FormatFloat(l.RequestsPerSec, 'f', 0, 64))
			}
			failures := strconv.FormatInt(m.failures, 10)
			if m.firstFailure != "" {
				failures += " (first: " + strings.ReplaceAll(m.firstFailure, "|", "/") + ")"
			}
			r.printf("| %s `%s` | %s | %.0f | %.2f | %.2f | %.2f | %s | %s | %s |\n", ep.Name, ep.Request, strings.TrimSpace(side.name),
				m.rps, m.p50, m.p99, m.max, m.cpuText(TierServer, TierGenerator), failures, strings.Join(rates, ", "))
		}
	}
	r.printf("\n")

	if ep := h.Endpoint(EndpointRetrieve); ep != nil {
		b, _ := mediansOf(ep.Backend)
		limitTarget := fmt.Sprintf("retrieve: at least %.0f%% of httplimit's throughput", 100*minRetrieveVsLimit)
		if l, ok := mediansOf(ep.HTTPLimit); ok && l.rps > 0 {
			x := b.rps / l.rps
			r.target("HTTP", limitTarget, fmt.Sprintf("%.1f%% (%.0f requests/s against %.0f)", 100*x, b.rps, l.rps), x >= minRetrieveVsLimit)
			if x < minRetrieveVsLimit {
				r.gap(gapRetrieveVsLimit(b, l))
			}
		} else {
			reason := strings.TrimSuffix(h.HTTPLimitSkipped, ".")
			if reason == "" {
				reason = "no run"
			}
			r.targets = append(r.targets, targetRow{area: "HTTP", target: limitTarget,
				measured: fmt.Sprintf("skipped: %s; the backend: %.0f requests/s", reason, b.rps), skipped: true})
		}
		if p, ok := mediansOf(ep.Prism); ok && p.rps > 0 {
			x := b.rps / p.rps
			r.target("HTTP", fmt.Sprintf("retrieve: at least %.0f × Prism's throughput", minRetrieveVsPrism),
				fmt.Sprintf("%.1f × (%.0f requests/s against %.0f)", x, b.rps, p.rps), x >= minRetrieveVsPrism)
			if x < minRetrieveVsPrism {
				r.gap(gapRetrieveThroughput)
			}
		} else {
			r.target("HTTP", fmt.Sprintf("retrieve: at least %.0f × Prism's throughput", minRetrieveVsPrism),
				fmt.Sprintf("Prism not measured (%s); the backend: %.0f requests/s", strings.TrimSuffix(h.PrismUnavailable, "."), b.rps), false)
		}
		r.target("HTTP", fmt.Sprintf("retrieve: p99 under %.0f ms at %d connections", maxRetrieveP99Ms, h.Concurrency),
			fmt.Sprintf("%.2f ms (p50 %.2f ms)", b.p99, b.p50), b.p99 < maxRetrieveP99Ms)
		if b.p99 >= maxRetrieveP99Ms {
			r.gap(gapRetrieveLatency)
		}
	}
	if ep := h.Endpoint(EndpointCreate); ep != nil {
		b, _ := mediansOf(ep.Backend)
		r.target("HTTP", fmt.Sprintf("create: at least %.0f per second on SQLite", minCreatesPerSecond),
			fmt.Sprintf("%.0f per second (p50 %.2f ms, p99 %.2f ms)", b.rps, b.p50, b.p99), b.rps >= minCreatesPerSecond)
		if b.rps < minCreatesPerSecond {
			r.gap(gapCreate(r.in.HotPaths, r.in.Machine.SyncWriteMs))
		}
	}
}

// ---- memory ----

func (r *report) memory() {
	type peak struct {
		load  string
		bytes int64
		// store is the backend's store, for its peaks; the provider's
		// binary, for a provider's.
		store string
	}
	var backend []peak
	if h := r.in.HTTP; h != nil {
		for _, ep := range h.Endpoints {
			if len(ep.BackendPeakBytes) > 0 {
				backend = append(backend, peak{"HTTP " + ep.Name + " load", slices.Max(ep.BackendPeakBytes), "SQLite"})
			}
		}
	}
	if p := r.in.Postgres; p != nil {
		for _, s := range p.Setups {
			for _, ep := range s.Endpoints {
				if len(ep.BackendPeakBytes) > 0 {
					store := "PostgreSQL"
					if s.Replicas > 1 {
						store = fmt.Sprintf("PostgreSQL, the largest of %d replicas", s.Replicas)
					}
					backend = append(backend, peak{"HTTP " + ep.Name + " load", slices.Max(ep.BackendPeakBytes), store})
				}
			}
		}
	}
	var provider []peak
	for _, t := range r.in.Terraform {
		for _, rr := range t.Resources {
			for _, op := range rr.Ops {
				if len(op.BackendPeakBytes) > 0 {
					backend = append(backend, peak{fmt.Sprintf("Terraform %s of %d `%s`", op.Op, t.N, rr.Type), slices.Max(op.BackendPeakBytes), "SQLite"})
				}
				if op.Op == OpApply && len(op.ProviderPeakBytes) > 0 {
					prov, _ := providerOf(rr.Type)
					provider = append(provider, peak{fmt.Sprintf("`terraform apply` of %d `%s`", t.N, rr.Type), slices.Max(op.ProviderPeakBytes), prov.name})
				}
			}
		}
	}
	if len(backend) == 0 && len(provider) == 0 {
		return
	}
	r.printf("## Memory\n\nPeak resident memory (the kernel's high-water mark), the largest of the runs.\n\n| process | under | peak |\n|---|---|---|\n")
	var worst peak
	for _, p := range backend {
		r.printf("| reference-backend (%s) | %s | %.0f MB |\n", p.store, p.load, mb(p.bytes))
		if p.bytes > worst.bytes {
			worst = p
		}
	}
	for _, p := range provider {
		r.printf("| %s | %s | %.0f MB |\n", p.store, p.load, mb(p.bytes))
	}
	r.printf("\n")
	if len(backend) > 0 {
		met := mb(worst.bytes) < maxBackendPeakMB
		r.target("Memory", fmt.Sprintf("backend peak under %.0f MB under each load", maxBackendPeakMB),
			fmt.Sprintf("%.0f MB at most (%s, %s)", mb(worst.bytes), worst.load, worst.store), met)
		if !met {
			r.gap(gapMemory)
		}
	}
	for _, p := range provider {
		if p.store != ProviderBinaryName {
			continue // the anchors' peaks are in the table above
		}
		r.targets = append(r.targets, targetRow{area: "Memory", target: "provider peak during " + p.load,
			measured: fmt.Sprintf("%.0f MB", mb(p.bytes)), figure: true})
	}
}

// ---- usage (issue 5) ----

// benchCreate is the create hot path's Go benchmark.
const benchCreate = "BenchmarkCreateManagedAccount"

const (
	benchReportHTTP    = "BenchmarkReport31Days1000Accounts/http"
	benchReportService = "BenchmarkReport31Days1000Accounts/service"
	benchReportPast    = "BenchmarkReport31Days1000Accounts/service-past-window"
	benchRawGroupBy    = "BenchmarkRawGroupBy"
	benchIngest        = "BenchmarkIngest10kBatch"
	benchIngestHTTP    = "BenchmarkIngest10kBatchHTTP"
	benchIngestRandom  = "BenchmarkIngest10kBatchRandomIDs"
	benchIngestHTTP2   = "BenchmarkIngest10kBatchHTTP2Producers"
)

func (r *report) usage() {
	u := r.in.Usage
	if u == nil {
		return
	}
	raw, rawOK := u.Figure(benchRawGroupBy, "p50-ms")
	svc, svcOK := u.Figure(benchReportService, "p50-ms")
	httpMs, httpOK := u.Figure(benchReportHTTP, "p50-ms")
	if rawOK && svcOK {
		r.target("Usage", fmt.Sprintf("report at least %.0f times faster than a GROUP BY over the raw events", minReportVsRawGroupBy),
			fmt.Sprintf("%.0f times (%.1f ms against %.0f ms)", raw/svc, svc, raw), raw/svc >= minReportVsRawGroupBy)
	}
	if httpOK {
		past := ""
		if v, ok := u.Figure(benchReportPast, "p50-ms"); ok {
			past = fmt.Sprintf("; a window of the past, six blocks: %.1f ms in the service", v)
		}
		r.target("Usage", "31-day report, 1,000 managed accounts, 10 million events: median under 50 ms",
			fmt.Sprintf("%.1f ms through HTTP (%.1f ms in the service%s)", httpMs, svc, past), httpMs < maxReportMedianMs)
		if httpMs >= maxReportMedianMs {
			r.gap(gapReport)
		}
	}
	if v, ok := u.Figure(benchIngest, "events/s"); ok {
		viaHTTP, _ := u.Figure(benchIngestHTTP, "events/s")
		random, _ := u.Figure(benchIngestRandom, "events/s")
		twoProducers, _ := u.Figure(benchIngestHTTP2, "events/s")
		r.target("Usage", "ingestion of at least 50,000 events/s in batches on SQLite",
			fmt.Sprintf("time-ordered ids: %.0f events/s (service), %.0f events/s (HTTP), %.0f events/s (HTTP, two producers); "+
				"random ids: %.0f events/s (service)", v, viaHTTP, twoProducers, random),
			v >= minIngestEventsPerS && random >= minIngestEventsPerS)
		if v < minIngestEventsPerS || random < minIngestEventsPerS {
			r.gap(gapIngestion)
		}
	}

	r.printf("## Usage (issue 5)\n\n")
	for _, f := range u.Fixtures {
		r.printf("Report fixture: %s (the rate of the report fixture's database, ingested in batches of 10,000 as it grows to its full size).\n\n", f)
	}
	r.goBenchTable(u, false)
	r.printf("%s\n", usageMeasured)
}

// ---- hot paths ----

func (r *report) hotPaths() {
	g := r.in.HotPaths
	if g == nil {
		return
	}
	r.printf("## Go benchmarks of the hot paths\n\n")
	r.printf("In-process benchmarks of the HTTP handler on SQLite (`go -C bench test -run '^$' -bench . -benchmem .`): " +
		"compare runs with benchstat to see a regression. cpu-ns/op is the process's CPU time per operation; what ns/op has " +
		"beyond it is waiting, for the disk above all.\n\n")
	r.goBenchTable(g, true)
}

func (r *report) goBenchTable(g *GoBench, micro bool) {
	r.printf("| benchmark | runs | iterations per run | median | other medians |\n|---|---|---|---|---|\n")
	for _, name := range g.Order {
		res := g.Results[name]
		ns, _ := res.Median("ns/op")
		var others []string
		for _, u := range res.otherUnits() {
			v, _ := res.Median(u)
			others = append(others, strconv.FormatFloat(v, 'f', -1, 64)+" "+u)
		}
		per := fmt.Sprintf("%.2f ms/op", ns/1e6)
		if micro {
			per = fmt.Sprintf("%.1f µs/op", ns/1e3)
		}
		r.printf("| %s | %d | %d | %s | %s |\n", strings.TrimPrefix(name, "Benchmark"), len(res.Iters), res.Iters[0], per, strings.Join(others, ", "))
	}
	r.printf("\n")
}
