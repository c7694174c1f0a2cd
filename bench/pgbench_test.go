package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEndpointsPinEachConnectionToOneServer: with two servers, the loads
// send worker w's requests to servers[w%2], so each server serves exactly
// half of the connections, each kept alive, and both serve requests.
func TestEndpointsPinEachConnectionToOneServer(t *testing.T) {
	type seen struct {
		mu    sync.Mutex
		conns map[string]int // remote address: requests
		paths map[string]bool
	}
	newServer := func(s *seen) *httptest.Server {
		s.conns, s.paths = map[string]int{}, map[string]bool{}
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			s.conns[r.RemoteAddr]++
			s.paths[r.URL.Path] = true
			s.mu.Unlock()
			_, _ = w.Write([]byte(`{"data":{}}`))
		}))
	}
	var a, b seen
	srvA, srvB := newServer(&a), newServer(&b)
	defer srvA.Close()
	defer srvB.Close()

	const concurrency = 6
	opts := HTTPOptions{Concurrency: concurrency, Duration: 150 * time.Millisecond}
	servers := []target{{name: "a", base: srvA.URL, key: "k"}, {name: "b", base: srvB.URL, key: "k"}}
	var retrieve *loadEndpoint
	for _, ep := range opts.endpoints("acct-1") {
		if ep.name == EndpointRetrieve {
			retrieve = &ep
		}
	}
	if retrieve == nil {
		t.Fatal("no retrieve endpoint")
	}
	res, err := retrieve.load(servers, 1).Run(t.Context(), NewLoadClient(concurrency))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failures != 0 || res.Requests == 0 {
		t.Fatalf("%d requests, %d failures (%s)", res.Requests, res.Failures, res.FirstFailure)
	}
	// Each server gets the connections of half the workers (a connection
	// may be replaced during the run, so there may be more than half) and
	// about half of the requests.
	total := 0
	for _, s := range []*seen{&a, &b} {
		for _, n := range s.conns {
			total += n
		}
	}
	for name, s := range map[string]*seen{"first": &a, "second": &b} {
		requests := 0
		for _, n := range s.conns {
			requests += n
		}
		if len(s.conns) < concurrency/2 || 4*requests < total || 4*requests > 3*total {
			t.Errorf("the %s server saw %d requests of %d on %d connections, want about half on at least %d: %v",
				name, requests, total, len(s.conns), concurrency/2, s.conns)
		}
		if !s.paths["/managed_accounts/acct-1"] || len(s.paths) != 1 {
			t.Errorf("the %s server saw the paths %v", name, s.paths)
		}
	}
}

func samplePostgres() *PostgresResults {
	// 10 s loads: CPU seconds of 10 × rps requests at the µs per request given.
	load := func(rps, p50, p99, backendUs, pgUs, genUs float64) []LoadResult {
		n := int64(10 * rps)
		return []LoadResult{{Requests: n, RequestsPerSec: rps, P50Ms: p50, P99Ms: p99, MaxMs: 2 * p99, CPU: []TierCPU{
			{TierServer, backendUs * float64(n) / 1e6}, {TierDatabase, pgUs * float64(n) / 1e6}, {TierGenerator, genUs * float64(n) / 1e6},
		}}}
	}
	setup := func(replicas int, retrieve, create float64) PostgresSetupRun {
		return PostgresSetupRun{Replicas: replicas, Endpoints: []EndpointRuns{
			{Name: EndpointRetrieve, Request: "GET /v2/managed_accounts/{id}", Backend: load(retrieve, 20, 35, 200, 300, 60+float64(replicas))},
			{Name: EndpointCreate, Request: "POST /v2/managed_accounts", Backend: load(create, 40, 60, 400, 500, 70)},
		}}
	}
	return &PostgresResults{Concurrency: 50, DurationSeconds: 10, WarmupSeconds: 2, Runs: 1, DBMaxConns: 10, ServerVersion: "15.18",
		Setups: []PostgresSetupRun{setup(1, 3000, 1200), setup(2, 2700, 1100)}}
}

