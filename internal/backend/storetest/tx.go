package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of the transactions themselves: times in UTC, rollbacks,
// panics, read-only snapshots and cancelled contexts.

func testPing(t *testing.T, s backend.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testTimesRoundTripInUTC(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	zone := time.FixedZone("UTC-7", -7*3600)
	created := time.Date(2024, 2, 29, 23, 59, 59, 123456000, zone) // 2024-03-01T06:59:59.123456Z
	updated := time.Date(1999, 12, 31, 0, 0, 0, 1000, time.UTC)    // one microsecond past midnight
	a := f.newAccount("", "tz@example.com", "TZ")
	a.CreatedAt, a.UpdatedAt = created, updated
	f.insert(a)
	got := f.getAccount(a.ID)
	for _, tc := range []struct {
		name      string
		got, want time.Time
	}{{"created_at", got.CreatedAt, created}, {"updated_at", got.UpdatedAt, updated}} {
		if !tc.got.Equal(tc.want) {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
		if tc.got.Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", tc.name, tc.got.Location())
		}
	}
	if got.CreatedAt != created.UTC() {
		t.Errorf("created_at = %#v, want exactly %#v", got.CreatedAt, created.UTC())
	}
	// Ordering by creation time follows the instants, not the zones' wall clocks.
	m := f.manager("m@example.com")
	earlyInTokyo := f.newAccount(m.ID, "tokyo@example.com", "Tokyo")
	earlyInTokyo.CreatedAt = time.Date(2025, 1, 1, 8, 0, 0, 0, time.FixedZone("JST", 9*3600)) // 2024-12-31T23:00Z
	lateInLA := f.newAccount(m.ID, "la@example.com", "LA")
	lateInLA.CreatedAt = time.Date(2024, 12, 31, 16, 0, 0, 0, time.FixedZone("PST", -8*3600)) // 2025-01-01T00:00Z
	f.insert(lateInLA)
	f.insert(earlyInTokyo)
	list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "created_at"}})
	if got := emails(list); !slices.Equal(got, []string{earlyInTokyo.Email, lateInLA.Email}) {
		t.Errorf("created_at order = %v, want tokyo first", got)
	}
}

func testRollbackWritesNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	domainErr := backend.Errorf(backend.EINVALID, "stop here")
	a := f.newAccount(m.ID, "rolled@example.com", "Rolled back")
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(f.ctx, a); err != nil {
			return err
		}
		if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 5_000_000)); err != nil {
			return err
		}
		changed := *m
		changed.OrganizationName = "changed in a rolled back transaction"
		if err := tx.UpdateAccount(f.ctx, &changed); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if got, err := ledgerSum(f.ctx, tx, m.ID); err != nil || got != 5_000_000 {
			return fmt.Errorf("inside the transaction: sum %s, %w", got, err)
		}
		return domainErr
	})
	if err != domainErr { //nolint:errorlint // the very same error value must come back
		t.Fatalf("WriteTx returned %v (%T), want the fn's error unchanged", err, err)
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccount(f.ctx, a.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account inserted by a rolled back transaction: GetAccount error %v", err)
		}
		return nil
	})
	if got := f.sum(m.ID); got != 0 {
		t.Errorf("ledger after rollback = %s, want 0", got)
	}
	sameAccount(t, f.getAccount(m.ID), m)

	// A plain error is passed through too, wrapped or not.
	plain := errors.New("plain failure")
	if err := s.WriteTx(f.ctx, func(backend.Tx) error { return plain }); !errors.Is(err, plain) {
		t.Errorf("WriteTx returned %v, want %v", err, plain)
	}
	if err := s.ReadTx(f.ctx, func(backend.Tx) error { return domainErr }); err != domainErr { //nolint:errorlint // identity
		t.Errorf("ReadTx returned %v, want the fn's error unchanged", err)
	}
}

