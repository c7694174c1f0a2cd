package backend_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// billingEnv is an env whose store the test writes ledger entries to
// directly (no endpoint posts usage yet), under a clock it sets.
type billingEnv struct {
	*env
	store backend.Store
	now   time.Time
}

func newBillingEnv(t *testing.T) *billingEnv {
	t.Helper()
	db := openStore(t)
	b := &billingEnv{env: newEnvOn(t, db), store: db, now: time.Date(2025, 7, 10, 12, 0, 0, 0, time.UTC)}
	b.svc.SetClock(func() time.Time { return b.now })
	return b
}

// post writes entries to the ledger, each settling when made unless it says otherwise.
func (b *billingEnv) post(entries ...*backend.LedgerEntry) {
	b.t.Helper()
	err := b.store.WriteTx(b.ctx, func(tx backend.Tx) error {
		for _, e := range entries {
			if e.ID == "" {
				e.ID = uuid.NewString()
			}
			if e.Currency == "" {
				e.Currency = backend.Currency
			}
			if e.SettlesAt.IsZero() {
				e.SettlesAt = e.CreatedAt
			}
			if err := tx.InsertLedgerEntry(b.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.t.Fatalf("post ledger entries: %v", err)
	}
}

func (b *billingEnv) invoices(c *backend.Caller, sort string) []*backend.Invoice {
	b.t.Helper()
	list, meta, err := b.svc.ListInvoices(b.ctx, c, backend.InvoiceQuery{Sort: sort, Page: backend.Page{Size: backend.MaxPageSize}})
	if err != nil {
		b.t.Fatalf("ListInvoices: %v", err)
	}
	if meta.TotalResults != len(list) {
		b.t.Fatalf("meta %+v for %d invoices", meta, len(list))
	}
	return list
}

func usage(accountID, subjectID, product string, amount backend.Money, at time.Time) *backend.LedgerEntry {
	return &backend.LedgerEntry{AccountID: accountID, SubjectID: subjectID, Kind: backend.LedgerUsage, Amount: amount,
		Reference: backend.UsageReference(product), CreatedAt: at}
}

func entry(accountID string, kind backend.LedgerKind, amount backend.Money, at time.Time) *backend.LedgerEntry {
	return &backend.LedgerEntry{AccountID: accountID, SubjectID: accountID, Kind: kind, Amount: amount, CreatedAt: at}
}

// lineKey names a line: its product and managed account.
type lineKey struct{ product, managed string }

// monthTotals is what a month's invoice must show, computed from the entries
// themselves rather than from the store's summary.
type monthTotals struct {
	total, credits backend.Money
	lines          map[lineKey]backend.Money
	quantities     map[lineKey]int
	creditLines    map[lineKey]backend.Money
}

// TestInvoiceLinesSumToTotal is a property test: over random ledgers of
// sub-cent amounts of every kind, across months and managed accounts, each
// invoice's lines add up exactly to its total and its credit lines to its
// credits, and total, credits and every line equal what the entries
// themselves say.
func TestInvoiceLinesSumToTotal(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x1417))
	products := []string{"voice", "messaging", "sip_trunking"}
	for round := range 8 {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			b := newBillingEnv(t)
			mgr, _, caller := b.manager(backend.CreateManagerInput{})
			subjects := []string{mgr.ID}
			for range 3 {
				subjects = append(subjects, b.managed(caller, backend.CreateManagedAccountInput{RollupBilling: ptr(true)}).Account.ID)
			}
			want := map[string]*monthTotals{}
			var entries []*backend.LedgerEntry
			for range 300 {
				at := time.Date(2025, time.Month(1+rng.IntN(4)), 1+rng.IntN(28), rng.IntN(24), 0, 0, rng.IntN(1e9), time.UTC).
					Truncate(time.Microsecond)
				subject := subjects[rng.IntN(len(subjects))]
				amount := backend.Money(rng.Int64N(50_000_000)) + 1 // up to 50.00, to the micro-unit
				month := at.Format("2006-01")
				m := want[month]
				if m == nil {
					m = &monthTotals{lines: map[lineKey]backend.Money{}, quantities: map[lineKey]int{}, creditLines: map[lineKey]backend.Money{}}
					want[month] = m
				}
				managed := subject
				if subject == mgr.ID {
					managed = ""
				}
				var e *backend.LedgerEntry
				switch k := rng.IntN(12); {
				case k < 5:
					product := products[rng.IntN(len(products))]
					if k == 0 {
						amount = -amount // a usage reversal nets out of its line
					}
					e = usage(mgr.ID, subject, product, -amount, at)
					m.lines[lineKey{product, managed}] += amount
					m.quantities[lineKey{product, managed}]++
					m.total += amount
				case k < 7:
					e = entry(mgr.ID, backend.LedgerAdjustment, -amount, at)
					m.lines[lineKey{backend.AdjustmentsProduct, ""}] += amount
					m.quantities[lineKey{backend.AdjustmentsProduct, ""}]++
					m.total += amount
				case k < 8:
					e = entry(mgr.ID, backend.LedgerAdjustment, amount, at)
					m.credits += amount
					m.creditLines[lineKey{backend.AdjustmentsProduct, ""}] += amount
				case k < 9:
					e = entry(mgr.ID, backend.LedgerTopUp, amount, at)
					e.SettlesAt = at.Add(time.Duration(rng.IntN(72)) * time.Hour)
					m.credits += amount
					m.creditLines[lineKey{backend.TopUpsProduct, ""}] += amount
				case k < 10:
					e = entry(mgr.ID, backend.LedgerRefund, -amount, at) // neither a charge nor a credit
				case k < 11:
					// A transfer to a managed account: a charge about it.
					e = entry(mgr.ID, backend.LedgerBalanceTransfer, -amount, at)
					e.SubjectID = subject
					m.lines[lineKey{backend.BalanceTransfersProduct, managed}] += amount
					m.quantities[lineKey{backend.BalanceTransfersProduct, managed}]++
					m.total += amount
				default:
					// A transfer received (as a managed account's ledger has).
					e = entry(mgr.ID, backend.LedgerBalanceTransfer, amount, at)
					m.credits += amount
					m.creditLines[lineKey{backend.BalanceTransfersProduct, ""}] += amount
				}
				entries = append(entries, e)
			}
			b.post(entries...)

			got := b.invoices(caller, "period_start")
			if len(got) != len(want) {
				t.Fatalf("%d invoices, want one per month with entries: %d", len(got), len(want))
			}
			for _, inv := range got {
				w := want[inv.Month]
				if w == nil {
					t.Fatalf("invoice for %s, a month without entries", inv.Month)
				}
				var sum backend.Money
				lines := map[lineKey]backend.Money{}
				for _, l := range inv.Lines {
					sum += l.Amount
					k := lineKey{l.Product, l.ManagedAccountID}
					if _, dup := lines[k]; dup {
						t.Fatalf("%s: two lines for %+v", inv.Month, k)
					}
					lines[k] = l.Amount
					if l.Quantity != w.quantities[k] {
						t.Errorf("%s %+v: quantity %d, want %d", inv.Month, k, l.Quantity, w.quantities[k])
					}
				}
				if sum != inv.Total || inv.Total != w.total || inv.Credits != w.credits {
					t.Errorf("%s: lines sum to %s, total %s, credits %s; want total %s, credits %s",
						inv.Month, sum, inv.Total, inv.Credits, w.total, w.credits)
				}
				if len(lines) != len(w.lines) {
					t.Errorf("%s: lines %v, want %v", inv.Month, lines, w.lines)
				}
				var credited backend.Money
				creditLines := map[lineKey]backend.Money{}
				for _, l := range inv.CreditLines {
					credited += l.Amount
					creditLines[lineKey{l.Product, l.ManagedAccountID}] += l.Amount
				}
				if credited != inv.Credits || len(creditLines) != len(inv.CreditLines) || !maps.Equal(creditLines, w.creditLines) {
					t.Errorf("%s: credit lines %v sum to %s, credits %s; want %v", inv.Month, creditLines, credited, inv.Credits, w.creditLines)
				}
				for k, amount := range w.lines {
					if lines[k] != amount {
						t.Errorf("%s: line %+v is %s, want %s", inv.Month, k, lines[k], amount)
					}
				}
			}
		})
	}
}

