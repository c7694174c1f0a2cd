package usagebench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite" // the raw GROUP BY reads the store's file directly

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/usagesim"
)

// Environment of the benchmarks.
const (
	// EventsEnv sets the number of events of the report fixture.
	EventsEnv = "USAGEBENCH_EVENTS"
	// DirEnv names a folder that keeps the report fixture between runs (make
	// bench shares one between its go test commands); without it the fixture
	// lives in a temporary folder removed when the run ends.
	DirEnv = "USAGEBENCH_DIR"
)

// The report fixture: a manager with fixtureAccounts managed accounts and
// their usage over the fixtureDays days from fixtureStart (the benchmarked
// report's window), after a quieter history from the first of that month,
// so that the window starts mid-month on days with usage before them, as a
// "last 31 days" report does, and nothing comes after it.
const (
	fixtureAccounts = 1000
	fixtureDays     = 31
	defaultEvents   = 10_000_000
	historyPerDay   = 20 // events per account and day before the window
	batchSize       = backend.MaxUsageBatch
)

var (
	fixtureStart = time.Date(2025, 1, 16, 0, 0, 0, 0, time.UTC)
	historyStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

// env is a service on a file-backed SQLite store, a manager and its
// managed accounts.
type env struct {
	dir        string
	dbPath     string
	store      *sqlite.DB
	svc        *backend.Service
	handler    http.Handler
	manager    *backend.Caller
	managerKey string
	accounts   []string
}

// newEnv opens (creating it when missing) the database in dir, with the
// shipped price book, and a manager with n managed accounts unless they
// exist.
func newEnv(ctx context.Context, dir string, n int) (*env, error) {
	e := &env{dir: dir, dbPath: filepath.Join(dir, "usage.db")}
	var err error
	if e.store, err = sqlite.Open(ctx, e.dbPath); err != nil {
		return nil, err
	}
	secret, err := os.ReadFile(filepath.Join(dir, "server-secret"))
	if errors.Is(err, os.ErrNotExist) {
		secret = backend.NewServerSecret()
		err = os.WriteFile(filepath.Join(dir, "server-secret"), secret, 0o600)
	}
	if err != nil {
		return nil, err
	}
	secrets, err := backend.NewSecrets(secret)
	if err != nil {
		return nil, err
	}
	secrets.PasswordCost = bcrypt.MinCost
	e.svc = backend.NewService(e.store, secrets)
	if err := e.svc.EnsurePriceBook(ctx); err != nil {
		return nil, err
	}
	e.handler = httpapi.New(e.svc, httpapi.Options{})

	// The manager's key is kept beside the database, so that a fixture
	// built by an earlier run is used as is.
	keyFile := filepath.Join(dir, "manager-key")
	key, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		email, limit := "bench-manager@example.com", 2*n
		_, plain, err := e.svc.CreateManager(ctx, backend.CreateManagerInput{Email: &email, ManagedAccountLimit: &limit})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyFile, []byte(plain), 0o600); err != nil {
			return nil, err
		}
		key = []byte(plain)
	} else if err != nil {
		return nil, err
	}
	e.managerKey = string(key)
	if e.manager, err = e.svc.Authenticate(ctx, e.managerKey); err != nil {
		return nil, err
	}
	existing, _, err := e.svc.ListManagedAccounts(ctx, e.manager, backend.ManagedAccountQuery{})
	if err != nil {
		return nil, err
	}
	if len(existing) == 0 {
		for i := range n {
			name := fmt.Sprintf("Bench customer %04d", i)
			if _, err := e.svc.CreateManagedAccount(ctx, e.manager, backend.CreateManagedAccountInput{BusinessName: &name}); err != nil {
				return nil, err
			}
		}
	}
	for page := 1; ; page++ {
		list, meta, err := e.svc.ListManagedAccounts(ctx, e.manager, backend.ManagedAccountQuery{
			Sort: backend.SortOrder{Field: "created_at"}, Page: backend.Page{Number: page, Size: backend.MaxPageSize},
		})
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			e.accounts = append(e.accounts, a.ID)
		}
		if page >= meta.TotalPages {
			break
		}
	}
	return e, nil
}

