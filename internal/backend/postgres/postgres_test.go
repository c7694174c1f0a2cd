package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/storetest"
)

// open opens a fresh database of its own for t, closed when t ends.
func open(t *testing.T) *postgres.DB {
	t.Helper()
	return openURL(t, pgtest.NewDatabase(t), postgres.Options{})
}

func openURL(t *testing.T, url string, opts postgres.Options) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// connect opens a plain connection to url, for what the store does not do.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestConformance(t *testing.T) {
	pgtest.AdminURL(t)
	storetest.Run(t, func(t *testing.T) backend.Store {
		db, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), postgres.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return db // the suite closes it
	})
}

// manager stores a manager account and returns its id.
func manager(t *testing.T, db backend.Store) string {
	t.Helper()
	a := account("", uuid.NewString()+"@example.com", "M")
	if err := db.WriteTx(t.Context(), func(tx backend.Tx) error { return tx.InsertAccount(t.Context(), a) }); err != nil {
		t.Fatalf("insert account: %v", err)
	}
	return a.ID
}

// account is an enabled account, managed by managerID unless it is "", not
// stored yet.
func account(managerID, email, organization string) *backend.Account {
	now := time.Now()
	return &backend.Account{ID: uuid.NewString(), ManagerID: managerID, Email: email, OrganizationName: organization,
		Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now}
}

func entry(accountID string, amount backend.Money) *backend.LedgerEntry {
	now := time.Now()
	return &backend.LedgerEntry{ID: uuid.NewString(), AccountID: accountID, Kind: backend.LedgerAdjustment,
		Amount: amount, Currency: backend.Currency, CreatedAt: now, SettlesAt: now}
}

func balance(ctx context.Context, tx backend.Tx, accountID string) (backend.Money, error) {
	sums, err := tx.LedgerTotals(ctx, accountID, time.Now().Add(time.Hour))
	return sums.Settled + sums.Pending, err
}

// creditIfEmpty is a read-then-write rule (a first top-up bonus, say): it
// credits the account only when its ledger is empty, which it claims. Two
// of them racing must not both credit. before runs after the read, on the
// first run only.
func creditIfEmpty(db backend.Store, accountID string, runs *atomic.Int32, before func()) error {
	return db.WriteTx(context.Background(), func(tx backend.Tx) error {
		first := runs.Add(1) == 1
		if err := tx.Claim(context.Background(), backend.SetLedger, accountID); err != nil {
			return err
		}
		sum, err := balance(context.Background(), tx, accountID)
		if err != nil {
			return err
		}
		if first && before != nil {
			before()
		}
		if sum != 0 {
			return nil
		}
		return tx.InsertLedgerEntry(context.Background(), entry(accountID, 5_000_000))
	})
}

// raceCreditIfEmpty runs two creditIfEmpty that both read before either
// writes, and returns their errors and how many times each ran.
func raceCreditIfEmpty(db backend.Store, accountID string) (errs [2]error, runs [2]int32) {
	var (
		counters [2]atomic.Int32
		read     sync.WaitGroup
		wg       sync.WaitGroup
	)
	read.Add(2)
	for i := range 2 {
		wg.Go(func() {
			errs[i] = creditIfEmpty(db, accountID, &counters[i], func() {
				read.Done()
				read.Wait() // both have read the empty ledger
			})
		})
	}
	wg.Wait()
	return errs, [2]int32{counters[0].Load(), counters[1].Load()}
}

// TestWriteSkewIsRunAgain: two transactions read the same empty ledger and
// both decide to credit it. The ledger's claim fails one of them,
// which runs again, sees the other's credit, and does nothing: the account
// is credited once.
func TestWriteSkewIsRunAgain(t *testing.T) {
	db := open(t)
	m := manager(t, db)
	errs, runs := raceCreditIfEmpty(db, m)
	if err := errors.Join(errs[:]...); err != nil {
		t.Fatalf("racing transactions: %v", err)
	}
	var sum backend.Money
	if err := db.ReadTx(t.Context(), func(tx backend.Tx) (err error) { sum, err = balance(t.Context(), tx, m); return err }); err != nil {
		t.Fatal(err)
	}
	if sum != 5_000_000 {
		t.Errorf("balance = %s, want 5.00: credited once", sum)
	}
	if runs[0]+runs[1] < 3 {
		t.Errorf("the transactions ran %v times, want one of them run again", runs)
	}
	// Every run but the first of each transaction followed a conflict.
	if got, want := db.Stats().Retries.Serialization, int64(runs[0]+runs[1]-2); got != want {
		t.Errorf("serialization failures counted = %d, want %d (the transactions ran %v times)", got, want, runs)
	}
}

