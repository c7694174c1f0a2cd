package backend_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// usageEnv is a service with the shipped price book loaded, a clock the test
// moves, and one manager.
type usageEnv struct {
	*payEnv
	mgr *backend.Caller
	ids int
}

func newUsageEnv(t *testing.T) *usageEnv {
	t.Helper()
	p := newPayEnv(t)
	if err := p.svc.EnsurePriceBook(p.ctx); err != nil {
		t.Fatalf("EnsurePriceBook: %v", err)
	}
	_, _, mgr := p.manager(backend.CreateManagerInput{})
	return &usageEnv{payEnv: p, mgr: mgr}
}

// managedAccount creates a managed account of manager c.
func (u *usageEnv) managedAccount(c *backend.Caller, rollup, allowCustom bool) *backend.Account {
	u.t.Helper()
	return u.managed(c, backend.CreateManagedAccountInput{RollupBilling: ptr(rollup), AllowCustomPricing: ptr(allowCustom)}).Account
}

// rate is one rate of a body; "" leaves a key field out.
func rate(product, direction, messageType, country, amount string) backend.RateInput {
	in := backend.RateInput{Product: ptr(product), CountryISO: ptr(country), Rate: ptr(amount)}
	if direction != "" {
		in.Direction = ptr(direction)
	}
	if messageType != "" {
		in.MessageType = ptr(messageType)
	}
	return in
}

func smsRate(country, amount string) backend.RateInput {
	return rate("messaging", "outbound", "SMS", country, amount)
}

func (u *usageEnv) putPriceBook(from time.Time, rates ...backend.RateInput) {
	u.t.Helper()
	if _, err := u.svc.PutPriceBook(u.ctx, backend.RateSetInput{EffectiveFrom: ptr(from.Format(time.RFC3339Nano)), Rates: &rates}); err != nil {
		u.t.Fatalf("PutPriceBook: %v", err)
	}
}

func (u *usageEnv) putCommitted(managerID string, from time.Time, rates ...backend.RateInput) {
	u.t.Helper()
	if _, err := u.svc.PutCommittedRates(u.ctx, managerID, backend.RateSetInput{EffectiveFrom: ptr(from.Format(time.RFC3339Nano)), Rates: &rates}); err != nil {
		u.t.Fatalf("PutCommittedRates: %v", err)
	}
}

func (u *usageEnv) putCustom(c *backend.Caller, accountID string, rates ...backend.RateInput) *backend.CustomPricing {
	u.t.Helper()
	p, err := u.svc.SetManagedAccountPricing(u.ctx, c, accountID, &rates)
	if err != nil {
		u.t.Fatalf("SetManagedAccountPricing: %v", err)
	}
	return p
}

func (u *usageEnv) setAllowCustom(c *backend.Caller, accountID string, allow bool) {
	u.t.Helper()
	if _, err := u.svc.UpdateManagedAccount(u.ctx, c, accountID, backend.UpdateManagedAccountInput{AllowCustomPricing: ptr(allow)}); err != nil {
		u.t.Fatalf("UpdateManagedAccount: %v", err)
	}
}

func (u *usageEnv) nextID() string {
	u.ids++
	return fmt.Sprintf("event-%d", u.ids)
}

func stamp(t time.Time) *string { return ptr(t.Format(time.RFC3339Nano)) }

func sms(id, accountID string, at time.Time, country string, parts int64) backend.UsageEventInput {
	return backend.UsageEventInput{ID: ptr(id), AccountID: ptr(accountID), Product: ptr("messaging"), OccurredAt: stamp(at),
		Direction: ptr("outbound"), MessageType: ptr("SMS"), CountryISO: ptr(country), Parts: ptr(parts)}
}

func call(id, accountID string, at time.Time, direction, country string, seconds int64) backend.UsageEventInput {
	return backend.UsageEventInput{ID: ptr(id), AccountID: ptr(accountID), Product: ptr("voice"), OccurredAt: stamp(at),
		Direction: ptr(direction), CountryISO: ptr(country), BilledSec: ptr(seconds)}
}

func data(id, accountID string, at time.Time, country string, bytes int64) backend.UsageEventInput {
	return backend.UsageEventInput{ID: ptr(id), AccountID: ptr(accountID), Product: ptr("wireless"), OccurredAt: stamp(at),
		CountryISO: ptr(country), Bytes: ptr(bytes)}
}

func (u *usageEnv) ingest(events ...backend.UsageEventInput) *backend.UsageIngestion {
	u.t.Helper()
	res, err := u.svc.IngestUsage(u.ctx, events)
	if err != nil {
		u.t.Fatalf("IngestUsage: %v", err)
	}
	return res
}

