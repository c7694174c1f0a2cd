package backend_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// Public test card numbers (DESIGN 2.2).
const (
	visaCard     = "4242424242424242"
	declinedCard = "4000000000000002"
	amexCard     = "378282246310005"
)

// payEnv is a service on a fresh SQLite store whose clock the test moves,
// with the store at hand for what no service method reads (transactions).
type payEnv struct {
	*env
	db    *sqlite.DB
	clock *backendtest.ManualClock
}

// payStart is the clock's start: cards expiring in March 2026 are still good.
var payStart = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func newPayEnv(t *testing.T) *payEnv {
	t.Helper()
	db := openStore(t)
	e := &payEnv{env: newEnvOn(t, db), db: db, clock: backendtest.NewManualClock(payStart)}
	e.svc.SetClock(e.clock.Now)
	return e
}

// cardInput is a valid card body for number: expiry 12/2030, a CVC of the
// right length, and billing details.
func cardInput(number string) backend.CreatePaymentMethodInput {
	cvc := "123"
	if strings.HasPrefix(number, "34") || strings.HasPrefix(number, "37") {
		cvc = "1234"
	}
	return backend.CreatePaymentMethodInput{
		Type: ptr("card"),
		Card: &backend.CardInput{Number: ptr(number), ExpMonth: ptr(12), ExpYear: ptr(2030), CVC: ptr(cvc)},
		BillingDetails: &backend.BillingDetailsInput{
			Name: ptr("Ada Lovelace"), PostalCode: ptr("NW1 6XE"), Country: ptr("GB"),
		},
	}
}

func (p *payEnv) addCard(c *backend.Caller, number string, makeDefault bool) *backend.PaymentMethod {
	p.t.Helper()
	in := cardInput(number)
	in.Default = ptr(makeDefault)
	pm, err := p.svc.CreatePaymentMethod(p.ctx, c, in)
	if err != nil {
		p.t.Fatalf("CreatePaymentMethod: %v", err)
	}
	return pm
}

func (p *payEnv) balance(c *backend.Caller) *backend.Balance {
	p.t.Helper()
	b, err := p.svc.Balance(p.ctx, c)
	if err != nil {
		p.t.Fatalf("Balance: %v", err)
	}
	return b
}

func (p *payEnv) adjust(accountID, amount string) {
	p.t.Helper()
	if _, _, err := p.svc.PostAdjustment(p.ctx, accountID, ptr(amount), "test"); err != nil {
		p.t.Fatalf("PostAdjustment %s: %v", amount, err)
	}
}

