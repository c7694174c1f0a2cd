package backend_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// idempotencyEnv is a service over a SQLite store the test can also read
// directly, on a clock the test moves.
type idempotencyEnv struct {
	*env
	store backend.Store
	now   time.Time
}

func newIdempotencyEnv(t *testing.T, wrap func(backend.Store) backend.Store) *idempotencyEnv {
	t.Helper()
	db := openStore(t)
	var store backend.Store = db
	if wrap != nil {
		store = wrap(db)
	}
	e := &idempotencyEnv{env: newEnvOn(t, store), store: db, now: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)}
	e.svc.SetClock(func() time.Time { return e.now })
	return e
}

func (e *idempotencyEnv) request(key string, body string) backend.IdempotentRequest {
	return backend.IdempotentRequest{
		IdempotencyID: backend.IdempotencyID{Scope: backend.OperatorScope, Key: key, Method: http.MethodPost, Path: "/reference/test"},
		Body:          []byte(body),
	}
}

// adjust posts an adjustment of amount to accountID through the service.
func (e *idempotencyEnv) adjust(ctx context.Context, accountID, amount string) error {
	_, _, err := e.svc.PostAdjustment(ctx, accountID, &amount, "idempotency test")
	return err
}

func (e *idempotencyEnv) balance(accountID string) string {
	e.t.Helper()
	_, b, err := e.svc.GetAccount(e.ctx, accountID)
	if err != nil {
		e.t.Fatalf("GetAccount: %v", err)
	}
	return b.Balance.String()
}

func (e *idempotencyEnv) record(key string) (*backend.IdempotencyRecord, error) {
	var rec *backend.IdempotencyRecord
	err := e.store.ReadTx(e.ctx, func(tx backend.Tx) error {
		var err error
		rec, err = tx.GetIdempotencyRecord(e.ctx, e.request(key, "").IdempotencyID)
		return err
	})
	return rec, err
}

func answer(status int, body string) *backend.IdempotentResponse {
	return &backend.IdempotentResponse{Status: status, ContentType: "application/json", Body: []byte(body)}
}

func TestIdempotentRunsOnceAndReplays(t *testing.T) {
	e := newIdempotencyEnv(t, nil)
	m, _, _ := e.manager(backend.CreateManagerInput{})
	runs := 0
	run := func(ctx context.Context) (*backend.IdempotentResponse, error) {
		runs++
		if err := e.adjust(ctx, m.ID, "5.00"); err != nil {
			return nil, err
		}
		return &backend.IdempotentResponse{Status: http.StatusCreated, ContentType: "application/json",
			Location: "/reference/test/1", Body: []byte(fmt.Sprintf(`{"run":%d}`, runs))}, nil
	}
	key := uuid.NewString()
	first, replayed, err := e.svc.Idempotent(e.ctx, e.request(key, `{"a":1}`), run)
	if err != nil || replayed || first.Status != http.StatusCreated {
		t.Fatalf("first: %+v, replayed %v, %v", first, replayed, err)
	}
	again, replayed, err := e.svc.Idempotent(e.ctx, e.request(key, `{"a":1}`), run)
	if err != nil || !replayed || runs != 1 {
		t.Fatalf("again: replayed %v, runs %d, %v; want a replay without a run", replayed, runs, err)
	}
	if again.Status != first.Status || again.ContentType != first.ContentType || again.Location != first.Location ||
		string(again.Body) != string(first.Body) {
		t.Fatalf("replay %+v, want %+v", again, first)
	}
	if got := e.balance(m.ID); got != "5.00" {
		t.Fatalf("balance %s, want 5.00: the adjustment ran once", got)
	}
	_, _, err = e.svc.Idempotent(e.ctx, e.request(key, `{"a":2}`), run)
	if k := backend.ErrorKind(err); k != backend.EINVALID || runs != 1 {
		t.Fatalf("another body: %v (kind %s), runs %d; want EINVALID without a run", err, k, runs)
	}
}

