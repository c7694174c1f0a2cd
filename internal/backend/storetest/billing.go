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

// Conformance of the billing part of Tx: the ledger (exact sums, per
// account, settled and pending totals, concurrent inserts), payment methods,
// card transactions and auto-recharge preferences.

func (f *fixture) sum(accountID string) backend.Money {
	f.t.Helper()
	var m backend.Money
	f.read(func(tx backend.Tx) error {
		var err error
		m, err = ledgerSum(f.ctx, tx, accountID)
		return err
	})
	return m
}

func (f *fixture) entry(accountID string, amount backend.Money) *backend.LedgerEntry {
	now := f.tick()
	return &backend.LedgerEntry{ID: uuid.NewString(), AccountID: accountID, SubjectID: accountID,
		Kind: backend.LedgerAdjustment, Amount: amount, Currency: backend.Currency, CreatedAt: now, SettlesAt: now}
}

// ledgerSum adds up every entry of an account's ledger, settled or pending.
func ledgerSum(ctx context.Context, tx backend.Tx, accountID string) (backend.Money, error) {
	sums, err := tx.LedgerTotals(ctx, accountID, base)
	return sums.Settled + sums.Pending, err
}

func testLedgerSumIsExact(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	if got := f.sum(m.ID); got != 0 {
		t.Fatalf("empty ledger sums to %s, want 0.00", got)
	}
	// One micro-unit a thousand times: 0.001 exactly, where a float sum of
	// 0.000001 drifts.
	f.write(func(tx backend.Tx) error {
		for range 1000 {
			if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 1)); err != nil {
				return err
			}
		}
		return nil
	})
	if got := f.sum(m.ID); got != 1000 {
		t.Fatalf("sum = %s, want 0.001", got)
	}
	// Large amounts beyond a float64's 53-bit mantissa keep every micro-unit.
	big := backend.Money(1<<53 + 1)
	var want backend.Money = 1000
	f.write(func(tx backend.Tx) error {
		for _, amt := range []backend.Money{big, -backend.Money(1 << 53), 333_333, -1} {
			want += amt
			if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, amt)); err != nil {
				return err
			}
		}
		return nil
	})
	if got := f.sum(m.ID); got != want {
		t.Fatalf("sum = %s (%d), want %s (%d)", got, int64(got), want, int64(want))
	}
}

func testLedgerSumIsPerAccount(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	f.write(func(tx backend.Tx) error {
		for _, e := range []*backend.LedgerEntry{f.entry(m.ID, 25_000_000), f.entry(a.ID, -5_500_000), f.entry(m.ID, 125)} {
			e.Description, e.Reference = "adjustment", "ref-"+e.ID
			if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if got := f.sum(m.ID); got != 25_000_125 {
		t.Errorf("manager's sum = %s, want 25.000125", got)
	}
	if got := f.sum(a.ID); got != -5_500_000 {
		t.Errorf("managed account's sum = %s, want -5.50", got)
	}
}

func testConcurrentLedgerInsertsLoseNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	const workers, perWorker = 8, 25
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				amount := backend.Money(w*1_000_000 + i + 1)
				e := &backend.LedgerEntry{ID: uuid.NewString(), AccountID: m.ID, SubjectID: m.ID, Kind: backend.LedgerUsage,
					Amount: amount, Currency: backend.Currency, CreatedAt: base.Add(time.Duration(w*perWorker+i) * time.Microsecond)}
				e.SettlesAt = e.CreatedAt
				// A read-modify-write, as the service's adjustments do: the
				// sum seen inside a write transaction must include every
				// earlier commit.
				err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
					prev, err := ledgerSum(f.ctx, tx, m.ID)
					if err != nil {
						return err
					}
					if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
						return err
					}
					now, err := ledgerSum(f.ctx, tx, m.ID)
					if err != nil {
						return err
					}
					if now != prev+amount {
						return fmt.Errorf("sum went from %d to %d adding %d", prev, now, amount)
					}
					return nil
				})
				// Readers run alongside the writers.
				if err == nil {
					err = s.ReadTx(f.ctx, func(tx backend.Tx) error { _, err := ledgerSum(f.ctx, tx, m.ID); return err })
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent writers failed: %v", err)
	}
	var want backend.Money
	for w := range workers {
		for i := range perWorker {
			want += backend.Money(w*1_000_000 + i + 1)
		}
	}
	if got := f.sum(m.ID); got != want {
		t.Fatalf("sum after %d concurrent inserts = %d, want %d", workers*perWorker, got, want)
	}
}