// TestInvoiceMonthsAreUTC: the last microsecond of January and the first of
// February fall on two invoices, whatever zone the time was given in, and
// periods are whole calendar months (leap years included).
func TestInvoiceMonthsAreUTC(t *testing.T) {
	b := newBillingEnv(t)
	mgr, _, caller := b.manager(backend.CreateManagerInput{})
	paris := time.FixedZone("CET", 3600)
	b.post(
		usage(mgr.ID, mgr.ID, "voice", -1_000, time.Date(2024, 1, 31, 23, 59, 59, 999_999_000, time.UTC)),
		usage(mgr.ID, mgr.ID, "voice", -20_000, time.Date(2024, 2, 1, 0, 30, 0, 0, paris)), // 23:30 UTC, January
		usage(mgr.ID, mgr.ID, "voice", -300_000, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)),
	)
	got := b.invoices(caller, "period_start")
	if len(got) != 2 {
		t.Fatalf("%d invoices, want January and February", len(got))
	}
	jan, feb := got[0], got[1]
	if jan.Month != "2024-01" || jan.Total != 21_000 || feb.Month != "2024-02" || feb.Total != 300_000 {
		t.Fatalf("January %s %s, February %s %s; want 0.021 and 0.30", jan.Month, jan.Total, feb.Month, feb.Total)
	}
	if jan.PeriodStart != time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) || jan.PeriodEnd != time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC) ||
		feb.PeriodEnd != time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("periods %s..%s and %s..%s", jan.PeriodStart, jan.PeriodEnd, feb.PeriodStart, feb.PeriodEnd)
	}
	if jan.ID != backend.InvoiceID(mgr.ID, "2024-01") || jan.ID == feb.ID || jan.FileID == jan.ID {
		t.Fatalf("ids %s (file %s) and %s", jan.ID, jan.FileID, feb.ID)
	}
}