func (e *env) close() error { return e.store.Close() }

// inputs turns simulated events into an ingestion batch.
func inputs(events []usagesim.Event) []backend.UsageEventInput {
	out := make([]backend.UsageEventInput, len(events))
	opt := func(s *string) *string {
		if *s == "" {
			return nil
		}
		return s
	}
	for i := range events {
		ev := &events[i]
		out[i] = backend.UsageEventInput{
			ID: &ev.ID, AccountID: &ev.AccountID, Product: &ev.Product, OccurredAt: &ev.OccurredAt,
			Direction: opt(&ev.Direction), CountryISO: &ev.CountryISO, MessageType: opt(&ev.MessageType), ProductName: &ev.ProductName,
			Parts: ev.Parts, BilledSec: ev.BilledSec, Bytes: ev.Bytes,
		}
	}
	return out
}

// batches makes the generator's events into ingestion batches in the
// background, so that ingesting one overlaps with making the next.
func batches(ctx context.Context, gen *usagesim.Generator) <-chan []backend.UsageEventInput {
	out := make(chan []backend.UsageEventInput, 2)
	go func() {
		defer close(out)
		batch := make([]usagesim.Event, 0, batchSize)
		flush := func() bool {
			select {
			case out <- inputs(batch):
				batch = make([]usagesim.Event, 0, batchSize)
				return true
			case <-ctx.Done():
				return false
			}
		}
		for ev := range gen.Events() {
			if batch = append(batch, ev); len(batch) == batchSize && !flush() {
				return
			}
		}
		if len(batch) > 0 {
			flush()
		}
	}()
	return out
}

// fixture is the report benchmarks' database.
type fixture struct {
	*env
	events int64
}

var (
	fixtureOnce sync.Once
	shared      *fixture
	fixtureErr  error
	// cleanups run when the benchmarks are over (TestMain).
	cleanups []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range slices.Backward(cleanups) {
		c()
	}
	os.Exit(code)
}

// loadFixture returns the report fixture, building it on first use: the
// managed accounts, then every event through IngestUsage in batches of
// 10,000, as the operator API would send them.
func loadFixture(b *testing.B) *fixture {
	b.Helper()
	fixtureOnce.Do(func() { shared, fixtureErr = buildFixture(context.Background()) })
	if fixtureErr != nil {
		b.Fatalf("report fixture: %v", fixtureErr)
	}
	return shared
}

func buildFixture(ctx context.Context) (*fixture, error) {
	total := int64(defaultEvents)
	if v := os.Getenv(EventsEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < fixtureAccounts*fixtureDays {
			return nil, fmt.Errorf("%s must be a number of at least %d events, not %q", EventsEnv, fixtureAccounts*fixtureDays, v)
		}
		total = n
	}
	perDay := int((total + fixtureAccounts*fixtureDays/2) / (fixtureAccounts * fixtureDays))
	dir := os.Getenv(DirEnv)
	if dir == "" {
		tmp, err := os.MkdirTemp("", "usagebench-")
		if err != nil {
			return nil, err
		}
		dir = tmp
		cleanups = append(cleanups, func() { _ = os.RemoveAll(tmp) })
	}
	// A fixture built earlier in dir for the same size is used as is.
	done := filepath.Join(dir, fmt.Sprintf("fixture-v2-%d-events-per-day.done", perDay))
	_, statErr := os.Stat(done)
	built := statErr == nil

	start := time.Now()
	e, err := newEnv(ctx, dir, fixtureAccounts)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { _ = e.close() })
	f := &fixture{env: e}
	cfg := usagesim.Config{Seed: 1, AccountIDs: e.accounts, Start: fixtureStart, Days: fixtureDays, EventsPerDay: perDay}
	f.events = cfg.Total()
	if built {
		fmt.Printf("usagebench: fixture of %d events reused from %s\n", f.events, dir)
		return f, nil
	}
	accountsDone := time.Since(start)
	history := usagesim.Config{Seed: 2, AccountIDs: e.accounts, Start: historyStart,
		Days: int(fixtureStart.Sub(historyStart) / (24 * time.Hour)), EventsPerDay: historyPerDay}
	if _, err := ingestAll(ctx, e, history); err != nil {
		return nil, err
	}
	start = time.Now()
	accepted, err := ingestAll(ctx, e, cfg)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	info, err := os.Stat(e.dbPath)
	if err != nil {
		return nil, err
	}
	// The report of make bench reads this line (package bench, gobench.go).
	fmt.Printf("usagebench: fixture %d accounts created in %s; %d events ingested in %s (%.0f events/s); database %d MB\n",
		fixtureAccounts, accountsDone.Round(time.Millisecond), accepted, elapsed.Round(time.Millisecond),
		float64(accepted)/elapsed.Seconds(), info.Size()>>20)
	if err := os.WriteFile(done, nil, 0o600); err != nil {
		return nil, err
	}
	return f, nil
}

