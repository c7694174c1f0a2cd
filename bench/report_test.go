package bench

import (
	"slices"
	"strings"
	"testing"
)

func sampleTerraform() *TerraformResults {
	op := func(name string, secs []float64, reqs map[string]int) OpRuns {
		o := OpRuns{Op: name, Seconds: secs, TerraformCPUSeconds: []float64{1, 1, 1}}
		if reqs != nil {
			o.Requests = []map[string]int{reqs, reqs, reqs}
			o.ProviderPeakBytes = []int64{30 << 20, 35 << 20, 32 << 20}
			o.ProviderProcesses = []int{4, 4, 4}
			o.ProviderCPUSeconds = []float64{2, 2, 2}
			o.BackendCPUSeconds = []float64{0.5, 0.5, 0.5}
			o.BackendPeakBytes = []int64{40 << 20, 41 << 20, 42 << 20}
		}
		return o
	}
	return &TerraformResults{TerraformVersion: "1.11.4", N: 500, Parallelism: 10, Runs: 3, Resources: []ResourceRuns{
		{Type: TerraformData, Ops: []OpRuns{
			op(OpApply, []float64{10, 11, 12}, nil), op(OpPlan, []float64{2, 2, 2}, nil), op(OpDestroy, []float64{8, 8, 8}, nil),
		}},
		{Type: NullResource, Ops: []OpRuns{
			op(OpApply, []float64{8, 8, 8}, nil), op(OpPlan, []float64{2, 2, 2}, nil), op(OpDestroy, []float64{6, 6, 6}, nil),
		}},
		{Type: RandomString, Ops: []OpRuns{
			op(OpApply, []float64{13, 13, 13}, nil), op(OpPlan, []float64{3, 3, 3}, nil), op(OpDestroy, []float64{10, 10, 10}, nil),
		}},
		{Type: TelnyxManagedAccount, Ops: []OpRuns{
			op(OpApply, []float64{14, 12, 13}, map[string]int{"POST /v2/managed_accounts": 500}),
			op(OpPlan, []float64{4, 4, 4}, map[string]int{"GET /v2/managed_accounts/{id}": 500}),
			op(OpDestroy, []float64{9, 9, 9}, map[string]int{"GET /v2/managed_accounts/{id}": 500, "POST /v2/managed_accounts/{id}/actions/disable": 500}),
		}},
		{Type: TelnyxAPIKey, Ops: []OpRuns{
			op(OpApply, []float64{12, 12, 12}, map[string]int{"POST /v2/api_keys": 500, "GET /v2/managed_accounts/{id}": 10}),
			op(OpPlan, []float64{2.5, 2.5, 2.5}, map[string]int{"GET /v2/api_keys/{id}": 1000, "GET /v2/managed_accounts/{id}": 10}),
			op(OpDestroy, []float64{9, 9, 9}, map[string]int{"DELETE /v2/api_keys/{id}": 500}),
		}},
	}}
}

// sampleLoad is one 10 s run at rps, the server and the generator using
// the CPU per request given, in µs.
func sampleLoad(rps, p50, p99, serverUs, generatorUs float64) []LoadResult {
	n := int64(10 * rps)
	return []LoadResult{{Requests: n, RequestsPerSec: rps, P50Ms: p50, P99Ms: p99, MaxMs: 2 * p99,
		CPU: []TierCPU{{TierServer, serverUs * float64(n) / 1e6}, {TierGenerator, generatorUs * float64(n) / 1e6}}}}
}