func testPanicRollsBack(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	type marker struct{ msg string }
	func() {
		defer func() {
			r := recover()
			if mk, ok := r.(marker); !ok || mk.msg != "boom" {
				t.Errorf("recovered %#v, want the original panic value", r)
			}
		}()
		_ = s.WriteTx(f.ctx, func(tx backend.Tx) error {
			if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 7)); err != nil {
				return err
			}
			panic(marker{"boom"})
		})
		t.Error("WriteTx returned instead of panicking")
	}()
	if got := f.sum(m.ID); got != 0 {
		t.Errorf("ledger after a panic = %s, want 0", got)
	}
	// The store still works: the connection was given back.
	f.write(func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 7)) })
	if got := f.sum(m.ID); got != 7 {
		t.Errorf("ledger after a write following the panic = %d, want 7", got)
	}
}

func testReadTxCannotWrite(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.newAccount("", "sneaky@example.com", "Sneaky")
	err := s.ReadTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) })
	if err == nil {
		t.Fatal("ReadTx allowed an insert")
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccount(f.ctx, a.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account inserted in a read transaction: %v", err)
		}
		return nil
	})
}

func testReadTxIsASnapshot(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	f.write(func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 100)) })
	f.read(func(tx backend.Tx) error {
		before, err := ledgerSum(f.ctx, tx, m.ID)
		if err != nil {
			return err
		}
		// A write commits while the read transaction is open. The timeout
		// turns a store whose readers block writers into a failure, not a hang.
		wctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer cancel()
		entry := f.entry(m.ID, 23)
		done := make(chan error, 1)
		go func() {
			done <- s.WriteTx(wctx, func(w backend.Tx) error { return w.InsertLedgerEntry(wctx, entry) })
		}()
		if err := <-done; err != nil {
			return fmt.Errorf("concurrent write: %w", err)
		}
		after, err := ledgerSum(f.ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if before != 100 || after != 100 {
			t.Errorf("sums inside one read transaction = %d then %d, want 100 both times", before, after)
		}
		return nil
	})
	if got := f.sum(m.ID); got != 123 {
		t.Errorf("sum after the read transaction = %d, want 123", got)
	}
}