// TestExhaustedRetriesAreUnavailable: when the runs allowed are used up, the
// caller gets EUNAVAILABLE (a 503 that tells the client to retry), and
// nothing of the failed transaction is written.
func TestExhaustedRetriesAreUnavailable(t *testing.T) {
	db := open(t)
	db.SetRetryPolicy(1, 1, 0, time.Millisecond)
	m := manager(t, db)
	errs, _ := raceCreditIfEmpty(db, m)
	failed := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		failed++
		if backend.ErrorKind(err) != backend.EUNAVAILABLE {
			t.Errorf("the transaction that lost: %v, want EUNAVAILABLE", err)
		}
	}
	if failed != 1 {
		t.Errorf("%d of the 2 racing transactions failed, want 1: %v", failed, errs)
	}
	var sum backend.Money
	if err := db.ReadTx(t.Context(), func(tx backend.Tx) (err error) { sum, err = balance(t.Context(), tx, m); return err }); err != nil {
		t.Fatal(err)
	}
	if sum != 5_000_000 {
		t.Errorf("balance = %s, want 5.00", sum)
	}
}

// TestDomainErrorIsNotRunAgain: only the database's serialization failures
// run a transaction again; fn's own error ends it at once.
func TestDomainErrorIsNotRunAgain(t *testing.T) {
	db := open(t)
	runs := 0
	stop := backend.Errorf(backend.EINVALID, "no")
	err := db.WriteTx(t.Context(), func(backend.Tx) error { runs++; return stop })
	if err != stop || runs != 1 { //nolint:errorlint // the very same error value must come back
		t.Errorf("WriteTx = %v after %d runs, want fn's error after 1", err, runs)
	}
}

// TestContendedWritersAllCommit: many writers claim one ledger and read-modify-write it
// at once, with few runs allowed before a transaction runs alone. Every one
// commits, each saw every earlier commit, and the sum is exact.
func TestContendedWritersAllCommit(t *testing.T) {
	db := open(t)
	db.SetRetryPolicy(6, 2, 1, time.Millisecond)
	m := manager(t, db)
	const workers, perWorker = 12, 10
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				amount := backend.Money(w*1000 + i + 1)
				err := db.WriteTx(t.Context(), func(tx backend.Tx) error {
					if err := tx.Claim(t.Context(), backend.SetLedger, m); err != nil {
						return err
					}
					before, err := balance(t.Context(), tx, m)
					if err != nil {
						return err
					}
					if err := tx.InsertLedgerEntry(t.Context(), entry(m, amount)); err != nil {
						return err
					}
					after, err := balance(t.Context(), tx, m)
					if err == nil && after != before+amount {
						err = fmt.Errorf("balance went from %s to %s adding %s", before, after, amount)
					}
					return err
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("%d writers failed: %v", len(errs), err)
	}
	var want backend.Money
	for w := range workers {
		for i := range perWorker {
			want += backend.Money(w*1000 + i + 1)
		}
	}
	var sum backend.Money
	if err := db.ReadTx(t.Context(), func(tx backend.Tx) (err error) { sum, err = balance(t.Context(), tx, m); return err }); err != nil {
		t.Fatal(err)
	}
	if sum != want {
		t.Errorf("balance = %d, want %d", sum, want)
	}
	rt := db.Stats().Retries
	t.Logf("%d serialization failures run again, %d runs alone", rt.Serialization, rt.RunsAlone)
}

// waitForAdvisoryWaiter polls pg_locks until a session waits for an
// advisory lock (what the test wants to happen next is blocked).
func waitForAdvisoryWaiter(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for {
		var waiting int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).
			Scan(&waiting); err != nil {
			t.Fatalf("watch the locks: %v", err)
		}
		if waiting > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("nothing ever waited for the advisory lock")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestRunAloneWaitsForOtherWriters: a transaction that must run alone waits
// until the write transactions in progress (on any replica) have ended.
func TestRunAloneWaitsForOtherWriters(t *testing.T) {
	url := pgtest.NewDatabase(t)
	other := openURL(t, url, postgres.Options{})
	alone := openURL(t, url, postgres.Options{})
	alone.SetRetryPolicy(2, 0, 0, time.Millisecond) // every transaction runs alone
	watcher := connect(t, url)

	release, otherEnded := make(chan struct{}), atomic.Bool{}
	otherDone := make(chan error, 1)
	inOther := make(chan struct{})
	go func() {
		otherDone <- other.WriteTx(t.Context(), func(backend.Tx) error {
			close(inOther)
			<-release
			otherEnded.Store(true)
			return nil
		})
	}()
	<-inOther
	aloneDone := make(chan error, 1)
	go func() {
		aloneDone <- alone.WriteTx(t.Context(), func(backend.Tx) error {
			if !otherEnded.Load() {
				return errors.New("ran while another write transaction was in progress")
			}
			return nil
		})
	}()
	waitForAdvisoryWaiter(t, watcher)
	close(release)
	if err := <-otherDone; err != nil {
		t.Fatalf("the other writer: %v", err)
	}
	if err := <-aloneDone; err != nil {
		t.Fatalf("the writer alone: %v", err)
	}
	if runs := alone.Stats().Retries.RunsAlone; runs != 1 {
		t.Errorf("runs alone = %d, want 1", runs)
	}
}

// TestPanicAloneReleasesTheLock: a transaction running alone that panics
// gives the lock back, so that the next one can run.
func TestPanicAloneReleasesTheLock(t *testing.T) {
	db := open(t)
	db.SetRetryPolicy(2, 0, 0, time.Millisecond)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic", r)
			}
		}()
		_ = db.WriteTx(t.Context(), func(backend.Tx) error { panic("boom") })
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for i := range 3 { // on whichever pooled connections
		if err := db.WriteTx(ctx, func(backend.Tx) error { return nil }); err != nil {
			t.Fatalf("write %d after the panic: %v", i, err)
		}
	}
}