// sampleHTTP is an HTTP section with Prism or without it (npm failed), and
// httplimit at 40,000 requests/s on the retrieve.
func sampleHTTP(prism bool) *HTTPResults {
	h := &HTTPResults{Concurrency: 50, DurationSeconds: 10, WarmupSeconds: 2, Runs: 1, Endpoints: []EndpointRuns{
		{Name: EndpointRetrieve, Request: "GET /v2/managed_accounts/{id}", Backend: sampleLoad(12000, 4, 8, 90, 50),
			HTTPLimit: sampleLoad(40000, 1, 3, 20, 30), BackendPeakBytes: []int64{40 << 20}},
		{Name: EndpointCreate, Request: "POST /v2/managed_accounts", Backend: sampleLoad(1500, 30, 60, 500, 60), BackendPeakBytes: []int64{45 << 20}},
	}}
	if prism {
		h.PrismVersion = "5.16.0"
		h.Endpoints[0].Prism = sampleLoad(1000, 45, 90, 1500, 60)
		h.Endpoints[1].Prism = sampleLoad(900, 50, 95, 1600, 60)
	} else {
		h.PrismUnavailable = "npm could not install @stoplight/prism-cli@5.16.0"
	}
	return h
}

func writeSample(t *testing.T, in ReportInput) string {
	t.Helper()
	var b strings.Builder
	if err := WriteReport(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReportJudgesEveryTarget: ratios against terraform_data, requests per
// resource, the HTTP targets and memory each say met or missed from the
// medians, and only missed targets bring their explanation.
func TestReportJudgesEveryTarget(t *testing.T) {
	hot := &GoBench{}
	if err := ParseGoBench(strings.NewReader(goBenchSample), hot); err != nil {
		t.Fatal(err)
	}
	md := writeSample(t, ReportInput{
		Machine:   Machine{Date: "2026-11-28T10:00:00Z", CPU: "Test CPU", Cores: 2, GoVersion: "go1.26.8", SyncWriteMs: 0.5},
		Terraform: []*TerraformResults{sampleTerraform()}, HTTP: sampleHTTP(true), HotPaths: hot,
	})
	for _, want := range []string{
		"Written by `make bench` on 2026-11-28. Machine: Test CPU, 2 cores",
		"| `apply` of 500 `telnyx_managed_account` within 1.00 × `random_string` (target) | 1.00 × (13.00 s against 13.00 s) | met |",
		"| `plan` of 500 `telnyx_managed_account` within 1.00 × `random_string` (target) | 1.33 × (4.00 s against 3.00 s) | **missed** |",
		"| `destroy` of 500 `telnyx_managed_account` within 1.50 × `null_resource` (stretch) | 1.50 × (9.00 s against 6.00 s) | met |",
		"| `apply` of 500 `telnyx_managed_account` within 1.50 × `null_resource` (stretch) | 1.62 × (13.00 s against 8.00 s) | **missed** |",
		"| `telnyx_managed_account` create (`apply`): at most 2 requests per resource | 1.00 | met |",
		"| `telnyx_managed_account` `destroy`: at most 2 requests per resource | 2.00 | met |",
		"| `telnyx_api_key` refresh (`plan`): at most 1 request per resource | 2.00 (and 10 requests in all on other routes) | **missed** |",
		"| retrieve: at least 10 × Prism's throughput | 12.0 × (12000 requests/s against 1000) | met |",
		"| retrieve: at least 25% of httplimit's throughput | 30.0% (12000 requests/s against 40000) | met |",
		"| retrieve `GET /v2/managed_accounts/{id}` | httplimit | 40000 | 1.00 | 3.00 | 6.00 | 20 / 30 | 0 | 40000 |",
		"| retrieve `GET /v2/managed_accounts/{id}` | backend | 12000 | 4.00 | 8.00 | 16.00 | 90 / 50 | 0 | 12000 |",
		"| retrieve `GET /v2/managed_accounts/{id}` | Prism 5.16.0 | 1000 | 45.00 | 90.00 | 180.00 | 1500 / 60 | 0 | 1000 |",
		"| retrieve: p99 under 10 ms at 50 connections | 8.00 ms (p50 4.00 ms) | met |",
		"| create: at least 2000 per second on SQLite | 1500 per second",
		"| backend peak under 150 MB under each load | 45 MB at most (HTTP create load, SQLite) | met |",
		"### Terraform: a Telnyx resource costs Terraform more than the anchors",
		"a create takes 1.60 ms, of which 0.60 ms is CPU",
		"| `telnyx_managed_account` | destroy | 9.00 | 0.90 | 1.50 | 1.12 | 2.00 (`GET /v2/managed_accounts/{id}` 1.00, `POST /v2/managed_accounts/{id}/actions/disable` 1.00) | 1.00 / 2.00 / 0.50 | 6.00 | 35 MB (4 processes) | 42 MB |",
		// The anchors: their own CPU and provider processes, no requests.
		"| `random_string` | plan | 3.00 |  | 1.50 | 1.50 |  | 1.00 / – / – | 2.00 |  |  | 3.00, 3.00, 3.00 |",
		"## Go benchmarks of the hot paths",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	for _, unwanted := range []string{"### Retrieve throughput", "### Retrieve p99", "### Retrieve under 25%", "### Backend memory", "A quick run"} {
		if strings.Contains(md, unwanted) {
			t.Errorf("the report has %q, though its target is met", unwanted)
		}
	}
	if strings.Count(md, "### Terraform: a Telnyx resource") != 1 {
		t.Error("the Terraform explanation is not given exactly once")
	}
	if t.Failed() {
		t.Log(md)
	}
}

// TestReportOfTwoSizes: with two sizes of the Terraform section, both
// tables are shown, the targets are judged at the largest only, and the
// scaling table and the targets table give each ratio's trend.
func TestReportOfTwoSizes(t *testing.T) {
	small := sampleTerraform()
	small.N = 100
	for i := range small.Resources {
		for j := range small.Resources[i].Ops {
			op := &small.Resources[i].Ops[j]
			for k := range op.Seconds {
				op.Seconds[k] /= 4
			}
			if typ := small.Resources[i].Type; (typ == RandomString || typ == NullResource) && op.Op == OpApply {
				op.ProviderPeakBytes, op.ProviderProcesses = []int64{20 << 20}, []int{3}
			}
			if small.Resources[i].Type == TelnyxManagedAccount && op.Op == OpDestroy {
				// 0.85 × random_string's 2.5 s at 100, against 0.90 at 500.
				op.Seconds = []float64{2.125, 2.125, 2.125}
			}
		}
	}
	// The larger size first: the report orders them.
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Terraform: []*TerraformResults{sampleTerraform(), small}})
	for _, want := range []string{
		"of 100 and 500 resources of each type",
		"The targets are judged at 500 resources; the smaller sizes show how each ratio scales",
		"### 100 resources",
		"### 500 resources",
		"### Scaling: 100 → 500 resources",
		"| `telnyx_managed_account` | destroy | 2.12 → 9.00 | 21.2 → 18.0 | 30.00 → 6.00 | 0.85 → 0.90 | 1.42 → 1.50 |",
		"| scaling of `telnyx_managed_account`: × `random_string` at 100 → 500 resources | apply 1.00 → 1.00; plan 1.33 → 1.33; destroy 0.85 → 0.90 | no target |",
		"| `destroy` of 500 `telnyx_managed_account` within 1.00 × `random_string` (target) | 0.90 × (9.00 s against 10.00 s) | met |",
		"| reference-backend (SQLite) | Terraform apply of 100 `telnyx_managed_account` |",
		"| terraform-provider-telnyx | `terraform apply` of 500 `telnyx_api_key` |",
		// An anchor's peak is its own provider's, and no figure of the targets.
		"| terraform-provider-random | `terraform apply` of 100 `random_string` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(md, "of 100 `telnyx_managed_account` within") {
		t.Error("the smaller size is judged")
	}
	if strings.Contains(md, "provider peak during `terraform apply` of 100 `null_resource`") {
		t.Error("an anchor's peak is given as this provider's")
	}
	if strings.Index(md, "### 100 resources") > strings.Index(md, "### 500 resources") {
		t.Error("the sizes are not in increasing order")
	}
	if t.Failed() {
		t.Log(md)
	}
}

// TestReportWithoutAnchorsSaysWhy: without the anchors the Terraform section
// says why, and each target against them is missed with that reason rather
// than left out.
func TestReportWithoutAnchorsSaysWhy(t *testing.T) {
	tf := sampleTerraform()
	tf.Resources = slices.DeleteFunc(tf.Resources, func(r ResourceRuns) bool { return r.Type == NullResource || r.Type == RandomString })
	tf.AnchorsSkipped = "BENCH_ANCHORS names no folder"
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Terraform: []*TerraformResults{tf}, Quick: true})
	for _, want := range []string{
		"**The anchors were not measured**: BENCH_ANCHORS names no folder.",
		"| `destroy` of 500 `telnyx_api_key` within 1.00 × `random_string` (target) | `random_string` not measured (BENCH_ANCHORS names no folder) | **missed** |",
		"| `apply` of 500 `telnyx_managed_account` within 1.50 × `null_resource` (stretch) | `null_resource` not measured (BENCH_ANCHORS names no folder) | **missed** |",
		"| `telnyx_managed_account` | apply | 13.00 |  |  | 1.18 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

// TestReportWithoutPrismSaysWhy: without Prism the retrieve ratio is
// missed, with the reason, and the section says Prism was not measured.
func TestReportWithoutPrismSaysWhy(t *testing.T) {
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: sampleHTTP(false), Quick: true})
	for _, want := range []string{
		"**A quick run**",
		"**Prism was not measured**: npm could not install @stoplight/prism-cli@5.16.0.",
		"| retrieve: at least 10 × Prism's throughput | Prism not measured (npm could not install @stoplight/prism-cli@5.16.0); the backend: 12000 requests/s | **missed** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}

// TestReportOfTheRetrieveBesideHTTPLimit: under 25% of httplimit's
// throughput the target is missed and explained with both loads' CPU per
// request; without the anchor the target says it was skipped, and why.
func TestReportOfTheRetrieveBesideHTTPLimit(t *testing.T) {
	h := sampleHTTP(true)
	h.Endpoints[0].HTTPLimit = sampleLoad(60000, 1, 3, 10, 20)
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: h})
	for _, want := range []string{
		"| retrieve: at least 25% of httplimit's throughput | 20.0% (12000 requests/s against 60000) | **missed** |",
		"### Retrieve under 25% of httplimit's throughput",
		"the backend's process used 90 µs of CPU and httplimit's 10 µs; the generator used 50 µs and 20 µs",
		"140 µs against 30 µs",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}

	h = sampleHTTP(true)
	h.Endpoints[0].HTTPLimit = nil
	h.HTTPLimitSkipped = "BENCH_ANCHORS was not given"
	md = writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: h})
	for _, want := range []string{
		"| retrieve: at least 25% of httplimit's throughput | skipped: BENCH_ANCHORS was not given; the backend: 12000 requests/s | skipped |",
		"**The httplimit anchor was not measured**: BENCH_ANCHORS was not given.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| httplimit |") {
		t.Error("a row for httplimit, which was not measured")
	}
}

// TestReportOfUsageBenchmarks: the usage section keeps issue 5's targets.
func TestReportOfUsageBenchmarks(t *testing.T) {
	g := &GoBench{}
	if err := ParseGoBench(strings.NewReader(goBenchSample), g); err != nil {
		t.Fatal(err)
	}
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Usage: g})
	for _, want := range []string{
		"| 900 times (20.0 ms against 18000 ms) | met |",
		"| 41.5 ms through HTTP (20.0 ms in the service) | met |",
		"| time-ordered ids: 40000 events/s (service), 37000 events/s (HTTP), 50000 events/s (HTTP, two producers); random ids: 33000 events/s (service) | **missed** |",
		"### Usage ingestion under its target",
		"Report fixture: fixture 1000 accounts created in 1.2s; 10013000 events ingested",
		"| Report31Days1000Accounts/http | 3 | 20 | 40.00 ms/op | 41.5 p50-ms, 1816 rows |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "reused") {
		t.Error("a reused fixture has no ingestion figure to show")
	}
}