// TestInvoiceStatus: the current month is open; a past month is paid when
// the settled balance at its end is zero or more, unpaid otherwise; a top-up
// still pending at the month's end does not pay it.
func TestInvoiceStatus(t *testing.T) {
	b := newBillingEnv(t)
	mgr, _, caller := b.manager(backend.CreateManagerInput{})
	day := func(month time.Month, d int) time.Time { return time.Date(2025, month, d, 12, 0, 0, 0, time.UTC) }
	endOfApril := time.Date(2025, 4, 30, 23, 59, 0, 0, time.UTC)
	b.post(
		// March: 10.00 in, 4.00 charged: 6.00 left, paid.
		entry(mgr.ID, backend.LedgerAdjustment, 10_000_000, day(3, 2)),
		usage(mgr.ID, mgr.ID, "voice", -4_000_000, day(3, 20)),
		// April: 8.00 charged: -2.00; a 5.00 top-up on the last evening
		// settles in May, so April ends unpaid.
		usage(mgr.ID, mgr.ID, "voice", -8_000_000, day(4, 10)),
		&backend.LedgerEntry{AccountID: mgr.ID, SubjectID: mgr.ID, Kind: backend.LedgerTopUp, Amount: 5_000_000,
			CreatedAt: endOfApril, SettlesAt: endOfApril.Add(2 * time.Hour)},
		// May: nothing charged; the top-up settles: 3.00, paid.
		// June: 3.00 charged exactly: 0.00 is paid.
		usage(mgr.ID, mgr.ID, "messaging", -3_000_000, day(6, 30)),
		// July, the current month: open, whatever the balance.
		usage(mgr.ID, mgr.ID, "voice", -1_000_000, day(7, 1)),
	)
	got := b.invoices(caller, "period_start")
	want := []struct {
		month   string
		status  backend.InvoiceStatus
		balance backend.Money
	}{
		{"2025-03", backend.InvoicePaid, 6_000_000},
		{"2025-04", backend.InvoiceUnpaid, -2_000_000},
		{"2025-06", backend.InvoicePaid, 0},
		{"2025-07", backend.InvoiceOpen, -1_000_000},
	}
	if len(got) != len(want) {
		t.Fatalf("%d invoices, want %d (May has no entry created in it)", len(got), len(want))
	}
	for i, w := range want {
		inv := got[i]
		if inv.Month != w.month || inv.Status != w.status || inv.SettledBalance != w.balance || inv.Paid() != (w.status == backend.InvoicePaid) {
			t.Errorf("invoice %s: status %s, settled balance %s; want %s %s %s", inv.Month, inv.Status, inv.SettledBalance, w.month, w.status, w.balance)
		}
	}
	if got[1].Credits != 5_000_000 {
		t.Errorf("April's credits %s: the pending top-up was paid in during April", got[1].Credits)
	}

	// When July ends, its invoice closes: unpaid at -1.00.
	b.now = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	if july := b.invoices(caller, "")[0]; july.Month != "2025-07" || july.Status != backend.InvoiceUnpaid {
		t.Errorf("on August 1st July is %s %s, want unpaid", july.Month, july.Status)
	}
}

