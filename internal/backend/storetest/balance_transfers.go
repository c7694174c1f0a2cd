package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of balance transfers: the transfers themselves (BalanceTransferTx),
// the ledger kind of their entries, and the rule of the Service that spends
// a manager's available balance, raced.

func (f *fixture) transfer(manager, account *backend.Account, amount backend.Money, created time.Time) *backend.BalanceTransfer {
	f.n++
	return &backend.BalanceTransfer{ID: uuid.NewString(), ManagerID: manager.ID, AccountID: account.ID, Amount: amount,
		Currency: backend.Currency, Description: fmt.Sprintf("transfer %d ✓", f.n), CreatedAt: created}
}

func (f *fixture) listTransfers(q backend.BalanceTransferQuery) ([]*backend.BalanceTransfer, int) {
	f.t.Helper()
	var (
		list  []*backend.BalanceTransfer
		total int
	)
	f.read(func(tx backend.Tx) error {
		var err error
		list, total, err = tx.ListBalanceTransfers(f.ctx, q)
		return err
	})
	return list, total
}

func transferIDs(list []*backend.BalanceTransfer) []string {
	out := make([]string, len(list))
	for i, bt := range list {
		out[i] = bt.ID
	}
	return out
}

// testBalanceTransfersRoundTripNewestFirst: transfers read back as written,
// listed per managed account or per manager, newest first with ties broken
// on the id (descending), paged with their total; an id given twice is
// ECONFLICT and leaves the transaction usable.
func testBalanceTransfersRoundTripNewestFirst(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("other@example.com")
	a := f.managed(m, "a@example.com", "A")
	b := f.managed(m, "b@example.com", "B")
	c := f.managed(other, "c@example.com", "C")
	t0 := f.tick()
	// Two of a's at the same instant, to see the tie broken.
	tied := []*backend.BalanceTransfer{f.transfer(m, a, 1, t0), f.transfer(m, a, 2, t0)}
	latest := f.transfer(m, a, 1_000_000_000_000_000, t0.Add(time.Second))
	toB := f.transfer(m, b, 10_000, t0.Add(2*time.Second))
	toC := f.transfer(other, c, 5, t0.Add(3*time.Second))
	f.write(func(tx backend.Tx) error {
		for _, bt := range []*backend.BalanceTransfer{tied[0], latest, toB, tied[1], toC} {
			if err := tx.InsertBalanceTransfer(f.ctx, bt); err != nil {
				return err
			}
		}
		dup := *toB
		wantKind(t, tx.InsertBalanceTransfer(f.ctx, &dup), backend.ECONFLICT)
		// Still usable after the conflict.
		_, _, err := tx.ListBalanceTransfers(f.ctx, backend.BalanceTransferQuery{AccountID: b.ID, Page: backend.Page{Number: 1, Size: 1}})
		return err
	})
	slices.SortFunc(tied, func(x, y *backend.BalanceTransfer) int {
		if x.ID > y.ID {
			return -1
		}
		return 1
	})
	all := backend.Page{Number: 1, Size: backend.MaxPageSize}
	list, total := f.listTransfers(backend.BalanceTransferQuery{AccountID: a.ID, Page: all})
	if want := []string{latest.ID, tied[0].ID, tied[1].ID}; total != 3 || !slices.Equal(transferIDs(list), want) {
		t.Fatalf("a's transfers %v (total %d), want %v", transferIDs(list), total, want)
	}
	for i, want := range []*backend.BalanceTransfer{latest, tied[0], tied[1]} {
		if *list[i] != *want || list[i].CreatedAt.Location() != time.UTC {
			t.Fatalf("read back %+v, want %+v in UTC", list[i], want)
		}
	}
	list, total = f.listTransfers(backend.BalanceTransferQuery{ManagerID: m.ID, Page: all})
	if want := []string{toB.ID, latest.ID, tied[0].ID, tied[1].ID}; total != 4 || !slices.Equal(transferIDs(list), want) {
		t.Fatalf("m's transfers %v (total %d), want %v", transferIDs(list), total, want)
	}
	list, total = f.listTransfers(backend.BalanceTransferQuery{ManagerID: m.ID, Page: backend.Page{Number: 2, Size: 3}})
	if want := []string{tied[1].ID}; total != 4 || !slices.Equal(transferIDs(list), want) {
		t.Fatalf("m's second page of 3 %v (total %d), want %v", transferIDs(list), total, want)
	}
	list, total = f.listTransfers(backend.BalanceTransferQuery{AccountID: m.ID, Page: all})
	if total != 0 || list == nil || len(list) != 0 {
		t.Fatalf("transfers to the manager itself %v (total %d), want an empty list", list, total)
	}
	list, _ = f.listTransfers(backend.BalanceTransferQuery{ManagerID: other.ID, Page: all})
	if want := []string{toC.ID}; !slices.Equal(transferIDs(list), want) {
		t.Fatalf("other's transfers %v, want %v", transferIDs(list), want)
	}
}