// ingestAll ingests the traffic of cfg through IngestUsage in batches of
// 10,000 and returns the number of events accepted: all of them.
func ingestAll(ctx context.Context, e *env, cfg usagesim.Config) (int64, error) {
	gen, err := usagesim.New(cfg)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var accepted int64
	for batch := range batches(ctx, gen) {
		res, err := e.svc.IngestUsage(ctx, batch)
		if err != nil {
			return accepted, fmt.Errorf("ingest: %w", err)
		}
		accepted += int64(res.Accepted)
	}
	if accepted != cfg.Total() {
		return accepted, fmt.Errorf("ingested %d events, want %d", accepted, cfg.Total())
	}
	return accepted, nil
}

// reportQuery is the benchmarked report: the manager's messaging over all
// its managed accounts for the fixture's 31 days, by direction, with cost,
// every row on one page.
func reportQuery() url.Values {
	return url.Values{
		"product": {"messaging"}, "dimensions": {"direction"}, "metrics": {"count,parts,cost"}, "managed_accounts": {"true"},
		"start_date": {fixtureStart.Format(time.RFC3339)}, "end_date": {fixtureStart.AddDate(0, 0, fixtureDays).Format(time.RFC3339)},
		"page[size]": {"5000"},
	}
}

// medianMs reports the median of the iterations' durations, besides the
// mean that ns/op gives.
type medianMs struct{ runs []time.Duration }

func (m *medianMs) time(f func()) {
	start := time.Now()
	f()
	m.runs = append(m.runs, time.Since(start))
}

func (m *medianMs) report(b *testing.B) {
	slices.Sort(m.runs)
	if len(m.runs) > 0 {
		b.ReportMetric(float64(m.runs[len(m.runs)/2].Microseconds())/1000, "p50-ms")
	}
}

// BenchmarkReport31Days1000Accounts asks for the manager's 31-day report
// over its 1,000 managed accounts: through the HTTP handler (key check,
// parameters, JSON of every row) and through the service alone; then, in
// the service, over a window of the past with usage on both sides.
func BenchmarkReport31Days1000Accounts(b *testing.B) {
	f := loadFixture(b)
	q := reportQuery()
	b.Run("http", func(b *testing.B) {
		var (
			m    medianMs
			last *httptest.ResponseRecorder
		)
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, "/v2/usage_reports?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+f.managerKey)
			rec := httptest.NewRecorder()
			m.time(func() { f.handler.ServeHTTP(rec, req) })
			if rec.Code != http.StatusOK {
				b.Fatalf("report answered %d: %s", rec.Code, rec.Body)
			}
			last = rec
		}
		m.report(b)
		var out struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(last.Body.Bytes(), &out); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(out.Data)), "rows")
	})
	for _, sub := range []struct {
		name  string
		start time.Time
	}{{"service", fixtureStart}, {"service-past-window", pastWindow}} {
		b.Run(sub.name, func(b *testing.B) {
			in := reportInput(sub.start)
			var m medianMs
			for b.Loop() {
				m.time(func() {
					if _, err := f.svc.UsageReport(b.Context(), f.manager, in); err != nil {
						b.Fatal(err)
					}
				})
			}
			m.report(b)
		})
	}
}