func testCancelledContextIsRefused(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	err := s.WriteTx(ctx, func(tx backend.Tx) error {
		called = true
		return tx.InsertAccount(ctx, f.newAccount("", "late@example.com", "Late"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WriteTx with a cancelled context = %v, want context.Canceled", err)
	}
	err = s.ReadTx(ctx, func(tx backend.Tx) error {
		called = true
		_, err := tx.GetAccountByEmail(ctx, "late@example.com")
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ReadTx with a cancelled context = %v, want context.Canceled", err)
	}
	if called {
		t.Error("fn ran although the context was cancelled before the transaction began")
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccountByEmail(f.ctx, "late@example.com"); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account written with a cancelled context: %v", err)
		}
		return nil
	})
}

// testConcurrentWritersKeepOnlyTheirOwnOutcome runs many write transactions
// at once, some failing after they wrote, some panicking after they wrote,
// the rest succeeding: each caller gets its own outcome, and exactly the
// writes of those that succeeded are kept, however the store commits them
// (SQLite shares one commit between the transactions that wait together).
func testConcurrentWritersKeepOnlyTheirOwnOutcome(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	domainErr := backend.Errorf(backend.EINVALID, "refused after writing")
	type marker struct{ i int }
	const writers = 60
	var (
		wg   sync.WaitGroup
		want backend.Money
	)
	errs := make([]error, writers)
	recovered := make([]any, writers)
	for i := range writers {
		amount := backend.Money(1) << i // which entries are kept shows in the sum
		switch i % 4 {
		case 0, 3:
			want += amount
		}
		wg.Go(func() {
			defer func() { recovered[i] = recover() }()
			errs[i] = s.WriteTx(f.ctx, func(tx backend.Tx) error {
				e := &backend.LedgerEntry{ID: uuid.NewString(), AccountID: m.ID, Kind: backend.LedgerUsage, Amount: amount,
					Currency: backend.Currency, CreatedAt: base, SettlesAt: base}
				if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return domainErr
				case 2:
					panic(marker{i})
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range writers {
		switch i % 4 {
		case 0, 3:
			if errs[i] != nil || recovered[i] != nil {
				t.Errorf("writer %d: %v (panic %v), want success", i, errs[i], recovered[i])
			}
		case 1:
			if errs[i] != domainErr { //nolint:errorlint // the very same error value must come back
				t.Errorf("writer %d: %v, want its function's error unchanged", i, errs[i])
			}
		case 2:
			if recovered[i] != (marker{i}) {
				t.Errorf("writer %d: recovered %#v, want its own panic value", i, recovered[i])
			}
		}
	}
	if got := f.sum(m.ID); got != want {
		t.Errorf("ledger sum = %d, want %d: the writes of exactly the writers that succeeded", got, want)
	}
}

// testWriterCancelledInsideItsTransactionKeepsNothing cancels a writer's
// context after it wrote, before its transaction commits, while other
// writers run: its writes are gone and it says so; the others' are kept.
func testWriterCancelledInsideItsTransactionKeepsNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	entry := func(amount backend.Money) *backend.LedgerEntry {
		return &backend.LedgerEntry{ID: uuid.NewString(), AccountID: m.ID, Kind: backend.LedgerUsage, Amount: amount,
			Currency: backend.Currency, CreatedAt: base, SettlesAt: base}
	}
	const others = 20
	var wg sync.WaitGroup
	errs := make([]error, others)
	for i := range others {
		wg.Go(func() {
			errs[i] = s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, entry(1)) })
		})
	}
	ctx, cancel := context.WithCancel(f.ctx)
	err := s.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertLedgerEntry(ctx, entry(1000)); err != nil {
			return err
		}
		cancel()
		return nil
	})
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("writer cancelled before its commit: %v, want context.Canceled", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d beside it: %v", i, err)
		}
	}
	if got := f.sum(m.ID); got != others {
		t.Errorf("ledger sum = %d, want %d: the other writers' entries and not the cancelled one's", got, others)
	}
}

// testStatsReportPools: the store reports its connection pools for the
// metrics (backend.StatsReporter): a transaction holds one connection while
// it runs and gives it back when it ends, and no pool counts more
// connections than its maximum.
func testStatsReportPools(t *testing.T, s backend.Store) {
	r, ok := s.(backend.StatsReporter)
	if !ok {
		t.Fatalf("%T does not implement backend.StatsReporter", s)
	}
	f := newFixture(t, s)
	f.manager("m@example.com") // the pools have served a write
	check := func(when string, wantInUse int) {
		t.Helper()
		st := r.Stats()
		if len(st.Pools) == 0 {
			t.Fatalf("%s: no pool reported", when)
		}
		inUse, names := 0, map[string]bool{}
		for _, p := range st.Pools {
			if p.Name == "" || names[p.Name] {
				t.Errorf("%s: pool name %q is empty or repeated", when, p.Name)
			}
			names[p.Name] = true
			if p.MaxConns < 1 || p.InUse < 0 || p.Idle < 0 || p.InUse+p.Idle > p.MaxConns || p.Waits < 0 || p.WaitTime < 0 {
				t.Errorf("%s: pool %+v is not a possible state", when, p)
			}
			inUse += p.InUse
		}
		if inUse != wantInUse {
			t.Errorf("%s: %d connections in use, want %d: %+v", when, inUse, wantInUse, st.Pools)
		}
		if rt := st.Retries; rt != nil && (rt.Serialization < 0 || rt.Connection < 0 || rt.RunsAlone < 0) {
			t.Errorf("%s: retries %+v", when, *rt)
		}
	}
	check("between transactions", 0)
	f.write(func(backend.Tx) error {
		check("inside a write transaction", 1)
		return nil
	})
	f.read(func(backend.Tx) error {
		check("inside a read transaction", 1)
		return nil
	})
	check("after the transactions", 0)
}