// TestMigrationsRaceOnce: replicas starting together on an empty database
// all open it; the migrations are applied once, in order.
func TestMigrationsRaceOnce(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	const replicas = 4
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), url, postgres.Options{MaxConns: 2})
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("replicas opening together: %v", err)
	}
	rows, err := connect(t, url).Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY applied_at, version`)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) == 0 || !slices.IsSorted(versions) || slices.Compact(slices.Clone(versions)) == nil ||
		len(slices.Compact(slices.Clone(versions))) != len(versions) || versions[0] != 1 {
		t.Errorf("schema_migrations = %v, want each version once, in order, from 1", versions)
	}
}

// TestMigrationsWaitForTheLock: while another process holds the migration
// lock (migrating), Open waits and changes nothing; once it is released,
// Open migrates.
func TestMigrationsWaitForTheLock(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	holder := connect(t, url)
	if _, err := holder.Exec(t.Context(), "SELECT pg_advisory_lock($1)", postgres.MigrationLockKey); err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	go func() {
		db, err := postgres.Open(t.Context(), url, postgres.Options{MaxConns: 1})
		if err == nil {
			err = db.Close()
		}
		opened <- err
	}()
	waitForAdvisoryWaiter(t, holder)
	var tables int
	if err := holder.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("%d tables exist while another process holds the migration lock, want 0", tables)
	}
	if _, err := holder.Exec(t.Context(), "SELECT pg_advisory_unlock($1)", postgres.MigrationLockKey); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("Open after the lock was released: %v", err)
	}
	if err := holder.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&tables); err != nil || tables == 0 {
		t.Errorf("schema_migrations after Open: %d rows, %v", tables, err)
	}
}

// TestNewerSchemaIsRefused: a database migrated by a newer release is not
// opened by an older one.
func TestNewerSchemaIsRefused(t *testing.T) {
	url := pgtest.NewDatabase(t)
	if _, err := connect(t, url).Exec(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, now())`); err != nil {
		t.Fatal(err)
	}
	_, err := postgres.Open(t.Context(), url, postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v, want a refusal", err)
	}
}