// TestRollupInvoices: a manager's invoice bills its rollup managed accounts'
// charges on lines of their own; the managed accounts have no invoices and
// cannot reach the manager's.
func TestRollupInvoices(t *testing.T) {
	b := newBillingEnv(t)
	mgr, _, caller := b.manager(backend.CreateManagerInput{})
	one := b.managed(caller, backend.CreateManagedAccountInput{RollupBilling: ptr(true)})
	two := b.managed(caller, backend.CreateManagedAccountInput{RollupBilling: ptr(true)})
	at := time.Date(2025, 7, 2, 0, 0, 0, 0, time.UTC)
	b.post(
		usage(mgr.ID, mgr.ID, "voice", -100, at),
		usage(mgr.ID, one.Account.ID, "voice", -200, at),
		usage(mgr.ID, one.Account.ID, "voice", -300, at),
		usage(mgr.ID, two.Account.ID, "voice", -400, at),
		usage(mgr.ID, two.Account.ID, "messaging", -500, at),
		entry(mgr.ID, backend.LedgerAdjustment, -600, at),
	)
	got := b.invoices(caller, "")
	if len(got) != 1 {
		t.Fatalf("%d invoices, want 1", len(got))
	}
	type line struct {
		product, managed string
		quantity         int
		amount           backend.Money
	}
	var lines []line
	for _, l := range got[0].Lines {
		lines = append(lines, line{l.Product, l.ManagedAccountID, l.Quantity, l.Amount})
	}
	ofOne := []line{{"voice", one.Account.ID, 2, 500}}
	ofTwo := []line{{"messaging", two.Account.ID, 1, 500}, {"voice", two.Account.ID, 1, 400}}
	want := []line{{"voice", "", 1, 100}, {backend.AdjustmentsProduct, "", 1, 600}}
	// The managed accounts' lines come in id order.
	if one.Account.ID < two.Account.ID {
		want = slices.Concat(want, ofOne, ofTwo)
	} else {
		want = slices.Concat(want, ofTwo, ofOne)
	}
	if !slices.Equal(lines, want) || got[0].Total != 2100 {
		t.Fatalf("lines %+v total %s, want %+v and 0.0021", lines, got[0].Total, want)
	}

	managed := b.auth(one.APIKey)
	if list := b.invoices(managed, ""); len(list) != 0 {
		t.Fatalf("a rollup managed account lists %d invoices, want none", len(list))
	}
	_, err := b.svc.GetInvoice(b.ctx, managed, got[0].ID)
	wantErr(t, err, backend.ENOTFOUND, "")
}

