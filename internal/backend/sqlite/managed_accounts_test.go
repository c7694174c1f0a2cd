package sqlite

import (
	"fmt"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestManagedAccountCountMigrationsCountExistingAccounts: a database made
// before 0012 (no counts) or before 0015 (counts of open accounts kept by
// 0012's triggers) gets each manager's count of accounts per status, which
// the triggers then keep.
func TestManagedAccountCountMigrationsCountExistingAccounts(t *testing.T) {
	for _, before := range []int{12, 15} {
		t.Run(fmt.Sprint("before ", before), func(t *testing.T) { testCountMigration(t, before) })
	}
}

func testCountMigration(t *testing.T, before int) {
	ctx := t.Context()
	const at = "2025-05-06T07:08:09.123456Z"
	account := func(id, manager, email, status string) string {
		mgr := "NULL"
		if manager != "" {
			mgr = "'" + manager + "'"
		}
		return `INSERT INTO accounts (id, manager_id, email, organization_name, status, allow_custom_pricing, rollup_billing,
			global_channel_limit, allocatable_channels, managed_account_limit, credit_limit, created_at, updated_at)
			VALUES ('` + id + `', ` + mgr + `, '` + email + `', 'Org', '` + status + `', 0, 0, 0, 0, 10, 0, '` + at + `', '` + at + `')`
	}
	path := oldDatabase(t, before,
		account("mgr-1", "", "m1@example.com", "enabled"),
		account("mgr-2", "", "m2@example.com", "enabled"),
		account("a-1", "mgr-1", "a1@example.com", "enabled"),
		account("a-2", "mgr-1", "a2@example.com", "disabled"),
		account("a-3", "mgr-1", "a3@example.com", "cancelled"))
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open migrates past %04d: %v", before, err)
	}
	defer func() { _ = db.Close() }()
	open := []backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled}
	cancelled := []backend.AccountStatus{backend.StatusCancelled}
	counts := func(statuses []backend.AccountStatus) (int, int) {
		var one, two int
		err := db.ReadTx(ctx, func(tx backend.Tx) error {
			var err error
			if one, err = tx.CountManagedAccounts(ctx, "mgr-1", statuses); err != nil {
				return err
			}
			two, err = tx.CountManagedAccounts(ctx, "mgr-2", statuses)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return one, two
	}
	if one, two := counts(open); one != 2 || two != 0 {
		t.Fatalf("after the migration: open counts %d and %d, want 2 and 0", one, two)
	}
	if one, two := counts(cancelled); one != 1 || two != 0 {
		t.Fatalf("after the migration: cancelled counts %d and %d, want 1 and 0", one, two)
	}
	if _, err := db.writer.ExecContext(ctx, account("a-4", "mgr-2", "a4@example.com", "enabled")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, `UPDATE accounts SET status = 'cancelled' WHERE id = 'a-1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, `DELETE FROM accounts WHERE id = 'a-2'`); err != nil {
		t.Fatal(err)
	}
	if one, two := counts(open); one != 0 || two != 1 {
		t.Fatalf("after an insert, a cancellation and a delete: open counts %d and %d, want 0 and 1", one, two)
	}
	if one, two := counts(cancelled); one != 2 || two != 0 {
		t.Fatalf("after an insert, a cancellation and a delete: cancelled counts %d and %d, want 2 and 0", one, two)
	}
}