// TestLostConnectionRunsAgain: a transaction whose connection the server
// ends before COMMIT runs again on a fresh connection, and commits once.
func TestLostConnectionRunsAgain(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := openURL(t, url, postgres.Options{})
	m := manager(t, db)
	admin := connect(t, url)
	runs := 0
	err := db.WriteTx(t.Context(), func(tx backend.Tx) error {
		runs++
		if runs == 1 {
			if _, err := admin.Exec(t.Context(), "SELECT pg_terminate_backend($1)", postgres.BackendPID(tx)); err != nil {
				return err
			}
		}
		return tx.InsertLedgerEntry(t.Context(), entry(m, 1_000_000))
	})
	if err != nil || runs != 2 {
		t.Fatalf("WriteTx = %v after %d runs, want success after 2", err, runs)
	}
	var sum backend.Money
	if err := db.ReadTx(t.Context(), func(tx backend.Tx) (err error) { sum, err = balance(t.Context(), tx, m); return err }); err != nil {
		t.Fatalf("ReadTx after the lost connection: %v", err)
	}
	if sum != 1_000_000 {
		t.Errorf("balance = %s, want 1.00: committed once", sum)
	}
	if got := db.Stats().Retries.Connection; got != 1 {
		t.Errorf("lost connections counted = %d, want 1", got)
	}

	// Lost again and again: EUNAVAILABLE, not a hang or a 500.
	err = db.WriteTx(t.Context(), func(tx backend.Tx) error {
		if _, err := admin.Exec(t.Context(), "SELECT pg_terminate_backend($1)", postgres.BackendPID(tx)); err != nil {
			return err
		}
		return tx.InsertLedgerEntry(t.Context(), entry(m, 1_000_000))
	})
	if backend.ErrorKind(err) != backend.EUNAVAILABLE {
		t.Errorf("WriteTx whose connection is always lost = %v, want EUNAVAILABLE", err)
	}
	// Lost on its first run and on the one run again it is allowed.
	if got := db.Stats().Retries.Connection; got != 3 {
		t.Errorf("lost connections counted = %d, want 3", got)
	}
}

// TestStatementTimeoutIsUnavailable: a statement that outlives the
// statement timeout is cancelled by the server: EUNAVAILABLE.
func TestStatementTimeoutIsUnavailable(t *testing.T) {
	db := openURL(t, pgtest.NewDatabase(t), postgres.Options{StatementTimeout: 50 * time.Millisecond})
	err := db.WriteTx(t.Context(), func(tx backend.Tx) error { return postgres.Exec(t.Context(), tx, "SELECT pg_sleep(10)") })
	if backend.ErrorKind(err) != backend.EUNAVAILABLE {
		t.Errorf("a statement past the timeout: %v, want EUNAVAILABLE", err)
	}
	if err := db.WriteTx(t.Context(), func(tx backend.Tx) error { return postgres.Exec(t.Context(), tx, "SELECT 1") }); err != nil {
		t.Errorf("a statement after the timeout: %v", err)
	}
}

// TestCancelledStatementKeepsThePoolUsable: a request cancelled while its
// statement runs gets the context's error, and the store goes on working.
func TestCancelledStatementKeepsThePoolUsable(t *testing.T) {
	db := openURL(t, pgtest.NewDatabase(t), postgres.Options{MaxConns: 1})
	ctx, cancel := context.WithCancel(t.Context())
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		go func() { time.Sleep(50 * time.Millisecond); cancel() }()
		return postgres.Exec(ctx, tx, "SELECT pg_sleep(10)")
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled statement: %v, want context.Canceled", err)
	}
	if err := db.WriteTx(t.Context(), func(tx backend.Tx) error { return postgres.Exec(t.Context(), tx, "SELECT 1") }); err != nil {
		t.Errorf("the only connection after a cancelled statement: %v", err)
	}
}

// TestUnreachableServerIsUnavailable: no server at the address: the store's
// calls fail with EUNAVAILABLE, and Open's error does not show the password.
func TestUnreachableServerIsUnavailable(t *testing.T) {
	pgtest.AdminURL(t) // a property of this package's store, tested with the others
	const url = "postgres://someone:s3cret-password@127.0.0.1:1/nothing?sslmode=disable&connect_timeout=2"
	db, err := postgres.OpenLazy(url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(t.Context()); backend.ErrorKind(err) != backend.EUNAVAILABLE {
		t.Errorf("Ping: %v, want EUNAVAILABLE", err)
	}
	for name, run := range map[string]func(context.Context, func(backend.Tx) error) error{"WriteTx": db.WriteTx, "ReadTx": db.ReadTx} {
		if err := run(t.Context(), func(backend.Tx) error { return nil }); backend.ErrorKind(err) != backend.EUNAVAILABLE {
			t.Errorf("%s: %v, want EUNAVAILABLE", name, err)
		}
	}
	for _, bad := range []string{url, "postgres://someone:s3cret-password@127.0.0.1:notaport/x"} {
		_, err := postgres.Open(t.Context(), bad, postgres.Options{})
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open: %v, want an error without the password", err)
		}
	}
}

