package bench

import (
	"strings"
	"testing"
)

// TestReportJudgesMemoryOnEveryStore: the backend's peaks under the
// PostgreSQL loads are listed beside SQLite's and judged with them, so a
// replica above the limit misses the target, named with its load and store.
func TestReportJudgesMemoryOnEveryStore(t *testing.T) {
	pg := samplePostgres()
	pg.Setups[0].Endpoints[0].BackendPeakBytes = []int64{50 << 20}
	pg.Setups[1].Endpoints[1].BackendPeakBytes = []int64{120 << 20, 160 << 20}
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: sampleHTTP(false), Postgres: pg})
	for _, want := range []string{
		"| reference-backend (SQLite) | HTTP create load | 45 MB |",
		"| reference-backend (PostgreSQL) | HTTP retrieve load | 50 MB |",
		"| reference-backend (PostgreSQL, the largest of 2 replicas) | HTTP create load | 160 MB |",
		"| backend peak under 150 MB under each load | 160 MB at most (HTTP create load, PostgreSQL, the largest of 2 replicas) | **missed** |",
		"### Backend memory at or above 150 MB",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
}

// TestReportSaysWhatMoreCoresWouldChange: the PostgreSQL section says what
// its figures would become with cores to spare (issue 16).
func TestReportSaysWhatMoreCoresWouldChange(t *testing.T) {
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Postgres: samplePostgres()})
	if !strings.Contains(md, "**What more cores would change.**") || !strings.Contains(md, "a second replica would add its own CPU") {
		t.Errorf("the PostgreSQL section does not say what more cores would change:\n%s", md)
	}
}

// TestReportRetrieveVsLimitShowsTheShortfall: a share just under 25% is
// not printed as 25% beside "missed".
func TestReportRetrieveVsLimitShowsTheShortfall(t *testing.T) {
	h := sampleHTTP(true)
	h.Endpoints[0].Backend[0].RequestsPerSec = 9903
	h.Endpoints[0].HTTPLimit = sampleLoad(39808, 1, 3, 10, 20)
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: h})
	if want := "| retrieve: at least 25% of httplimit's throughput | 24.9% (9903 requests/s against 39808) | **missed** |"; !strings.Contains(md, want) {
		t.Errorf("the report lacks %q:\n%s", want, md)
	}
}

// TestReportReplicasShowTheShortfall: two replicas just over 5% below one
// are not printed as 5% beside "missed".
func TestReportReplicasShowTheShortfall(t *testing.T) {
	pg := samplePostgres()
	pg.Setups[0].Endpoints[0].Backend[0].RequestsPerSec = 3000
	pg.Setups[1].Endpoints[0].Backend[0].RequestsPerSec = 2840
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Postgres: pg})
	if want := "| retrieve on 2 replicas within 5% of 1 replica | 5.3% less (2840 requests/s against 3000) | **missed** |"; !strings.Contains(md, want) {
		t.Errorf("the report lacks %q:\n%s", want, md)
	}
}
