package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// startServeWithMetrics runs serve with --metrics-addr on a random loopback
// port beside the API's, and returns it with the metrics' base URL.
func startServeWithMetrics(t *testing.T, a *app, args ...string) (r *running, metricsURL string) {
	t.Helper()
	addrs := make(chan string, 1)
	a.onMetricsListen = func(addr string) { addrs <- addr }
	r = startServe(t, a, append([]string{"--metrics-addr", "127.0.0.1:0"}, args...)...)
	select {
	case addr := <-addrs:
		return r, "http://" + addr
	default: // the metrics listen before the API, which answers already
		t.Fatal("serve did not listen for the metrics")
		return nil, ""
	}
}

// scrape is one reading of /metrics, parsed with Prometheus's own parser.
type scrape map[string]*dto.MetricFamily

func scrapeMetrics(t *testing.T, metricsURL string) (scrape, []byte) {
	t.Helper()
	status, header, body := httpDo(t, http.MethodGet, metricsURL+"/metrics", "", "", "")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics answered %d: %s", status, body)
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics Content-Type %q, want the text format", ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the metrics do not parse: %v\n%s", err, body)
	}
	return families, body
}

// value is the value of the counter, gauge or histogram count of family
// whose labels include want; 0 when there is none, as Prometheus reads an
// absent series in an increase.
func (s scrape) value(t *testing.T, family string, want map[string]string) float64 {
	t.Helper()
	f, ok := s[family]
	if !ok {
		return 0
	}
	found := -1.0
	for _, m := range f.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		if found >= 0 {
			t.Fatalf("%s%v matches more than one series", family, want)
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			found = m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			found = m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			found = float64(m.GetHistogram().GetSampleCount())
		default:
			t.Fatalf("%s is a %s", family, f.GetType())
		}
	}
	return max(found, 0)
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// httpDo sends one request (authorization and body optional) and reads the
// whole answer.
func httpDo(t *testing.T, method, url, key, body, idempotencyKey string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, answer
}