func (f *fixture) totals(accountID string, at time.Time) backend.LedgerSums {
	f.t.Helper()
	var sums backend.LedgerSums
	f.read(func(tx backend.Tx) error {
		var err error
		sums, err = tx.LedgerTotals(f.ctx, accountID, at)
		return err
	})
	return sums
}

func testLedgerTotalsSplitSettledAndPending(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("other@example.com")
	t0 := base.Add(time.Hour)
	entry := func(accountID string, kind backend.LedgerKind, amount backend.Money, created time.Time, delay time.Duration) *backend.LedgerEntry {
		return &backend.LedgerEntry{ID: uuid.NewString(), AccountID: accountID, SubjectID: accountID, Kind: kind,
			Amount: amount, Currency: backend.Currency, CreatedAt: created, SettlesAt: created.Add(delay)}
	}
	f.write(func(tx backend.Tx) error {
		for _, e := range []*backend.LedgerEntry{
			entry(m.ID, backend.LedgerAdjustment, 100_000_000, t0, 0),
			entry(m.ID, backend.LedgerUsage, -1_000_001, t0.Add(time.Second), 0),
			entry(m.ID, backend.LedgerTopUp, 50_000_000, t0.Add(2*time.Second), time.Minute),
			entry(m.ID, backend.LedgerTopUp, 7_000_000, t0.Add(3*time.Second), time.Hour),
			entry(other.ID, backend.LedgerTopUp, 999_000_000, t0, time.Minute),
		} {
			if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	// The turnover adds up every entry's absolute amount, whenever it settles.
	const turnover = 100_000_000 + 1_000_001 + 50_000_000 + 7_000_000
	for _, tc := range []struct {
		name             string
		at               time.Time
		settled, pending backend.Money
	}{
		{"before everything", t0.Add(-time.Second), 0, 157_000_000 - 1_000_001},
		{"after the immediate entries", t0.Add(2 * time.Second), 98_999_999, 57_000_000},
		{"one microsecond before the first top-up settles", t0.Add(2*time.Second + time.Minute - time.Microsecond), 98_999_999, 57_000_000},
		{"exactly when it settles", t0.Add(2*time.Second + time.Minute), 148_999_999, 7_000_000},
		{"after every settlement", t0.Add(2 * time.Hour), 155_999_999, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := backend.LedgerSums{Settled: tc.settled, Pending: tc.pending, Turnover: turnover}
			if got := f.totals(m.ID, tc.at); got != want {
				t.Errorf("totals at %s = %+v; want %+v", tc.at, got, want)
			}
		})
	}
	if got := f.totals(uuid.NewString(), t0); got != (backend.LedgerSums{}) {
		t.Errorf("an account without entries totals %+v; want zeros", got)
	}
	// A zero SettlesAt is a bug of the caller, never "settled at once".
	bad := entry(m.ID, backend.LedgerAdjustment, 1, t0, 0)
	bad.SettlesAt = time.Time{}
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, bad) }); err == nil {
		t.Error("a ledger entry without settles_at was stored")
	}
}

func (f *fixture) newPaymentMethod(accountID string, isDefault bool) *backend.PaymentMethod {
	f.n++
	now := f.tick()
	return &backend.PaymentMethod{
		ID: uuid.NewString(), AccountID: accountID, Type: backend.PaymentMethodCard,
		Card: backend.Card{
			Brand: backend.BrandVisa, Last4: fmt.Sprintf("%04d", f.n), ExpMonth: 1 + f.n%12, ExpYear: 2030 + f.n,
			Fingerprint: fmt.Sprintf("fp-%d", f.n),
		},
		Billing:  backend.BillingDetails{Name: fmt.Sprintf("Holder %d", f.n), PostalCode: fmt.Sprintf("%05d", f.n), Country: "US"},
		Declines: f.n%2 == 0, Default: isDefault, CreatedAt: now, UpdatedAt: now.Add(time.Microsecond),
	}
}

