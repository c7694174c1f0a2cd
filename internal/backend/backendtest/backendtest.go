// Package backendtest starts the reference backend in-process for tests: a
// temporary SQLite file (or, when REFERENCE_BACKEND_TEST_POSTGRES_URL names a
// PostgreSQL server, a fresh database on it), a fresh server secret and
// operator key, an httptest server on a random loopback port, and one manager
// account ready to use. Backend, client and provider tests all start the
// backend through it, so that they run unchanged on either store.
package backendtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// LogEnv, set to 1, sends the backend's logs to stderr; by default they are
// discarded so that the tests that use the harness stay quiet.
const LogEnv = "BACKENDTEST_LOG"

// Server is a running backend.
type Server struct {
	RootURL     string // http://127.0.0.1:PORT
	URL         string // RootURL + "/v2": the provider's base_url
	OperatorKey string
	ManagerKey  string // primary key of a manager created at start
	ManagerID   string
	Service     *backend.Service
	// Secrets are the service's, for tests that check a stored password.
	Secrets *backend.Secrets
	// Store is the service's store, for tests that write what no endpoint
	// writes yet (usage ledger entries, entries dated in the past).
	Store backend.Store
	// DBPath is the SQLite database file (with its -wal beside it), for tests
	// that inspect what is stored; empty on PostgreSQL (see StoredData).
	DBPath string
	// DatabaseURL is the PostgreSQL database's URL when the backend runs on
	// PostgreSQL (REFERENCE_BACKEND_TEST_POSTGRES_URL set); empty on SQLite.
	DatabaseURL string

	httpServer *httptest.Server
	clock      *clock
}

// clock is the service's clock: real time moved by an offset, or frozen at
// an instant once a test sets one. It is installed before the server serves,
// so that tests move time without racing the server's goroutines.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen time.Time // zero while the clock runs
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen
	}
	return time.Now().Add(c.offset)
}

// requestTimeout bounds each call the harness makes itself.
const requestTimeout = 30 * time.Second

// Start runs a backend until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t, Options{})
}

// Options change the backend that StartWith runs; the zero value is Start's.
type Options struct {
	// HTTP configures the HTTP layer: rate limits and the concurrency cap,
	// all off by default. Its OperatorKey and Logger are set by the harness.
	HTTP httpapi.Options
	// WrapStore, when set, wraps the store that the service uses, for tests
	// that watch or slow it (SlowLookups); Server.Store stays the store
	// itself.
	WrapStore func(backend.Store) backend.Store
	// Deliveries, when set, runs the notification delivery worker
	// (deliveries.go); without it notifications wait, pending.
	Deliveries *Deliveries
}

// StartWith runs a backend configured by opts until the test ends.
func StartWith(t testing.TB, opts Options) *Server {
	t.Helper()
	store, dbPath, dbURL := openStore(t)
	secrets, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatalf("backendtest: server secret: %v", err)
	}
	secrets.PasswordCost = bcrypt.MinCost // real bcrypt, but fast enough for hundreds of tests
	serviceStore := store
	if opts.WrapStore != nil {
		serviceStore = opts.WrapStore(store)
	}
	svc := backend.NewService(serviceStore, secrets)
	clk := &clock{}
	svc.SetClock(clk.now)
	if err := svc.EnsurePriceBook(context.Background()); err != nil {
		t.Fatalf("backendtest: load the price book: %v", err)
	}

	logger := slog.New(slog.DiscardHandler)
	if os.Getenv(LogEnv) == "1" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	operatorKey := "op-" + randomHex(t, 24)
	httpOpts := opts.HTTP
	httpOpts.OperatorKey, httpOpts.Logger = operatorKey, logger
	ts := httptest.NewServer(httpapi.New(svc, httpOpts))
	t.Cleanup(ts.Close) // runs before the store closes: cleanups run last-in, first-out

	s := &Server{
		RootURL: ts.URL, URL: ts.URL + "/v2", OperatorKey: operatorKey, Service: svc, Secrets: secrets, Store: store, DBPath: dbPath, DatabaseURL: dbURL,
		httpServer: ts, clock: clk,
	}
	s.ManagerID, s.ManagerKey = s.NewManager(t)
	startDeliveries(t, svc, opts.Deliveries)
	return s
}

// NewManager creates another manager account through the operator API, with
// a unique email, and returns its id and primary key.
func (s *Server) NewManager(t testing.TB) (id, key string) {
	t.Helper()
	email := "manager-" + randomHex(t, 8) + "@example.com"
	status, body := s.Operator(t, http.MethodPost, "/reference/accounts", map[string]any{
		"email": email, "organization_name": "Manager " + email,
	})
	if status != http.StatusCreated {
		t.Fatalf("backendtest: create manager: status %d: %s", status, body)
	}
	var created struct {
		Data struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Data.ID == "" || created.Data.APIKey == "" {
		t.Fatalf("backendtest: create manager: unexpected answer (%v): %s", err, body)
	}
	return created.Data.ID, created.Data.APIKey
}

// Client returns an API client that calls the backend with key and never
// retries, so that a test sees every answer as it is.
func (s *Server) Client(t testing.TB, key string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{
		BaseURL: s.URL, APIKey: key, MaxRetries: -1, HTTPClient: s.httpServer.Client(),
		UserAgent: "backendtest",
	})
	if err != nil {
		t.Fatalf("backendtest: client: %v", err)
	}
	return c
}

