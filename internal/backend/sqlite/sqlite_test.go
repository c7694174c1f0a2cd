package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/storetest"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "reference.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() }) // closing twice is harmless
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backend.Store {
		db, err := Open(t.Context(), filepath.Join(t.TempDir(), "store.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return db
	})
}

func TestOpenCreatesParentDirectoriesAndAPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "reference.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer func() { _ = db.Close() }()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("database file mode = %v, want no access for group and others", perm)
	}
}

func TestOpenRefusesPathsThatAreNotFiles(t *testing.T) {
	for _, p := range []string{"", ":memory:", filepath.Join(t.TempDir(), "x.db?mode=memory")} {
		if db, err := Open(t.Context(), p); err == nil {
			_ = db.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

// rowQuerier is what *sql.DB and *sql.Conn have in common.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func TestPragmasOnEveryConnection(t *testing.T) {
	db := openTemp(t)
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "2"}
	check := func(name string, q rowQuerier, want map[string]string) {
		t.Helper()
		for pragma, v := range want {
			var got string
			if err := q.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, pragma, err)
			}
			if !strings.EqualFold(got, v) {
				t.Errorf("%s: %s = %s, want %s", name, pragma, got, v)
			}
		}
	}
	check("writer", db.writer, want)
	check("writer", db.writer, map[string]string{"query_only": "0"})
	// Hold every reader connection at once, so that each one is checked.
	want["query_only"] = "1"
	for i := range readerConns {
		c, err := db.reader.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		check(fmt.Sprintf("reader %d", i), c, want)
	}
}

func TestForeignKeysAreEnforced(t *testing.T) {
	db := openTemp(t)
	_, err := db.writer.ExecContext(t.Context(), `INSERT INTO ledger_entries (id, account_id, kind, amount, currency, created_at, settles_at)
		VALUES ('e1', 'no-such-account', 'adjustment', 1, 'USD', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')`)
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code() != sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		t.Fatalf("insert with a dangling account_id: %v, want SQLITE_CONSTRAINT_FOREIGNKEY", err)
	}
}