// reportInput is the benchmarked report as the service takes it, over the
// 31 days from start.
func reportInput(start time.Time) backend.UsageReportInput {
	return backend.UsageReportInput{
		Product: backend.ProductMessaging, Dimensions: []string{backend.FieldDirection},
		Metrics:   []string{backend.MetricCount, backend.MetricParts, backend.MetricCost},
		StartDate: start.Format(time.RFC3339), EndDate: start.AddDate(0, 0, fixtureDays).Format(time.RFC3339),
		ManagedAccounts: true, Page: backend.Page{Number: 1, Size: backend.MaxUsageReportPageSize},
	}
}

// pastWindow starts a 31-day window that has usage on both sides within
// its months: the report sums more, smaller blocks (six).
var pastWindow = time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)

// rawGroupBy is the benchmarked report as one GROUP BY over the raw events
// (as the store keeps them: migration 0011), occurred_at in Unix
// microseconds.
const rawGroupBy = `SELECT e.account_id, d.direction, COUNT(*), SUM(e.parts), SUM(e.cost_micros)
	FROM usage_events AS e
	JOIN accounts AS a ON a.id = e.account_id
	JOIN usage_event_dimensions AS d ON d.id = e.dimensions
	WHERE a.manager_id = ? AND d.product = 'messaging' AND e.occurred_at >= ? AND e.occurred_at < ?
	GROUP BY e.account_id, d.direction ORDER BY e.account_id, d.direction`

