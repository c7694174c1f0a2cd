package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

const testKey = "KEY0123456789abcdefWXYZ"

const balanceBody = `{"data":{"record_type":"balance","balance":"12.50","pending":"0.00","credit_limit":"0.00","available_credit":"12.50","currency":"USD"}}`

// recorder is an httptest server that answers with the scripted responses in
// order (the last one repeats) and remembers every request it saw.
type recorder struct {
	mu      sync.Mutex
	script  []func(w http.ResponseWriter, r *http.Request)
	seen    []*http.Request
	bodies  []string
	arrived chan struct{} // receives once per request, if not full
	srv     *httptest.Server
}

func newRecorder(t testing.TB, script ...func(w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	rec := &recorder{script: script, arrived: make(chan struct{}, 16)}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		n := len(rec.seen)
		rec.seen = append(rec.seen, r.Clone(context.Background()))
		rec.bodies = append(rec.bodies, string(body))
		step := rec.script[min(n, len(rec.script)-1)]
		rec.mu.Unlock()
		select {
		case rec.arrived <- struct{}{}:
		default:
		}
		step(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) requests() []*http.Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]*http.Request(nil), rec.seen...)
}

func (rec *recorder) client(t testing.TB, mutate func(*client.Config)) *client.Client {
	t.Helper()
	cfg := client.Config{
		BaseURL:      rec.srv.URL + "/v2",
		APIKey:       testKey,
		UserAgent:    "terraform-provider-telnyx/1.2.3 (+https://www.terraform.io) Terraform/1.11.4",
		MaxRetries:   4,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

func status(code int, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

func apiError(code int, apiCode, title, detail string, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, `{"errors":[{"code":%q,"title":%q,"detail":%q}]}`, apiCode, title, detail)
	}
}

func ok(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func TestRetriesThrough429And503ThenSucceeds(t *testing.T) {
	rec := newRecorder(t,
		apiError(http.StatusTooManyRequests, "10011", "Too many requests", "slow down", "Retry-After", "1"),
		apiError(http.StatusServiceUnavailable, "10007", "Service unavailable", "try later"),
		ok(balanceBody),
	)
	// RetryWaitMax bounds the wait Retry-After asks for; keep the test fast
	// while the exact wait chosen is pinned by the package's internal test.
	c := rec.client(t, func(cfg *client.Config) { cfg.RetryWaitMax = 10 * time.Millisecond })

	b, err := c.GetBalance(context.Background())
	if err != nil {
		t.Fatalf("GetBalance: %v", err)
	}
	if b.Balance != "12.50" || b.Currency != "USD" {
		t.Fatalf("balance = %+v", b)
	}
	if n := len(rec.requests()); n != 3 {
		t.Fatalf("server saw %d attempts, want 3", n)
	}
}

func TestAttemptsAreBoundedAndTheLastAPIErrorSurfaces(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusServiceUnavailable, "10007", "Service unavailable", "the database is down", "X-Request-Id", "req-42"))
	c := rec.client(t, func(cfg *client.Config) { cfg.MaxRetries = 2 })

	_, err := c.GetBalance(context.Background())
	if n := len(rec.requests()); n != 3 {
		t.Fatalf("server saw %d attempts, want 3 (1 + MaxRetries 2)", n)
	}
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not a *client.Error", err, err)
	}
	if apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Code() != "10007" || apiErr.Detail() != "the database is down" {
		t.Fatalf("error = %+v, want 503 / 10007 / the detail", apiErr)
	}
	if apiErr.RequestID != "req-42" || !strings.Contains(err.Error(), "req-42") {
		t.Fatalf("request id not carried: %v", err)
	}
	if client.StatusCode(err) != http.StatusServiceUnavailable {
		t.Fatalf("StatusCode(err) = %d", client.StatusCode(err))
	}
}