func (u *usageEnv) event(id string) *backend.UsageEvent {
	u.t.Helper()
	var e *backend.UsageEvent
	if err := u.db.ReadTx(u.ctx, func(tx backend.Tx) error {
		var err error
		e, err = tx.GetUsageEvent(u.ctx, id)
		return err
	}); err != nil {
		u.t.Fatalf("GetUsageEvent %s: %v", id, err)
	}
	return e
}

// wantRated fails unless the stored event id cost cost, priced by source.
func (u *usageEnv) wantRated(id, cost string, source backend.RateScope) {
	u.t.Helper()
	e := u.event(id)
	if e.Cost.String() != cost || e.RateSource != source {
		u.t.Fatalf("event %s cost %s from %s, want %s from %s", id, e.Cost, e.RateSource, cost, source)
	}
}

func (u *usageEnv) ledgerTotal(accountID string) backend.Money {
	u.t.Helper()
	var total backend.Money
	if err := u.db.ReadTx(u.ctx, func(tx backend.Tx) error {
		sums, err := tx.LedgerTotals(u.ctx, accountID, u.clock.Now())
		total = sums.Settled + sums.Pending
		return err
	}); err != nil {
		u.t.Fatal(err)
	}
	return total
}

func (u *usageEnv) summary(accountID string) *backend.LedgerSummary {
	u.t.Helper()
	var s *backend.LedgerSummary
	if err := u.db.ReadTx(u.ctx, func(tx backend.Tx) error {
		var err error
		s, err = tx.SummarizeLedger(u.ctx, accountID)
		return err
	}); err != nil {
		u.t.Fatal(err)
	}
	return s
}

func TestShippedPriceBookLoadsOnce(t *testing.T) {
	u := newUsageEnv(t)
	book, err := u.svc.PriceBook(u.ctx, time.Time{})
	if err != nil || len(book.Rates) == 0 || book.Scope != backend.ScopeList {
		t.Fatalf("PriceBook = %+v, %v; want the shipped list prices", book, err)
	}
	products := map[string]bool{}
	for _, r := range book.Rates {
		products[r.Product] = true
		if r.Amount <= 0 || r.Amount >= backend.MicrosPerUnit {
			t.Errorf("list price %s = %s, want a realistic sub-dollar rate", r.RateKey, r.Amount)
		}
	}
	if len(products) != 3 {
		t.Fatalf("the shipped price book prices %v, want every product", products)
	}
	// Again: nothing changes. After the operator's own book: still nothing.
	if err := u.svc.EnsurePriceBook(u.ctx); err != nil {
		t.Fatal(err)
	}
	u.putPriceBook(payStart, smsRate("*", "0.01"))
	if err := u.svc.EnsurePriceBook(u.ctx); err != nil {
		t.Fatal(err)
	}
	now, err := u.svc.PriceBook(u.ctx, time.Time{})
	if err != nil || len(now.Rates) != 1 {
		t.Fatalf("the operator's price book was overwritten: %+v, %v", now, err)
	}
	before, err := u.svc.PriceBook(u.ctx, payStart.Add(-time.Millisecond))
	if err != nil || before.ID != book.ID {
		t.Fatalf("the shipped book before the operator's = %+v, %v", before, err)
	}
}

