package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// TestReadyzAnswersWhileTheDatabaseAnswers runs on whichever store the
// harness uses, so it checks each store's Ping.
func TestReadyzAnswersWhileTheDatabaseAnswers(t *testing.T) {
	srv := backendtest.Start(t)
	r := raw(t, srv, http.MethodGet, "/readyz", "", nil)
	r.wantStatus(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"status":"ready"}` {
		t.Fatalf("%s", r)
	}
	raw(t, srv, http.MethodPost, "/readyz", "", nil).wantError(t, errWant{status: 405, code: "10015"})
}

// outageStore is a store whose database can be taken away: while down, every
// call fails as a store fails when it cannot reach its database (EUNAVAILABLE),
// or, with hang, blocks until its context ends, as a stuck database does.
type outageStore struct {
	backend.Store
	down, hang atomic.Bool
}

var errDatabaseAway = &backend.Error{Kind: backend.EUNAVAILABLE, Detail: "The database is unavailable; retry shortly."}

func (s *outageStore) fail(ctx context.Context) error {
	if s.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if s.down.Load() {
		return errDatabaseAway
	}
	return nil
}

func (s *outageStore) Ping(ctx context.Context) error {
	if err := s.fail(ctx); err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}

func (s *outageStore) ReadTx(ctx context.Context, fn func(backend.Tx) error) error {
	if err := s.fail(ctx); err != nil {
		return err
	}
	return s.Store.ReadTx(ctx, fn)
}

func (s *outageStore) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	if err := s.fail(ctx); err != nil {
		return err
	}
	return s.Store.WriteTx(ctx, fn)
}

// TestDatabaseOutageAnswers503AndRecovers: while the database is away,
// /readyz and the API answer 503 in the error envelope with Retry-After (never
// 500), /healthz stays 200 (the process is alive), and everything answers
// again once the database is back, with nothing restarted.
func TestDatabaseOutageAnswers503AndRecovers(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reference.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store := &outageStore{Store: db}
	secrets, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	svc := backend.NewService(store, secrets)
	managerKey := backend.NewAPIKey()
	if _, err := svc.BootstrapManager(t.Context(), managerKey, "outage-manager@example.com"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(httpapi.New(svc, httpapi.Options{}))
	t.Cleanup(ts.Close)

	get := func(path, key string) *apiResponse {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return checkAnswer(t, readResponse(t, resp))
	}
	wantUnavailable := func(r *apiResponse) {
		t.Helper()
		r.wantError(t, errWant{status: http.StatusServiceUnavailable, code: "10007"})
		if r.header.Get("Retry-After") == "" {
			t.Fatalf("%s; want a Retry-After header", r)
		}
		var env errorEnvelope
		r.decode(t, &env)
		if env.Errors[0].Title != "Service unavailable" {
			t.Fatalf("%s; want the title Service unavailable", r)
		}
	}

	get("/readyz", "").wantStatus(t, http.StatusOK)
	get("/v2/balance", managerKey).wantStatus(t, http.StatusOK)

	store.down.Store(true)
	wantUnavailable(get("/readyz", ""))
	wantUnavailable(get("/v2/balance", managerKey))
	wantUnavailable(get("/v2/managed_accounts", managerKey))
	get("/healthz", "").wantStatus(t, http.StatusOK)

	// A database that hangs rather than refuses: the probe gives up on its
	// own deadline instead of holding the load balancer's check.
	store.hang.Store(true)
	wantUnavailable(get("/readyz", ""))
	get("/healthz", "").wantStatus(t, http.StatusOK)
	store.hang.Store(false)

	store.down.Store(false)
	r := get("/readyz", "")
	r.wantStatus(t, http.StatusOK)
	var ready map[string]string
	if err := json.Unmarshal(r.body, &ready); err != nil || ready["status"] != "ready" {
		t.Fatalf("%s; want status ready", r)
	}
	get("/v2/balance", managerKey).wantStatus(t, http.StatusOK)
}
