package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/metrics"
)

// The hot paths of the API, through the HTTP handler in process (routing,
// key check, the store, JSON, and the access log written as JSON to
// nowhere), one request at a time: `make bench` runs them, and benchstat
// over two runs shows a regression. The rate limits are off, as in make
// bench's HTTP load, and so are the metrics, as in a server without
// --metrics-addr; BENCH_METRICS=1 turns them on, so that benchstat of a run
// without and a run with shows what they cost. Besides the time, each
// reports the process's CPU time per operation (cpu-ns/op): the difference
// is time spent waiting, for the disk above all.

// benchAPI is a backend, its handler, and a manager with listed managed
// accounts.
type benchAPI struct {
	srv      *backendtest.Server
	handler  http.Handler
	accounts []string
}

func newBenchAPI(b *testing.B, accounts int) *benchAPI {
	b.Helper()
	srv := backendtest.Start(b)
	opts := httpapi.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	if os.Getenv("BENCH_METRICS") == "1" {
		stats, _ := srv.Store.(backend.StatsReporter)
		opts.Metrics = metrics.New(metrics.Options{Store: stats})
	}
	api := &benchAPI{srv: srv, handler: httpapi.New(srv.Service, opts)}
	for i := range accounts {
		var a struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		api.mustDo(b, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, fmt.Sprintf(`{"business_name":"Bench %d"}`, i), &a)
		api.accounts = append(api.accounts, a.Data.ID)
	}
	return api
}

// serve sends one request through the handler and returns the recorder.
func (api *benchAPI) serve(method, path, key, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	// A context that can end, as net/http gives every request (it ends when
	// the client goes away): database/sql and the SQLite driver watch such a
	// context, which has a cost of its own per transaction and query.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	api.handler.ServeHTTP(rec, req)
	return rec
}

// mustDo serves a request that must answer 200, decoding it into out.
func (api *benchAPI) mustDo(b *testing.B, method, path, key, body string, out any) {
	b.Helper()
	rec := api.serve(method, path, key, body)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s answered %d: %s", method, path, rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			b.Fatal(err)
		}
	}
}

// loop serves the request b.N times, each answering 200.
func (api *benchAPI) loop(b *testing.B, method, path, key string) {
	b.Helper()
	cpu := startCPU(b)
	for b.Loop() {
		if rec := api.serve(method, path, key, ""); rec.Code != http.StatusOK {
			b.Fatalf("%s %s answered %d: %s", method, path, rec.Code, rec.Body)
		}
	}
	cpu.report(b)
}

// cpuMeter reports the process's CPU time per operation of a benchmark
// loop, where the platform tells it.
type cpuMeter struct {
	start time.Duration
	ok    bool
}

func startCPU(b *testing.B) cpuMeter {
	b.Helper()
	t, ok := processCPU()
	return cpuMeter{start: t, ok: ok}
}

func (m cpuMeter) report(b *testing.B) {
	b.Helper()
	if t, ok := processCPU(); ok && m.ok && b.N > 0 {
		b.ReportMetric(float64(t-m.start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRetrieveManagedAccount: GET /v2/managed_accounts/{id} as its
// manager (the provider's refresh of telnyx_managed_account).
func BenchmarkRetrieveManagedAccount(b *testing.B) {
	api := newBenchAPI(b, 1)
	api.loop(b, http.MethodGet, "/v2/managed_accounts/"+api.accounts[0], api.srv.ManagerKey)
}

// BenchmarkListManagedAccounts250: a full page of 250 managed accounts.
func BenchmarkListManagedAccounts250(b *testing.B) {
	api := newBenchAPI(b, 250)
	api.loop(b, http.MethodGet, "/v2/managed_accounts?page%5Bsize%5D=250", api.srv.ManagerKey)
}

// BenchmarkCreateManagedAccount: POST /v2/managed_accounts. A manager may
// have 1,000 managed accounts by default: the benchmark moves to a new
// manager (outside the timing) when one is full, so every create counts the
// accounts of a manager of realistic size.
func BenchmarkCreateManagedAccount(b *testing.B) {
	api := newBenchAPI(b, 0)
	key, made := api.srv.ManagerKey, 0
	cpu := startCPU(b)
	for b.Loop() {
		if made == backend.DefaultManagedAccountLimit {
			b.StopTimer()
			_, key = api.srv.NewManager(b)
			made = 0
			b.StartTimer()
		}
		if rec := api.serve(http.MethodPost, "/v2/managed_accounts", key, `{"business_name":"Bench customer"}`); rec.Code != http.StatusOK {
			b.Fatalf("create answered %d: %s", rec.Code, rec.Body)
		}
		made++
	}
	cpu.report(b)
}

// BenchmarkAuthenticate: the service's check of an API key, which every
// request makes (an account's primary key, and a key made with POST
// /v2/api_keys).
func BenchmarkAuthenticate(b *testing.B) {
	api := newBenchAPI(b, 0)
	_, secret := api.srv.CreateAPIKey(b, api.srv.ManagerKey, map[string]any{"description": "bench"})
	for _, k := range []struct{ name, key string }{{"primary-key", api.srv.ManagerKey}, {"api-key", secret}} {
		b.Run(k.name, func(b *testing.B) {
			cpu := startCPU(b)
			for b.Loop() {
				if _, err := api.srv.Service.Authenticate(b.Context(), k.key); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkBalance: GET /v2/balance (the ledger's sums).
func BenchmarkBalance(b *testing.B) {
	api := newBenchAPI(b, 0)
	api.srv.Adjust(b, api.srv.ManagerID, "100.00")
	api.loop(b, http.MethodGet, "/v2/balance", api.srv.ManagerKey)
}
