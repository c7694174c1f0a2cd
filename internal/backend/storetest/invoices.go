package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// ledgerEntry is an entry of the summary tests, settling when it is made
// unless settles is set.
func ledgerEntry(accountID, subjectID string, kind backend.LedgerKind, amount backend.Money, ref string, at time.Time, settles ...time.Time) *backend.LedgerEntry {
	e := &backend.LedgerEntry{ID: uuid.NewString(), AccountID: accountID, SubjectID: subjectID, Kind: kind, Amount: amount,
		Currency: backend.Currency, Reference: ref, CreatedAt: at, SettlesAt: at}
	if len(settles) > 0 {
		e.SettlesAt = settles[0]
	}
	return e
}

func (f *fixture) summarize(accountID string) *backend.LedgerSummary {
	f.t.Helper()
	var s *backend.LedgerSummary
	f.read(func(tx backend.Tx) error {
		var err error
		s, err = tx.SummarizeLedger(f.ctx, accountID)
		return err
	})
	return s
}

// testSummarizeLedger: entries are grouped by their created_at month in UTC
// (the last microsecond of a month and the first of the next fall apart),
// kind, product (only usage entries have one, after "usage:"), subject
// (none reads as "") and sign; the settled sums go by the settles_at month;
// each account's summary covers its own ledger only.
func testSummarizeLedger(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	other := f.manager("other@example.com")
	if got := f.summarize(m.ID); len(got.Groups) != 0 || len(got.Settled) != 0 || got.Groups == nil || got.Settled == nil {
		t.Fatalf("empty ledger summarised as %+v, want empty non-nil slices", got)
	}

	lastOfJan := time.Date(2025, 1, 31, 23, 59, 59, 999_999_000, time.UTC)
	firstOfFeb := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	// 00:30 on February 1st in Paris is still January in UTC.
	paris := time.FixedZone("CET", 3600)
	janInParis := time.Date(2025, 2, 1, 0, 30, 0, 0, paris)
	entries := []*backend.LedgerEntry{
		ledgerEntry(m.ID, m.ID, backend.LedgerUsage, -1, "usage:voice", lastOfJan),
		ledgerEntry(m.ID, m.ID, backend.LedgerUsage, -2, "usage:voice", janInParis),
		ledgerEntry(m.ID, m.ID, backend.LedgerUsage, 5, "usage:voice", lastOfJan.Add(-time.Hour)), // a reversal
		ledgerEntry(m.ID, a.ID, backend.LedgerUsage, -7, "usage:voice", lastOfJan),
		ledgerEntry(m.ID, a.ID, backend.LedgerUsage, -11, "usage:messaging", lastOfJan),
		ledgerEntry(m.ID, m.ID, backend.LedgerUsage, -13, "no-prefix", lastOfJan),
		ledgerEntry(m.ID, m.ID, backend.LedgerUsage, -17, "usage:", lastOfJan),
		ledgerEntry(m.ID, "", backend.LedgerAdjustment, -19, "", lastOfJan),
		ledgerEntry(m.ID, m.ID, backend.LedgerAdjustment, 23, "usage:voice", lastOfJan), // only usage has a product
		// A top-up of the last microsecond of January that settles in February.
		ledgerEntry(m.ID, m.ID, backend.LedgerTopUp, 1_000_000, "txn-1", lastOfJan, firstOfFeb),
		ledgerEntry(m.ID, m.ID, backend.LedgerUsage, -29, "usage:voice", firstOfFeb),
		ledgerEntry(m.ID, m.ID, backend.LedgerRefund, -31, "txn-1", firstOfFeb),
		ledgerEntry(other.ID, other.ID, backend.LedgerUsage, -1000, "usage:voice", lastOfJan),
	}
	f.write(func(tx backend.Tx) error {
		for _, e := range entries {
			if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})

	g := func(month string, kind backend.LedgerKind, product, subject string, negative bool, sum backend.Money, count int) backend.LedgerGroup {
		return backend.LedgerGroup{Month: month, Kind: kind, Product: product, SubjectID: subject, Negative: negative, Sum: sum, Count: count}
	}
	want := []backend.LedgerGroup{
		g("2025-01", backend.LedgerAdjustment, "", "", true, -19, 1),
		g("2025-01", backend.LedgerAdjustment, "", m.ID, false, 23, 1),
		g("2025-01", backend.LedgerTopUp, "", m.ID, false, 1_000_000, 1),
		g("2025-01", backend.LedgerUsage, "", m.ID, true, -30, 2),
		g("2025-01", backend.LedgerUsage, "messaging", a.ID, true, -11, 1),
		g("2025-01", backend.LedgerUsage, "voice", a.ID, true, -7, 1),
		g("2025-01", backend.LedgerUsage, "voice", m.ID, true, -3, 2),
		g("2025-01", backend.LedgerUsage, "voice", m.ID, false, 5, 1),
		g("2025-02", backend.LedgerRefund, "", m.ID, true, -31, 1),
		g("2025-02", backend.LedgerUsage, "voice", m.ID, true, -29, 1),
	}
	// The order of subjects within a product is the store's byte order of
	// ids, which the test sorts the same way.
	slices.SortStableFunc(want, func(x, y backend.LedgerGroup) int {
		for _, c := range []int{
			strings.Compare(x.Month, y.Month), strings.Compare(string(x.Kind), string(y.Kind)),
			strings.Compare(x.Product, y.Product), strings.Compare(x.SubjectID, y.SubjectID),
		} {
			if c != 0 {
				return c
			}
		}
		if x.Negative != y.Negative {
			if x.Negative {
				return -1
			}
			return 1
		}
		return 0
	})
	got := f.summarize(m.ID)
	if !slices.Equal(got.Groups, want) {
		t.Errorf("groups:\n got %+v\nwant %+v", got.Groups, want)
	}
	// January: every January entry except the top-up, which settles in
	// February; February: the top-up and February's own entries.
	wantSettled := []backend.MonthSum{
		{Month: "2025-01", Sum: -1 - 2 + 5 - 7 - 11 - 13 - 17 - 19 + 23},
		{Month: "2025-02", Sum: 1_000_000 - 29 - 31},
	}
	if !slices.Equal(got.Settled, wantSettled) {
		t.Errorf("settled: got %+v, want %+v", got.Settled, wantSettled)
	}
	if got := f.summarize(a.ID); len(got.Groups) != 0 || len(got.Settled) != 0 {
		t.Errorf("the managed account's own ledger is empty (its charges are on its manager's), got %+v", got)
	}
	if got := f.summarize(other.ID); len(got.Groups) != 1 || got.Groups[0].Sum != -1000 {
		t.Errorf("another account's summary is its own: %+v", got)
	}
}

// testSummarizeLedgerSumsExactly: sums keep every micro-unit, beyond what a
// float64 holds.
func testSummarizeLedgerSumsExactly(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	at := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	amounts := []backend.Money{-(1<<53 + 1), -1, -333_333, -(1 << 52)}
	var want backend.Money
	f.write(func(tx backend.Tx) error {
		for _, amt := range amounts {
			want += amt
			if err := tx.InsertLedgerEntry(f.ctx, ledgerEntry(m.ID, m.ID, backend.LedgerUsage, amt, "usage:voice", at)); err != nil {
				return err
			}
		}
		return nil
	})
	got := f.summarize(m.ID)
	if len(got.Groups) != 1 || got.Groups[0].Sum != want || got.Groups[0].Count != len(amounts) {
		t.Fatalf("groups %+v, want one summing to %d over %d entries", got.Groups, int64(want), len(amounts))
	}
	if len(got.Settled) != 1 || got.Settled[0].Sum != want {
		t.Fatalf("settled %+v, want %d", got.Settled, int64(want))
	}
}
