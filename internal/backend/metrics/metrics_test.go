package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// fixedStats is a store that reports the same stats at every scrape.
type fixedStats backend.StoreStats

func (f fixedStats) Stats() backend.StoreStats { return backend.StoreStats(f) }

// TestMetricsExposeWhatTheyAreTold: every call of the HTTP layer's and the
// store's stats reach the exposition with exactly the values and labels
// DEPLOYMENT.md documents, and a label outside its fixed set is folded into
// "other" rather than passed on.
func TestMetricsExposeWhatTheyAreTold(t *testing.T) {
	m := New(Options{Version: "v1.2.3", MaxConcurrentRequests: 512, Store: fixedStats{
		Pools:   []backend.PoolStats{{Name: "main", MaxConns: 10, InUse: 3, Idle: 2, Waits: 7, WaitTime: 1500 * time.Millisecond}},
		Retries: &backend.TxRetryStats{Serialization: 5, Connection: 1, RunsAlone: 2},
	}})
	m.RequestServed("GET /v2/balance", 200, 3*time.Millisecond)
	m.RequestServed("GET /v2/balance", 200, 40*time.Millisecond)
	m.RequestServed("GET /v2/balance", 503, 2*time.Second)
	m.RequestServed("(unmatched)", 1000, time.Millisecond) // no status net/http writes
	m.RequestStarted()
	m.RequestStarted()
	m.RequestEnded()
	m.RequestRefusedAtCap()
	m.RateLimited("api_key")
	m.AuthenticationFailed("v2")
	m.AuthenticationFailed("v2")
	m.IdempotentReplay("POST /v2/managed_accounts")
	m.UsageIngested(9, 1)
	m.UsageIngested(0, 2)
	m.WebhookDelivery(WebhookDelivered)
	m.WebhookDelivery(WebhookFailed)
	m.WebhookDelivery("https://hooks.example.com/a-secret-path") // a caller's mistake

	const want = `
# HELP reference_backend_authentication_failures_total Credentials refused (401), by API: v2 (API keys), reference (the operator key), portal (sign-in).
# TYPE reference_backend_authentication_failures_total counter
reference_backend_authentication_failures_total{api="v2"} 2
# HELP reference_backend_build_info Always 1; the version of the backend is its label.
# TYPE reference_backend_build_info gauge
reference_backend_build_info{version="v1.2.3"} 1
# HELP reference_backend_db_connection_wait_seconds_total Time transactions spent waiting for a connection of the pool.
# TYPE reference_backend_db_connection_wait_seconds_total counter
reference_backend_db_connection_wait_seconds_total{pool="main"} 1.5
# HELP reference_backend_db_connection_waits_total Transactions that found no connection of the pool free and waited for one.
# TYPE reference_backend_db_connection_waits_total counter
reference_backend_db_connection_waits_total{pool="main"} 7
# HELP reference_backend_db_connections Open database connections, by pool (SQLite: writer, reader; PostgreSQL: main) and state (in_use, idle).
# TYPE reference_backend_db_connections gauge
reference_backend_db_connections{pool="main",state="idle"} 2
reference_backend_db_connections{pool="main",state="in_use"} 3
# HELP reference_backend_db_max_connections The most connections the pool opens (PostgreSQL: --db-max-conns).
# TYPE reference_backend_db_max_connections gauge
reference_backend_db_max_connections{pool="main"} 10
# HELP reference_backend_db_transaction_retries_total PostgreSQL only: runs of a write transaction that failed and are run again (unless out of attempts: a 503), by cause: serialization (a conflict with a concurrent transaction) or connection (lost before COMMIT).
# TYPE reference_backend_db_transaction_retries_total counter
reference_backend_db_transaction_retries_total{cause="connection"} 1
reference_backend_db_transaction_retries_total{cause="serialization"} 5
# HELP reference_backend_db_transactions_run_alone_total PostgreSQL only: runs of a write transaction that, after repeated conflicts, kept every other writer out.
# TYPE reference_backend_db_transactions_run_alone_total counter
reference_backend_db_transactions_run_alone_total 2
# HELP reference_backend_http_max_concurrent_requests --max-concurrent-requests: requests in flight beyond which the server answers 503 (0: no cap).
# TYPE reference_backend_http_max_concurrent_requests gauge
reference_backend_http_max_concurrent_requests 512
# HELP reference_backend_http_request_duration_seconds Time from a request's headers to the end of its answer, by route.
# TYPE reference_backend_http_request_duration_seconds histogram
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.001"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.0025"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.005"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.01"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.025"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.05"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.1"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.25"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="0.5"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="1"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="2.5"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="5"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="10"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="30"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="60"} 1
reference_backend_http_request_duration_seconds_bucket{route="(unmatched)",le="+Inf"} 1
reference_backend_http_request_duration_seconds_sum{route="(unmatched)"} 0.001
reference_backend_http_request_duration_seconds_count{route="(unmatched)"} 1
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.001"} 0
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.0025"} 0
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.005"} 1
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.01"} 1
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.025"} 1
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.05"} 2
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.1"} 2
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.25"} 2
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="0.5"} 2
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="1"} 2
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="2.5"} 3
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="5"} 3
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="10"} 3
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="30"} 3
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="60"} 3
reference_backend_http_request_duration_seconds_bucket{route="GET /v2/balance",le="+Inf"} 3
reference_backend_http_request_duration_seconds_sum{route="GET /v2/balance"} 2.043
reference_backend_http_request_duration_seconds_count{route="GET /v2/balance"} 3
# HELP reference_backend_http_requests_in_flight Requests being served that count against --max-concurrent-requests (all but /healthz and /readyz).
# TYPE reference_backend_http_requests_in_flight gauge
reference_backend_http_requests_in_flight 1
# HELP reference_backend_http_requests_refused_at_cap_total Requests answered 503 because --max-concurrent-requests were in flight.
# TYPE reference_backend_http_requests_refused_at_cap_total counter
reference_backend_http_requests_refused_at_cap_total 1
# HELP reference_backend_http_requests_total Requests answered, by route (the pattern matched, or (unmatched)) and status code.
# TYPE reference_backend_http_requests_total counter
reference_backend_http_requests_total{code="200",route="GET /v2/balance"} 2
reference_backend_http_requests_total{code="503",route="GET /v2/balance"} 1
reference_backend_http_requests_total{code="other",route="(unmatched)"} 1
# HELP reference_backend_idempotent_replays_total POSTs answered from the record of an earlier request with the same Idempotency-Key, by route.
# TYPE reference_backend_idempotent_replays_total counter
reference_backend_idempotent_replays_total{route="POST /v2/managed_accounts"} 1
# HELP reference_backend_rate_limited_total Requests answered 429, by limit: api_key, operator_key, auth_failures, portal_sign_in.
# TYPE reference_backend_rate_limited_total counter
reference_backend_rate_limited_total{limit="api_key"} 1
# HELP reference_backend_usage_events_ingested_total Usage events of the batches ingested, by outcome: accepted (new) or duplicate (ingested before).
# TYPE reference_backend_usage_events_ingested_total counter
reference_backend_usage_events_ingested_total{outcome="accepted"} 9
reference_backend_usage_events_ingested_total{outcome="duplicate"} 3
# HELP reference_backend_webhook_deliveries_total Attempts to deliver a webhook, by outcome.
# TYPE reference_backend_webhook_deliveries_total counter
reference_backend_webhook_deliveries_total{outcome="delivered"} 1
reference_backend_webhook_deliveries_total{outcome="failed"} 1
reference_backend_webhook_deliveries_total{outcome="other"} 1
`
	var names []string
	for _, line := range strings.Split(want, "\n") {
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			names = append(names, strings.Fields(name)[0])
		}
	}
	if err := testutil.GatherAndCompare(m.registry, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	// The conventions of Prometheus's own linter: units, _total on
	// counters, help on every metric.
	problems, err := testutil.GatherAndLint(m.registry)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestSQLiteStatsServeNoRetries: a store that runs no transaction again
// serves its pools and no retry metric at all, rather than a zero that
// would read as "no conflicts".
func TestSQLiteStatsServeNoRetries(t *testing.T) {
	m := New(Options{Store: fixedStats{Pools: []backend.PoolStats{{Name: "writer", MaxConns: 1}, {Name: "reader", MaxConns: 4}}}})
	if n := testutil.CollectAndCount(newStoreCollector(fixedStats{}), "reference_backend_db_transaction_retries_total"); n != 0 {
		t.Errorf("%d retry series without retries", n)
	}
	n, err := testutil.GatherAndCount(m.registry, "reference_backend_db_max_connections", "reference_backend_db_transaction_retries_total",
		"reference_backend_db_transactions_run_alone_total")
	if err != nil || n != 2 {
		t.Errorf("%d series of pools and retries (%v), want the 2 pools' only", n, err)
	}
}

// TestHandlerServesOnlyMetrics: GET /metrics answers the text format with
// the runtime's and the process's metrics; nothing else is served.
func TestHandlerServesOnlyMetrics(t *testing.T) {
	srv := httptest.NewServer(New(Options{}).Handler())
	defer srv.Close()
	get := func(method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	status, body := get(http.MethodGet, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics answered %d", status)
	}
	for _, name := range []string{"go_goroutines ", "process_cpu_seconds_total ", "reference_backend_http_max_concurrent_requests 0"} {
		if !strings.Contains(body, "\n"+name) {
			t.Errorf("GET /metrics lacks %q", name)
		}
	}
	for _, path := range []string{"/", "/metrics/", "/debug/pprof/"} {
		if status, _ := get(http.MethodGet, path); status != http.StatusNotFound {
			t.Errorf("GET %s answered %d, want 404", path, status)
		}
	}
	if status, _ := get(http.MethodPost, "/metrics"); status != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics answered %d, want 405", status)
	}
}

// BenchmarkRequest: what the metrics cost one request that was routed (the
// calls the HTTP layer makes for it), one at a time and on every core at
// once. The hot-path benchmarks of bench/ (BENCH_METRICS=1) measure the
// same within whole requests.
func BenchmarkRequest(b *testing.B) {
	m := New(Options{})
	routes := []string{"GET /v2/managed_accounts/{id}", "GET /v2/balance", "POST /v2/managed_accounts", "GET /v2/api_keys"}
	request := func(i int) {
		m.RequestStarted()
		m.RequestServed(routes[i%len(routes)], 200, 80*time.Microsecond)
		m.RequestEnded()
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			request(i)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				request(i)
				i++
			}
		})
	})
}