// TestRateResolution rates one event per combination of levels: the list,
// a manager's committed rates, a managed account's custom rates (allowed or
// not, with rates or empty), and the wildcard country at each level.
func TestRateResolution(t *testing.T) {
	u := newUsageEnv(t)
	m1 := u.mgr
	_, _, m2 := u.manager(backend.CreateManagerInput{})
	custom := u.managedAccount(m1, false, true)
	customOff := u.managedAccount(m1, true, true)
	inheriting := u.managedAccount(m1, false, true)
	plain := u.managedAccount(m1, false, false)
	ofM2 := u.managedAccount(m2, false, true)

	u.putCommitted(m1.Account.ID, payStart.Add(-30*24*time.Hour), smsRate("US", "0.003"),
		rate("voice", "inbound", "", "*", "0.002"))
	u.putCustom(m1, custom.ID, smsRate("US", "0.002"), smsRate("*", "0.01"))
	u.putCustom(m1, customOff.ID, smsRate("US", "0.001"))
	u.setAllowCustom(m1, customOff.ID, false)
	u.putCustom(m1, inheriting.ID) // empty: inherit
	// The other manager's custom set must not reach m1's accounts, nor its
	// committed rates (none) those of m2.
	u.putCustom(m2, ofM2.ID)

	at := payStart // custom sets start when they are put: now
	for _, tc := range []struct {
		name   string
		event  backend.UsageEventInput
		cost   string
		source backend.RateScope
	}{
		{"manager: committed over list", sms("m1-us", m1.Account.ID, at, "US", 1), "0.003", backend.ScopeCommitted},
		{"manager: list where nothing is committed", sms("m1-gb", m1.Account.ID, at, "GB", 1), "0.0385", backend.ScopeList},
		{"manager: list wildcard for a country without a rate", sms("m1-jp", m1.Account.ID, at, "JP", 2), "0.13", backend.ScopeList},
		{"manager: committed wildcard over list country", call("m1-in-gb", m1.Account.ID, at, "inbound", "GB", 60), "0.002", backend.ScopeCommitted},
		{"custom over committed", sms("custom-us", custom.ID, at, "US", 1), "0.002", backend.ScopeCustom},
		{"custom wildcard over list country", sms("custom-gb", custom.ID, at, "GB", 1), "0.01", backend.ScopeCustom},
		{"custom set without the key inherits it", call("custom-voice", custom.ID, at, "outbound", "US", 60), "0.005", backend.ScopeList},
		{"custom not allowed: committed", sms("off-us", customOff.ID, at, "US", 1), "0.003", backend.ScopeCommitted},
		{"empty custom set: committed", sms("inherit-us", inheriting.ID, at, "US", 1), "0.003", backend.ScopeCommitted},
		{"no custom set: committed", sms("plain-us", plain.ID, at, "US", 3), "0.009", backend.ScopeCommitted},
		{"no custom set: list", sms("plain-de", plain.ID, at, "DE", 1), "0.0878", backend.ScopeList},
		{"another manager's account: list", sms("m2-managed-us", ofM2.ID, at, "US", 1), "0.004", backend.ScopeList},
		{"another manager: list", sms("m2-us", m2.Account.ID, at, "US", 1), "0.004", backend.ScopeList},
		{"wireless wildcard", data("m2-data-br", m2.Account.ID, at, "BR", 2_000_000), "0.09", backend.ScopeList},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u.t = t
			if res := u.ingest(tc.event); res.Accepted != 1 {
				t.Fatalf("ingest = %+v", res)
			}
			u.wantRated(*tc.event.ID, tc.cost, tc.source)
		})
	}
}

// TestCustomPricingFlagAppliesToNewUsageOnly: turning
// managed_account_allow_custom_pricing off returns the account to
// inheritance for usage ingested afterwards, whatever its occurred_at;
// what was rated before keeps its cost; turning it on again brings back the
// custom set, which was kept.
func TestCustomPricingFlagAppliesToNewUsageOnly(t *testing.T) {
	u := newUsageEnv(t)
	a := u.managedAccount(u.mgr, true, true)
	u.putCustom(u.mgr, a.ID, smsRate("US", "0.001"))
	u.clock.Advance(time.Hour)
	at := payStart.Add(time.Minute)
	u.ingest(sms("before", a.ID, at, "US", 1))
	u.setAllowCustom(u.mgr, a.ID, false)
	u.ingest(sms("while-off", a.ID, at, "US", 1))
	u.wantRated("before", "0.001", backend.ScopeCustom)
	u.wantRated("while-off", "0.004", backend.ScopeList)
	p, err := u.svc.ManagedAccountPricing(u.ctx, u.mgr, a.ID)
	if err != nil || !p.Inherits || p.Allowed || len(p.Rates) != 1 {
		t.Fatalf("pricing while off = %+v, %v; want inherits, the custom set kept", p, err)
	}
	u.setAllowCustom(u.mgr, a.ID, true)
	u.ingest(sms("on-again", a.ID, at, "US", 1))
	u.wantRated("on-again", "0.001", backend.ScopeCustom)
	u.wantRated("while-off", "0.004", backend.ScopeList)
}