func TestMigrationsAppliedOnceAndIdempotentOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reference.db")
	all, err := migrations.Load(migrationFiles)
	if err != nil || len(all) == 0 {
		t.Fatalf("embedded migrations: %d, %v", len(all), err)
	}
	applied := func() []string {
		t.Helper()
		db, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer func() { _ = db.Close() }()
		rows, err := db.reader.QueryContext(t.Context(), `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rows.Close() }()
		var out []string
		for rows.Next() {
			var (
				v  int
				at string
			)
			if err := rows.Scan(&v, &at); err != nil {
				t.Fatal(err)
			}
			if _, err := parseTime(at); err != nil {
				t.Errorf("applied_at: %v", err)
			}
			out = append(out, at)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := applied()
	if len(first) != len(all) {
		t.Fatalf("%d migrations recorded, want %d", len(first), len(all))
	}
	if again := applied(); !slices.Equal(again, first) {
		t.Errorf("after reopening: %v, want the first run's %v untouched", again, first)
	}
}

func TestConcurrentOpensOfANewFileMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reference.db")
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), path) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer func() { _ = dbs[i].Close() }()
	}
	if t.Failed() {
		return
	}
	var n int
	if err := dbs[0].reader.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if all, _ := migrations.Load(migrationFiles); n != len(all) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(all))
	}
}

func TestMigrateAppliesNewVersionsAndRollsBackAFailedOne(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	next := fstest.MapFS{
		"0001_init.sql":   {Data: []byte("this is never run again")},
		"0900_more.sql":   {Data: []byte("CREATE TABLE extra (id TEXT PRIMARY KEY) STRICT;")},
		"0901_broken.sql": {Data: []byte("CREATE TABLE half_done (id TEXT) STRICT; INSERT INTO no_such_table VALUES (1);")},
	}
	if err := migrate(ctx, db.writer, next); err == nil || !strings.Contains(err.Error(), "0901_broken.sql") {
		t.Fatalf("migrate with a broken file: %v, want an error naming it", err)
	}
	var versions []int
	rows, err := db.writer.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	_ = rows.Close()
	// Every shipped migration stays recorded, 0900 is added, 0901 is not.
	shipped, err := migrations.Load(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range shipped {
		want = append(want, m.Version)
	}
	want = append(want, 900)
	if !slices.Equal(versions, want) {
		t.Errorf("recorded versions = %v, want %v", versions, want)
	}
	var tables []string
	rows, err = db.writer.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('extra', 'half_done')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	_ = rows.Close()
	if !slices.Equal(tables, []string{"extra"}) {
		t.Errorf("tables = %v, want only extra (the broken migration rolled back)", tables)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reference.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(t.Context(), `INSERT INTO schema_migrations VALUES (9999, '2030-01-01T00:00:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(t.Context(), path); err == nil || !strings.Contains(err.Error(), "9999") {
		if db != nil {
			_ = db.Close()
		}
		t.Fatalf("Open of a newer schema: %v, want an error naming version 9999", err)
	}
}

func TestReopenedFileKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reference.db")
	ctx := t.Context()
	created := time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC)
	a := &backend.Account{ID: uuid.NewString(), Email: "keep@example.com", OrganizationName: "Keep", Status: backend.StatusEnabled,
		ManagedAccountLimit: 3, CreditLimit: 10_500_000, CreatedAt: created, UpdatedAt: created}
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		return tx.InsertLedgerEntry(ctx, &backend.LedgerEntry{ID: uuid.NewString(), AccountID: a.ID, Kind: backend.LedgerTopUp,
			Amount: 42_000_001, Currency: "USD", CreatedAt: created, SettlesAt: created})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	err = db.ReadTx(ctx, func(tx backend.Tx) error {
		got, err := tx.GetAccountByEmail(ctx, "KEEP@example.com")
		if err != nil {
			return err
		}
		if *got != *a {
			t.Errorf("account after reopen = %+v, want %+v", got, a)
		}
		sums, err := tx.LedgerTotals(ctx, a.ID, created)
		if err == nil && sums.Settled != 42_000_001 {
			t.Errorf("ledger after reopen = %s, want 42.000001", sums.Settled)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoredRepresentation(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.FixedZone("CET", 3600))
	a := &backend.Account{ID: "acc-1", Email: "x@example.com", OrganizationName: "X", Status: backend.StatusEnabled,
		CreditLimit: 1, CreatedAt: at, UpdatedAt: at}
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		return tx.InsertLedgerEntry(ctx, &backend.LedgerEntry{ID: "le-1", AccountID: a.ID, Kind: backend.LedgerAdjustment,
			Amount: -1, Currency: "USD", CreatedAt: at, SettlesAt: at})
	})
	if err != nil {
		t.Fatal(err)
	}
	var createdAt, createdType, creditType, amountType, managerType string
	if err := db.reader.QueryRowContext(ctx, `SELECT a.created_at, typeof(a.created_at), typeof(a.credit_limit),
		typeof(l.amount), typeof(a.manager_id) FROM accounts a JOIN ledger_entries l ON l.account_id = a.id`).
		Scan(&createdAt, &createdType, &creditType, &amountType, &managerType); err != nil {
		t.Fatal(err)
	}
	if createdAt != "2025-01-02T02:04:05.000006Z" || createdType != "text" {
		t.Errorf("created_at stored as %s %q, want text 2025-01-02T02:04:05.000006Z", createdType, createdAt)
	}
	if creditType != "integer" || amountType != "integer" {
		t.Errorf("money stored as %s / %s, want integer", creditType, amountType)
	}
	if managerType != "null" {
		t.Errorf("a manager's manager_id is stored as %s, want null", managerType)
	}
	// STRICT tables refuse a REAL amount outright.
	if _, err := db.writer.ExecContext(ctx, `INSERT INTO ledger_entries (id, account_id, kind, amount, currency, created_at, settles_at)
		VALUES ('le-2', 'acc-1', 'adjustment', 0.5, 'USD', '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z')`); err == nil {
		t.Error("a REAL amount was stored")
	}
}