func TestIdempotentFailureKeepsOnlyWhatSucceeded(t *testing.T) {
	e := newIdempotencyEnv(t, nil)
	m, _, _ := e.manager(backend.CreateManagerInput{})
	key := uuid.NewString()
	run := func(ctx context.Context) (*backend.IdempotentResponse, error) {
		if err := e.adjust(ctx, m.ID, "7.00"); err != nil {
			return nil, err
		}
		// A second write that fails rolls back alone, as it would without
		// the key; the request then answers its error.
		if err := e.adjust(ctx, "no-such-account", "1.00"); backend.ErrorKind(err) != backend.ENOTFOUND {
			return nil, fmt.Errorf("adjusting a missing account: %w", err)
		}
		return answer(http.StatusNotFound, `{"errors":[]}`), nil
	}
	for i := range 2 {
		resp, replayed, err := e.svc.Idempotent(e.ctx, e.request(key, "{}"), run)
		if err != nil || replayed || resp.Status != http.StatusNotFound {
			t.Fatalf("attempt %d: %+v, replayed %v, %v; want the 404 answered afresh", i, resp, replayed, err)
		}
	}
	if got := e.balance(m.ID); got != "14.00" {
		t.Fatalf("balance %s, want 14.00: each failed request keeps its own successful write", got)
	}
	if _, err := e.record(key); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("a failed request left a record: %v", err)
	}
}

func TestIdempotentRunErrorRollsBackEverything(t *testing.T) {
	e := newIdempotencyEnv(t, nil)
	m, _, _ := e.manager(backend.CreateManagerInput{})
	key := uuid.NewString()
	boom := errors.New("boom")
	_, _, err := e.svc.Idempotent(e.ctx, e.request(key, "{}"), func(ctx context.Context) (*backend.IdempotentResponse, error) {
		if err := e.adjust(ctx, m.ID, "3.00"); err != nil {
			return nil, err
		}
		// The request's own reads see its writes before they commit.
		if _, b, err := e.svc.GetAccount(ctx, m.ID); err != nil || b.Balance.String() != "3.00" {
			return nil, fmt.Errorf("read inside the request: %v, %w", b, err)
		}
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Idempotent returned %v, want run's error", err)
	}
	if got := e.balance(m.ID); got != "0.00" {
		t.Fatalf("balance %s, want 0.00: nothing commits when run fails", got)
	}
	if _, err := e.record(key); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("record after a failed run: %v", err)
	}
}

func TestIdempotentPanicRollsBackAndRepanics(t *testing.T) {
	e := newIdempotencyEnv(t, nil)
	m, _, _ := e.manager(backend.CreateManagerInput{})
	func() {
		defer func() {
			if v := recover(); v != "handler bug" {
				t.Fatalf("recovered %v, want the handler's panic", v)
			}
		}()
		_, _, _ = e.svc.Idempotent(e.ctx, e.request(uuid.NewString(), "{}"), func(ctx context.Context) (*backend.IdempotentResponse, error) {
			if err := e.adjust(ctx, m.ID, "3.00"); err != nil {
				return nil, err
			}
			panic("handler bug")
		})
	}()
	if got := e.balance(m.ID); got != "0.00" {
		t.Fatalf("balance %s, want 0.00", got)
	}
}

func TestIdempotencyKeyOver255IsRefused(t *testing.T) {
	e := newIdempotencyEnv(t, nil)
	long := string(make([]byte, backend.MaxIdempotencyKeyLen+1))
	_, _, err := e.svc.Idempotent(e.ctx, e.request(long, "{}"), func(context.Context) (*backend.IdempotentResponse, error) {
		t.Fatal("run called for a refused key")
		return nil, nil
	})
	var de *backend.Error
	if !errors.As(err, &de) || de.Kind != backend.EBADREQUEST || de.Parameter != backend.IdempotencyKeyParameter {
		t.Fatalf("error %v, want EBADREQUEST on the Idempotency-Key parameter", err)
	}
}