// TestUnstorableText: PostgreSQL text holds neither NUL nor invalid UTF-8.
// Looking such a value up finds nothing, as on SQLite, and storing one is
// EINVALID, never an internal error.
func TestUnstorableText(t *testing.T) {
	db := open(t)
	m := manager(t, db)
	listed := account(m, "nul@example.com", "nul")
	if err := db.WriteTx(t.Context(), func(tx backend.Tx) error { return tx.InsertAccount(t.Context(), listed) }); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"nul\x00inside", "bad\xffutf8", "nul@example.com\x00"} {
		err := db.ReadTx(t.Context(), func(tx backend.Tx) error {
			if _, err := tx.GetAccount(t.Context(), bad); backend.ErrorKind(err) != backend.ENOTFOUND {
				return fmt.Errorf("GetAccount(%q): %w, want ENOTFOUND", bad, err)
			}
			if _, err := tx.GetAccountByEmail(t.Context(), bad); backend.ErrorKind(err) != backend.ENOTFOUND {
				return fmt.Errorf("GetAccountByEmail(%q): %w, want ENOTFOUND", bad, err)
			}
			// Unlike SQLite, whose lower() and LIKE stop at a NUL.
			for _, q := range []backend.ManagedAccountQuery{{EmailEq: bad}, {EmailContains: bad}, {OrganizationEq: bad}, {OrganizationContains: bad}} {
				q.Page = backend.Page{Number: 1, Size: 10}
				list, total, err := tx.ListManagedAccounts(t.Context(), m, q)
				if err != nil || len(list) != 0 || total != 0 {
					return fmt.Errorf("ListManagedAccounts(%+v) = %d, %d, %w; want nothing", q, len(list), total, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}
	a := account(m, "other@example.com", "a\x00b")
	err := db.WriteTx(t.Context(), func(tx backend.Tx) error { return tx.InsertAccount(t.Context(), a) })
	if backend.ErrorKind(err) != backend.EINVALID {
		t.Errorf("an organization name with a NUL: %v, want EINVALID", err)
	}
}

// TestAppendOnlyTables: the ledger, the audit log, card transactions and
// usage events refuse UPDATE and DELETE; usage rollups may only be added to
// (their blocks get the same deltas, so a rollup rekeyed or removed would
// leave them wrong).
func TestAppendOnlyTables(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := openURL(t, url, postgres.Options{})
	ctx := t.Context()
	now := time.Now()
	m := manager(t, db)
	a := account(m, "a@example.com", "A")
	pm := &backend.PaymentMethod{ID: uuid.NewString(), AccountID: m, Type: backend.PaymentMethodCard,
		Card:    backend.Card{Brand: "visa", Last4: "4242", ExpMonth: 1, ExpYear: 2040, Fingerprint: "f"},
		Billing: backend.BillingDetails{Name: "N", Country: "US"}, Default: true, CreatedAt: now, UpdatedAt: now}
	r := &backend.UsageRollup{UsageRollupKey: backend.UsageRollupKey{AccountID: a.ID, Product: "messaging", Day: "2026-01-05",
		Direction: "outbound", CountryISO: "US", MessageType: "SMS", ProductName: "long_code"}, ManagerID: m, Count: 1, Parts: 1, Cost: 4}
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		return errors.Join(
			tx.InsertAccount(ctx, a),
			tx.InsertLedgerEntry(ctx, entry(m, 1)),
			tx.InsertAuditEvent(ctx, &backend.AuditEvent{ID: uuid.NewString(), AccountID: m, ChangeMadeBy: backend.ChangeByOperator, Action: "x", CreatedAt: now}),
			tx.InsertPaymentMethod(ctx, pm),
			tx.InsertTransaction(ctx, &backend.Transaction{ID: uuid.NewString(), AccountID: m, PaymentMethodID: pm.ID, Amount: 1,
				Currency: backend.Currency, CreatedAt: now, SettlesAt: now}),
			tx.InsertUsageEvents(ctx, []*backend.UsageEvent{{ID: uuid.NewString(), AccountID: a.ID, ManagerID: m, Product: "messaging",
				OccurredAt: now, CountryISO: "US", ProductName: "long_code", RateSource: backend.ScopeList, IngestedAt: now}}),
			tx.AddUsageRollups(ctx, []*backend.UsageRollup{r}),
			tx.AddUsageRollups(ctx, []*backend.UsageRollup{r}),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	var blocks, sum int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), SUM(count) FROM usage_rollup_blocks`).Scan(&blocks, &sum); err != nil {
		t.Fatal(err)
	}
	if blocks != len(sqlstore.UsageBlockSpans) || sum != 2*len(sqlstore.UsageBlockSpans) {
		t.Errorf("%d blocks counting %d events in all; want %d blocks of 2", blocks, sum, len(sqlstore.UsageBlockSpans))
	}
	if _, err := conn.Exec(ctx, `UPDATE usage_rollups SET count = count + 1`); err != nil {
		t.Errorf("adding to a rollup: %v", err)
	}
	for _, stmt := range []string{
		`UPDATE ledger_entries SET amount = 2`, `DELETE FROM ledger_entries`,
		`UPDATE audit_events SET action = 'y'`, `DELETE FROM audit_events`,
		`UPDATE payment_transactions SET amount = 2`, `DELETE FROM payment_transactions`,
		`UPDATE usage_events SET parts = 2`, `DELETE FROM usage_events`,
		`UPDATE usage_rollups SET day = '2026-01-06'`, `DELETE FROM usage_rollups`,
	} {
		if _, err := conn.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "immutable") && !strings.Contains(err.Error(), "only added to") {
			t.Errorf("%s: %v, want refused", stmt, err)
		}
	}
}

// TestMigration0013ErasesUnkeyedHashes: a database that release 0012 wrote
// keeps the unkeyed SHA-256 of request bodies (live rows, and dead versions
// of purged ones) and of session tokens. After the upgrade no row holds one,
// the tables live in new files (so no dead version of a row is left on
// disk), the records still replay (an empty fingerprint, their answers
// kept), and the sessions are gone.
func TestMigration0013ErasesUnkeyedHashes(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	ctx := t.Context()
	if err := postgres.MigrateUpTo(ctx, url, 12); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	// The session's account need not exist: as the store's own emptying
	// does, replica mode skips the foreign keys.
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	const records = 100
	var hashes []string
	for i := range records {
		sum := sha256.Sum256(fmt.Appendf(nil, `{"card":{"number":"4242424242424242","cvc":"%03d"}}`, i))
		hashes = append(hashes, hex.EncodeToString(sum[:]))
		if _, err := conn.Exec(ctx, `INSERT INTO idempotency_records
			(scope, idem_key, method, path, request_hash, status, content_type, location, body_sealed, created_at)
			VALUES ('scope', $1, 'POST', '/v2/payment_methods', $2, 200, 'application/json', '', $3, now())`,
			fmt.Appendf(nil, "key-%03d", i), hashes[i], fmt.Sprintf("sealed-%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `DELETE FROM idempotency_records WHERE right(convert_from(idem_key, 'UTF8'), 1)::int % 2 = 1`); err != nil {
		t.Fatal(err)
	}
	session := sha256.Sum256([]byte("a session token"))
	if _, err := conn.Exec(ctx, `INSERT INTO portal_sessions (id, account_id, created_at, last_seen_at, expires_at)
		VALUES ($1, gen_random_uuid()::text, now(), now(), now())`, hex.EncodeToString(session[:])); err != nil {
		t.Fatal(err)
	}
	files := func() (records, sessions uint32) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT pg_relation_filenode('idempotency_records'), pg_relation_filenode('portal_sessions')`).
			Scan(&records, &sessions); err != nil {
			t.Fatal(err)
		}
		return records, sessions
	}
	oldRecords, oldSessions := files()

	db, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatalf("Open (migrating to 0013): %v", err)
	}
	defer func() { _ = db.Close() }()
	if newRecords, newSessions := files(); newRecords == oldRecords || newSessions == oldSessions {
		t.Errorf("the tables are in the files they were in (%d, %d): dead row versions with the old hashes remain on disk", newRecords, newSessions)
	}
	rows, err := conn.Query(ctx, `SELECT convert_from(idem_key, 'UTF8'), request_hash, body_sealed FROM idempotency_records`)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for rows.Next() {
		var key, hash, sealed string
		if err := rows.Scan(&key, &hash, &sealed); err != nil {
			t.Fatal(err)
		}
		if hash != "" || sealed != "sealed-"+key[len("key-"):] {
			t.Errorf("record %s after the upgrade: hash %q, answer %q; want no hash and the answer kept", key, hash, sealed)
		}
		kept++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var sessions int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM portal_sessions`).Scan(&sessions); err != nil {
		t.Fatal(err)
	}
	if kept != records/2 || sessions != 0 {
		t.Errorf("after the upgrade: %d records (want %d), %d sessions (want 0)", kept, records/2, sessions)
	}
}