func (f *fixture) insertPaymentMethods(pms ...*backend.PaymentMethod) {
	f.t.Helper()
	f.write(func(tx backend.Tx) error {
		for _, pm := range pms {
			if err := tx.InsertPaymentMethod(f.ctx, pm); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *fixture) getPaymentMethod(id string) (*backend.PaymentMethod, error) {
	var pm *backend.PaymentMethod
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		pm, err = tx.GetPaymentMethod(f.ctx, id)
		return err
	})
	return pm, err
}

func samePaymentMethod(t *testing.T, got, want *backend.PaymentMethod) {
	t.Helper()
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
		got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("times = %v / %v, want %v / %v in UTC", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	g, w := *got, *want
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("payment method = %+v\nwant             %+v", g, w)
	}
}

func testPaymentMethodRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for _, declines := range []bool{false, true} {
		pm := f.newPaymentMethod(m.ID, !declines)
		pm.Declines = declines
		f.insertPaymentMethods(pm)
		got, err := f.getPaymentMethod(pm.ID)
		if err != nil {
			t.Fatal(err)
		}
		samePaymentMethod(t, got, pm)
	}
	var def *backend.PaymentMethod
	f.read(func(tx backend.Tx) error {
		var err error
		def, err = tx.GetDefaultPaymentMethod(f.ctx, m.ID)
		return err
	})
	if !def.Default || def.Declines {
		t.Errorf("default = %+v, want the first method", def)
	}
	dup := f.newPaymentMethod(m.ID, false)
	dup.ID = def.ID
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertPaymentMethod(f.ctx, dup) }), backend.ECONFLICT)
	orphan := f.newPaymentMethod(uuid.NewString(), false)
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertPaymentMethod(f.ctx, orphan) }); err == nil {
		t.Error("a payment method of an account that does not exist was stored")
	}
}

func testOneDefaultPaymentMethodPerAccount(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("other@example.com")
	first, second := f.newPaymentMethod(m.ID, true), f.newPaymentMethod(m.ID, false)
	f.insertPaymentMethods(first, second, f.newPaymentMethod(other.ID, true))
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error {
		return tx.InsertPaymentMethod(f.ctx, f.newPaymentMethod(m.ID, true))
	}), backend.ECONFLICT)
	promoted := *second
	promoted.Default = true
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.UpdatePaymentMethod(f.ctx, &promoted) }), backend.ECONFLICT)
	// Moving the default is clearing the old one first, in one transaction.
	f.write(func(tx backend.Tx) error {
		demoted := *first
		demoted.Default = false
		if err := tx.UpdatePaymentMethod(f.ctx, &demoted); err != nil {
			return err
		}
		return tx.UpdatePaymentMethod(f.ctx, &promoted)
	})
	f.read(func(tx backend.Tx) error {
		def, err := tx.GetDefaultPaymentMethod(f.ctx, m.ID)
		if err != nil {
			return err
		}
		if def.ID != second.ID {
			t.Errorf("default = %s, want %s", def.ID, second.ID)
		}
		return nil
	})
}

func testListPaymentMethodsNewestFirst(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("other@example.com")
	var pms []*backend.PaymentMethod
	for i := range 5 {
		pms = append(pms, f.newPaymentMethod(m.ID, i == 0))
	}
	// Two created in the same microsecond: the tie breaks on ID, descending.
	pms[3].CreatedAt = pms[4].CreatedAt
	f.insertPaymentMethods(pms...)
	f.insertPaymentMethods(f.newPaymentMethod(other.ID, true))
	f.write(func(tx backend.Tx) error { return tx.DeletePaymentMethod(f.ctx, pms[1].ID, f.tick()) })

	want := []string{pms[4].ID, pms[3].ID}
	if pms[3].ID > pms[4].ID {
		want = []string{pms[3].ID, pms[4].ID}
	}
	want = append(want, pms[2].ID, pms[0].ID)
	list := func(page backend.Page) ([]string, int) {
		var (
			got   []*backend.PaymentMethod
			total int
		)
		f.read(func(tx backend.Tx) error {
			var err error
			got, total, err = tx.ListPaymentMethods(f.ctx, m.ID, page)
			return err
		})
		out := []string{}
		for _, pm := range got {
			out = append(out, pm.ID)
		}
		return out, total
	}
	if got, total := list(backend.Page{Number: 1, Size: 10}); !slices.Equal(got, want) || total != 4 {
		t.Errorf("list = %v (total %d), want %v (total 4): newest first, deleted and other accounts' left out", got, total, want)
	}
	if got, total := list(backend.Page{Number: 2, Size: 3}); !slices.Equal(got, want[3:]) || total != 4 {
		t.Errorf("page 2 of 3 = %v (total %d), want %v (total 4)", got, total, want[3:])
	}
	if got, _ := list(backend.Page{Number: 3, Size: 3}); len(got) != 0 {
		t.Errorf("a page past the end = %v, want empty", got)
	}
	f.read(func(tx backend.Tx) error {
		n, err := tx.CountPaymentMethods(f.ctx, m.ID)
		if err == nil && n != 4 {
			t.Errorf("count = %d, want 4 (the deleted method is not counted)", n)
		}
		return err
	})
}