func TestExpiredIdempotencyRecordsArePurged(t *testing.T) {
	e := newIdempotencyEnv(t, nil)
	e.svc.SetIdempotencyPurgeEveryForTest(1)
	ok := func(context.Context) (*backend.IdempotentResponse, error) { return answer(http.StatusOK, "{}"), nil }
	old := uuid.NewString()
	if _, _, err := e.svc.Idempotent(e.ctx, e.request(old, "{}"), ok); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(backend.IdempotencyWindow - time.Second)
	if _, _, err := e.svc.Idempotent(e.ctx, e.request(uuid.NewString(), "{}"), ok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.record(old); err != nil {
		t.Fatalf("a record younger than the window was purged: %v", err)
	}
	e.now = e.now.Add(2 * time.Second)
	if _, _, err := e.svc.Idempotent(e.ctx, e.request(uuid.NewString(), "{}"), ok); err != nil {
		t.Fatal(err)
	}
	if _, err := e.record(old); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("an expired record outlived the purge: %v", err)
	}
}

// lostSavepointStore is a store whose nested transactions run fn but then
// fail to roll back, as a database that lost its connection would.
type lostSavepointStore struct{ backend.Store }

type lostSavepointTx struct{ backend.Tx }

func (s lostSavepointStore) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	return s.Store.WriteTx(ctx, func(tx backend.Tx) error { return fn(lostSavepointTx{tx}) })
}

func (tx lostSavepointTx) Nested(ctx context.Context, fn func(backend.Tx) error) error {
	if err := tx.Tx.Nested(ctx, fn); err != nil {
		return fmt.Errorf("%w: connection lost", backend.ErrNestedRollback)
	}
	return nil
}

func TestALostSavepointRollsBackTheWholeRequest(t *testing.T) {
	e := newIdempotencyEnv(t, func(s backend.Store) backend.Store { return lostSavepointStore{s} })
	m, _, _ := e.manager(backend.CreateManagerInput{})
	key := uuid.NewString()
	_, _, err := e.svc.Idempotent(e.ctx, e.request(key, "{}"), func(ctx context.Context) (*backend.IdempotentResponse, error) {
		if err := e.adjust(ctx, m.ID, "3.00"); err != nil {
			return nil, err
		}
		// This one fails, and its savepoint is lost: the request answers
		// its 404, but nothing may commit.
		_ = e.adjust(ctx, "no-such-account", "1.00")
		return answer(http.StatusNotFound, `{"errors":[]}`), nil
	})
	if !errors.Is(err, backend.ErrNestedRollback) {
		t.Fatalf("Idempotent returned %v, want ErrNestedRollback", err)
	}
	if got := e.balance(m.ID); got != "0.00" {
		t.Fatalf("balance %s, want 0.00", got)
	}
}

// keyedService is a service on a fresh SQLite store, with the secrets it
// keys with, for the tests that check what is stored.
func keyedService(t *testing.T) (*backend.Secrets, *sqlite.DB, *backend.Service) {
	t.Helper()
	secrets, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	db := openStore(t)
	return secrets, db, backend.NewService(db, secrets)
}