// TestReportOfPostgresBesideSQLite: each endpoint has a row for SQLite (of
// the HTTP section), one and two PostgreSQL replicas, with the ratio to
// SQLite; the pool size and what two replicas on one machine can show are
// stated; the figures reach the targets table as figures without a target.
func TestReportOfPostgresBesideSQLite(t *testing.T) {
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: sampleHTTP(false), Postgres: samplePostgres()})
	for _, want := range []string{
		"## Backend HTTP on PostgreSQL beside SQLite",
		"| retrieve `GET /v2/managed_accounts/{id}` | SQLite, 1 server | 12000 |  | 4.00 | 8.00 | 16.00 | 90 / – / 50 | 0 | 12000 |",
		"| retrieve `GET /v2/managed_accounts/{id}` | PostgreSQL 15.18, 1 replica | 3000 | 0.25 | 20.00 | 35.00 | 70.00 | 200 / 300 / 61 | 0 | 3000 |",
		"| retrieve `GET /v2/managed_accounts/{id}` | PostgreSQL 15.18, 2 replicas | 2700 | 0.23 | 20.00 | 35.00 | 70.00 | 200 / 300 / 62 | 0 | 2700 |",
		"CPU µs: backend / PostgreSQL / generator",
		"| PostgreSQL | retrieve on 2 replicas within 5% of 1 replica | 10.0% less (2700 requests/s against 3000) | **missed** |",
		"### Two PostgreSQL replicas more than 5% below one on retrieves",
		"one replica 200 / 300 / 61, two replicas 200 / 300 / 62",
		"| create `POST /v2/managed_accounts` | PostgreSQL 15.18, 2 replicas | 1100 | 0.73 |",
		"`--db-max-conns 10`",
		"sharing one `--server-secret`",
		"this machine's 2 cores",
		"Two replicas on one machine measure the correctness and the overhead of scale-out, not its capacity",
		"| PostgreSQL | retrieve requests/s: SQLite, 1 server / PostgreSQL 15.18, 1 replica / PostgreSQL 15.18, 2 replicas | 12000 / 3000 / 2700 | no target |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// No list250 load was measured on either store: no row, no figure.
	if strings.Contains(md, "| list250") || strings.Contains(md, "list250 requests/s") {
		t.Error("the report has a list250 row without its runs")
	}
	if strings.Contains(md, "PostgreSQL was not measured") || strings.Contains(md, "Not every setup") {
		t.Error("the report says PostgreSQL was not (fully) measured, though it was")
	}
	if t.Failed() {
		t.Log(md)
	}

	// Two replicas within 5% of one: met, and nothing to explain.
	near := samplePostgres()
	near.Setups[1].Endpoints[0].Backend[0].RequestsPerSec = 2900
	md = writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Postgres: near})
	if want := "| PostgreSQL | retrieve on 2 replicas within 5% of 1 replica | 3.3% less (2900 requests/s against 3000) | met |"; !strings.Contains(md, want) {
		t.Errorf("the report lacks %q:\n%s", want, md)
	}
	if strings.Contains(md, "### Two PostgreSQL replicas") {
		t.Error("the report explains a target that is met")
	}
}

// TestReportWithoutPostgresSaysWhy: when PostgreSQL did not start, the
// section says why and the other sections are still written; when a setup
// failed, what was measured is shown with what failed.
func TestReportWithoutPostgresSaysWhy(t *testing.T) {
	reason := "scripts/postgres.sh could not start PostgreSQL: postgres.sh: initdb failed"
	md := writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, HTTP: sampleHTTP(true),
		Postgres: &PostgresResults{Concurrency: 50, Runs: 1, DBMaxConns: 10, Unavailable: reason}})
	for _, want := range []string{
		"**PostgreSQL was not measured**: " + reason + ".",
		"| PostgreSQL | HTTP loads on one and two replicas beside SQLite (issue 6) | not measured (" + reason + ") | no target |",
		"## Backend HTTP beside Prism",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}

	partial := samplePostgres()
	partial.Setups = partial.Setups[:1]
	partial.Unavailable = "the loads on 2 replicas failed: the backend exited"
	md = writeSample(t, ReportInput{Machine: Machine{CPU: "Test CPU", Cores: 2}, Postgres: partial})
	for _, want := range []string{
		"**Not every setup was measured**: the loads on 2 replicas failed: the backend exited.",
		"| retrieve `GET /v2/managed_accounts/{id}` | PostgreSQL 15.18, 1 replica | 3000 |  |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
}