// TestGetInvoice: an invoice is found by its id, the same on every call;
// another account's id, or an unknown one, is not found; a malformed id is
// a bad request.
func TestGetInvoice(t *testing.T) {
	b := newBillingEnv(t)
	mgr, _, caller := b.manager(backend.CreateManagerInput{})
	other, _, otherCaller := b.manager(backend.CreateManagerInput{})
	at := time.Date(2025, 5, 5, 0, 0, 0, 0, time.UTC)
	b.post(usage(mgr.ID, mgr.ID, "voice", -1, at), usage(other.ID, other.ID, "voice", -2, at))

	id := backend.InvoiceID(mgr.ID, "2025-05")
	first, err := b.svc.GetInvoice(b.ctx, caller, id)
	if err != nil {
		t.Fatalf("GetInvoice: %v", err)
	}
	second, err := b.svc.GetInvoice(b.ctx, caller, id)
	if err != nil || fmt.Sprintf("%+v", first) != fmt.Sprintf("%+v", second) {
		t.Fatalf("asked twice: %+v and %+v (%v)", first, second, err)
	}
	_, err = b.svc.GetInvoice(b.ctx, otherCaller, id)
	wantErr(t, err, backend.ENOTFOUND, "Invoice not found")
	_, err = b.svc.GetInvoice(b.ctx, caller, backend.InvoiceID(mgr.ID, "2025-06"))
	wantErr(t, err, backend.ENOTFOUND, "Invoice not found")
	for _, bad := range []string{"", "nope", "{" + id + "}", "urn:uuid:" + id, id[:35] + "x"} {
		_, err = b.svc.GetInvoice(b.ctx, caller, bad)
		if e := wantErr(t, err, backend.EBADREQUEST, "UUID"); e.Parameter != "id" {
			t.Fatalf("%q: parameter %q, want id", bad, e.Parameter)
		}
	}
}

// TestListInvoicesPagingAndSort: newest first by default, oldest first on
// request, pages cut exactly, and bad queries refused.
func TestListInvoicesPagingAndSort(t *testing.T) {
	b := newBillingEnv(t)
	mgr, _, caller := b.manager(backend.CreateManagerInput{})
	var months []string
	for m := time.January; m <= time.May; m++ {
		b.post(usage(mgr.ID, mgr.ID, "voice", -1, time.Date(2025, m, 3, 0, 0, 0, 0, time.UTC)))
		months = append(months, fmt.Sprintf("2025-%02d", m))
	}
	page := func(sort string, number, size int) ([]string, backend.PageMeta) {
		t.Helper()
		list, meta, err := b.svc.ListInvoices(b.ctx, caller, backend.InvoiceQuery{Sort: sort, Page: backend.Page{Number: number, Size: size}})
		if err != nil {
			t.Fatalf("ListInvoices: %v", err)
		}
		out := []string{}
		for _, inv := range list {
			out = append(out, inv.Month)
		}
		return out, meta
	}
	newest := slices.Clone(months)
	slices.Reverse(newest)
	if got, meta := page("", 0, 0); !slices.Equal(got, newest) || meta != (backend.PageMeta{PageNumber: 1, PageSize: 20, TotalPages: 1, TotalResults: 5}) {
		t.Fatalf("default: %v %+v", got, meta)
	}
	if got, _ := page("-period_start", 2, 2); !slices.Equal(got, newest[2:4]) {
		t.Fatalf("-period_start page 2 of 2: %v", got)
	}
	if got, meta := page("period_start", 3, 2); !slices.Equal(got, months[4:]) || meta.TotalPages != 3 {
		t.Fatalf("period_start page 3 of 2: %v %+v", got, meta)
	}
	if got, meta := page("period_start", 4, 2); len(got) != 0 || meta.TotalResults != 5 {
		t.Fatalf("past the last page: %v %+v", got, meta)
	}
	_, _, err := b.svc.ListInvoices(b.ctx, caller, backend.InvoiceQuery{Sort: "period_end"})
	if e := wantErr(t, err, backend.EBADREQUEST, "sort"); e.Parameter != "sort" {
		t.Fatalf("parameter %q", e.Parameter)
	}
	_, _, err = b.svc.ListInvoices(b.ctx, caller, backend.InvoiceQuery{Page: backend.Page{Size: backend.MaxPageSize + 1}})
	wantErr(t, err, backend.EBADREQUEST, "page[size]")
}

