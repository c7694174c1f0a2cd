package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The idempotency records and nested transactions behind Service.Idempotent.

func (f *fixture) idempotencyRecord(id backend.IdempotencyID) *backend.IdempotencyRecord {
	return &backend.IdempotencyRecord{IdempotencyID: id, RequestHash: "hash-" + id.Key, CreatedAt: f.tick()}
}

func newIdempotencyID(scope string) backend.IdempotencyID {
	return backend.IdempotencyID{Scope: scope, Key: uuid.NewString(), Method: "POST", Path: "/v2/managed_accounts"}
}

func (f *fixture) getIdempotencyRecord(id backend.IdempotencyID) (*backend.IdempotencyRecord, error) {
	var rec *backend.IdempotencyRecord
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		rec, err = tx.GetIdempotencyRecord(f.ctx, id)
		return err
	})
	return rec, err
}

func testIdempotencyRecordRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	id := newIdempotencyID("account-1")
	id.Key = "key with spaces and ünicode " + id.Key
	rec := f.idempotencyRecord(id)
	f.write(func(tx backend.Tx) error {
		if err := tx.InsertIdempotencyRecord(f.ctx, rec); err != nil {
			return err
		}
		// The transaction sees its placeholder before completing it.
		got, err := tx.GetIdempotencyRecord(f.ctx, id)
		if err != nil {
			return err
		}
		if got.Status != 0 || got.RequestHash != rec.RequestHash {
			return fmt.Errorf("placeholder = %+v, want status 0 and hash %q", got, rec.RequestHash)
		}
		rec.Status, rec.ContentType, rec.Location, rec.BodySealed = 201, "application/json", "/v2/things/1", "c2VhbGVk"
		return tx.CompleteIdempotencyRecord(f.ctx, rec)
	})
	got, err := f.getIdempotencyRecord(id)
	if err != nil {
		t.Fatalf("GetIdempotencyRecord: %v", err)
	}
	if !got.CreatedAt.Equal(rec.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at = %v, want %v in UTC", got.CreatedAt, rec.CreatedAt)
	}
	got.CreatedAt = rec.CreatedAt
	if *got != *rec {
		t.Errorf("record = %+v\nwant     %+v", *got, *rec)
	}
}

func testIdempotencyRecordIdentity(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	id := newIdempotencyID("account-1")
	f.write(func(tx backend.Tx) error { return tx.InsertIdempotencyRecord(f.ctx, f.idempotencyRecord(id)) })

	err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertIdempotencyRecord(f.ctx, f.idempotencyRecord(id)) })
	wantKind(t, err, backend.ECONFLICT)

	// Each part of the id tells records apart.
	others := []backend.IdempotencyID{id, id, id, id}
	others[0].Scope = "account-2"
	others[1].Key = id.Key + "x"
	others[2].Method = "PUT"
	others[3].Path = "/v2/api_keys"
	for _, other := range others {
		if _, err := f.getIdempotencyRecord(other); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("GetIdempotencyRecord(%+v) before insert: error %v, want ENOTFOUND", other, err)
		}
		f.write(func(tx backend.Tx) error { return tx.InsertIdempotencyRecord(f.ctx, f.idempotencyRecord(other)) })
	}
}

func testIdempotencyRecordNotFound(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	id := newIdempotencyID("account-1")
	_, err := f.getIdempotencyRecord(id)
	wantKind(t, err, backend.ENOTFOUND)
	err = s.WriteTx(f.ctx, func(tx backend.Tx) error {
		return tx.CompleteIdempotencyRecord(f.ctx, f.idempotencyRecord(id))
	})
	wantKind(t, err, backend.ENOTFOUND)
	err = s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.DeleteIdempotencyRecord(f.ctx, id) })
	wantKind(t, err, backend.ENOTFOUND)

	f.write(func(tx backend.Tx) error { return tx.InsertIdempotencyRecord(f.ctx, f.idempotencyRecord(id)) })
	f.write(func(tx backend.Tx) error { return tx.DeleteIdempotencyRecord(f.ctx, id) })
	_, err = f.getIdempotencyRecord(id)
	wantKind(t, err, backend.ENOTFOUND)
}