// TestMetricsCountWhatTheServerDoes: serve with --metrics-addr, on the store
// of this run, answers a known mix of requests (successes, wrong keys, a
// key's rate limit, the address's limit of failed authentications, usage
// batches, an idempotent replay, unknown paths); the counters scraped before
// and after, parsed with Prometheus's text parser, moved by exactly as much.
// The metrics are not served on the API's address, and no label of the
// backend's own metrics carries a key, an email or an id.
func TestMetricsCountWhatTheServerDoes(t *testing.T) {
	const (
		operatorKey = "metrics-operator-key-0123456789"
		managerKey  = "metrics-manager-key-0123456789ab"
		burst       = 10
	)
	managerEmail := "metrics-manager@example.com"
	args := []string{"--data-dir", filepath.Join(t.TempDir(), "data"), "--operator-key", operatorKey,
		"--bootstrap-manager-key", managerKey, "--bootstrap-manager-email", managerEmail,
		// Every key gets burst requests (the refill is negligible), and the
		// address three failed authentications.
		"--rate-limit", "0.0001", "--rate-burst", fmt.Sprint(burst),
		"--auth-failure-rate-limit", "0.0001", "--auth-failure-burst", "3",
		"--max-concurrent-requests", "64"}
	postgres := pgtest.Enabled()
	if postgres {
		args = append(args, "--database", pgtest.NewDatabase(t), "--db-max-conns", "3")
	}
	run, metricsURL := startServeWithMetrics(t, &app{}, args...)
	api := run.url
	before, _ := scrapeMetrics(t, metricsURL)

	expect := func(want int, method, path, key, body, idempotencyKey string) []byte {
		t.Helper()
		status, _, answer := httpDo(t, method, api+path, key, body, idempotencyKey)
		if status != want {
			t.Fatalf("%s %s answered %d, want %d: %s", method, path, status, want, answer)
		}
		return answer
	}
	// Successes, and two wrong keys.
	for range 3 {
		expect(http.StatusOK, http.MethodGet, "/v2/balance", managerKey, "", "")
	}
	wrongKey := backend.NewAPIKey()
	expect(http.StatusUnauthorized, http.MethodGet, "/v2/balance", wrongKey, "", "")
	expect(http.StatusUnauthorized, http.MethodGet, "/v2/balance", "", "", "")
	// A second manager, whose key then uses up its burst.
	otherEmail := "metrics-other@example.com"
	var other struct {
		Data struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(expect(http.StatusCreated, http.MethodPost, "/reference/accounts", operatorKey,
		`{"email":"`+otherEmail+`","organization_name":"Metrics Other"}`, ""), &other); err != nil {
		t.Fatal(err)
	}
	expect(http.StatusOK, http.MethodGet, "/reference/accounts/"+other.Data.ID, operatorKey, "", "")
	for range burst {
		expect(http.StatusOK, http.MethodGet, "/v2/balance", other.Data.APIKey, "", "")
	}
	expect(http.StatusTooManyRequests, http.MethodGet, "/v2/balance", other.Data.APIKey, "", "")
	// Usage: a batch of three, replayed under its Idempotency-Key, then a
	// batch of one new event and one already ingested.
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	event := func(id string) string {
		return `{"id":"` + id + `","account_id":"` + other.Data.ID + `","product":"messaging","occurred_at":"` + at +
			`","direction":"outbound","message_type":"SMS","country_iso":"US","parts":1}`
	}
	batch := `{"events":[` + event("metrics-event-1") + `,` + event("metrics-event-2") + `,` + event("metrics-event-3") + `]}`
	const idempotencyKey = "metrics-idempotency-key-1"
	first := expect(http.StatusOK, http.MethodPost, "/reference/usage_events", operatorKey, batch, idempotencyKey)
	if replay := expect(http.StatusOK, http.MethodPost, "/reference/usage_events", operatorKey, batch, idempotencyKey); !bytes.Equal(replay, first) {
		t.Fatalf("the replay answered %s, the first %s", replay, first)
	}
	mixed := expect(http.StatusOK, http.MethodPost, "/reference/usage_events", operatorKey,
		`{"events":[`+event("metrics-event-4")+`,`+event("metrics-event-2")+`]}`, "")
	if !strings.Contains(string(mixed), `"accepted":1,"duplicates":1`) {
		t.Fatalf("the mixed batch answered %s", mixed)
	}
	// Paths that match no route; /metrics is one of them here.
	expect(http.StatusNotFound, http.MethodGet, "/no/such/path", "", "", "")
	if answer := expect(http.StatusNotFound, http.MethodGet, "/metrics", "", "", ""); bytes.Contains(answer, []byte("reference_backend_")) {
		t.Fatalf("the API's address serves the metrics: %s", answer)
	}
	// The third failed authentication (the operator's), then the address
	// is refused before any key is checked.
	expect(http.StatusUnauthorized, http.MethodGet, "/reference/audit_events", "metrics-wrong-operator-key-0123", "", "")
	expect(http.StatusTooManyRequests, http.MethodGet, "/v2/balance", managerKey, "", "")

	after, text := scrapeMetrics(t, metricsURL)
	type series struct {
		family string
		labels map[string]string
		want   float64
	}
	route := func(route, code string) map[string]string { return map[string]string{"route": route, "code": code} }
	for _, s := range []series{
		{"reference_backend_http_requests_total", route("GET /v2/balance", "200"), 3 + burst},
		{"reference_backend_http_requests_total", route("GET /v2/balance", "401"), 2},
		{"reference_backend_http_requests_total", route("GET /v2/balance", "429"), 2},
		{"reference_backend_http_requests_total", route("POST /reference/accounts", "201"), 1},
		{"reference_backend_http_requests_total", route("GET /reference/accounts/{id}", "200"), 1},
		{"reference_backend_http_requests_total", route("POST /reference/usage_events", "200"), 3},
		{"reference_backend_http_requests_total", route("GET /reference/audit_events", "401"), 1},
		{"reference_backend_http_requests_total", route("(unmatched)", "404"), 2},
		{"reference_backend_http_request_duration_seconds", map[string]string{"route": "GET /v2/balance"}, 3 + burst + 2 + 2},
		{"reference_backend_http_request_duration_seconds", map[string]string{"route": "POST /reference/usage_events"}, 3},
		{"reference_backend_http_requests_refused_at_cap_total", nil, 0},
		{"reference_backend_rate_limited_total", map[string]string{"limit": "api_key"}, 1},
		{"reference_backend_rate_limited_total", map[string]string{"limit": "auth_failures"}, 1},
		{"reference_backend_rate_limited_total", map[string]string{"limit": "operator_key"}, 0},
		{"reference_backend_authentication_failures_total", map[string]string{"api": "v2"}, 2},
		{"reference_backend_authentication_failures_total", map[string]string{"api": "reference"}, 1},
		{"reference_backend_idempotent_replays_total", map[string]string{"route": "POST /reference/usage_events"}, 1},
		{"reference_backend_usage_events_ingested_total", map[string]string{"outcome": "accepted"}, 4},
		{"reference_backend_usage_events_ingested_total", map[string]string{"outcome": "duplicate"}, 1},
	} {
		if got := after.value(t, s.family, s.labels) - before.value(t, s.family, s.labels); got != s.want {
			t.Errorf("%s%v moved by %v, want %v", s.family, s.labels, got, s.want)
		}
	}
	// Gauges, as they stand.
	gauges := []series{
		{"reference_backend_http_requests_in_flight", nil, 0},
		{"reference_backend_http_max_concurrent_requests", nil, 64},
		{"reference_backend_build_info", map[string]string{"version": version}, 1},
	}
	if postgres {
		gauges = append(gauges, series{"reference_backend_db_max_connections", map[string]string{"pool": "main"}, 3},
			series{"reference_backend_db_connections", map[string]string{"pool": "main", "state": "in_use"}, 0})
	} else {
		gauges = append(gauges, series{"reference_backend_db_max_connections", map[string]string{"pool": "writer"}, 1},
			series{"reference_backend_db_max_connections", map[string]string{"pool": "reader"}, 4},
			series{"reference_backend_db_connections", map[string]string{"pool": "writer", "state": "in_use"}, 0})
	}
	for _, s := range gauges {
		if got := after.value(t, s.family, s.labels); got != s.want {
			t.Errorf("%s%v = %v, want %v", s.family, s.labels, got, s.want)
		}
	}
	// Present, whatever their values: the runtime's and the process's, the
	// pools' waits, and the transactions run again where they can be.
	present := []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total",
		"reference_backend_db_connection_waits_total", "reference_backend_db_connection_wait_seconds_total"}
	retries := []string{"reference_backend_db_transaction_retries_total", "reference_backend_db_transactions_run_alone_total"}
	if postgres {
		present = append(present, retries...)
	} else {
		for _, name := range retries {
			if _, ok := after[name]; ok {
				t.Errorf("%s is served on SQLite, which never runs a transaction again", name)
			}
		}
	}
	for _, name := range present {
		if _, ok := after[name]; !ok {
			t.Errorf("the metrics lack %s", name)
		}
	}

	requireBoundedLabels(t, after, []string{operatorKey, managerKey, wrongKey, other.Data.APIKey, managerEmail, otherEmail,
		other.Data.ID, "metrics-event-", idempotencyKey, "metrics-wrong-operator-key"})
	if bytes.Contains(text, []byte("/no/such/path")) {
		t.Error("the metrics name a path that matched no route")
	}
	if id := anyUUID.Find(text); id != nil {
		t.Errorf("the metrics hold an id: %s", id)
	}
	// The metrics' address serves /metrics and nothing else.
	if status, _, _ := httpDo(t, http.MethodGet, metricsURL+"/v2/balance", managerKey, "", ""); status != http.StatusNotFound {
		t.Errorf("GET /v2/balance on the metrics' address answered %d, want 404", status)
	}
}