func testUpdatePaymentMethodWritesMutableFields(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	pm := f.newPaymentMethod(m.ID, false)
	f.insertPaymentMethods(pm)
	changed := *pm
	changed.Card.ExpMonth, changed.Card.ExpYear = 11, 2044
	changed.Billing = backend.BillingDetails{Name: "New Holder", PostalCode: "", Country: "FR"}
	changed.Default, changed.UpdatedAt = true, pm.UpdatedAt.Add(time.Hour)
	// What never changes is ignored, not written.
	attempt := changed
	attempt.Card.Brand, attempt.Card.Last4, attempt.Card.Fingerprint = backend.BrandAmex, "9999", "other"
	attempt.Declines, attempt.AccountID, attempt.CreatedAt = !pm.Declines, uuid.NewString(), pm.CreatedAt.Add(time.Hour)
	f.write(func(tx backend.Tx) error { return tx.UpdatePaymentMethod(f.ctx, &attempt) })
	got, err := f.getPaymentMethod(pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	samePaymentMethod(t, got, &changed)
}

func testDeletedPaymentMethodIsGone(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	pm := f.newPaymentMethod(m.ID, true)
	f.insertPaymentMethods(pm)
	f.write(func(tx backend.Tx) error { return tx.DeletePaymentMethod(f.ctx, pm.ID, f.tick()) })
	_, err := f.getPaymentMethod(pm.ID)
	wantKind(t, err, backend.ENOTFOUND)
	wantKind(t, s.ReadTx(f.ctx, func(tx backend.Tx) error {
		_, err := tx.GetDefaultPaymentMethod(f.ctx, m.ID)
		return err
	}), backend.ENOTFOUND)
	for name, call := range map[string]func(tx backend.Tx) error{
		"delete again": func(tx backend.Tx) error { return tx.DeletePaymentMethod(f.ctx, pm.ID, f.tick()) },
		"update":       func(tx backend.Tx) error { return tx.UpdatePaymentMethod(f.ctx, pm) },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.WriteTx(f.ctx, call), backend.ENOTFOUND) })
	}
	// Its default place is free again.
	f.insertPaymentMethods(f.newPaymentMethod(m.ID, true))
}

func testBillingNotFoundKinds(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	missing := uuid.NewString()
	for name, call := range map[string]func(tx backend.Tx) error{
		"GetPaymentMethod": func(tx backend.Tx) error { _, err := tx.GetPaymentMethod(f.ctx, missing); return err },
		"GetDefaultPaymentMethod": func(tx backend.Tx) error {
			_, err := tx.GetDefaultPaymentMethod(f.ctx, m.ID)
			return err
		},
		"GetAutoRechargePrefs": func(tx backend.Tx) error { _, err := tx.GetAutoRechargePrefs(f.ctx, m.ID); return err },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.ReadTx(f.ctx, call), backend.ENOTFOUND) })
	}
	ghost := f.newPaymentMethod(m.ID, false)
	for name, call := range map[string]func(tx backend.Tx) error{
		"UpdatePaymentMethod": func(tx backend.Tx) error { return tx.UpdatePaymentMethod(f.ctx, ghost) },
		"DeletePaymentMethod": func(tx backend.Tx) error { return tx.DeletePaymentMethod(f.ctx, missing, f.tick()) },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.WriteTx(f.ctx, call), backend.ENOTFOUND) })
	}
}