func testPurgeIdempotencyRecordsIsBounded(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	var old, young []backend.IdempotencyID
	for range 5 {
		old = append(old, newIdempotencyID("account-1"))
	}
	f.write(func(tx backend.Tx) error {
		for _, id := range old {
			if err := tx.InsertIdempotencyRecord(f.ctx, f.idempotencyRecord(id)); err != nil {
				return err
			}
		}
		return nil
	})
	cutoff := f.tick()
	for range 2 {
		young = append(young, newIdempotencyID("account-1"))
	}
	f.write(func(tx backend.Tx) error {
		// One created exactly at the cutoff stays: only those before it go.
		rec := f.idempotencyRecord(young[0])
		rec.CreatedAt = cutoff
		if err := tx.InsertIdempotencyRecord(f.ctx, rec); err != nil {
			return err
		}
		return tx.InsertIdempotencyRecord(f.ctx, f.idempotencyRecord(young[1]))
	})
	purge := func(limit int) int {
		t.Helper()
		var n int
		f.write(func(tx backend.Tx) error {
			var err error
			n, err = tx.PurgeIdempotencyRecords(f.ctx, cutoff, limit)
			return err
		})
		return n
	}
	if n := purge(3); n != 3 {
		t.Errorf("first purge of at most 3 deleted %d", n)
	}
	// Oldest first: the first three are gone, the next two not yet.
	for i, id := range old {
		_, err := f.getIdempotencyRecord(id)
		if gone := backend.ErrorKind(err) == backend.ENOTFOUND; gone != (i < 3) {
			t.Errorf("old record %d after the first purge: error %v, want gone=%v", i, err, i < 3)
		}
	}
	if n := purge(3); n != 2 {
		t.Errorf("second purge deleted %d, want the 2 expired records left", n)
	}
	if n := purge(3); n != 0 {
		t.Errorf("third purge deleted %d, want 0", n)
	}
	for _, id := range young {
		if _, err := f.getIdempotencyRecord(id); err != nil {
			t.Errorf("record not expired was purged: %v", err)
		}
	}
}

func testNestedRollsBackOnlyItself(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	kept := f.newAccount(m.ID, "kept@example.com", "Kept")
	dropped := f.newAccount(m.ID, "dropped@example.com", "Dropped")
	inner := f.newAccount(m.ID, "inner@example.com", "Inner")
	afterFailure := f.newAccount(m.ID, "after@example.com", "After a failed statement")
	stop := backend.Errorf(backend.EINVALID, "stop the nested transaction")
	f.write(func(tx backend.Tx) error {
		if err := tx.Nested(f.ctx, func(tx backend.Tx) error {
			if err := tx.InsertAccount(f.ctx, kept); err != nil {
				return err
			}
			// A nested transaction inside a nested one.
			return tx.Nested(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, inner) })
		}); err != nil {
			return err
		}
		err := tx.Nested(f.ctx, func(tx backend.Tx) error {
			if err := tx.InsertAccount(f.ctx, dropped); err != nil {
				return err
			}
			if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 7_000_000)); err != nil {
				return err
			}
			return stop
		})
		if err != stop { //nolint:errorlint // the very same error value must come back
			return fmt.Errorf("nested returned %w, want fn's error unchanged", err)
		}
		// A statement that fails inside a nested transaction (a duplicate
		// email) leaves the outer one usable once rolled back to.
		dup := f.newAccount(m.ID, "KEPT@example.com", "Duplicate")
		err = tx.Nested(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, dup) })
		if backend.ErrorKind(err) != backend.ECONFLICT || errors.Is(err, backend.ErrNestedRollback) {
			return fmt.Errorf("duplicate insert in Nested: %w, want ECONFLICT", err)
		}
		if got, err := ledgerSum(f.ctx, tx, m.ID); err != nil || got != 0 {
			return fmt.Errorf("ledger after the rolled back nested transaction: %s, %w", got, err)
		}
		return tx.InsertAccount(f.ctx, afterFailure)
	})
	for _, a := range []*backend.Account{kept, inner, afterFailure} {
		sameAccount(t, f.getAccount(a.ID), a)
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccount(f.ctx, dropped.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account of a rolled back nested transaction: GetAccount error %v", err)
		}
		return nil
	})
	if got := f.sum(m.ID); got != 0 {
		t.Errorf("ledger = %s, want 0: the entry was rolled back", got)
	}
}

func testNestedWritesRollBackWithTheOuterTransaction(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.newAccount(m.ID, "a@example.com", "A")
	stop := backend.Errorf(backend.EINVALID, "stop the outer transaction")
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
		if err := tx.Nested(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) }); err != nil {
			return err
		}
		return stop
	})
	if err != stop { //nolint:errorlint // the very same error value must come back
		t.Fatalf("WriteTx returned %v, want the fn's error unchanged", err)
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccount(f.ctx, a.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("a released nested transaction outlived its rolled back outer one: GetAccount error %v", err)
		}
		return nil
	})
}

func testConcurrentIdempotencyInsertsOneWins(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	id := newIdempotencyID("account-1")
	const racers = 8
	results := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		rec := f.idempotencyRecord(id)
		rec.RequestHash = fmt.Sprintf("racer-%d", i)
		wg.Go(func() {
			results[i] = s.WriteTx(f.ctx, func(tx backend.Tx) error {
				if err := tx.InsertIdempotencyRecord(f.ctx, rec); err != nil {
					return err
				}
				rec.Status = 200
				return tx.CompleteIdempotencyRecord(f.ctx, rec)
			})
		})
	}
	wg.Wait()
	won := ""
	for i, err := range results {
		switch {
		case err == nil && won != "":
			t.Errorf("racers %s and %d both inserted the record", won, i)
		case err == nil:
			won = fmt.Sprint(i)
		case backend.ErrorKind(err) != backend.ECONFLICT:
			t.Errorf("racer %d: %v, want ECONFLICT", i, err)
		}
	}
	got, err := f.getIdempotencyRecord(id)
	if err != nil || got.RequestHash != "racer-"+won || got.Status != 200 {
		t.Errorf("record = %+v, %v; want the winner's (racer %s), complete", got, err, won)
	}
}