// BenchmarkRawGroupBy runs the report's aggregation over usage_events in the
// same database, on a read-only connection set up as the store's readers,
// after checking once that it gives the report's rows.
func BenchmarkRawGroupBy(b *testing.B) {
	f := loadFixture(b)
	db, err := sql.Open("sqlite", f.dbPath+"?_pragma=busy_timeout(5000)&_pragma=temp_store(MEMORY)&_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	from, to := fixtureStart.UnixMicro(), fixtureStart.AddDate(0, 0, fixtureDays).UnixMicro()
	raw := func() []string {
		rows, err := db.QueryContext(b.Context(), rawGroupBy, f.manager.Account.ID, from, to)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var (
				account, direction   string
				count, parts, micros int64
			)
			if err := rows.Scan(&account, &direction, &count, &parts, &micros); err != nil {
				b.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %s %d %d %s", account, direction, count, parts, backend.Money(micros)))
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		return out
	}

	report, err := f.svc.UsageReport(b.Context(), f.manager, reportInput(fixtureStart))
	if err != nil {
		b.Fatal(err)
	}
	var want []string
	for _, r := range report.Rows {
		want = append(want, fmt.Sprintf("%s %s %d %d %s", r.Values[0], r.Values[1], r.Count, r.Parts, r.Cost))
	}
	if got := raw(); !slices.Equal(got, want) {
		b.Fatalf("the raw GROUP BY gives %d rows, the report %d: they differ", len(got), len(want))
	}
	var m medianMs
	for b.Loop() {
		m.time(func() { raw() })
	}
	m.report(b)
}

// ingestDays yields the ingestion benchmarks' batches: day after day from
// fixtureStart, a day of 100 events for each of the 100 accounts of e, as a
// producer streaming its usage sends them. randomIDs chooses the ids
// (usagesim.Config.RandomIDs).
func ingestDays(b *testing.B, e *env, randomIDs bool) func() []usagesim.Event {
	day := 0
	return func() []usagesim.Event {
		gen, err := usagesim.New(usagesim.Config{Seed: 1, AccountIDs: e.accounts, Start: fixtureStart.AddDate(0, 0, day),
			Days: 1, EventsPerDay: 100, RandomIDs: randomIDs})
		if err != nil {
			b.Fatal(err)
		}
		day++
		var events []usagesim.Event
		for ev := range gen.Events() {
			events = append(events, ev)
		}
		return events
	}
}

// BenchmarkIngest10kBatch ingests batches of 10,000 new events of 100
// accounts, a day each, through the service (rating, storage, rollups,
// ledger) on a file-backed SQLite database, which grows from batch to batch.
// The ids are time-ordered (UUIDv7); BenchmarkIngest10kBatchRandomIDs is the
// same with random ids.
func BenchmarkIngest10kBatch(b *testing.B) { benchmarkIngest(b, false) }

// BenchmarkIngest10kBatchRandomIDs is BenchmarkIngest10kBatch with random
// (UUIDv5) event ids.
func BenchmarkIngest10kBatchRandomIDs(b *testing.B) { benchmarkIngest(b, true) }

func benchmarkIngest(b *testing.B, randomIDs bool) {
	e, err := newEnv(b.Context(), b.TempDir(), 100)
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	next := ingestDays(b, e, randomIDs)
	batch := inputs(next())
	for b.Loop() {
		res, err := e.svc.IngestUsage(b.Context(), batch)
		if err != nil {
			b.Fatal(err)
		}
		if res.Accepted != batchSize {
			b.Fatalf("accepted %d of %d", res.Accepted, batchSize)
		}
		b.StopTimer()
		batch = inputs(next())
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "events/s")
}

// httpIngestion posts batches to the operator API's handler in process.
type httpIngestion struct {
	handler http.Handler
	days    func() []usagesim.Event
}

const benchOperatorKey = "usagebench-operator-key"

func newHTTPIngestion(b *testing.B, e *env) *httpIngestion {
	return &httpIngestion{handler: httpapi.New(e.svc, httpapi.Options{OperatorKey: benchOperatorKey}), days: ingestDays(b, e, false)}
}

// nextBody is the next day's batch as a request body.
func (h *httpIngestion) nextBody(b *testing.B) string {
	body, err := json.Marshal(map[string]any{"events": h.days()})
	if err != nil {
		b.Fatal(err)
	}
	return string(body)
}

// post sends one batch and checks that all of it was taken.
func (h *httpIngestion) post(body string) error {
	req := httptest.NewRequest(http.MethodPost, "/reference/usage_events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+benchOperatorKey)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"accepted":10000`) {
		return fmt.Errorf("ingestion answered %d: %s", rec.Code, rec.Body)
	}
	return nil
}

// BenchmarkIngest10kBatchHTTP is BenchmarkIngest10kBatch through the
// operator API's handler, JSON decoding included.
func BenchmarkIngest10kBatchHTTP(b *testing.B) {
	e, err := newEnv(b.Context(), b.TempDir(), 100)
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	h := newHTTPIngestion(b, e)
	body := h.nextBody(b)
	for b.Loop() {
		if err := h.post(body); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		body = h.nextBody(b)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngest10kBatchHTTP2Producers is BenchmarkIngest10kBatchHTTP
// with two producers posting at once, as busy producers do: one batch's
// JSON is decoded while the other's is written (SQLite has one writer). The
// batches are made before the timer starts.
func BenchmarkIngest10kBatchHTTP2Producers(b *testing.B) {
	e, err := newEnv(b.Context(), b.TempDir(), 100)
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	h := newHTTPIngestion(b, e)
	bodies := make(chan string, b.N)
	for range b.N {
		bodies <- h.nextBody(b)
	}
	close(bodies)
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			for body := range bodies {
				if err := h.post(body); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "events/s")
}