// TestIdempotencyFingerprintIsKeyedAndLeavesSecretsOut: what a record keeps
// of its request is the HMAC, under the server secret, of the body with its
// secrets cut out; never an unkeyed digest of it. A body that differs only
// in a secret replays the first answer without running; one that differs in
// anything else is refused.
func TestIdempotencyFingerprintIsKeyedAndLeavesSecretsOut(t *testing.T) {
	secrets, db, svc := keyedService(t)
	ctx := t.Context()
	request := func(key, body string) backend.IdempotentRequest {
		return backend.IdempotentRequest{
			IdempotencyID: backend.IdempotencyID{Scope: backend.OperatorScope, Key: key, Method: http.MethodPost, Path: "/reference/accounts"},
			Body:          []byte(body), SecretMembers: []string{"/password"},
		}
	}
	runs := 0
	run := func(context.Context) (*backend.IdempotentResponse, error) {
		runs++
		return answer(http.StatusCreated, fmt.Sprintf(`{"run":%d}`, runs)), nil
	}
	key := uuid.NewString()
	const body = `{"email":"a@example.com","password":"correct horse battery staple"}`
	if _, _, err := svc.Idempotent(ctx, request(key, body), run); err != nil {
		t.Fatal(err)
	}
	var rec *backend.IdempotencyRecord
	if err := db.ReadTx(ctx, func(tx backend.Tx) error {
		var err error
		rec, err = tx.GetIdempotencyRecord(ctx, request(key, "").IdempotencyID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	without := "{\"email\":\"a@example.com\",\"password\"\x00}"
	if want := secrets.RequestFingerprint([]byte(without)); rec.RequestHash != want {
		t.Fatalf("the record keeps %q, want the keyed fingerprint of the body without its password %q", rec.RequestHash, want)
	}
	for _, unkeyed := range []string{body, without} {
		sum := sha256.Sum256([]byte(unkeyed))
		if rec.RequestHash == hex.EncodeToString(sum[:]) {
			t.Fatalf("the record keeps an unkeyed SHA-256")
		}
	}
	other, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	if other.RequestFingerprint([]byte(without)) == rec.RequestHash {
		t.Fatal("another server secret gives the same fingerprint: it is not keyed")
	}

	again, replayed, err := svc.Idempotent(ctx, request(key, `{"email":"a@example.com","password":"another password"}`), run)
	if err != nil || !replayed || runs != 1 || string(again.Body) != `{"run":1}` {
		t.Fatalf("another password under the key: %+v, replayed %v, runs %d, %v; want the first answer replayed", again, replayed, runs, err)
	}
	_, _, err = svc.Idempotent(ctx, request(key, `{"email":"b@example.com","password":"correct horse battery staple"}`), run)
	if backend.ErrorKind(err) != backend.EINVALID || runs != 1 {
		t.Fatalf("another email under the key: %v, runs %d; want EINVALID without a run", err, runs)
	}
}

// TestIdempotencyRecordWithoutFingerprintReplays: a record whose hash
// migration 0013 erased still replays its answer (to any body) until it
// expires, so that a retry across the upgrade never runs twice.
func TestIdempotencyRecordWithoutFingerprintReplays(t *testing.T) {
	secrets, db, svc := keyedService(t)
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	svc.SetClock(func() time.Time { return now })
	ctx := t.Context()
	req := backend.IdempotentRequest{
		IdempotencyID: backend.IdempotencyID{Scope: backend.OperatorScope, Key: uuid.NewString(), Method: http.MethodPost, Path: "/reference/accounts"},
		Body:          []byte(`{"email":"a@example.com"}`),
	}
	if err := db.WriteTx(ctx, func(tx backend.Tx) error {
		rec := &backend.IdempotencyRecord{IdempotencyID: req.IdempotencyID, CreatedAt: now.Add(-time.Hour)}
		if err := tx.InsertIdempotencyRecord(ctx, rec); err != nil {
			return err
		}
		rec.Status, rec.ContentType, rec.BodySealed = http.StatusCreated, "application/json", secrets.Seal(`{"first":true}`)
		return tx.CompleteIdempotencyRecord(ctx, rec)
	}); err != nil {
		t.Fatal(err)
	}
	got, replayed, err := svc.Idempotent(ctx, req, func(context.Context) (*backend.IdempotentResponse, error) {
		t.Fatal("a request under an erased record ran")
		return nil, nil
	})
	if err != nil || !replayed || string(got.Body) != `{"first":true}` {
		t.Fatalf("%+v, replayed %v, %v; want the recorded answer", got, replayed, err)
	}
	now = now.Add(backend.IdempotencyWindow)
	ok := func(context.Context) (*backend.IdempotentResponse, error) {
		return answer(http.StatusCreated, `{}`), nil
	}
	if _, replayed, err := svc.Idempotent(ctx, req, ok); err != nil || replayed {
		t.Fatalf("after the window: replayed %v, %v; want a fresh run", replayed, err)
	}
}
