package sqlite

import (
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
)

// migrationsBefore is the shipped migrations older than version.
func migrationsBefore(t *testing.T, version int) fstest.MapFS {
	t.Helper()
	all, err := migrations.Load(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range all {
		if m.Version < version {
			out[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	return out
}

// oldDatabase makes a database file with the migrations older than version
// and stmts run on it, closed, and returns its path.
func oldDatabase(t *testing.T, version int, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reference.db")
	old, err := openPool(path, false)
	if err != nil {
		t.Fatal(err)
	}
	old.SetMaxOpenConns(1)
	if err := migrate(t.Context(), old, migrationsBefore(t, version)); err != nil {
		t.Fatalf("migrate to %04d: %v", version-1, err)
	}
	for _, stmt := range stmts {
		if _, err := old.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBillingMigrationKeepsTheLedger: a database made before 0003 keeps its
// ledger entries, each settled when it was made, and its ledger stays
// append-only.
func TestBillingMigrationKeepsTheLedger(t *testing.T) {
	ctx := t.Context()
	const created = "2025-05-06T07:08:09.123456Z"
	path := oldDatabase(t, 3,
		`INSERT INTO accounts (id, email, organization_name, status, allow_custom_pricing, rollup_billing,
			global_channel_limit, allocatable_channels, managed_account_limit, credit_limit, created_at, updated_at)
			VALUES ('acc-1', 'old@example.com', 'Old', 'enabled', 0, 0, 0, 0, 0, 0, '`+created+`', '`+created+`')`,
		`INSERT INTO ledger_entries (id, account_id, subject_id, kind, amount, currency, description, reference, created_at)
			VALUES ('le-1', 'acc-1', 'acc-1', 'top_up', 12000000, 'USD', 'old top-up', 'ref', '`+created+`')`,
		`INSERT INTO ledger_entries (id, account_id, kind, amount, currency, created_at)
			VALUES ('le-2', 'acc-1', 'usage', -1, 'USD', '`+created+`')`)

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open migrates past 0003: %v", err)
	}
	defer func() { _ = db.Close() }()
	var settlesAt, description string
	if err := db.reader.QueryRowContext(ctx, `SELECT settles_at, description FROM ledger_entries WHERE id = 'le-1'`).
		Scan(&settlesAt, &description); err != nil {
		t.Fatal(err)
	}
	if settlesAt != created || description != "old top-up" {
		t.Errorf("migrated entry settles_at %q, description %q; want %q and the old description", settlesAt, description, created)
	}
	at, err := parseTime(created)
	if err != nil {
		t.Fatal(err)
	}
	err = db.ReadTx(ctx, func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(ctx, "acc-1", at)
		if err == nil && (sums.Settled != 11_999_999 || sums.Pending != 0) {
			t.Errorf("totals after the migration = %s settled, %s pending; want 11.999999, 0.00", sums.Settled, sums.Pending)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE ledger_entries SET amount = 0 WHERE id = 'le-1'`,
		`DELETE FROM ledger_entries WHERE id = 'le-2'`,
	} {
		if _, err := db.writer.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s succeeded after the migration: the ledger must stay append-only", stmt)
		}
	}
}

// TestSettlementBeforeCreationIsRefused: the table itself refuses an entry
// that would settle before it was made.
func TestSettlementBeforeCreationIsRefused(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &backend.Account{ID: "acc-1", Email: "x@example.com", OrganizationName: "X", Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now}
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		return tx.InsertLedgerEntry(ctx, &backend.LedgerEntry{ID: "le-1", AccountID: a.ID, Kind: backend.LedgerTopUp,
			Amount: 1, Currency: "USD", CreatedAt: now, SettlesAt: now.Add(-time.Microsecond)})
	})
	if err == nil {
		t.Fatal("an entry settling before its creation was stored")
	}
}