func TestLedgerAndAuditAreAppendOnly(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	now := time.Now()
	a := &backend.Account{ID: "acc-1", Email: "x@example.com", OrganizationName: "X", Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now}
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		if err := tx.InsertAuditEvent(ctx, &backend.AuditEvent{ID: "ev-1", AccountID: a.ID, ChangeMadeBy: backend.ChangeByOperator,
			Action: "test", CreatedAt: now}); err != nil {
			return err
		}
		return tx.InsertLedgerEntry(ctx, &backend.LedgerEntry{ID: "le-1", AccountID: a.ID, Kind: backend.LedgerAdjustment,
			Amount: 5, Currency: "USD", CreatedAt: now, SettlesAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE ledger_entries SET amount = 6`, `DELETE FROM ledger_entries`,
		`UPDATE audit_events SET action = 'other'`, `DELETE FROM audit_events`,
	} {
		if _, err := db.writer.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: %v, want refused as immutable", stmt, err)
		}
	}
}

// TestUsageRollupsAreOnlyAddedTo: the store adds the same deltas to the
// rollups and to their blocks (migration 0007), so that a rollup rekeyed or
// removed would leave the blocks wrong: both are refused, while adding to a
// rollup is not.
func TestUsageRollupsAreOnlyAddedTo(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	now := time.Now()
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		for _, a := range []*backend.Account{
			{ID: "m", Email: "m@example.com", OrganizationName: "M", Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now},
			{ID: "a", ManagerID: "m", Email: "a@example.com", OrganizationName: "A", Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now},
		} {
			if err := tx.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		r := &backend.UsageRollup{UsageRollupKey: backend.UsageRollupKey{AccountID: "a", Product: "messaging", Day: "2026-01-05",
			Direction: "outbound", CountryISO: "US", MessageType: "SMS", ProductName: "long_code"}, ManagerID: "m", Count: 1, Parts: 1, Cost: 4}
		if err := tx.AddUsageRollups(ctx, []*backend.UsageRollup{r}); err != nil {
			return err
		}
		return tx.AddUsageRollups(ctx, []*backend.UsageRollup{r})
	})
	if err != nil {
		t.Fatal(err)
	}
	var blocks, sum int
	if err := db.writer.QueryRowContext(ctx, `SELECT COUNT(*), SUM(count) FROM usage_rollup_blocks`).Scan(&blocks, &sum); err != nil {
		t.Fatal(err)
	}
	if blocks != len(sqlstore.UsageBlockSpans) || sum != 2*len(sqlstore.UsageBlockSpans) {
		t.Errorf("%d blocks counting %d events in all; want %d blocks of 2", blocks, sum, len(sqlstore.UsageBlockSpans))
	}
	if _, err := db.writer.ExecContext(ctx, `UPDATE usage_rollups SET count = count + 1`); err != nil {
		t.Errorf("adding to a rollup: %v", err)
	}
	for _, stmt := range []string{`UPDATE usage_rollups SET day = '2026-01-06'`, `DELETE FROM usage_rollups`} {
		if _, err := db.writer.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "only added to") {
			t.Errorf("%s: %v, want refused", stmt, err)
		}
	}
}

func TestLockedDatabaseIsUnavailable(t *testing.T) {
	old := busyTimeoutMillis
	busyTimeoutMillis = 50
	t.Cleanup(func() { busyTimeoutMillis = old })
	path := filepath.Join(t.TempDir(), "reference.db")
	holder, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Close() }()
	// A second Open stands for another process on the same file.
	other, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()

	locked, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- holder.WriteTx(t.Context(), func(backend.Tx) error {
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	err = other.WriteTx(t.Context(), func(backend.Tx) error { return nil })
	close(release)
	if backend.ErrorKind(err) != backend.EUNAVAILABLE {
		t.Errorf("write while another process holds the lock: %v, want EUNAVAILABLE", err)
	}
	if err := <-done; err != nil {
		t.Errorf("holder: %v", err)
	}
	// Readers are not blocked by a writer in WAL mode.
	if err := other.ReadTx(t.Context(), func(tx backend.Tx) error { _, err := tx.LedgerTotals(t.Context(), "x", time.Now()); return err }); err != nil {
		t.Errorf("read: %v", err)
	}
}

// TestServiceWritesAuditEvents checks, in the database itself, the audit log
// that the service writes through the store.
func TestServiceWritesAuditEvents(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	secrets, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	secrets.PasswordCost = bcrypt.MinCost
	svc := backend.NewService(db, secrets)

	email, password := "boss@example.com", "manager-password-1"
	mgr, mgrKey, err := svc.CreateManager(ctx, backend.CreateManagerInput{Email: &email, Password: &password})
	if err != nil {
		t.Fatal(err)
	}
	caller, err := svc.Authenticate(ctx, mgrKey)
	if err != nil {
		t.Fatal(err)
	}
	name, mpw := "Child Org", "managed-password-1"
	view, err := svc.CreateManagedAccount(ctx, caller, backend.CreateManagedAccountInput{BusinessName: &name, Password: &mpw})
	if err != nil {
		t.Fatal(err)
	}
	child := view.Account.ID
	if _, err := svc.SetManagedAccountStatus(ctx, caller, child, false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetManagedAccountStatus(ctx, caller, child, false); err != nil { // no change: no event
		t.Fatal(err)
	}
	newPW := "changed-password-2"
	if _, err := svc.UpdateManagedAccount(ctx, caller, child, backend.UpdateManagedAccountInput{Password: &newPW}); err != nil {
		t.Fatal(err)
	}
	amount := "25.50"
	if _, _, err := svc.PostAdjustment(ctx, mgr.ID, &amount, "welcome credit"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelAccount(ctx, child); err != nil {
		t.Fatal(err)
	}

	rows, err := db.reader.QueryContext(ctx, `SELECT account_id, COALESCE(actor_account_id, ''), change_made_by, action, changes
		FROM audit_events ORDER BY created_at, rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	type event struct{ account, actor, by, action string }
	var (
		got        []event
		allChanges []string
	)
	for rows.Next() {
		var (
			e       event
			changes string
		)
		if err := rows.Scan(&e.account, &e.actor, &e.by, &e.action, &changes); err != nil {
			t.Fatal(err)
		}
		var decoded map[string]any
		if err := json.Unmarshal([]byte(changes), &decoded); err != nil {
			t.Errorf("%s: changes %q are not a JSON object: %v", e.action, changes, err)
		}
		got = append(got, e)
		allChanges = append(allChanges, changes)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []event{
		{mgr.ID, "", backend.ChangeByOperator, "manager_account.create"},
		{child, mgr.ID, backend.ChangeByAccountManager, "managed_account.create"},
		{child, mgr.ID, backend.ChangeByAccountManager, "managed_account.disable"},
		{child, mgr.ID, backend.ChangeByAccountManager, "managed_account.update"},
		{mgr.ID, "", backend.ChangeByOperator, "ledger.adjustment"},
		{child, "", backend.ChangeByOperator, "account.cancel"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit events =\n%v\nwant\n%v", got, want)
	}
	joined := strings.Join(allChanges, "\n")
	for _, secret := range []string{mgrKey, view.APIKey, view.APIToken, password, mpw, newPW} {
		if strings.Contains(joined, secret) {
			t.Errorf("the audit log holds a secret: %s", joined)
		}
	}
	if !strings.Contains(joined, `"amount":"25.50"`) {
		t.Errorf("adjustment event does not record the amount: %s", joined)
	}
}

// TestTwoProcessesWritingLoseNothing runs read-then-write transactions from two
// handles on one file, as two server processes would. Because writes begin
// IMMEDIATE, each waits for the lock instead of failing when the other has
// written since its snapshot began.
func TestTwoProcessesWritingLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reference.db")
	ctx := t.Context()
	var handles [2]*DB
	for i := range handles {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		handles[i] = db
	}
	now := time.Now()
	acct := &backend.Account{ID: "acc-1", Email: "x@example.com", OrganizationName: "X", Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now}
	if err := handles[0].WriteTx(ctx, func(tx backend.Tx) error { return tx.InsertAccount(ctx, acct) }); err != nil {
		t.Fatal(err)
	}
	const perWorker = 20
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWorker)
	for w := range 4 {
		db := handles[w%2]
		wg.Go(func() {
			for range perWorker {
				errs <- db.WriteTx(ctx, func(tx backend.Tx) error {
					if _, err := tx.LedgerTotals(ctx, acct.ID, now); err != nil {
						return err
					}
					return tx.InsertLedgerEntry(ctx, &backend.LedgerEntry{ID: uuid.NewString(), AccountID: acct.ID,
						Kind: backend.LedgerUsage, Amount: 3, Currency: "USD", CreatedAt: now, SettlesAt: now})
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	err := handles[1].ReadTx(ctx, func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(ctx, acct.ID, time.Now())
		if err == nil && sums.Settled != 3*4*perWorker {
			t.Errorf("sum = %d, want %d", sums.Settled, 3*4*perWorker)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