func TestNegativeMaxRetriesMeansOneAttempt(t *testing.T) {
	rec := newRecorder(t, status(http.StatusBadGateway))
	c := rec.client(t, func(cfg *client.Config) { cfg.MaxRetries = -1 })
	if _, err := c.GetBalance(context.Background()); client.StatusCode(err) != http.StatusBadGateway {
		t.Fatalf("err = %v, want the 502", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("server saw %d attempts, want 1", n)
	}
}

func TestPermanentFailuresAreNotRetried(t *testing.T) {
	tests := []struct {
		name string
		step func(http.ResponseWriter, *http.Request)
		code int
	}{
		{"501 not implemented", apiError(http.StatusNotImplemented, "10007", "Not implemented", "no"), http.StatusNotImplemented},
		{"409 with x-should-retry false", apiError(http.StatusConflict, "10012", "Conflict", "taken", "x-should-retry", "false"), http.StatusConflict},
		{"503 with x-should-retry false", apiError(http.StatusServiceUnavailable, "10007", "Unavailable", "no", "x-should-retry", "false"), http.StatusServiceUnavailable},
		{"422 invalid", apiError(http.StatusUnprocessableEntity, "10004", "Invalid", "bad email"), http.StatusUnprocessableEntity},
		{"400 bad request", apiError(http.StatusBadRequest, "10015", "Bad request", "bad"), http.StatusBadRequest},
		{"401 unauthenticated", apiError(http.StatusUnauthorized, "10009", "Unauthenticated", "bad key"), http.StatusUnauthorized},
		{"404 not found", apiError(http.StatusNotFound, "10005", "Not found", "gone"), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, tt.step, ok(balanceBody))
			c := rec.client(t, nil)
			_, err := c.GetBalance(context.Background())
			if client.StatusCode(err) != tt.code {
				t.Fatalf("err = %v, want status %d", err, tt.code)
			}
			if n := len(rec.requests()); n != 1 {
				t.Fatalf("server saw %d attempts, want 1", n)
			}
		})
	}
}

func TestConflictWithoutOptOutIsRetried(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusConflict, "10012", "Conflict", "busy"), ok(balanceBody))
	if _, err := rec.client(t, nil).GetBalance(context.Background()); err != nil {
		t.Fatalf("GetBalance: %v", err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Fatalf("server saw %d attempts, want 2", n)
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	// A server that hangs up without answering on the first attempt.
	rec := newRecorder(t,
		func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			_ = conn.Close()
		},
		ok(balanceBody),
	)
	if _, err := rec.client(t, nil).GetBalance(context.Background()); err != nil {
		t.Fatalf("GetBalance: %v", err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Fatalf("server saw %d attempts, want 2", n)
	}
}

// TestConnectionErrorIsTyped: a call that never got an answer says so with a
// type of its own, which the provider turns into advice about base_url and
// the network, and keeps the cause.
func TestConnectionErrorIsTyped(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
	})
	_, err := rec.client(t, func(cfg *client.Config) { cfg.MaxRetries = -1 }).GetBalance(context.Background())
	var connErr *client.ConnectionError
	if !errors.As(err, &connErr) || connErr.Method != http.MethodGet || connErr.Path != "/balance" || connErr.Err == nil {
		t.Fatalf("err = %v (%T), want an *client.ConnectionError of GET /balance with its cause", err, err)
	}
	if !strings.HasPrefix(err.Error(), "GET /balance: ") || client.StatusCode(err) != 0 {
		t.Fatalf("err = %q: want the call, then the cause, and no status", err)
	}
}

func TestAPIErrorCarriesEveryField(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "abc")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = io.WriteString(w, `{"errors":[{"code":"10012","title":"Email taken","detail":"an account with this email already exists","source":{"pointer":"/email"}}]}`)
	})
	_, err := rec.client(t, nil).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Acme"})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	if apiErr.Method != http.MethodPost || apiErr.Path != "/managed_accounts" || apiErr.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("error = %+v", apiErr)
	}
	if len(apiErr.Errors) != 1 || apiErr.Errors[0].Source == nil || apiErr.Errors[0].Source.Pointer != "/email" {
		t.Fatalf("errors = %+v, want one with pointer /email", apiErr.Errors)
	}
	for _, want := range []string{"422", "Email taken", "10012", "an account with this email already exists", "/email", "abc"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error message %q lacks %q", err.Error(), want)
		}
	}
}