// TestRatesChangedOverTime: each event is rated with the sets in force at
// its occurred_at, late events included, and a new set never re-prices a
// stored event.
func TestRatesChangedOverTime(t *testing.T) {
	u := newUsageEnv(t)
	a := u.managedAccount(u.mgr, false, true)
	t0 := payStart
	u.putPriceBook(t0, smsRate("US", "0.005"), smsRate("*", "0.05"))
	u.ingest(sms("late", a.ID, t0.Add(-time.Millisecond), "US", 1), sms("on-time", a.ID, t0, "US", 1))
	u.wantRated("late", "0.004", backend.ScopeList) // the shipped book
	u.wantRated("on-time", "0.005", backend.ScopeList)

	// Committed rates from t1, custom rates from t2 (custom sets start when
	// they are put), another custom set from t3.
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	u.putCommitted(u.mgr.Account.ID, t1, smsRate("US", "0.0045"))
	u.clock.Advance(2 * time.Hour)
	u.putCustom(u.mgr, a.ID, smsRate("US", "0.0031"))
	u.clock.Advance(time.Hour)
	u.putCustom(u.mgr, a.ID, smsRate("US", "0.0032"))
	u.clock.Advance(time.Hour)
	u.ingest(
		sms("t1-before", a.ID, t1.Add(-time.Millisecond), "US", 1),
		sms("t1", a.ID, t1, "US", 1),
		sms("t2", a.ID, t2, "US", 1),
		sms("t3-before", a.ID, t3.Add(-time.Millisecond), "US", 1),
		sms("t3", a.ID, t3.Add(time.Minute), "US", 1),
	)
	u.wantRated("t1-before", "0.005", backend.ScopeList)
	u.wantRated("t1", "0.0045", backend.ScopeCommitted)
	u.wantRated("t2", "0.0031", backend.ScopeCustom)
	u.wantRated("t3-before", "0.0031", backend.ScopeCustom)
	u.wantRated("t3", "0.0032", backend.ScopeCustom)

	// A new list price from the past, new committed and custom sets: the
	// stored events keep their cost, and sending them again changes nothing.
	balance := u.ledgerTotal(a.ID)
	u.putPriceBook(t0.Add(-24*time.Hour), smsRate("US", "0.9"))
	u.putCommitted(u.mgr.Account.ID, t0, smsRate("US", "0.8"))
	u.putCustom(u.mgr, a.ID, smsRate("US", "0.7"))
	if res := u.ingest(sms("late", a.ID, t0.Add(-time.Millisecond), "US", 1), sms("t3", a.ID, t3.Add(time.Minute), "US", 1)); res.Duplicates != 2 {
		t.Fatalf("re-sent events = %+v, want 2 duplicates", res)
	}
	u.wantRated("late", "0.004", backend.ScopeList)
	u.wantRated("t1", "0.0045", backend.ScopeCommitted)
	u.wantRated("t3", "0.0032", backend.ScopeCustom)
	if got := u.ledgerTotal(a.ID); got != balance {
		t.Fatalf("ledger %s after re-sending, want %s", got, balance)
	}
	// New usage at an old time gets the set in force then, as it is now.
	u.ingest(sms("very-late", a.ID, t0.Add(-time.Hour), "US", 1))
	u.wantRated("very-late", "0.90", backend.ScopeList)
}

// TestRatingIsExact: messaging is rate × parts exactly; voice (per minute,
// billed by the second) and wireless (per MB, billed by the byte) are
// rounded half up to the micro-unit, and the charge is the sum of the costs.
func TestRatingIsExact(t *testing.T) {
	u := newUsageEnv(t)
	u.putPriceBook(payStart.Add(-24*time.Hour),
		rate("voice", "outbound", "", "US", "0.005"),
		rate("voice", "outbound", "", "GB", "0.00003"),
		rate("voice", "outbound", "", "FR", "0.000029"),
		rate("wireless", "", "", "US", "0.0125"),
		rate("wireless", "", "", "GB", "0.000001"),
		rate("wireless", "", "", "DE", "1000"),
		rate("messaging", "outbound", "MMS", "US", "0.015"),
		rate("messaging", "outbound", "SMS", "US", "0.000001"),
		rate("messaging", "inbound", "SMS", "US", "0"),
	)
	at := payStart.Add(-time.Hour)
	m := u.mgr.Account.ID
	cases := []struct {
		event backend.UsageEventInput
		cost  string
	}{
		{call("voice-61s", m, at, "outbound", "US", 61), "0.005083"}, // 5083.33…
		{call("voice-6s", m, at, "outbound", "US", 6), "0.0005"},
		{call("voice-1s", m, at, "outbound", "US", 1), "0.000083"},   // 83.33…
		{call("voice-half", m, at, "outbound", "GB", 1), "0.000001"}, // 0.5 up
		{call("voice-1.5", m, at, "outbound", "GB", 3), "0.000002"},  // 1.5 up
		{call("voice-under-half", m, at, "outbound", "FR", 1), "0.00"},
		{call("voice-0s", m, at, "outbound", "US", 0), "0.00"},
		{call("voice-month", m, at, "outbound", "US", 31*24*3600), "223.20"},
		{data("data-1.5MB", m, at, "US", 1_500_000), "0.01875"},
		{data("data-half", m, at, "US", 40), "0.000001"}, // 0.5 up
		{data("data-under-half", m, at, "US", 39), "0.00"},
		{data("data-TB", m, at, "GB", 1_000_000_000_000), "1.00"},
		{data("data-TB-max-rate", m, at, "DE", 1_000_000_000_000), "1000000000.00"},
		{sms("mms-3", m, at, "US", 3), "0.045"},
		{sms("sms-7", m, at, "US", 7), "0.000007"},
		{sms("free", m, at, "US", 5), "0.00"},
	}
	cases[13].event.MessageType = ptr("MMS")
	cases[15].event.Direction = ptr("inbound")
	var events []backend.UsageEventInput
	total := backend.Money(0)
	for _, tc := range cases {
		events = append(events, tc.event)
		m, err := backend.ParseMoney(tc.cost)
		if err != nil {
			t.Fatal(err)
		}
		total += m
	}
	u.ingest(events...)
	for _, tc := range cases {
		u.wantRated(*tc.event.ID, tc.cost, backend.ScopeList)
	}
	if got := u.ledgerTotal(m); got != -total {
		t.Fatalf("ledger %s, want the exact sum of the costs, %s", got, -total)
	}
}

