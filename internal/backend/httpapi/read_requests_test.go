package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// countingStore counts the transactions the service opens on the store;
// with rerunReads, it runs each read transaction's function a second time
// in a new transaction, as PostgreSQL does after a lost connection.
type countingStore struct {
	backend.Store
	reads, writes atomic.Int64
	rerunReads    atomic.Bool
}

func (s *countingStore) ReadTx(ctx context.Context, fn func(backend.Tx) error) error {
	s.reads.Add(1)
	if s.rerunReads.Load() {
		if err := s.Store.ReadTx(ctx, fn); err != nil {
			return err
		}
	}
	return s.Store.ReadTx(ctx, fn)
}

func (s *countingStore) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	s.writes.Add(1)
	return s.Store.WriteTx(ctx, fn)
}

// readRoutes are requests of the routes that only read, one per route that
// reads (httpapi's accountRead), with the key of the manager of srv.
func readRoutes(t *testing.T, srv *backendtest.Server) []string {
	t.Helper()
	var a single[managedAccount]
	call(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{"business_name": "Read"}).decode(t, &a)
	keyID, _ := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"description": "read"})
	card := createCard(t, srv, srv.ManagerKey, testVisa)
	return []string{
		"/v2/managed_accounts/" + a.Data.ID, "/v2/managed_accounts", "/v2/balance",
		"/v2/api_keys/" + keyID, "/v2/api_keys", "/v2/payment_methods/" + card.ID, "/v2/payment_methods",
	}
}

// TestAReadRequestIsOneReadTransaction: a request that only reads checks
// its key and reads what it answers in one read transaction of the store,
// and writes nothing (once its key's last use is recent).
func TestAReadRequestIsOneReadTransaction(t *testing.T) {
	var store *countingStore
	srv := backendtest.StartWith(t, backendtest.Options{WrapStore: func(s backend.Store) backend.Store {
		store = &countingStore{Store: s}
		return store
	}})
	for _, path := range readRoutes(t, srv) {
		call(t, srv, http.MethodGet, path, srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
		reads, writes := store.reads.Load(), store.writes.Load()
		call(t, srv, http.MethodGet, path, srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
		if r, w := store.reads.Load()-reads, store.writes.Load()-writes; r != 1 || w != 0 {
			t.Errorf("GET %s: %d read and %d write transactions, want 1 and 0", path, r, w)
		}
	}
}

// TestAReadRequestRunAgainAnswersOnce: when the store runs a read request's
// transaction again, the client gets the last run's answer alone, and the
// key's rate limit is charged once.
func TestAReadRequestRunAgainAnswersOnce(t *testing.T) {
	var store *countingStore
	rec := &httpapi.MetricsRecorder{}
	srv := backendtest.StartWith(t, backendtest.Options{
		HTTP: httpapi.Options{RateLimit: 1, RateBurst: 5, Now: newTestClock().Now, Metrics: rec},
		WrapStore: func(s backend.Store) backend.Store {
			store = &countingStore{Store: s}
			return store
		},
	})
	paths := readRoutes(t, srv) // spends 3 of the manager key's 5 tokens
	store.rerunReads.Store(true)
	r := call(t, srv, http.MethodGet, paths[0], srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	var a single[managedAccount]
	dec := json.NewDecoder(bytes.NewReader(r.body))
	if err := dec.Decode(&a); err != nil || dec.More() || a.Data.ID == "" {
		t.Fatalf("%s: want one JSON document with the account (%v)", r, err)
	}
	wantRateHeaders(t, r, "5", "1", "4")
	// The last token: refused after it, once, however often the store runs
	// the transaction.
	call(t, srv, http.MethodGet, paths[1], srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	refused := raw(t, srv, http.MethodGet, paths[1], srv.ManagerKey, nil)
	refused.wantError(t, errWant{status: http.StatusTooManyRequests, code: "10011"})
	wantRateHeaders(t, refused, "5", "0", "5")
	if n := rec.Count("rate limited " + httpapi.LimitAPIKey); n != 1 {
		t.Errorf("the metrics counted %d refusals by the key's limit, want 1", n)
	}
}