func TestNonEnvelopeErrorBodyIsKept(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body>upstream proxy error</body></html>")
	})
	_, err := rec.client(t, func(cfg *client.Config) { cfg.MaxRetries = -1 }).GetBalance(context.Background())
	var apiErr *client.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	if len(apiErr.Errors) != 0 || !strings.Contains(apiErr.Body, "upstream proxy error") {
		t.Fatalf("error = %+v, want the raw body kept", apiErr)
	}
	if apiErr.Detail() != apiErr.Body || !strings.Contains(err.Error(), "upstream proxy error") {
		t.Fatalf("the body does not reach the message: %v", err)
	}
}

func TestMalformedSuccessBodyIsAClearError(t *testing.T) {
	rec := newRecorder(t, ok(`{"data": {"record_type": "balance", "balance": 12.5`))
	_, err := rec.client(t, nil).GetBalance(context.Background())
	if err == nil {
		t.Fatal("a truncated body decoded without error")
	}
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		t.Fatalf("a 200 became an API error: %v", err)
	}
	// Typed, so that the provider can say what to do (check base_url).
	var unexpected *client.UnexpectedAnswerError
	if !errors.As(err, &unexpected) || unexpected.StatusCode != http.StatusOK || unexpected.Path != "/balance" {
		t.Fatalf("err = %v (%T), want an *client.UnexpectedAnswerError of the 200 to GET /balance", err, err)
	}
	for _, want := range []string{"GET /balance", "200", `"record_type": "balance"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err.Error(), want)
		}
	}
}

func TestMalformedSuccessBodySnippetIsBounded(t *testing.T) {
	rec := newRecorder(t, ok("<html>"+strings.Repeat("x", 10_000)+"</html>"))
	_, err := rec.client(t, nil).GetBalance(context.Background())
	if err == nil || !strings.Contains(err.Error(), "<html>") {
		t.Fatalf("err = %v, want the start of the body", err)
	}
	if len(err.Error()) > 1000 {
		t.Fatalf("error message is %d bytes long; the snippet should be short", len(err.Error()))
	}
}

func TestCancelledContextStopsRetrying(t *testing.T) {
	answered := make(chan struct{}, 1)
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush: %v", err)
		}
		answered <- struct{}{}
	})
	// A wait long enough that only cancellation can end the call.
	c := rec.client(t, func(cfg *client.Config) { cfg.RetryWaitMin, cfg.RetryWaitMax = time.Hour, time.Hour })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.GetBalance(ctx)
		done <- err
	}()
	<-answered // the first attempt was answered; the client now waits to retry
	cancel()

	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled in the chain", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the client kept waiting after its context was cancelled")
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("server saw %d attempts, want 1", n)
	}
}

func TestCancelledContextDuringARequest(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		select { // hold the request until the client gives up on it
		case <-r.Context().Done():
		case <-release:
		}
	})
	c := rec.client(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-rec.arrived
		cancel()
	}()
	_, err := c.GetBalance(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled in the chain", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("server saw %d attempts, want 1", n)
	}
}

func TestIdempotencyKeyIsStableAcrossRetriesOfOnePost(t *testing.T) {
	rec := newRecorder(t,
		status(http.StatusServiceUnavailable),
		status(http.StatusTooManyRequests, "Retry-After", "0"),
		ok(`{"data":{"record_type":"managed_account","id":"one","email":"a@example.com"}}`),
		ok(`{"data":{"record_type":"managed_account","id":"two","email":"b@example.com"}}`),
	)
	c := rec.client(t, nil)
	if _, err := c.CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "One"}); err != nil {
		t.Fatalf("first create: %v", err)
	}
	if _, err := c.CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Two"}); err != nil {
		t.Fatalf("second create: %v", err)
	}
	reqs := rec.requests()
	if len(reqs) != 4 {
		t.Fatalf("server saw %d requests, want 4", len(reqs))
	}
	first := reqs[0].Header.Get("Idempotency-Key")
	if first == "" {
		t.Fatal("POST sent without Idempotency-Key")
	}
	for i := 1; i < 3; i++ {
		if got := reqs[i].Header.Get("Idempotency-Key"); got != first {
			t.Fatalf("retry %d sent Idempotency-Key %q, want %q", i, got, first)
		}
		if rec.bodies[i] != rec.bodies[0] {
			t.Fatalf("retry %d sent body %q, want %q", i, rec.bodies[i], rec.bodies[0])
		}
	}
	if second := reqs[3].Header.Get("Idempotency-Key"); second == "" || second == first {
		t.Fatalf("the next call sent Idempotency-Key %q; want a fresh one (first was %q)", second, first)
	}
}

func TestGetSendsNoIdempotencyKey(t *testing.T) {
	rec := newRecorder(t, ok(balanceBody))
	if _, err := rec.client(t, nil).GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if k := rec.requests()[0].Header.Get("Idempotency-Key"); k != "" {
		t.Fatalf("GET sent Idempotency-Key %q", k)
	}
}

func TestRequestHeaders(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":{"record_type":"managed_account","id":"x"}}`))
	c := rec.client(t, nil)
	if _, err := c.UpdateManagedAccount(context.Background(), "x", client.UpdateManagedAccountRequest{}); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	want := map[string]string{
		"Authorization": "Bearer " + testKey,
		"User-Agent":    "terraform-provider-telnyx/1.2.3 (+https://www.terraform.io) Terraform/1.11.4",
		"Accept":        "application/json",
		"Content-Type":  "application/json",
	}
	for h, v := range want {
		if got := r.Header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
	if r.Method != http.MethodPatch || r.URL.Path != "/v2/managed_accounts/x" {
		t.Errorf("request = %s %s", r.Method, r.URL.Path)
	}
}