// TestInvoiceLinks: a signed link opens the document until it expires; a
// link whose any part was changed does not.
func TestInvoiceLinks(t *testing.T) {
	b := newBillingEnv(t)
	mgr, _, caller := b.manager(backend.CreateManagerInput{OrganizationName: ptr("Links & <Co>")})
	b.post(usage(mgr.ID, mgr.ID, "voice", -1_500_000, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)))
	inv, err := b.svc.GetInvoice(b.ctx, caller, backend.InvoiceID(mgr.ID, "2025-07"))
	if err != nil {
		t.Fatal(err)
	}
	link := b.svc.InvoiceLink(inv)
	doc, err := b.svc.InvoiceDocument(b.ctx, link)
	if err != nil {
		t.Fatalf("InvoiceDocument: %v", err)
	}
	if doc.Invoice.ID != inv.ID || doc.Account.ID != mgr.ID {
		t.Fatalf("document of %s for %s", doc.Invoice.ID, doc.Account.ID)
	}
	if len(doc.Invoice.Lines) != 1 || doc.Invoice.Lines[0].Amount != 1_500_000 || doc.Account.OrganizationName != "Links & <Co>" {
		t.Fatalf("document %+v of %+v, want the July invoice's usage line of 1.50 and the account as it is", doc.Invoice, doc.Account)
	}
	tampered := []backend.InvoiceLink{
		{InvoiceID: backend.InvoiceID(mgr.ID, "2025-06"), AccountID: link.AccountID, Expires: link.Expires, Signature: link.Signature},
		{InvoiceID: link.InvoiceID, AccountID: uuid.NewString(), Expires: link.Expires, Signature: link.Signature},
		{InvoiceID: link.InvoiceID, AccountID: link.AccountID, Expires: link.Expires + "0", Signature: link.Signature},
		{InvoiceID: link.InvoiceID, AccountID: link.AccountID, Expires: link.Expires, Signature: link.Signature[1:]},
		{InvoiceID: link.InvoiceID, AccountID: link.AccountID, Expires: link.Expires},
	}
	for _, l := range tampered {
		_, err := b.svc.InvoiceDocument(b.ctx, l)
		wantErr(t, err, backend.EFORBIDDEN, "signature")
	}
	b.now = b.now.Add(backend.InvoiceLinkTTL - time.Second)
	if _, err := b.svc.InvoiceDocument(b.ctx, link); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	b.now = b.now.Add(time.Second)
	_, err = b.svc.InvoiceDocument(b.ctx, link)
	wantErr(t, err, backend.EFORBIDDEN, "expired")
}

// TestSignLink: a signature covers its parts and their boundaries, and
// depends on the server secret.
func TestSignLink(t *testing.T) {
	one, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	two, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	sig := one.SignLink("a", "bc")
	if !one.VerifyLink(sig, "a", "bc") {
		t.Fatal("a signature does not verify")
	}
	for name, ok := range map[string]bool{
		"moved boundary":   one.VerifyLink(sig, "ab", "c"),
		"joined parts":     one.VerifyLink(sig, "abc"),
		"extra part":       one.VerifyLink(sig, "a", "bc", ""),
		"other secret":     two.VerifyLink(sig, "a", "bc"),
		"empty signature":  one.VerifyLink("", "a", "bc"),
		"signature prefix": one.VerifyLink(sig[:len(sig)-1], "a", "bc"),
	} {
		if ok {
			t.Errorf("%s: verified", name)
		}
	}
}