func testTransactionsRoundTripNewestFirst(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("other@example.com")
	pm, otherPM := f.newPaymentMethod(m.ID, true), f.newPaymentMethod(other.ID, true)
	f.insertPaymentMethods(pm, otherPM)
	var want []*backend.Transaction
	for i := range 3 {
		now := f.tick()
		want = append([]*backend.Transaction{{
			ID: uuid.NewString(), AccountID: m.ID, PaymentMethodID: pm.ID, Amount: backend.Money(i+1) * 10_000,
			Currency: backend.Currency, AutoRecharge: i == 1, CreatedAt: now, SettlesAt: now.Add(time.Duration(i) * time.Minute),
		}}, want...)
	}
	f.write(func(tx backend.Tx) error {
		for _, tr := range want {
			if err := tx.InsertTransaction(f.ctx, tr); err != nil {
				return err
			}
		}
		now := f.tick()
		return tx.InsertTransaction(f.ctx, &backend.Transaction{ID: uuid.NewString(), AccountID: other.ID,
			PaymentMethodID: otherPM.ID, Amount: 1, Currency: backend.Currency, CreatedAt: now, SettlesAt: now})
	})
	// A deleted method keeps its transactions.
	f.write(func(tx backend.Tx) error { return tx.DeletePaymentMethod(f.ctx, pm.ID, f.tick()) })
	var (
		got   []*backend.Transaction
		total int
	)
	f.read(func(tx backend.Tx) error {
		var err error
		got, total, err = tx.ListTransactions(f.ctx, m.ID, backend.Page{Number: 1, Size: 10})
		return err
	})
	if total != 3 || len(got) != 3 {
		t.Fatalf("list = %d of %d, want 3 of 3", len(got), total)
	}
	for i := range got {
		g, w := *got[i], *want[i]
		if !g.CreatedAt.Equal(w.CreatedAt) || !g.SettlesAt.Equal(w.SettlesAt) || g.CreatedAt.Location() != time.UTC {
			t.Errorf("transaction %d times = %v / %v, want %v / %v in UTC", i, g.CreatedAt, g.SettlesAt, w.CreatedAt, w.SettlesAt)
		}
		g.CreatedAt, g.SettlesAt, w.CreatedAt, w.SettlesAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if g != w {
			t.Errorf("transaction %d = %+v\nwant            %+v", i, g, w)
		}
	}
	now := f.tick()
	dangling := &backend.Transaction{ID: uuid.NewString(), AccountID: m.ID, PaymentMethodID: uuid.NewString(),
		Amount: 1, Currency: backend.Currency, CreatedAt: now, SettlesAt: now}
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertTransaction(f.ctx, dangling) }); err == nil {
		t.Error("a transaction of a payment method that does not exist was stored")
	}
	dup := *want[0]
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertTransaction(f.ctx, &dup) }), backend.ECONFLICT)
}

func testAutoRechargePrefsPutReplaces(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("other@example.com")
	first := &backend.AutoRechargePrefs{ID: uuid.NewString(), AccountID: m.ID, Enabled: true, InvoiceEnabled: false,
		Preference: backend.PreferenceACH, RechargeAmount: 25_000_000, ThresholdAmount: 10_000_000, UpdatedAt: f.tick()}
	second := &backend.AutoRechargePrefs{ID: uuid.NewString(), AccountID: m.ID, Enabled: false, InvoiceEnabled: true,
		Preference: backend.PreferenceCreditPaypal, RechargeAmount: 0, ThresholdAmount: 1, UpdatedAt: f.tick()}
	untouched := &backend.AutoRechargePrefs{ID: uuid.NewString(), AccountID: other.ID, Preference: backend.PreferenceACH, UpdatedAt: f.tick()}
	get := func(accountID string) *backend.AutoRechargePrefs {
		var p *backend.AutoRechargePrefs
		f.read(func(tx backend.Tx) error {
			var err error
			p, err = tx.GetAutoRechargePrefs(f.ctx, accountID)
			return err
		})
		return p
	}
	same := func(got, want *backend.AutoRechargePrefs) {
		t.Helper()
		if !got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
			t.Errorf("updated_at = %v, want %v in UTC", got.UpdatedAt, want.UpdatedAt)
		}
		g, w := *got, *want
		g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("prefs = %+v\nwant    %+v", g, w)
		}
	}
	for _, p := range []*backend.AutoRechargePrefs{first, untouched} {
		f.write(func(tx backend.Tx) error { return tx.PutAutoRechargePrefs(f.ctx, p) })
	}
	same(get(m.ID), first)
	f.write(func(tx backend.Tx) error { return tx.PutAutoRechargePrefs(f.ctx, second) })
	same(get(m.ID), second)
	same(get(other.ID), untouched)
}