func TestDuplicateEventIDs(t *testing.T) {
	u := newUsageEnv(t)
	a := u.managedAccount(u.mgr, false, false)
	at := payStart.Add(-time.Hour)

	// In one batch: the first occurrence counts, the rest are ignored.
	res := u.ingest(sms("dup", a.ID, at, "US", 1), sms("dup", a.ID, at, "US", 9), sms("other", a.ID, at, "US", 1))
	if res.Accepted != 2 || res.Duplicates != 1 {
		t.Fatalf("one batch = %+v, want 2 accepted, 1 duplicate", res)
	}
	if e := u.event("dup"); e.Parts != 1 {
		t.Fatalf("the stored duplicate has %d parts, want the first occurrence's 1", e.Parts)
	}
	// Across batches: stored ids are ignored, new ones in the same batch kept.
	res = u.ingest(sms("other", a.ID, at, "US", 5), sms("new", a.ID, at, "US", 1), sms("dup", a.ID, at, "US", 1))
	if res.Accepted != 1 || res.Duplicates != 2 {
		t.Fatalf("second batch = %+v, want 1 accepted, 2 duplicates", res)
	}
	if got, want := u.ledgerTotal(a.ID).String(), "-0.012"; got != want {
		t.Fatalf("ledger %s, want %s: three events of one part at 0.004", got, want)
	}

	// Concurrent batches of the same events: each is stored and charged once.
	batch := make([]backend.UsageEventInput, 300)
	for i := range batch {
		batch[i] = sms(fmt.Sprintf("concurrent-%d", i), a.ID, at, "GB", 1)
	}
	const senders = 6
	var (
		wg                   sync.WaitGroup
		mu                   sync.Mutex
		accepted, duplicates int
	)
	for range senders {
		wg.Go(func() {
			res, err := u.svc.IngestUsage(u.ctx, batch)
			if err != nil {
				t.Errorf("concurrent IngestUsage: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			accepted += res.Accepted
			duplicates += res.Duplicates
		})
	}
	wg.Wait()
	if accepted != len(batch) || duplicates != (senders-1)*len(batch) {
		t.Fatalf("concurrent batches accepted %d and ignored %d, want %d and %d", accepted, duplicates, len(batch), (senders-1)*len(batch))
	}
	want, _ := backend.ParseMoney("-11.562") // 0.012 + 300 × 0.0385
	if got := u.ledgerTotal(a.ID); got != want {
		t.Fatalf("ledger %s after concurrent batches, want %s", got, want)
	}
}

// TestUsageChargesFollowRollupBilling: a batch posts one usage entry per
// paying ledger, account and product: on the manager's ledger, with the
// managed account as subject, under rollup billing; on the account's own
// ledger otherwise.
func TestUsageChargesFollowRollupBilling(t *testing.T) {
	u := newUsageEnv(t)
	m := u.mgr.Account.ID
	rollup := u.managedAccount(u.mgr, true, false)
	own := u.managedAccount(u.mgr, false, false)
	at := payStart.Add(-time.Hour)
	u.ingest(
		sms("r1", rollup.ID, at, "US", 1), sms("r2", rollup.ID, at.Add(-24*time.Hour), "GB", 1),
		call("r3", rollup.ID, at, "outbound", "US", 120),
		sms("o1", own.ID, at, "US", 2),
		data("m1", m, at, "US", 1_000_000),
	)
	type group struct {
		product, subject string
		sum              string
	}
	groups := func(accountID string) []group {
		var out []group
		for _, g := range u.summary(accountID).Groups {
			if g.Kind != backend.LedgerUsage {
				continue
			}
			if g.Count != 1 || !g.Negative {
				t.Fatalf("%s: group %+v, want one charge per ledger, account and product", accountID, g)
			}
			out = append(out, group{g.Product, g.SubjectID, g.Sum.String()})
		}
		return out
	}
	wantGroups := func(accountID string, want ...group) {
		t.Helper()
		if got := groups(accountID); !sameGroups(got, want) {
			t.Fatalf("usage charges on %s = %+v, want %+v", accountID, groups(accountID), want)
		}
	}
	wantGroups(m,
		group{"messaging", rollup.ID, "-0.0425"}, group{"voice", rollup.ID, "-0.01"},
		group{"wireless", m, "-0.0125"})
	wantGroups(own.ID, group{"messaging", own.ID, "-0.008"})
	wantGroups(rollup.ID)
	if got := u.ledgerTotal(m).String(); got != "-0.065" {
		t.Fatalf("manager's ledger %s, want -0.065", got)
	}
}

func sameGroups[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[T]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// TestUsageFiresAutoRecharge: a usage charge that takes the paying ledger
// under the threshold recharges it in the same transaction, under rollup
// billing the manager's.
func TestUsageFiresAutoRecharge(t *testing.T) {
	u := newUsageEnv(t)
	rollup := u.managedAccount(u.mgr, true, false)
	u.adjust(u.mgr.Account.ID, "10.00")
	u.enableAutoRecharge(u.mgr, visaCard, "9.99", "5.00")
	// 0.004 of usage: 9.996 is still above the threshold.
	u.ingest(sms("small", rollup.ID, payStart, "US", 1))
	if n := len(u.transactions(u.mgr.Account.ID)); n != 0 {
		t.Fatalf("%d transactions above the threshold", n)
	}
	// 0.0385 × 2 more: 9.919 is under it, by 0.071: recharge 5.08 (whole cents).
	u.ingest(sms("big", rollup.ID, payStart, "GB", 2))
	list := u.transactions(u.mgr.Account.ID)
	if len(list) != 1 || !list[0].AutoRecharge || list[0].Amount.String() != "5.08" {
		t.Fatalf("transactions %+v, want one auto-recharge of 5.08", list)
	}
	u.wantBalance(u.mgr, "14.999", "0.00")
	// A batch that charges the ledger several times (two accounts, two
	// products) crosses the threshold once: one recharge, after the last.
	// 2.70 + 2.60 = 5.30 takes 14.999 to 9.699: 0.291 short, plus 5.00.
	u.ingest(call("long-call", rollup.ID, payStart, "outbound", "JP", 3600), sms("many-parts", u.mgr.Account.ID, payStart, "JP", 40))
	list = u.transactions(u.mgr.Account.ID)
	if len(list) != 2 || (list[0].Amount.String() != "5.30" && list[1].Amount.String() != "5.30") {
		t.Fatalf("transactions %+v, want one more auto-recharge, of 5.30", list)
	}
	u.wantBalance(u.mgr, "14.999", "0.00")
}

// TestIngestionIsAllOrNothing: one bad event refuses the batch with its
// pointer, and nothing of the batch is written.
func TestIngestionIsAllOrNothing(t *testing.T) {
	u := newUsageEnv(t)
	a := u.managedAccount(u.mgr, false, false)
	at := payStart.Add(-time.Hour)
	good := func(id string) backend.UsageEventInput { return sms(id, a.ID, at, "US", 1) }
	noVoice := u.managedAccount(u.mgr, false, false)
	for _, tc := range []struct {
		name    string
		batch   []backend.UsageEventInput
		pointer string
		setup   func()
	}{
		{name: "negative parts", batch: []backend.UsageEventInput{good("a0"), good("a1"), sms("a2", a.ID, at, "US", -1)}, pointer: "/events/2/parts"},
		{name: "unknown account", batch: []backend.UsageEventInput{good("b0"), sms("b1", "no-such-account", at, "US", 1)}, pointer: "/events/1/account_id"},
		{name: "no rate at any level", batch: []backend.UsageEventInput{good("c0"), call("c1", noVoice.ID, at, "outbound", "US", 60)}, pointer: "/events/1",
			setup: func() { u.putPriceBook(at.Add(-time.Hour), smsRate("*", "0.01")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u.t = t
			if tc.setup != nil {
				tc.setup()
			}
			before := u.ledgerTotal(a.ID)
			_, err := u.svc.IngestUsage(u.ctx, tc.batch)
			wantInvalid(t, err, tc.pointer, "")
			for _, e := range tc.batch {
				if err := u.db.ReadTx(u.ctx, func(tx backend.Tx) error {
					_, err := tx.GetUsageEvent(u.ctx, *e.ID)
					return err
				}); backend.ErrorKind(err) != backend.ENOTFOUND {
					t.Fatalf("event %s of a refused batch: %v, want not stored", *e.ID, err)
				}
			}
			if got := u.ledgerTotal(a.ID); got != before {
				t.Fatalf("a refused batch changed the ledger to %s from %s", got, before)
			}
		})
	}
}

// TestUsageEventValidation: every rule of an event, with its pointer.
func TestUsageEventValidation(t *testing.T) {
	u := newUsageEnv(t)
	a := u.mgr.Account.ID
	at := payStart.Add(-time.Hour)
	long := strings.Repeat("x", backend.MaxUsageEventIDLen+1)
	for _, tc := range []struct {
		name    string
		change  func(e *backend.UsageEventInput)
		pointer string
	}{
		{"id missing", func(e *backend.UsageEventInput) { e.ID = nil }, "/events/1/id"},
		{"id empty", func(e *backend.UsageEventInput) { e.ID = ptr("") }, "/events/1/id"},
		{"id too long", func(e *backend.UsageEventInput) { e.ID = &long }, "/events/1/id"},
		{"id with a space", func(e *backend.UsageEventInput) { e.ID = ptr("a b") }, "/events/1/id"},
		{"account missing", func(e *backend.UsageEventInput) { e.AccountID = nil }, "/events/1/account_id"},
		{"product missing", func(e *backend.UsageEventInput) { e.Product = nil }, "/events/1/product"},
		{"product unknown", func(e *backend.UsageEventInput) { e.Product = ptr("fax") }, "/events/1/product"},
		{"occurred_at missing", func(e *backend.UsageEventInput) { e.OccurredAt = nil }, "/events/1/occurred_at"},
		{"occurred_at not RFC 3339", func(e *backend.UsageEventInput) { e.OccurredAt = ptr("2026-03-15 11:00:00") }, "/events/1/occurred_at"},
		{"occurred_at in the future", func(e *backend.UsageEventInput) { e.OccurredAt = stamp(payStart.Add(6 * time.Minute)) }, "/events/1/occurred_at"},
		{"occurred_at before 2000", func(e *backend.UsageEventInput) { e.OccurredAt = ptr("1999-12-31T23:59:59Z") }, "/events/1/occurred_at"},
		{"direction missing", func(e *backend.UsageEventInput) { e.Direction = nil }, "/events/1/direction"},
		{"direction unknown", func(e *backend.UsageEventInput) { e.Direction = ptr("sideways") }, "/events/1/direction"},
		{"message_type unknown", func(e *backend.UsageEventInput) { e.MessageType = ptr("RCS") }, "/events/1/message_type"},
		{"country lower case", func(e *backend.UsageEventInput) { e.CountryISO = ptr("us") }, "/events/1/country_iso"},
		{"country wildcard", func(e *backend.UsageEventInput) { e.CountryISO = ptr("*") }, "/events/1/country_iso"},
		{"country unassigned", func(e *backend.UsageEventInput) { e.CountryISO = ptr("XX") }, "/events/1/country_iso"},
		{"product_name of another product", func(e *backend.UsageEventInput) { e.ProductName = ptr("sim") }, "/events/1/product_name"},
		{"parts missing", func(e *backend.UsageEventInput) { e.Parts = nil }, "/events/1/parts"},
		{"parts too many", func(e *backend.UsageEventInput) { e.Parts = ptr(int64(100_001)) }, "/events/1/parts"},
		{"billed_sec on messaging", func(e *backend.UsageEventInput) { e.BilledSec = ptr(int64(1)) }, "/events/1/billed_sec"},
		{"message_type on voice", func(e *backend.UsageEventInput) {
			*e = call("v", a, at, "outbound", "US", 1)
			e.MessageType = ptr("SMS")
		}, "/events/1/message_type"},
		{"direction on wireless", func(e *backend.UsageEventInput) {
			*e = data("w", a, at, "US", 1)
			e.Direction = ptr("outbound")
		}, "/events/1/direction"},
		{"bytes missing", func(e *backend.UsageEventInput) { *e = data("w", a, at, "US", 1); e.Bytes = nil }, "/events/1/bytes"},
		{"billed_sec over a month", func(e *backend.UsageEventInput) { *e = call("v", a, at, "outbound", "US", 31*24*3600+1) }, "/events/1/billed_sec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := sms("bad", a, at, "US", 1)
			tc.change(&bad)
			_, err := u.svc.IngestUsage(u.ctx, []backend.UsageEventInput{sms("fine", a, at, "US", 1), bad})
			wantInvalid(t, err, tc.pointer, "")
		})
	}
	// The batch itself.
	_, err := u.svc.IngestUsage(u.ctx, nil)
	wantInvalid(t, err, "/events", "")
	_, err = u.svc.IngestUsage(u.ctx, []backend.UsageEventInput{})
	wantInvalid(t, err, "/events", "")
	tooMany := make([]backend.UsageEventInput, backend.MaxUsageBatch+1)
	for i := range tooMany {
		tooMany[i] = sms(fmt.Sprint(i), a, at, "US", 1)
	}
	_, err = u.svc.IngestUsage(u.ctx, tooMany)
	wantInvalid(t, err, "/events", "")
	// Defaults and limits that are fine: a known product_name, a time with
	// an offset, the clock skew allowed.
	ok := sms("skew", a, payStart.Add(5*time.Minute), "US", 1)
	offset := sms("offset", a, at, "US", 1)
	offset.OccurredAt = ptr("2026-03-15T12:30:00+02:00")
	named := call("named", a, at, "inbound", "US", 1)
	named.ProductName = ptr("sip_trunking")
	if res := u.ingest(ok, offset, named); res.Accepted != 3 {
		t.Fatalf("ingest = %+v", res)
	}
	if e := u.event("offset"); !e.OccurredAt.Equal(time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC)) || e.Day() != "2026-03-15" {
		t.Fatalf("offset event at %s", e.OccurredAt)
	}
	if e := u.event("skew"); e.ProductName != "long_code" || e.ManagerID != "" {
		t.Fatalf("default product_name %q, manager %q", e.ProductName, e.ManagerID)
	}
	if e := u.event("named"); e.ProductName != "sip_trunking" {
		t.Fatalf("product_name %q", e.ProductName)
	}
}

// TestRollupsMatchTheStoredEvents is a property test: random batches of
// random events (with retried ids) over accounts of every kind, then the
// rollups must equal a brute-force sum over the stored events, and each
// paying ledger's usage charges the sum of its accounts' costs.
func TestRollupsMatchTheStoredEvents(t *testing.T) {
	u := newUsageEnv(t)
	rng := rand.New(rand.NewPCG(5, 2026))
	custom := u.managedAccount(u.mgr, true, true)
	// Events span ten days; the custom rates start in the middle of them,
	// the committed ones earlier.
	u.putCustom(u.mgr, custom.ID, smsRate("*", "0.0011"), rate("voice", "outbound", "", "US", "0.0021"))
	u.putCommitted(u.mgr.Account.ID, payStart.Add(-3*24*time.Hour), smsRate("US", "0.0033"))
	u.clock.Advance(5 * 24 * time.Hour)
	now := u.clock.Now()
	accounts := []*backend.Account{u.mgr.Account, custom, u.managedAccount(u.mgr, true, false), u.managedAccount(u.mgr, false, false)}
	payer := map[string]string{}
	for _, a := range accounts {
		payer[a.ID] = a.BillingAccountID()
	}
	countries := []string{"US", "GB", "DE", "BR", "JP"}
	var sent []string
	for batch := range 12 {
		n := 1 + rng.IntN(400)
		events := make([]backend.UsageEventInput, 0, n)
		for range n {
			if len(sent) > 0 && rng.IntN(10) == 0 { // a retry of an event sent before
				id := sent[rng.IntN(len(sent))]
				events = append(events, sms(id, accounts[0].ID, now, "US", 1))
				continue
			}
			id := u.nextID()
			a := accounts[rng.IntN(len(accounts))].ID
			at := now.Add(-time.Duration(rng.IntN(10*24*3600)) * time.Second)
			country := countries[rng.IntN(len(countries))]
			var e backend.UsageEventInput
			switch rng.IntN(3) {
			case 0:
				e = sms(id, a, at, country, int64(1+rng.IntN(5)))
				if rng.IntN(4) == 0 {
					e.MessageType = ptr("MMS")
				}
				if rng.IntN(3) == 0 {
					e.ProductName = ptr("toll_free")
				}
			case 1:
				e = call(id, a, at, []string{"inbound", "outbound"}[rng.IntN(2)], country, int64(rng.IntN(3600)))
			default:
				e = data(id, a, at, country, int64(rng.IntN(50_000_000)))
			}
			events = append(events, e)
			sent = append(sent, id)
		}
		if res := u.ingest(events...); res.Accepted+res.Duplicates != n {
			t.Fatalf("batch %d: %+v for %d events", batch, res, n)
		}
	}
	want := map[backend.UsageRollupKey]backend.UsageRollup{}
	costs := map[string]backend.Money{} // by paying ledger
	sources := map[backend.RateScope]int{}
	for _, id := range sent {
		e := u.event(id)
		k := backend.UsageRollupKey{AccountID: e.AccountID, Product: e.Product, Day: e.Day(), Direction: e.Direction,
			CountryISO: e.CountryISO, MessageType: e.MessageType, ProductName: e.ProductName}
		r := want[k]
		r.UsageRollupKey, r.ManagerID = k, e.ManagerID
		r.Count++
		r.Parts += e.Parts
		r.BilledSec += e.BilledSec
		r.Bytes += e.Bytes
		r.Cost += e.Cost
		want[k] = r
		costs[payer[e.AccountID]] += e.Cost
		sources[e.RateSource]++
	}
	got := 0
	for _, a := range accounts {
		var rollups []*backend.UsageRollup
		if err := u.db.ReadTx(u.ctx, func(tx backend.Tx) error {
			var err error
			rollups, err = tx.ListUsageRollups(u.ctx, a.ID, "2000-01-01", "9999-12-31")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, r := range rollups {
			if w, ok := want[r.UsageRollupKey]; !ok || w != *r {
				t.Fatalf("rollup %+v, want %+v (present: %v)", *r, w, ok)
			}
		}
		got += len(rollups)
	}
	if got != len(want) {
		t.Fatalf("%d rollups, want %d", got, len(want))
	}
	if len(sources) != 3 {
		t.Fatalf("events were rated from %v: want every level among them", sources)
	}
	for ledger, cost := range costs {
		if total := u.ledgerTotal(ledger); total != -cost {
			t.Fatalf("ledger of %s is %s, want %s", ledger, total, -cost)
		}
	}
}