// testBalanceTransferLedgerEntries: the ledger takes entries of kind
// balance_transfer, sums them with the others, and summarizes them per
// subject and sign as it does every kind.
func testBalanceTransferLedgerEntries(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	at := time.Date(2026, 5, 31, 23, 59, 59, 0, time.UTC)
	f.write(func(tx backend.Tx) error {
		for _, e := range []*backend.LedgerEntry{
			ledgerEntry(m.ID, m.ID, backend.LedgerAdjustment, 10_000_000, "", at),
			ledgerEntry(m.ID, a.ID, backend.LedgerBalanceTransfer, -3_000_000, "t1", at),
			ledgerEntry(m.ID, a.ID, backend.LedgerBalanceTransfer, -1_000_000, "t2", at),
			ledgerEntry(a.ID, a.ID, backend.LedgerBalanceTransfer, 3_000_000, "t1", at),
			ledgerEntry(a.ID, a.ID, backend.LedgerBalanceTransfer, 1_000_000, "t2", at),
		} {
			if err := tx.InsertLedgerEntry(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if sums := f.totals(m.ID, at); sums.Settled != 6_000_000 || sums.Turnover != 14_000_000 {
		t.Fatalf("the manager's sums %+v", sums)
	}
	if sums := f.totals(a.ID, at); sums.Settled != 4_000_000 || sums.Turnover != 4_000_000 {
		t.Fatalf("the managed account's sums %+v", sums)
	}
	group := func(g backend.LedgerGroup) bool { return g.Kind == backend.LedgerBalanceTransfer }
	mine := f.summarize(m.ID).Groups
	if i := slices.IndexFunc(mine, group); i < 0 || mine[i] != (backend.LedgerGroup{Month: "2026-05", Kind: backend.LedgerBalanceTransfer,
		SubjectID: a.ID, Negative: true, Sum: -4_000_000, Count: 2}) {
		t.Fatalf("the manager's groups %+v", mine)
	}
	theirs := f.summarize(a.ID).Groups
	if len(theirs) != 1 || theirs[0] != (backend.LedgerGroup{Month: "2026-05", Kind: backend.LedgerBalanceTransfer,
		SubjectID: a.ID, Sum: 4_000_000, Count: 2}) {
		t.Fatalf("the managed account's groups %+v", theirs)
	}
}

// Claim(SetLedger) in CreateBalanceTransfer, next to its check of the
// manager's funds: many transfers from one manager to several of its
// accounts, released together, pass exactly as many times as its available
// balance (settled balance plus credit limit) allows, every other one is
// refused at the amount, and every ledger adds up.
func testBalanceTransfersNeverOverdrawUnderRacingTransfers(t *testing.T, s backend.Store) {
	e := newService(t, s)
	mgr := e.manager(backend.CreateManagerInput{CreditLimit: ptr("5.00")})
	if _, _, err := e.svc.PostAdjustment(e.ctx, mgr.Account.ID, ptr("16.00"), "funds"); err != nil {
		t.Fatal(err)
	}
	const accounts = 4
	ids := make([]string, accounts)
	for i := range ids {
		v, err := e.svc.CreateManagedAccount(e.ctx, mgr, backend.CreateManagedAccountInput{BusinessName: ptr(fmt.Sprint("Racer ", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = v.Account.ID
	}
	// 21.00 available, 3.00 each: exactly 7 pass.
	errs := race(racers, func(i int) error {
		_, err := e.svc.CreateBalanceTransfer(e.ctx, mgr, ids[i%accounts], backend.BalanceTransferInput{Amount: ptr("3.00")})
		return err
	})
	wantPassed(t, "transfers at once", errs, 7, "/amount")
	for i, id := range ids {
		passed := 0
		for j := i; j < len(errs); j += accounts {
			if errs[j] == nil {
				passed++
			}
		}
		list, meta, err := e.svc.ListBalanceTransfers(e.ctx, mgr, id, backend.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var sum backend.Money
		for _, bt := range list {
			sum += bt.Amount
		}
		var got backend.LedgerSums
		if err := s.ReadTx(e.ctx, func(tx backend.Tx) error {
			var err error
			got, err = tx.LedgerTotals(e.ctx, id, e.svc.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if meta.TotalResults != passed || sum != backend.Money(passed)*3_000_000 || got.Settled != sum {
			t.Fatalf("account %d: %d passed, %d listed adding up to %s, balance %s", i, passed, meta.TotalResults, sum, got.Settled)
		}
	}
	b, err := e.svc.Balance(e.ctx, mgr)
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance != -5_000_000 || b.AvailableCredit != 0 {
		t.Fatalf("the manager's balance after the race %+v, want -5.00 and nothing available", b)
	}
}