func TestDefaultUserAgentNamesTheProvider(t *testing.T) {
	rec := newRecorder(t, ok(balanceBody))
	c := rec.client(t, func(cfg *client.Config) { cfg.UserAgent = "" })
	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ua := rec.requests()[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "terraform-provider-telnyx") {
		t.Fatalf("User-Agent = %q", ua)
	}
}

func TestWithAPIKeyCallsAsAnotherAccount(t *testing.T) {
	rec := newRecorder(t, ok(balanceBody))
	manager := rec.client(t, nil)
	managed := manager.WithAPIKey("KEYmanagedaccount9876")
	if _, err := managed.GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := manager.GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer KEYmanagedaccount9876" {
		t.Fatalf("managed call sent %q", got)
	}
	if got := reqs[1].Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Fatalf("the manager's client changed its key: %q", got)
	}
}

// logRecorder is a client.Logger that keeps every line.
type logRecorder struct {
	mu    sync.Mutex
	lines []logLine
}

type logLine struct {
	msg    string
	fields map[string]any
}

func (l *logRecorder) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, logLine{msg, fields})
}

func TestLogsNeverCarryTheAPIKey(t *testing.T) {
	rec := newRecorder(t, status(http.StatusServiceUnavailable), ok(balanceBody))
	logs := &logRecorder{}
	c := rec.client(t, func(cfg *client.Config) { cfg.Logger = logs })
	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}

	var attempts []string
	for _, l := range logs.lines {
		for k, v := range l.fields {
			if s := fmt.Sprint(v); strings.Contains(s, testKey) || strings.Contains(s, testKey[3:len(testKey)-4]) {
				t.Errorf("log %q field %s = %q carries the key", l.msg, k, s)
			}
		}
		if auth, ok := l.fields["authorization"]; ok {
			if auth != "Bearer KEY***WXYZ" {
				t.Errorf("authorization logged as %q, want the masked Bearer KEY***WXYZ", auth)
			}
			attempts = append(attempts, fmt.Sprint(l.fields["attempt"]))
		}
	}
	if strings.Join(attempts, ",") != "1,2" {
		t.Fatalf("logged attempts %v, want one line per attempt (1,2)", attempts)
	}
	if len(logs.lines) < 3 {
		t.Fatalf("got %d log lines, want the 2 attempts and the response", len(logs.lines))
	}
}

func TestShortKeysAreFullyMaskedInLogs(t *testing.T) {
	rec := newRecorder(t, ok(balanceBody))
	logs := &logRecorder{}
	c := rec.client(t, func(cfg *client.Config) { cfg.APIKey, cfg.Logger = "KEYshort", logs })
	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := logs.lines[0].fields["authorization"]; got != "Bearer ***" {
		t.Fatalf("authorization logged as %q, want Bearer ***", got)
	}
}

