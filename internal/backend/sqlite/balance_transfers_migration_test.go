package sqlite

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestMigration0016KeepsTheLedger: migration 0016 copies the ledger into a
// table that also takes balance transfers. A database that release 0013
// wrote keeps every entry (the same sums and invoices' raw material), its
// indexes and its immutability, and takes the new kind.
func TestMigration0016KeepsTheLedger(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "reference.db")
	old, err := openPool(path, false)
	if err != nil {
		t.Fatal(err)
	}
	old.SetMaxOpenConns(1)
	if err := migrate(ctx, old, migrationsUpTo(t, 13)); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)
	for _, id := range []string{"manager", "managed"} {
		manager := any(nil)
		if id == "managed" {
			manager = "manager"
		}
		if _, err := old.ExecContext(ctx, `INSERT INTO accounts (id, manager_id, email, organization_name, status,
			allow_custom_pricing, rollup_billing, global_channel_limit, allocatable_channels, managed_account_limit,
			credit_limit, created_at, updated_at) VALUES (?, ?, ?, ?, 'enabled', 0, 1, 0, 0, 0, 0, ?, ?)`,
			id, manager, id+"@example.com", id, formatTime(at), formatTime(at)); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range []struct {
		subject, kind string
		amount        int64
		settles       time.Duration
	}{
		{"manager", "adjustment", 100_000_000, 0},
		{"manager", "top_up", 25_000_000, 48 * time.Hour},
		{"managed", "usage", -3_000_001, 0},
		{"manager", "usage", -1, 0},
		{"manager", "refund", -2_000_000, 0},
	} {
		reference := ""
		if e.kind == "usage" {
			reference = backend.UsageReference("voice")
		}
		if _, err := old.ExecContext(ctx, `INSERT INTO ledger_entries
			(id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
			VALUES (?, 'manager', ?, ?, ?, 'USD', 'before 0016', ?, ?, ?)`,
			i, e.subject, e.kind, e.amount, reference, formatTime(at), formatTime(at.Add(e.settles))); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (migrating to 0016): %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	err = db.ReadTx(ctx, func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(ctx, "manager", at.Add(time.Hour))
		if err != nil {
			return err
		}
		if sums != (backend.LedgerSums{Settled: 94_999_998, Pending: 25_000_000, Turnover: 130_000_002}) {
			t.Errorf("sums after the migration %+v", sums)
		}
		summary, err := tx.SummarizeLedger(ctx, "manager")
		if err != nil {
			return err
		}
		if len(summary.Groups) != 5 || !slices.Equal(summary.Settled, []backend.MonthSum{{Month: "2026-02", Sum: 94_999_998}, {Month: "2026-03", Sum: 25_000_000}}) {
			t.Errorf("summary after the migration %+v", summary)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, err := db.writer.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE tbl_name = 'ledger_entries' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"ledger_entries_account_created", "ledger_entries_account_totals", "ledger_entries_no_delete", "ledger_entries_no_update"}; !slices.Equal(names, want) {
		t.Errorf("indexes and triggers of the ledger %v, want %v", names, want)
	}
	if _, err := db.writer.ExecContext(ctx, `UPDATE ledger_entries SET amount = 0`); err == nil {
		t.Error("the migrated ledger let an entry be changed")
	}
	err = db.WriteTx(ctx, func(tx backend.Tx) error {
		return tx.InsertLedgerEntry(ctx, &backend.LedgerEntry{ID: "transfer", AccountID: "manager", SubjectID: "managed",
			Kind: backend.LedgerBalanceTransfer, Amount: -1, Currency: backend.Currency, CreatedAt: at, SettlesAt: at})
	})
	if err != nil {
		t.Fatalf("a balance transfer entry after the migration: %v", err)
	}
}
