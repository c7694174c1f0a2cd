package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// A statement refused for a unique constraint writes nothing, and the
// transaction goes on: what it wrote before and after commits. (SQLite
// aborts the statement only; PostgreSQL needs the store to make it so.)
func testTxStaysUsableAfterConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	k := f.newKey(m.ID, backend.KeyUser)
	f.insertKeys(k)
	before := f.newAccount(m.ID, "before@example.com", "Before")
	after := f.newAccount(m.ID, "after@example.com", "After")
	f.write(func(tx backend.Tx) error {
		if err := tx.InsertAccount(f.ctx, before); err != nil {
			return err
		}
		for name, refused := range map[string]func() error{
			"InsertAccount of a taken email": func() error {
				return tx.InsertAccount(f.ctx, f.newAccount(m.ID, "A@example.com", "Duplicate"))
			},
			"UpdateAccount to a taken email": func() error {
				changed := *a
				changed.Email = "BEFORE@example.com"
				return tx.UpdateAccount(f.ctx, &changed)
			},
			"InsertAPIKey of a taken hash": func() error {
				dup := f.newKey(m.ID, backend.KeyUser)
				dup.Hash = k.Hash
				return tx.InsertAPIKey(f.ctx, dup)
			},
		} {
			if err := refused(); backend.ErrorKind(err) != backend.ECONFLICT {
				return fmt.Errorf("%s: %w, want ECONFLICT", name, err)
			}
		}
		return tx.InsertAccount(f.ctx, after)
	})
	sameAccount(t, f.getAccount(before.ID), before)
	sameAccount(t, f.getAccount(after.ID), after)
	sameAccount(t, f.getAccount(a.ID), a)
	if _, total := f.list(m.ID, backend.ManagedAccountQuery{}); total != 3 {
		t.Errorf("managed accounts = %d, want 3 (a, before, after)", total)
	}
}

// Text that a database may not be able to store (a NUL, bytes that are not
// UTF-8) arrives in lookups from URLs and query strings: it finds nothing,
// never an error.
func testLookupsOfUnstorableTextFindNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	f.managed(f.manager("m@example.com"), "a@example.com", "A")
	for _, bad := range []string{"a\x00b", "\xff\xfe", "a@example.com\x00"} {
		f.read(func(tx backend.Tx) error {
			for name, lookup := range map[string]func() error{
				"GetAccount":        func() error { _, err := tx.GetAccount(f.ctx, bad); return err },
				"GetAccountByEmail": func() error { _, err := tx.GetAccountByEmail(f.ctx, bad); return err },
				"GetAPIKey":         func() error { _, err := tx.GetAPIKey(f.ctx, bad); return err },
				"GetAPIKeyByHash":   func() error { _, err := tx.GetAPIKeyByHash(f.ctx, bad); return err },
				"GetAPIKeyAndAccountByHash": func() error {
					_, _, err := tx.GetAPIKeyAndAccountByHash(f.ctx, bad)
					return err
				},
				"GetAccountWithPrimaryKey": func() error { _, _, err := tx.GetAccountWithPrimaryKey(f.ctx, bad); return err },
				"GetPaymentMethod":         func() error { _, err := tx.GetPaymentMethod(f.ctx, bad); return err },
				"GetUsageEvent":            func() error { _, err := tx.GetUsageEvent(f.ctx, bad); return err },
			} {
				if err := lookup(); backend.ErrorKind(err) != backend.ENOTFOUND {
					t.Errorf("%s(%q): %v, want ENOTFOUND", name, bad, err)
				}
			}
			// (The list filters are left out: SQLite's lower() and LIKE stop at
			// a NUL, so "a\x00b" filters like "a" there.)
			stored, err := tx.StoredUsageEventIDs(f.ctx, []string{bad})
			if err != nil || len(stored) != 0 {
				t.Errorf("StoredUsageEventIDs(%q) = %v, %v; want none", bad, stored, err)
			}
			return nil
		})
	}
}

// Times are kept to the microsecond, truncated (never rounded up), so that a
// time read back is never after the one written.
func testSubMicrosecondsAreTruncated(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.newAccount("", "ns@example.com", "Nanoseconds")
	a.CreatedAt = time.Date(2025, 6, 30, 23, 59, 59, 999_999_999, time.UTC)
	a.UpdatedAt = time.Date(1969, 12, 31, 23, 59, 59, 1_999, time.UTC) // before the Unix epoch
	f.insert(a)
	got := f.getAccount(a.ID)
	for _, tc := range []struct {
		name      string
		got, want time.Time
	}{{"created_at", got.CreatedAt, a.CreatedAt.Truncate(time.Microsecond)}, {"updated_at", got.UpdatedAt, a.UpdatedAt.Truncate(time.Microsecond)}} {
		if !tc.got.Equal(tc.want) {
			t.Errorf("%s = %s, want %s", tc.name, tc.got.Format(time.RFC3339Nano), tc.want.Format(time.RFC3339Nano))
		}
	}
}