// pagedServer serves n managed accounts in pages of size per page.
func pagedServer(t *testing.T, total, size int) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page[number]"))
		if err != nil {
			page = 1
		}
		pages := (total + size - 1) / size
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"record_type":"managed_account","id":"acct-%d"}`, i))
		}
		_, _ = fmt.Fprintf(w, `{"data":[%s],"meta":{"page_number":%d,"page_size":%d,"total_pages":%d,"total_results":%d}}`,
			strings.Join(items, ","), page, size, pages, total)
	})
}

func TestIteratorReadsEveryPageAndStopsAtTheLast(t *testing.T) {
	rec := pagedServer(t, 7, 3)
	c := rec.client(t, nil)
	var ids []string
	for a, err := range c.AllManagedAccounts(context.Background(), client.ListManagedAccountsOptions{PageSize: 3, EmailContains: "exa"}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	want := "acct-0,acct-1,acct-2,acct-3,acct-4,acct-5,acct-6"
	if got := strings.Join(ids, ","); got != want {
		t.Fatalf("ids = %s, want %s", got, want)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d page requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		q := r.URL.Query()
		if q.Get("page[number]") != strconv.Itoa(i+1) || q.Get("page[size]") != "3" || q.Get("filter[email][contains]") != "exa" {
			t.Errorf("request %d query = %s", i, r.URL.RawQuery)
		}
	}
}

func TestIteratorStopsWhenTheConsumerBreaks(t *testing.T) {
	rec := pagedServer(t, 7, 3)
	c := rec.client(t, nil)
	n := 0
	for _, err := range c.AllManagedAccounts(context.Background(), client.ListManagedAccountsOptions{PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 4 { // the first item of page 2
			break
		}
	}
	if got := len(rec.requests()); got != 2 {
		t.Fatalf("server saw %d page requests, want 2", got)
	}
}

func TestIteratorOnAnEmptyListMakesOneRequest(t *testing.T) {
	rec := pagedServer(t, 0, 3)
	for _, err := range rec.client(t, nil).AllManagedAccounts(context.Background(), client.ListManagedAccountsOptions{}) {
		t.Fatalf("yielded from an empty list (err %v)", err)
	}
	if got := len(rec.requests()); got != 1 {
		t.Fatalf("server saw %d page requests, want 1", got)
	}
}

func TestIteratorYieldsTheErrorAndStops(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusForbidden, "10010", "Forbidden", "managed accounts cannot list"))
	var errs []error
	for _, err := range rec.client(t, nil).AllManagedAccounts(context.Background(), client.ListManagedAccountsOptions{}) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || client.StatusCode(errs[0]) != http.StatusForbidden {
		t.Fatalf("errors = %v, want the one 403", errs)
	}
}

func TestNewValidatesItsConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     client.Config
		wantErr string
	}{
		{"relative URL", client.Config{BaseURL: "api.telnyx.com/v2", APIKey: testKey}, "absolute http or https"},
		{"ftp scheme", client.Config{BaseURL: "ftp://api.telnyx.com/v2", APIKey: testKey}, "absolute http or https"},
		{"no host", client.Config{BaseURL: "https:///v2", APIKey: testKey}, "absolute http or https"},
		{"unparsable", client.Config{BaseURL: "http://[::1", APIKey: testKey}, "absolute http or https"},
		{"no key", client.Config{BaseURL: "https://api.telnyx.com/v2"}, "API key is required"},
		{"default URL", client.Config{APIKey: testKey}, ""},
		{"trailing slash", client.Config{BaseURL: "http://127.0.0.1:1/v2/", APIKey: testKey}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.New(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New: err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestTrailingSlashInBaseURLIsNotDoubled(t *testing.T) {
	rec := newRecorder(t, ok(balanceBody))
	c := rec.client(t, func(cfg *client.Config) { cfg.BaseURL = rec.srv.URL + "/v2/" })
	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := rec.requests()[0].URL.Path; p != "/v2/balance" {
		t.Fatalf("path = %q, want /v2/balance", p)
	}
}

func TestPathParametersAreEscaped(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":{"record_type":"managed_account","id":"a/b"}}`))
	if _, err := rec.client(t, nil).GetManagedAccount(context.Background(), "a/b?c"); err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	if r.URL.EscapedPath() != "/v2/managed_accounts/a%2Fb%3Fc" || r.URL.RawQuery != "" {
		t.Fatalf("request path %q query %q", r.URL.EscapedPath(), r.URL.RawQuery)
	}
}