// anyUUID finds an id: accounts, keys, cards and events have UUIDs.
var anyUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// boundedRoute is the form of a route label: a pattern of the server's mux
// (a method, a space and a path whose variable parts are {names}), the
// portal's subtree, or (unmatched). No id fits it: ids hold '-'.
var boundedRoute = regexp.MustCompile(`^(\(unmatched\)|/portal/|(GET|POST|PUT|PATCH|DELETE) /[a-z0-9_/{}.]*)$`)

// requireBoundedLabels fails when a label of the backend's own metrics holds
// one of secrets (keys, emails, ids) or a route that is not a pattern.
func requireBoundedLabels(t *testing.T, families scrape, secrets []string) {
	t.Helper()
	for name, f := range families {
		if !strings.HasPrefix(name, "reference_backend_") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, s := range secrets {
					if strings.Contains(l.GetValue(), s) {
						t.Errorf("%s label %s=%q holds %q", name, l.GetName(), l.GetValue(), s)
					}
				}
				if l.GetName() == "route" && !boundedRoute.MatchString(l.GetValue()) {
					t.Errorf("%s route label %q is not a route pattern", name, l.GetValue())
				}
			}
		}
	}
}

// TestMetricsAddrIsChecked: --metrics-addr (or its variable) must be a
// host:port other than the API's; a metrics address already taken stops
// serve before the API listens.
func TestMetricsAddrIsChecked(t *testing.T) {
	env := map[string]string{"REFERENCE_BACKEND_METRICS_ADDR": "127.0.0.1:9464"}
	cfg, err := parseServeConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || cfg.metricsAddr != "127.0.0.1:9464" {
		t.Fatalf("from the environment: %q, %v", cfg.metricsAddr, err)
	}
	if cfg, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard); err != nil || cfg.metricsAddr != "" {
		t.Fatalf("by default: %q, %v; want no metrics", cfg.metricsAddr, err)
	}
	for _, args := range [][]string{
		{"--metrics-addr", "9464"},
		{"--metrics-addr", "http://127.0.0.1:9464/metrics"},
		{"--addr", "0.0.0.0:8787", "--metrics-addr", "0.0.0.0:8787"},
	} {
		if _, err := parseServeConfig(args, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
			t.Errorf("%v: %v, want an error naming --metrics-addr", args, err)
		}
	}

	taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var logs bytes.Buffer
	a := newApp(io.Discard, &logs, func(string) string { return "" })
	a.onListen = func(addr string) { t.Errorf("the API listened on %s, its metrics' address taken", addr) }
	code := a.run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--metrics-addr", taken.Addr().String()})
	if code != 1 || !strings.Contains(logs.String(), "listen for the metrics") {
		t.Errorf("serve with its metrics' address taken exited %d, want 1 with the reason:\n%s", code, logs.String())
	}
}