func (p *payEnv) transactions(accountID string) []*backend.Transaction {
	p.t.Helper()
	var list []*backend.Transaction
	err := p.db.ReadTx(p.ctx, func(tx backend.Tx) error {
		var err error
		list, _, err = tx.ListTransactions(p.ctx, accountID, backend.Page{Number: 1, Size: backend.MaxPageSize})
		return err
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return list
}

// events returns the account's audit events, oldest first.
func (p *payEnv) events(accountID string) []*backend.AuditEvent {
	p.t.Helper()
	list, _, err := p.svc.OperatorAuditEvents(p.ctx, backend.AuditFilter{AccountID: accountID, Page: backend.Page{Number: 1, Size: backend.MaxPageSize}})
	if err != nil {
		p.t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

func countActions(events []*backend.AuditEvent, action string) int {
	return len(withAction(events, action))
}

// withAction keeps the events of one action. The test clock stands still,
// so events made at one instant have no order among them: tests pick events
// by action, not by position.
func withAction(events []*backend.AuditEvent, action string) []*backend.AuditEvent {
	var out []*backend.AuditEvent
	for _, e := range events {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// onlyEvent returns the account's one event of action, failing otherwise.
func (p *payEnv) onlyEvent(accountID, action string) *backend.AuditEvent {
	p.t.Helper()
	events := withAction(p.events(accountID), action)
	if len(events) != 1 {
		p.t.Fatalf("%d %s events, want 1", len(events), action)
	}
	return events[0]
}

func (p *payEnv) wantBalance(c *backend.Caller, balance, pending string) {
	p.t.Helper()
	b := p.balance(c)
	if b.Balance.String() != balance || b.Pending.String() != pending {
		p.t.Fatalf("balance %s, pending %s; want %s, %s", b.Balance, b.Pending, balance, pending)
	}
}

// wantInvalid fails unless err is an EINVALID with this pointer (and code,
// when given), and its detail never repeats a card number or CVC.
func wantInvalid(t *testing.T, err error, pointer, code string, secrets ...string) {
	t.Helper()
	e := wantErr(t, err, backend.EINVALID, "")
	if e.Pointer != pointer || (code != "" && e.Code != code) {
		t.Fatalf("error %+v, want pointer %q code %q", e, pointer, code)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(e.Detail+e.Title, s) {
			t.Fatalf("the error repeats a card secret: %+v", e)
		}
	}
}

func TestCardValidation(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	for _, tc := range []struct {
		name    string
		change  func(in *backend.CreatePaymentMethodInput)
		pointer string
	}{
		{"no type", func(in *backend.CreatePaymentMethodInput) { in.Type = nil }, "/type"},
		{"a bank account", func(in *backend.CreatePaymentMethodInput) { in.Type = ptr("bank_account") }, "/type"},
		{"no card", func(in *backend.CreatePaymentMethodInput) { in.Card = nil }, "/card"},
		{"no number", func(in *backend.CreatePaymentMethodInput) { in.Card.Number = nil }, "/card/number"},
		{"blank number", func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("   ") }, "/card/number"},
		{"Luhn failure", func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("4242424242424241") }, "/card/number"},
		{"letters", func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("4242-4242-4242-4242") }, "/card/number"},
		{"11 digits", func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("40000000006") }, "/card/number"},
		{"20 digits", func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("40000000000000000002") }, "/card/number"},
		{"no exp_month", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpMonth = nil }, "/card/exp_month"},
		{"month 0", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpMonth = ptr(0) }, "/card/exp_month"},
		{"month 13", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpMonth = ptr(13) }, "/card/exp_month"},
		{"no exp_year", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpYear = nil }, "/card/exp_year"},
		{"two-digit year", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpYear = ptr(30) }, "/card/exp_year"},
		{"expired last year", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpYear = ptr(2025) }, "/card/exp_year"},
		{"expired last month", func(in *backend.CreatePaymentMethodInput) {
			in.Card.ExpMonth, in.Card.ExpYear = ptr(2), ptr(2026)
		}, "/card/exp_year"},
		{"too far ahead", func(in *backend.CreatePaymentMethodInput) { in.Card.ExpYear = ptr(2077) }, "/card/exp_year"},
		{"no cvc", func(in *backend.CreatePaymentMethodInput) { in.Card.CVC = nil }, "/card/cvc"},
		{"4-digit cvc on visa", func(in *backend.CreatePaymentMethodInput) { in.Card.CVC = ptr("1234") }, "/card/cvc"},
		{"3-digit cvc on amex", func(in *backend.CreatePaymentMethodInput) {
			in.Card.Number, in.Card.CVC = ptr(amexCard), ptr("123")
		}, "/card/cvc"},
		{"letters in cvc", func(in *backend.CreatePaymentMethodInput) { in.Card.CVC = ptr("12a") }, "/card/cvc"},
		{"no billing details", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails = nil }, "/billing_details"},
		{"no name", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Name = nil }, "/billing_details/name"},
		{"blank name", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Name = ptr("  ") }, "/billing_details/name"},
		{"long name", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Name = ptr(strings.Repeat("n", 256)) }, "/billing_details/name"},
		{"no country", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Country = nil }, "/billing_details/country"},
		{"lower-case country", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Country = ptr("gb") }, "/billing_details/country"},
		{"unassigned country", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Country = ptr("XX") }, "/billing_details/country"},
		{"three-letter country", func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.Country = ptr("GBR") }, "/billing_details/country"},
		{"long postal code", func(in *backend.CreatePaymentMethodInput) {
			in.BillingDetails.PostalCode = ptr(strings.Repeat("9", 17))
		}, "/billing_details/postal_code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := cardInput(visaCard)
			tc.change(&in)
			_, err := p.svc.CreatePaymentMethod(p.ctx, c, in)
			wantInvalid(t, err, tc.pointer, "", visaCard, amexCard, "4242424242424241")
		})
	}
	list, _, err := p.svc.ListPaymentMethods(p.ctx, c, backend.Page{})
	if err != nil || len(list) != 0 {
		t.Fatalf("refused cards were stored: %d, %v", len(list), err)
	}

	// The edges that are accepted: this month, spaces, 12 and 19 digits,
	// four digits for amex, no postal code, 50 years ahead.
	for name, change := range map[string]func(in *backend.CreatePaymentMethodInput){
		"expires this month": func(in *backend.CreatePaymentMethodInput) { in.Card.ExpMonth, in.Card.ExpYear = ptr(3), ptr(2026) },
		"spaces":             func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr(" 4242 4242 4242 4242 ") },
		"12 digits":          func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("400000000002") },
		"19 digits":          func(in *backend.CreatePaymentMethodInput) { in.Card.Number = ptr("4000000000000000006") },
		"amex":               func(in *backend.CreatePaymentMethodInput) { in.Card.Number, in.Card.CVC = ptr(amexCard), ptr("1234") },
		"no postal code":     func(in *backend.CreatePaymentMethodInput) { in.BillingDetails.PostalCode = nil },
		"50 years ahead":     func(in *backend.CreatePaymentMethodInput) { in.Card.ExpYear = ptr(2076) },
	} {
		t.Run("accepts "+name, func(t *testing.T) {
			in := cardInput(visaCard)
			change(&in)
			if _, err := p.svc.CreatePaymentMethod(p.ctx, c, in); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
	}
}

func TestCardBrandsLast4AndDeclines(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	for _, tc := range []struct{ number, brand string }{
		{"4242424242424242", backend.BrandVisa},
		{"4000056655665556", backend.BrandVisa},
		{"5555555555554444", backend.BrandMastercard},
		{"2223003122003222", backend.BrandMastercard},
		{"378282246310005", backend.BrandAmex},
		{"371449635398431", backend.BrandAmex},
		{"6011111111111117", backend.BrandDiscover},
		{"6445644564456445", backend.BrandDiscover},
		{"3056930009020004", backend.BrandDiners},
		{"36227206271667", backend.BrandDiners},
		{"3566002020360505", backend.BrandJCB},
		{"6200000000000005", backend.BrandUnionPay},
		{"8100000000000002", backend.BrandUnionPay},
		{"9000000000000001", backend.BrandUnknown},
	} {
		pm := p.addCard(c, tc.number, false)
		if pm.Card.Brand != tc.brand || pm.Card.Last4 != tc.number[len(tc.number)-4:] || pm.Declines {
			t.Errorf("%s: brand %s, last4 %s, declines %v; want %s, %s, false", tc.number, pm.Card.Brand, pm.Card.Last4, pm.Declines, tc.brand, tc.number[len(tc.number)-4:])
		}
	}
	if pm := p.addCard(c, declinedCard, false); !pm.Declines || pm.Card.Brand != backend.BrandVisa {
		t.Errorf("the declined test card: %+v, want a visa that declines", pm)
	}
}

func TestCardFingerprint(t *testing.T) {
	p := newPayEnv(t)
	_, _, a := p.manager(backend.CreateManagerInput{})
	_, _, b := p.manager(backend.CreateManagerInput{})
	first := p.addCard(a, visaCard, false)
	spaced := cardInput("4242 4242 4242 4242")
	again, err := p.svc.CreatePaymentMethod(p.ctx, b, spaced)
	if err != nil {
		t.Fatal(err)
	}
	other := p.addCard(a, "4000056655665556", false)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(first.Card.Fingerprint) {
		t.Fatalf("fingerprint %q, want 32 hex digits", first.Card.Fingerprint)
	}
	if first.Card.Fingerprint != again.Card.Fingerprint {
		t.Errorf("the same number gives fingerprints %s and %s", first.Card.Fingerprint, again.Card.Fingerprint)
	}
	if first.Card.Fingerprint == other.Card.Fingerprint {
		t.Error("two numbers share a fingerprint")
	}
	// Keyed: another server secret gives another fingerprint, so a stolen
	// database cannot be matched against the few possible card numbers.
	q := newPayEnv(t)
	_, _, c := q.manager(backend.CreateManagerInput{})
	if q.addCard(c, visaCard, false).Card.Fingerprint == first.Card.Fingerprint {
		t.Error("the fingerprint does not depend on the server secret")
	}
}

func TestDefaultPaymentMethodRules(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	defaults := func() []string {
		t.Helper()
		list, _, err := p.svc.ListPaymentMethods(p.ctx, c, backend.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, pm := range list {
			if pm.Default {
				out = append(out, pm.ID)
			}
		}
		return out
	}
	wantDefault := func(id string) {
		t.Helper()
		if got := defaults(); len(got) != 1 || got[0] != id {
			t.Fatalf("defaults = %v, want exactly [%s]", got, id)
		}
	}
	first := p.addCard(c, visaCard, false)
	if !first.Default {
		t.Fatal("the first method must become the default even when default is false")
	}
	second := p.addCard(c, "5555555555554444", false)
	wantDefault(first.ID)
	if second.Default {
		t.Fatal("a later method without default=true became the default")
	}
	third := p.addCard(c, amexCard, true)
	wantDefault(third.ID)

	moved, err := p.svc.UpdatePaymentMethod(p.ctx, c, second.ID, backend.UpdatePaymentMethodInput{Default: ptr(true)})
	if err != nil || !moved.Default {
		t.Fatalf("make second the default: %+v, %v", moved, err)
	}
	wantDefault(second.ID)
	_, err = p.svc.UpdatePaymentMethod(p.ctx, c, second.ID, backend.UpdatePaymentMethodInput{Default: ptr(false)})
	if e := wantErr(t, err, backend.EINVALID, "set another method as default instead"); e.Pointer != "/default" {
		t.Fatalf("pointer %q, want /default", e.Pointer)
	}
	// default=false on a method that is not the default changes nothing.
	before := len(p.events(c.Account.ID))
	if _, err := p.svc.UpdatePaymentMethod(p.ctx, c, first.ID, backend.UpdatePaymentMethodInput{Default: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if after := len(p.events(c.Account.ID)); after != before {
		t.Fatalf("a no-op update wrote %d audit events", after-before)
	}
	wantDefault(second.ID)

	// Deleting the default promotes the newest remaining method.
	p.clock.Advance(time.Second)
	newest := p.addCard(c, "6011111111111117", false)
	deleted, err := p.svc.DeletePaymentMethod(p.ctx, c, second.ID)
	if err != nil || deleted.ID != second.ID {
		t.Fatalf("delete: %+v, %v", deleted, err)
	}
	wantDefault(newest.ID)
	// Deleting one that is not the default leaves the default alone.
	if _, err := p.svc.DeletePaymentMethod(p.ctx, c, first.ID); err != nil {
		t.Fatal(err)
	}
	wantDefault(newest.ID)
	for _, id := range []string{newest.ID, third.ID} {
		if _, err := p.svc.DeletePaymentMethod(p.ctx, c, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := defaults(); len(got) != 0 {
		t.Fatalf("defaults after deleting every method = %v", got)
	}
	_, err = p.svc.GetPaymentMethod(p.ctx, c, second.ID)
	wantErr(t, err, backend.ENOTFOUND, "")
	var actions []string
	for _, e := range p.events(c.Account.ID) {
		actions = append(actions, e.Action)
	}
	if countActions(p.events(c.Account.ID), "payment_method.delete") != 4 || countActions(p.events(c.Account.ID), "payment_method.create") != 4 {
		t.Fatalf("audit actions = %v", actions)
	}
}

func TestPaymentMethodLimit(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	var last *backend.PaymentMethod
	for range backend.MaxPaymentMethodsPerAccount {
		last = p.addCard(c, visaCard, false)
	}
	_, err := p.svc.CreatePaymentMethod(p.ctx, c, cardInput(visaCard))
	wantInvalid(t, err, "/", "")
	if _, err := p.svc.DeletePaymentMethod(p.ctx, c, last.ID); err != nil {
		t.Fatal(err)
	}
	p.addCard(c, visaCard, false)
}

func TestPaymentMethodsOfAnotherAccountAreNotFound(t *testing.T) {
	p := newPayEnv(t)
	_, _, mgr := p.manager(backend.CreateManagerInput{})
	managed := p.managed(mgr, backend.CreateManagedAccountInput{})
	asManaged := p.auth(managed.APIKey)
	_, _, stranger := p.manager(backend.CreateManagerInput{})
	pm := p.addCard(asManaged, visaCard, false)
	// Not even the managed account's manager reaches it with its own key:
	// billing endpoints act on the caller's own account.
	for _, c := range []*backend.Caller{mgr, stranger} {
		_, err := p.svc.GetPaymentMethod(p.ctx, c, pm.ID)
		wantErr(t, err, backend.ENOTFOUND, "")
		_, err = p.svc.UpdatePaymentMethod(p.ctx, c, pm.ID, backend.UpdatePaymentMethodInput{Default: ptr(true)})
		wantErr(t, err, backend.ENOTFOUND, "")
		_, err = p.svc.DeletePaymentMethod(p.ctx, c, pm.ID)
		wantErr(t, err, backend.ENOTFOUND, "")
		list, _, err := p.svc.ListPaymentMethods(p.ctx, c, backend.Page{})
		if err != nil || len(list) != 0 {
			t.Fatalf("another account lists %d methods (%v)", len(list), err)
		}
	}
	if got, err := p.svc.GetPaymentMethod(p.ctx, asManaged, pm.ID); err != nil || got.ID != pm.ID {
		t.Fatalf("the owner: %+v, %v", got, err)
	}
	// The managed account's key is the manager acting as it.
	last := p.onlyEvent(managed.Account.ID, "payment_method.create")
	if last.ChangeMadeBy != backend.ChangeByAccountManager || last.ActorAccountID != managed.Account.ID {
		t.Fatalf("audit event %+v, want payment_method.create by the account manager", last)
	}
}

func TestRollupAccountHasNoBillingOfItsOwn(t *testing.T) {
	p := newPayEnv(t)
	_, _, mgr := p.manager(backend.CreateManagerInput{})
	rollup := p.auth(p.managed(mgr, backend.CreateManagedAccountInput{RollupBilling: ptr(true)}).APIKey)
	mgrCard := p.addCard(mgr, visaCard, false)
	const detail = "This account uses rollup billing: its manager pays its charges."
	for name, call := range map[string]func() error{
		"create": func() error { _, err := p.svc.CreatePaymentMethod(p.ctx, rollup, cardInput(visaCard)); return err },
		"list":   func() error { _, _, err := p.svc.ListPaymentMethods(p.ctx, rollup, backend.Page{}); return err },
		"get":    func() error { _, err := p.svc.GetPaymentMethod(p.ctx, rollup, mgrCard.ID); return err },
		"update": func() error {
			_, err := p.svc.UpdatePaymentMethod(p.ctx, rollup, mgrCard.ID, backend.UpdatePaymentMethodInput{})
			return err
		},
		"delete":    func() error { _, err := p.svc.DeletePaymentMethod(p.ctx, rollup, mgrCard.ID); return err },
		"top-up":    func() error { _, err := p.svc.TopUp(p.ctx, rollup, ptr("10.00")); return err },
		"get prefs": func() error { _, err := p.svc.AutoRechargePrefs(p.ctx, rollup); return err },
		"set prefs": func() error {
			_, err := p.svc.UpdateAutoRechargePrefs(p.ctx, rollup, backend.AutoRechargeInput{})
			return err
		},
		"bad amount": func() error { _, err := p.svc.TopUp(p.ctx, rollup, ptr("abc")); return err },
	} {
		t.Run(name, func(t *testing.T) {
			if e := wantErr(t, call(), backend.EINVALID, detail); e.Pointer != "/" {
				t.Fatalf("pointer %q, want /", e.Pointer)
			}
		})
	}
	if got, err := p.svc.GetPaymentMethod(p.ctx, mgr, mgrCard.ID); err != nil || got.ID != mgrCard.ID {
		t.Fatalf("the manager's card was touched: %+v, %v", got, err)
	}
}

func TestUpdatePaymentMethod(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	pm := p.addCard(c, visaCard, true)
	for _, tc := range []struct {
		name    string
		in      backend.UpdatePaymentMethodInput
		pointer string
	}{
		{"number", backend.UpdatePaymentMethodInput{Card: &backend.CardInput{Number: ptr("5555555555554444")}}, "/card/number"},
		{"cvc", backend.UpdatePaymentMethodInput{Card: &backend.CardInput{CVC: ptr("321")}}, "/card/cvc"},
		{"month 13", backend.UpdatePaymentMethodInput{Card: &backend.CardInput{ExpMonth: ptr(13)}}, "/card/exp_month"},
		{"expired", backend.UpdatePaymentMethodInput{Card: &backend.CardInput{ExpMonth: ptr(1), ExpYear: ptr(2026)}}, "/card/exp_year"},
		{"bad country", backend.UpdatePaymentMethodInput{BillingDetails: &backend.BillingDetailsInput{Country: ptr("ZZ")}}, "/billing_details/country"},
		{"blank name", backend.UpdatePaymentMethodInput{BillingDetails: &backend.BillingDetailsInput{Name: ptr("")}}, "/billing_details/name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.svc.UpdatePaymentMethod(p.ctx, c, pm.ID, tc.in)
			wantInvalid(t, err, tc.pointer, "", "5555555555554444", "321")
		})
	}
	p.clock.Advance(time.Minute)
	got, err := p.svc.UpdatePaymentMethod(p.ctx, c, pm.ID, backend.UpdatePaymentMethodInput{
		Card:           &backend.CardInput{ExpYear: ptr(2031)},
		BillingDetails: &backend.BillingDetailsInput{PostalCode: ptr("75001"), Country: ptr("FR")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := backend.BillingDetails{Name: "Ada Lovelace", PostalCode: "75001", Country: "FR"}
	if got.Card.ExpMonth != 12 || got.Card.ExpYear != 2031 || got.Billing != want || got.Card.Fingerprint != pm.Card.Fingerprint ||
		!got.UpdatedAt.After(pm.UpdatedAt) || !got.CreatedAt.Equal(pm.CreatedAt) {
		t.Fatalf("updated = %+v, want 12/2031, billing %+v, the same card, a later updated_at", got, want)
	}
	if again, err := p.svc.GetPaymentMethod(p.ctx, c, pm.ID); err != nil || again.Billing != want || again.Card.ExpYear != 2031 {
		t.Fatalf("read back %+v, %v", again, err)
	}
	last := p.onlyEvent(c.Account.ID, "payment_method.update")
	if last.Changes["expiry"] == nil || last.Changes["billing_details"] == nil || last.Changes["payment_method_id"] != pm.ID {
		t.Fatalf("audit event %+v", last)
	}
}

func TestTopUpAmounts(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	p.addCard(c, visaCard, true)
	for _, amount := range []string{"120", "-5.00", "abc", "0.00", "10000.01", "1.5", "1.234", "", " 1.00", "1e2", "+1.00"} {
		t.Run(amount, func(t *testing.T) {
			_, err := p.svc.TopUp(p.ctx, c, ptr(amount))
			e := wantErr(t, err, backend.EINVALID, "")
			if e.Code != backend.CodeInvalidAmount || e.Title != "Invalid amount format" || e.Pointer != "/amount" {
				t.Fatalf("error %+v, want code 10027 \"Invalid amount format\" at /amount", e)
			}
		})
	}
	_, err := p.svc.TopUp(p.ctx, c, nil)
	if e := wantErr(t, err, backend.EINVALID, ""); e.Code != backend.CodeInvalidAmount {
		t.Fatalf("missing amount: %+v", e)
	}
	if n := len(p.transactions(c.Account.ID)); n != 0 {
		t.Fatalf("%d transactions after refused top-ups", n)
	}
	for _, amount := range []string{"0.01", "10000.00", "120.00"} {
		tr, err := p.svc.TopUp(p.ctx, c, ptr(amount))
		if err != nil {
			t.Fatalf("top-up %s: %v", amount, err)
		}
		if tr.Amount.String() != amount {
			t.Fatalf("top-up of %s recorded %s", amount, tr.Amount)
		}
	}
	p.wantBalance(c, "10120.01", "0.00")
}

func TestTopUpWithoutADefaultOrDeclinedWritesNothing(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	p.adjust(c.Account.ID, "5.00")
	_, err := p.svc.TopUp(p.ctx, c, ptr("120.00"))
	if e := wantErr(t, err, backend.EINVALID, "no default payment method"); e.Pointer != "/" {
		t.Fatalf("pointer %q, want /", e.Pointer)
	}
	p.addCard(c, declinedCard, true)
	eventsBefore := len(p.events(c.Account.ID))
	_, err = p.svc.TopUp(p.ctx, c, ptr("120.00"))
	e := wantErr(t, err, backend.EINVALID, "declined")
	if e.Title != "Card declined" || e.Code != "10004" {
		t.Fatalf("declined: %+v, want title \"Card declined\", code 10004", e)
	}
	p.wantBalance(c, "5.00", "0.00")
	if n := len(p.transactions(c.Account.ID)); n != 0 {
		t.Fatalf("%d transactions after a declined top-up", n)
	}
	if after := len(p.events(c.Account.ID)); after != eventsBefore {
		t.Fatalf("a declined top-up wrote %d audit events", after-eventsBefore)
	}
}

func TestTopUpCreditsTheLedger(t *testing.T) {
	p := newPayEnv(t)
	_, _, mgr := p.manager(backend.CreateManagerInput{})
	managed := p.managed(mgr, backend.CreateManagedAccountInput{})
	c := p.auth(managed.APIKey)
	pm := p.addCard(c, visaCard, true)
	tr, err := p.svc.TopUp(p.ctx, c, ptr("120.00"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.AmountCents() != 12000 || tr.Currency != "USD" || tr.AutoRecharge || tr.PaymentMethodID != pm.ID ||
		tr.ProcessorStatus(p.clock.Now()) != backend.ProcessorSettled || !tr.SettlesAt.Equal(tr.CreatedAt) {
		t.Fatalf("transaction %+v", tr)
	}
	p.wantBalance(c, "120.00", "0.00")
	// The manager sees it in the managed account's balance too.
	if v, err := p.svc.GetManagedAccount(p.ctx, mgr, managed.Account.ID); err != nil || v.Balance.Balance.String() != "120.00" {
		t.Fatalf("the managed account's balance field: %+v, %v", v, err)
	}
	stored := p.transactions(managed.Account.ID)
	if len(stored) != 1 || stored[0].ID != tr.ID || stored[0].Amount != tr.Amount {
		t.Fatalf("stored transactions %+v", stored)
	}
	last := p.onlyEvent(managed.Account.ID, "payment.top_up")
	if last.Changes["transaction_id"] != tr.ID || last.Changes["amount"] != "120.00" ||
		last.ChangeMadeBy != backend.ChangeByAccountManager {
		t.Fatalf("audit event %+v", last)
	}
}

func TestTopUpsSettleAfterTheDelay(t *testing.T) {
	p := newPayEnv(t)
	if err := p.svc.SetTopUpSettlementDelay(-time.Second); err == nil {
		t.Fatal("a negative settlement delay was accepted")
	}
	if err := p.svc.SetTopUpSettlementDelay(time.Hour); err != nil {
		t.Fatal(err)
	}
	_, _, c := p.manager(backend.CreateManagerInput{CreditLimit: ptr("10.00")})
	p.addCard(c, visaCard, true)
	p.adjust(c.Account.ID, "1.50")
	tr, err := p.svc.TopUp(p.ctx, c, ptr("100.00"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.ProcessorStatus(p.clock.Now()) != backend.ProcessorSubmitted || tr.SettlesAt.Sub(tr.CreatedAt) != time.Hour {
		t.Fatalf("transaction %+v: want submitted, settling in an hour", tr)
	}
	p.wantBalance(c, "1.50", "100.00")
	if b := p.balance(c); b.AvailableCredit.String() != "11.50" {
		t.Fatalf("available credit %s counts pending money; want 11.50", b.AvailableCredit)
	}
	// A charge meanwhile lands on the settled balance at once.
	p.adjust(c.Account.ID, "-0.25")
	p.clock.Advance(time.Hour - time.Millisecond)
	p.wantBalance(c, "1.25", "100.00")
	p.clock.Advance(time.Millisecond)
	p.wantBalance(c, "101.25", "0.00")
	if tr.ProcessorStatus(p.clock.Now()) != backend.ProcessorSettled {
		t.Fatal("the transaction did not settle with its ledger entry")
	}
}

func TestAvailableCreditIsBalancePlusCreditLimit(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{CreditLimit: ptr("250.000001")})
	for _, tc := range []struct{ adjust, balance, available string }{
		{"0.000125", "0.000125", "250.000126"},
		{"-300.00", "-299.999875", "-49.999874"},
		{"49.999874", "-250.000001", "0.00"},
	} {
		p.adjust(c.Account.ID, tc.adjust)
		b := p.balance(c)
		if b.Balance.String() != tc.balance || b.AvailableCredit.String() != tc.available || b.CreditLimit.String() != "250.000001" {
			t.Fatalf("after %s: %+v, want balance %s, available %s", tc.adjust, b, tc.balance, tc.available)
		}
		if sum, err := b.Balance.Add(b.CreditLimit); err != nil || sum != b.AvailableCredit {
			t.Fatalf("available credit %s is not balance %s + credit limit %s", b.AvailableCredit, b.Balance, b.CreditLimit)
		}
	}
}

func TestAutoRechargePrefs(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	_, _, other := p.manager(backend.CreateManagerInput{})
	defaults, err := p.svc.AutoRechargePrefs(p.ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if defaults.Enabled || defaults.InvoiceEnabled || defaults.Preference != "credit_paypal" || defaults.RechargeAmount != 0 ||
		defaults.ThresholdAmount != 0 || defaults.ID == "" {
		t.Fatalf("defaults %+v", defaults)
	}
	if o, _ := p.svc.AutoRechargePrefs(p.ctx, other); o.ID == defaults.ID {
		t.Fatal("two accounts share an auto-recharge preference id")
	}
	for _, tc := range []struct {
		name          string
		in            backend.AutoRechargeInput
		pointer, code string
	}{
		{"preference", backend.AutoRechargeInput{Preference: ptr("card")}, "/preference", ""},
		{"recharge without cents", backend.AutoRechargeInput{RechargeAmount: ptr("10")}, "/recharge_amount", backend.CodeInvalidAmount},
		{"negative recharge", backend.AutoRechargeInput{RechargeAmount: ptr("-1.00")}, "/recharge_amount", backend.CodeInvalidAmount},
		{"huge recharge", backend.AutoRechargeInput{RechargeAmount: ptr("10000.01")}, "/recharge_amount", backend.CodeInvalidAmount},
		{"threshold not a number", backend.AutoRechargeInput{ThresholdAmount: ptr("abc")}, "/threshold_amount", backend.CodeInvalidAmount},
		{"enabled without a recharge amount", backend.AutoRechargeInput{Enabled: ptr(true)}, "/recharge_amount", backend.CodeInvalidAmount},
		{"enabled without a card", backend.AutoRechargeInput{Enabled: ptr(true), RechargeAmount: ptr("10.00")}, "/enabled", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.svc.UpdateAutoRechargePrefs(p.ctx, c, tc.in)
			wantInvalid(t, err, tc.pointer, tc.code)
		})
	}
	p.addCard(c, visaCard, true)
	got, err := p.svc.UpdateAutoRechargePrefs(p.ctx, c, backend.AutoRechargeInput{
		Enabled: ptr(true), RechargeAmount: ptr("25.00"), ThresholdAmount: ptr("10.50"), Preference: ptr("ach"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Enabled || got.RechargeAmount.String() != "25.00" || got.ThresholdAmount.String() != "10.50" || got.Preference != "ach" || got.ID != defaults.ID {
		t.Fatalf("updated %+v; want the values asked for under the same id", got)
	}
	// Any subset: the rest stays.
	got, err = p.svc.UpdateAutoRechargePrefs(p.ctx, c, backend.AutoRechargeInput{InvoiceEnabled: ptr(true)})
	if err != nil || !got.Enabled || !got.InvoiceEnabled || got.RechargeAmount.String() != "25.00" || got.Preference != "ach" {
		t.Fatalf("subset update: %+v, %v", got, err)
	}
	_, err = p.svc.UpdateAutoRechargePrefs(p.ctx, c, backend.AutoRechargeInput{RechargeAmount: ptr("0.00")})
	wantInvalid(t, err, "/recharge_amount", backend.CodeInvalidAmount)
	if read, err := p.svc.AutoRechargePrefs(p.ctx, c); err != nil || *read != *got {
		t.Fatalf("read back %+v, %v; want %+v", read, err, got)
	}
	if n := countActions(p.events(c.Account.ID), "auto_recharge_prefs.update"); n != 2 {
		t.Fatalf("%d auto_recharge_prefs.update events, want 2", n)
	}
}

// enableAutoRecharge gives the caller a default card and turns auto-recharge on.
func (p *payEnv) enableAutoRecharge(c *backend.Caller, number, threshold, recharge string) {
	p.t.Helper()
	p.addCard(c, number, true)
	if _, err := p.svc.UpdateAutoRechargePrefs(p.ctx, c, backend.AutoRechargeInput{
		Enabled: ptr(true), ThresholdAmount: ptr(threshold), RechargeAmount: ptr(recharge),
	}); err != nil {
		p.t.Fatal(err)
	}
}

func TestAutoRechargeFiresWhenAChargeCrossesTheThreshold(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	p.adjust(c.Account.ID, "100.00")
	p.enableAutoRecharge(c, visaCard, "50.00", "25.00")
	p.adjust(c.Account.ID, "-50.00") // down to 50.00: not under the threshold
	if n := len(p.transactions(c.Account.ID)); n != 0 {
		t.Fatalf("a balance at the threshold recharged (%d transactions)", n)
	}
	p.adjust(c.Account.ID, "-0.01") // 49.99: recharge 0.01 + 25.00
	p.wantBalance(c, "75.00", "0.00")
	list := p.transactions(c.Account.ID)
	if len(list) != 1 || !list[0].AutoRecharge || list[0].Amount.String() != "25.01" {
		t.Fatalf("transactions %+v, want one auto-recharge of 25.01", list)
	}
	last := p.onlyEvent(c.Account.ID, "auto_recharge.top_up")
	if last.Changes["amount"] != "25.01" || last.Changes["transaction_id"] != list[0].ID {
		t.Fatalf("audit event %+v", last)
	}
	// A positive adjustment is no charge; a disabled auto-recharge never fires.
	p.adjust(c.Account.ID, "1.00")
	if _, err := p.svc.UpdateAutoRechargePrefs(p.ctx, c, backend.AutoRechargeInput{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	p.adjust(c.Account.ID, "-70.00")
	p.wantBalance(c, "6.00", "0.00")
	if n := len(p.transactions(c.Account.ID)); n != 1 {
		t.Fatalf("%d transactions, want still 1", n)
	}
}

func TestAutoRechargeChargesWholeCents(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	p.enableAutoRecharge(c, visaCard, "10.00", "5.00")
	p.adjust(c.Account.ID, "-0.000125") // 10.000125 short of the threshold, plus 5.00
	list := p.transactions(c.Account.ID)
	if len(list) != 1 || list[0].Amount.String() != "15.01" || list[0].AmountCents() != 1501 {
		t.Fatalf("transactions %+v, want one of 15.01 (rounded up to the cent)", list)
	}
	p.wantBalance(c, "15.009875", "0.00")
}

func TestAutoRechargeCountsPendingTopUps(t *testing.T) {
	p := newPayEnv(t)
	if err := p.svc.SetTopUpSettlementDelay(time.Hour); err != nil {
		t.Fatal(err)
	}
	_, _, c := p.manager(backend.CreateManagerInput{})
	p.adjust(c.Account.ID, "20.00")
	p.enableAutoRecharge(c, visaCard, "10.00", "10.00")
	p.adjust(c.Account.ID, "-15.00") // 5.00 settled: recharge 15.00, pending
	p.wantBalance(c, "5.00", "15.00")
	p.adjust(c.Account.ID, "-1.00") // 4.00 + 15.00 pending = 19.00: no second recharge
	if n := len(p.transactions(c.Account.ID)); n != 1 {
		t.Fatalf("%d recharges, want 1: the pending one is on its way", n)
	}
	p.clock.Advance(time.Hour)
	p.wantBalance(c, "19.00", "0.00")
}

func TestAutoRechargeFailuresAreAudited(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	p.enableAutoRecharge(c, declinedCard, "10.00", "10.00")
	p.adjust(c.Account.ID, "-1.00")
	p.wantBalance(c, "-1.00", "0.00")
	if n := len(p.transactions(c.Account.ID)); n != 0 {
		t.Fatalf("a declined card made %d transactions", n)
	}
	last := p.onlyEvent(c.Account.ID, "auto_recharge.failed")
	if last.Changes["reason"] != "card_declined" || last.ChangeMadeBy != backend.ChangeByOperator {
		t.Fatalf("audit event %+v, want auto_recharge.failed for card_declined", last)
	}
	// With no default method at all (deleted since), the failure says so.
	list, _, err := p.svc.ListPaymentMethods(p.ctx, c, backend.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.svc.DeletePaymentMethod(p.ctx, c, list[0].ID); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(time.Second)
	p.adjust(c.Account.ID, "-1.00")
	failed := withAction(p.events(c.Account.ID), "auto_recharge.failed")
	if len(failed) != 2 || failed[1].Changes["reason"] != "no_default_payment_method" {
		t.Fatalf("auto_recharge.failed events %+v, want a second one for no_default_payment_method", failed)
	}
	p.wantBalance(c, "-2.00", "0.00")
}

// TestRollupChargesRechargeTheManager: a charge of a managed account under
// rollup billing posts to its manager's ledger, tagged with the managed
// account, and fires the manager's auto-recharge; both see the shared balance.
func TestRollupChargesRechargeTheManager(t *testing.T) {
	p := newPayEnv(t)
	_, _, mgr := p.manager(backend.CreateManagerInput{})
	rollupView := p.managed(mgr, backend.CreateManagedAccountInput{RollupBilling: ptr(true)})
	rollup := p.auth(rollupView.APIKey)
	p.enableAutoRecharge(mgr, visaCard, "5.00", "10.00")
	now := p.clock.Now().UTC().Truncate(time.Millisecond)
	charge := &backend.LedgerEntry{ID: "usage-1", AccountID: mgr.Account.ID, SubjectID: rollupView.Account.ID,
		Kind: backend.LedgerUsage, Amount: -2_500_000, Currency: backend.Currency, Reference: backend.UsageReference("voice"),
		CreatedAt: now, SettlesAt: now}
	if err := p.svc.PostChargeForTest(p.ctx, mgr.Account.ID, charge); err != nil {
		t.Fatal(err)
	}
	p.wantBalance(mgr, "15.00", "0.00") // -2.50, then 7.50 + 10.00 recharged
	p.wantBalance(rollup, "15.00", "0.00")
	if list := p.transactions(mgr.Account.ID); len(list) != 1 || list[0].Amount.String() != "17.50" {
		t.Fatalf("manager's transactions %+v, want one recharge of 17.50", list)
	}

	// postCharge refuses what is not a charge of the ledger it is given.
	for name, tc := range map[string]struct {
		account string
		entry   backend.LedgerEntry
	}{
		"a credit":                {mgr.Account.ID, backend.LedgerEntry{ID: "x1", AccountID: mgr.Account.ID, Amount: 1}},
		"another ledger's entry":  {mgr.Account.ID, backend.LedgerEntry{ID: "x2", AccountID: rollupView.Account.ID, Amount: -1}},
		"a rollup account ledger": {rollupView.Account.ID, backend.LedgerEntry{ID: "x3", AccountID: rollupView.Account.ID, Amount: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			e := tc.entry
			e.Kind, e.Currency, e.CreatedAt, e.SettlesAt = backend.LedgerUsage, backend.Currency, now, now
			wantErr(t, p.svc.PostChargeForTest(p.ctx, tc.account, &e), backend.EINTERNAL, "postCharge")
		})
	}
	p.wantBalance(mgr, "15.00", "0.00")
}

// TestAuditNeverCarriesTheCard: what the audit log keeps of a card is its
// brand, last four digits and expiry.
func TestAuditNeverCarriesTheCard(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	pm := p.addCard(c, amexCard, true)
	if _, err := p.svc.UpdatePaymentMethod(p.ctx, c, pm.ID, backend.UpdatePaymentMethodInput{Card: &backend.CardInput{ExpMonth: ptr(6)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.svc.TopUp(p.ctx, c, ptr("10.00")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.svc.DeletePaymentMethod(p.ctx, c, pm.ID); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(p.events(c.Account.ID))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{amexCard, pm.Card.Fingerprint, "cvc", "number"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the audit log holds %q: %s", secret, raw)
		}
	}
	if !strings.Contains(string(raw), `"last4":"0005"`) {
		t.Errorf("the audit log lacks the card's last four digits: %s", raw)
	}
}

// seedTurnover writes ledger entries straight to the store, standing for a
// long history of the account: each amount settles at once.
func (p *payEnv) seedTurnover(accountID string, amounts ...backend.Money) {
	p.t.Helper()
	now := p.clock.Now()
	err := p.db.WriteTx(p.ctx, func(tx backend.Tx) error {
		for i, m := range amounts {
			e := &backend.LedgerEntry{ID: fmt.Sprintf("%s-seed-%d", accountID, i), AccountID: accountID, SubjectID: accountID,
				Kind: backend.LedgerAdjustment, Amount: m, Currency: backend.Currency, CreatedAt: now, SettlesAt: now}
			if err := tx.InsertLedgerEntry(p.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		p.t.Fatal(err)
	}
}

// TestLedgerTurnoverBound: a ledger takes entries while the absolute amounts
// of all of them add up to MaxLedgerTurnover at most, whatever their signs
// (charges and credits that cancel out still count), and refuses the write
// that would take it past, at the field of the amount, writing nothing.
func TestLedgerTurnoverBound(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	id := c.Account.ID
	half := (backend.MaxLedgerTurnover - 30*backend.MicrosPerUnit) / 2
	p.seedTurnover(id, half, -half) // balance 0.00, 30.00 of room left
	p.addCard(c, visaCard, true)

	p.adjust(id, "10.00")
	p.adjust(id, "-10.00") // 10.00 of room left
	for _, amount := range []string{"-10.000001", "10.000001"} {
		_, _, err := p.svc.PostAdjustment(p.ctx, id, ptr(amount), "past the bound")
		wantInvalid(t, err, "/amount", "")
	}
	if _, err := p.svc.TopUp(p.ctx, c, ptr("10.01")); err != nil {
		wantInvalid(t, err, "/amount", "")
	} else {
		t.Fatal("a top-up past the turnover bound was accepted")
	}
	if n := len(p.transactions(id)); n != 0 {
		t.Fatalf("a refused top-up left %d transactions", n)
	}
	p.wantBalance(c, "0.00", "0.00")
	p.adjust(id, "-10.00") // exactly at the bound
	p.wantBalance(c, "-10.00", "0.00")
	_, _, err := p.svc.PostAdjustment(p.ctx, id, ptr("0.000001"), "past the bound")
	wantInvalid(t, err, "/amount", "")
	p.wantBalance(c, "-10.00", "0.00")
}

// TestAutoRechargeWithoutRoomInTheLedger: a charge that leaves the ledger
// no room for the recharge it calls for stands, and the recharge is not
// made but audited as failed.
func TestAutoRechargeWithoutRoomInTheLedger(t *testing.T) {
	p := newPayEnv(t)
	_, _, c := p.manager(backend.CreateManagerInput{})
	id := c.Account.ID
	half := (backend.MaxLedgerTurnover - 50*backend.MicrosPerUnit) / 2
	p.seedTurnover(id, half, -half) // 50.00 of room left
	p.enableAutoRecharge(c, visaCard, "10.00", "10.00")
	p.adjust(id, "-30.00") // 20.00 of room left; the recharge would be 50.00
	p.wantBalance(c, "-30.00", "0.00")
	if n := len(p.transactions(id)); n != 0 {
		t.Fatalf("a recharge past the turnover bound made %d transactions", n)
	}
	if e := p.onlyEvent(id, "auto_recharge.failed"); e.Changes["reason"] != "amount_out_of_range" {
		t.Fatalf("audit event %+v, want auto_recharge.failed for amount_out_of_range", e)
	}
}