// Operator calls the operator API with the operator key and returns the
// status and body. path is like "/reference/accounts/ID". body is sent as
// is when it is a string, []byte or json.RawMessage (to test malformed
// input), as JSON otherwise, and not at all when nil.
func (s *Server) Operator(t testing.TB, method, path string, body any) (int, []byte) {
	t.Helper()
	status, _, raw := s.Do(t, method, path, s.OperatorKey, body)
	return status, raw
}

// Do sends one raw request to the backend, path relative to RootURL (like
// "/v2/balance"), with key as its bearer token (none when key is empty). It
// returns the status, the headers and the body. body follows the rules of
// Operator.
func (s *Server) Do(t testing.TB, method, path, key string, body any) (int, http.Header, []byte) {
	t.Helper()
	authorization := ""
	if key != "" {
		authorization = "Bearer " + key
	}
	return s.DoAuthorization(t, method, path, authorization, body)
}

// DoAuthorization is Do with the Authorization header given whole (none when
// empty), to send malformed ones.
func (s *Server) DoAuthorization(t testing.TB, method, path, authorization string, body any) (int, http.Header, []byte) {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewReader([]byte(b))
	case []byte:
		reader = bytes.NewReader(b)
	case json.RawMessage:
		reader = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("backendtest: encode body: %v", err)
		}
		reader = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.RootURL+path, reader)
	if err != nil {
		t.Fatalf("backendtest: %s %s: %v", method, path, err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.httpServer.Client().Do(req)
	if err != nil {
		t.Fatalf("backendtest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("backendtest: %s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, raw
}

// Adjust posts a ledger adjustment of amount (a decimal string such as
// "25.00" or "-5.5") to an account, failing the test unless it is accepted.
func (s *Server) Adjust(t testing.TB, accountID, amount string) {
	t.Helper()
	status, body := s.Operator(t, http.MethodPost, "/reference/accounts/"+accountID+"/adjustments",
		map[string]string{"amount": amount, "description": "backendtest adjustment"})
	if status != http.StatusCreated {
		t.Fatalf("backendtest: adjust %s by %s: status %d: %s", accountID, amount, status, body)
	}
}

// CancelAccount cancels an account through the operator API, failing the
// test unless it succeeds.
func (s *Server) CancelAccount(t testing.TB, id string) {
	t.Helper()
	status, body := s.Operator(t, http.MethodDelete, "/reference/accounts/"+id, nil)
	if status != http.StatusOK {
		t.Fatalf("backendtest: cancel %s: status %d: %s", id, status, body)
	}
}

// CreateAPIKey creates an API key on the account of key (POST /v2/api_keys;
// body as for Operator, nil for a plain key) and returns its id and secret,
// failing the test unless it is created.
func (s *Server) CreateAPIKey(t testing.TB, key string, body any) (id, secret string) {
	t.Helper()
	status, _, raw := s.Do(t, http.MethodPost, "/v2/api_keys", key, body)
	if status != http.StatusOK {
		t.Fatalf("backendtest: create API key: status %d: %s", status, raw)
	}
	var created struct {
		Data struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &created); err != nil || created.Data.ID == "" || created.Data.APIKey == "" {
		// The answer holds a secret: say what is wrong without printing it.
		t.Fatalf("backendtest: create API key: the answer lacks an id or a secret (%v)", err)
	}
	return created.Data.ID, created.Data.APIKey
}

// RevokeAPIKey revokes the key id of key's account (DELETE /v2/api_keys/{id}),
// failing the test unless it succeeds.
func (s *Server) RevokeAPIKey(t testing.TB, key, id string) {
	t.Helper()
	status, _, raw := s.Do(t, http.MethodDelete, "/v2/api_keys/"+id, key, nil)
	if status != http.StatusOK {
		t.Fatalf("backendtest: revoke API key %s: status %d: %s", id, status, raw)
	}
}

// IngestUsage posts a batch of usage events through the operator API
// (POST /reference/usage_events, each event a JSON object as the API takes
// it), failing the test unless the batch is accepted.
func (s *Server) IngestUsage(t testing.TB, events []map[string]any) {
	t.Helper()
	status, body := s.Operator(t, http.MethodPost, "/reference/usage_events", map[string]any{"events": events})
	if status != http.StatusOK {
		t.Fatalf("backendtest: ingest %d usage events: status %d: %s", len(events), status, body)
	}
}

// Now is the backend's current time.
func (s *Server) Now() time.Time { return s.clock.now() }

// SetTime stops the backend's clock at at (the zero time lets it run again):
// keys expire, and last_used_at and every timestamp are written, by this
// clock.
func (s *Server) SetTime(at time.Time) {
	s.clock.mu.Lock()
	defer s.clock.mu.Unlock()
	s.clock.frozen = at
}

// AdvanceTime moves the backend's clock forward by d, whether it runs or is
// stopped, so that a test need not sleep for keys to expire.
func (s *Server) AdvanceTime(d time.Duration) {
	s.clock.mu.Lock()
	defer s.clock.mu.Unlock()
	if s.clock.frozen.IsZero() {
		s.clock.offset += d
		return
	}
	s.clock.frozen = s.clock.frozen.Add(d)
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("backendtest: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// String describes the server without its keys, should a test print it.
func (s *Server) String() string { return fmt.Sprintf("reference backend at %s", s.RootURL) }
