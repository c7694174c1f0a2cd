package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The rules of the Service that read a set and then write because of what
// they read (Tx.Claim), raced through the Service: many calls released
// together, and exactly as many pass as the rule allows. Each test stands for
// one Claim of the Service: without it, the store that runs writers side by
// side (PostgreSQL) lets more through.

// racers is how many calls each race releases at once: more than a
// PostgreSQL store's default pool of connections, so that many transactions
// overlap.
const racers = 24

// service is a Service over the store under test, with what the races need.
type service struct {
	t   *testing.T
	ctx context.Context
	s   backend.Store
	svc *backend.Service
}

// newService returns a Service over s whose reads of the sets that rules
// read are slowed (slowSets).
func newService(t *testing.T, s backend.Store) *service {
	t.Helper()
	secrets, err := backend.NewSecrets([]byte(rand.Text() + rand.Text()))
	if err != nil {
		t.Fatal(err)
	}
	return &service{t: t, ctx: t.Context(), s: s, svc: backend.NewService(slowSets{s}, secrets)}
}

// slowSets pauses a write transaction after each read of a set that a rule
// of the Service reads, so that the transactions of a race all read before
// any commits: without its claim, a rule would let more through every time,
// not now and then.
type slowSets struct{ backend.Store }

func (s slowSets) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	return s.Store.WriteTx(ctx, func(tx backend.Tx) error { return fn(slowSetsTx{tx}) })
}

type slowSetsTx struct{ backend.Tx }

// setReadPause is how long a read of a set takes in slowSets.
const setReadPause = 2 * time.Millisecond

func slow[T any](v T, err error) (T, error) {
	time.Sleep(setReadPause)
	return v, err
}

func (tx slowSetsTx) CountManagedAccounts(ctx context.Context, managerID string, statuses []backend.AccountStatus) (int, error) {
	return slow(tx.Tx.CountManagedAccounts(ctx, managerID, statuses))
}

func (tx slowSetsTx) SumGlobalChannelLimits(ctx context.Context, managerID string, statuses []backend.AccountStatus) (int, error) {
	return slow(tx.Tx.SumGlobalChannelLimits(ctx, managerID, statuses))
}

func (tx slowSetsTx) CountAPIKeys(ctx context.Context, accountID string, kind backend.KeyKind, statuses []backend.KeyStatus) (int, error) {
	return slow(tx.Tx.CountAPIKeys(ctx, accountID, kind, statuses))
}

func (tx slowSetsTx) CountPaymentMethods(ctx context.Context, accountID string) (int, error) {
	return slow(tx.Tx.CountPaymentMethods(ctx, accountID))
}

func (tx slowSetsTx) ListPaymentMethods(ctx context.Context, accountID string, page backend.Page) ([]*backend.PaymentMethod, int, error) {
	list, n, err := tx.Tx.ListPaymentMethods(ctx, accountID, page)
	time.Sleep(setReadPause)
	return list, n, err
}

func (tx slowSetsTx) LedgerTotals(ctx context.Context, accountID string, at time.Time) (backend.LedgerSums, error) {
	return slow(tx.Tx.LedgerTotals(ctx, accountID, at))
}

func (tx slowSetsTx) UsageDayTotals(ctx context.Context, keys []backend.UsageDayKey) (map[backend.UsageDayKey]backend.UsageTotals, error) {
	return slow(tx.Tx.UsageDayTotals(ctx, keys))
}

// manager creates a manager account through the operator's method and
// returns it as a caller.
func (e *service) manager(in backend.CreateManagerInput) *backend.Caller {
	e.t.Helper()
	email := uuid.NewString() + "@example.com"
	in.Email = &email
	_, key, err := e.svc.CreateManager(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateManager: %v", err)
	}
	c, err := e.svc.Authenticate(e.ctx, key)
	if err != nil {
		e.t.Fatalf("Authenticate: %v", err)
	}
	return c
}

// race calls fn(0) … fn(n-1) at once, each on a goroutine of its own, and
// returns their errors in order.
func race(n int, fn func(i int) error) []error {
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// wantPassed fails the test unless exactly want of errs are nil and every
// other is the rule's refusal (EINVALID at pointer).
func wantPassed(t *testing.T, what string, errs []error, want int, pointer string) {
	t.Helper()
	passed := 0
	for _, err := range errs {
		if err == nil {
			passed++
			continue
		}
		e, ok := errors.AsType[*backend.Error](err)
		if !ok || e.Kind != backend.EINVALID || e.Pointer != pointer {
			t.Fatalf("%s: %v, want the rule's refusal (EINVALID at %s)", what, err, pointer)
		}
	}
	if passed != want {
		t.Fatalf("%s: %d of %d passed, want exactly %d", what, passed, len(errs), want)
	}
}

func ptr[T any](v T) *T { return &v }

// Claim(SetManagedAccounts) in CreateManagedAccount.
func testManagedAccountLimitUnderRacingCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	const limit = 5
	mgr := e.manager(backend.CreateManagerInput{ManagedAccountLimit: ptr(limit)})
	create := func(i int) error {
		_, err := e.svc.CreateManagedAccount(e.ctx, mgr, backend.CreateManagedAccountInput{BusinessName: ptr(fmt.Sprint("Racer ", i))})
		return err
	}
	wantPassed(t, "creates at once", race(racers, create), limit, "/")
	list, meta, err := e.svc.ListManagedAccounts(e.ctx, mgr, backend.ManagedAccountQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if meta.TotalResults != limit {
		t.Fatalf("%d managed accounts after the race, want %d", meta.TotalResults, limit)
	}
	// A cancelled account makes room for exactly one more.
	if _, err := e.svc.CancelAccount(e.ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	wantPassed(t, "creates at once after a cancellation", race(racers, create), 1, "/")
}

// Claim(SetManagedAccounts) in UpdateGlobalChannelLimit.
func testChannelPoolUnderRacingAllocations(t *testing.T, s backend.Store) {
	e := newService(t, s)
	const pool, each = 10, 3 // room for 3 accounts' 3 channels, and 1 channel over
	mgr := e.manager(backend.CreateManagerInput{AllocatableChannels: ptr(pool)})
	ids := make([]string, racers)
	for i := range ids {
		v, err := e.svc.CreateManagedAccount(e.ctx, mgr, backend.CreateManagedAccountInput{BusinessName: ptr(fmt.Sprint("Channels ", i))})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = v.Account.ID
	}
	wantPassed(t, "allocations at once", race(racers, func(i int) error {
		_, err := e.svc.UpdateGlobalChannelLimit(e.ctx, mgr, ids[i], ptr(each))
		return err
	}), pool/each, "/channel_limit")
	alloc, err := e.svc.AllocatableChannels(e.ctx, mgr)
	if err != nil {
		t.Fatal(err)
	}
	if alloc.TotalAllocated != pool/each*each {
		t.Fatalf("%d channels allocated after the race, want %d", alloc.TotalAllocated, pool/each*each)
	}
}

// Claim(SetAPIKeys) in CreateAPIKey.
func testAPIKeyLimitUnderRacingCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	f := newFixture(t, s)
	mgr := e.manager(backend.CreateManagerInput{})
	const room = 4
	keys := make([]*backend.APIKey, backend.MaxAPIKeysPerAccount-room)
	for i := range keys {
		keys[i] = f.newKey(mgr.Account.ID, backend.KeyUser)
	}
	f.insertKeys(keys...)
	wantPassed(t, "key creates at once", race(racers, func(int) error {
		_, _, err := e.svc.CreateAPIKey(e.ctx, mgr, backend.CreateAPIKeyInput{})
		return err
	}), room, "/")
	_, meta, err := e.svc.ListAPIKeys(e.ctx, mgr, "", backend.Page{Number: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if meta.TotalResults != backend.MaxAPIKeysPerAccount {
		t.Fatalf("%d keys after the race, want %d", meta.TotalResults, backend.MaxAPIKeysPerAccount)
	}
}

// card is a valid card body, not the default unless asked.
func card(makeDefault bool) backend.CreatePaymentMethodInput {
	return backend.CreatePaymentMethodInput{
		Type: ptr(backend.PaymentMethodCard),
		Card: &backend.CardInput{Number: ptr("4242424242424242"), ExpMonth: ptr(12), ExpYear: ptr(time.Now().Year() + 5), CVC: ptr("123")},
		BillingDetails: &backend.BillingDetailsInput{
			Name: ptr("Ada Lovelace"), PostalCode: ptr("NW1 6XE"), Country: ptr("GB"),
		},
		Default: ptr(makeDefault),
	}
}

// paymentMethods returns the caller's payment methods and how many are the default.
func (e *service) paymentMethods(c *backend.Caller) ([]*backend.PaymentMethod, int) {
	e.t.Helper()
	list, _, err := e.svc.ListPaymentMethods(e.ctx, c, backend.Page{Number: 1, Size: backend.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	defaults := 0
	for _, pm := range list {
		if pm.Default {
			defaults++
		}
	}
	return list, defaults
}

// Claim(SetPaymentMethods) in CreatePaymentMethod: the limit, and the first
// method becomes the default.
func testPaymentMethodLimitUnderRacingCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	mgr := e.manager(backend.CreateManagerInput{})
	wantPassed(t, "payment method creates at once", race(backend.MaxPaymentMethodsPerAccount+racers/2, func(int) error {
		_, err := e.svc.CreatePaymentMethod(e.ctx, mgr, card(false))
		return err
	}), backend.MaxPaymentMethodsPerAccount, "/")
	if list, defaults := e.paymentMethods(mgr); len(list) != backend.MaxPaymentMethodsPerAccount || defaults != 1 {
		t.Fatalf("%d payment methods, %d of them the default; want %d and exactly one", len(list), defaults, backend.MaxPaymentMethodsPerAccount)
	}
}

// Claim(SetPaymentMethods) in DeletePaymentMethod: deleting the default
// while methods are added leaves exactly one default among those that remain.
func testDefaultPaymentMethodUnderRacingDeleteAndCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	for round := range 4 {
		mgr := e.manager(backend.CreateManagerInput{})
		only, err := e.svc.CreatePaymentMethod(e.ctx, mgr, card(false))
		if err != nil {
			t.Fatal(err)
		}
		errs := race(racers/2, func(i int) error {
			if i == 0 {
				_, err := e.svc.DeletePaymentMethod(e.ctx, mgr, only.ID)
				return err
			}
			_, err := e.svc.CreatePaymentMethod(e.ctx, mgr, card(false))
			return err
		})
		wantPassed(t, "a delete and creates at once", errs, len(errs), "")
		if list, defaults := e.paymentMethods(mgr); len(list) != len(errs)-1 || defaults != 1 {
			t.Fatalf("round %d: %d payment methods, %d of them the default; want %d and exactly one", round, len(list), defaults, len(errs)-1)
		}
	}
}

// Claim(SetLedger) where the Service posts to a ledger: its turnover bound.
func testLedgerTurnoverUnderRacingPosts(t *testing.T, s backend.Store) {
	e := newService(t, s)
	f := newFixture(t, s)
	mgr := e.manager(backend.CreateManagerInput{})
	const room = 5
	f.write(func(tx backend.Tx) error {
		return tx.InsertLedgerEntry(f.ctx, f.entry(mgr.Account.ID, backend.MaxLedgerTurnover-room*backend.MicrosPerUnit))
	})
	wantPassed(t, "adjustments at once", race(racers, func(int) error {
		_, _, err := e.svc.PostAdjustment(e.ctx, mgr.Account.ID, ptr("1.00"), "race")
		return err
	}), room, "/amount")
	var sums backend.LedgerSums
	f.read(func(tx backend.Tx) (err error) {
		sums, err = tx.LedgerTotals(f.ctx, mgr.Account.ID, time.Now())
		return err
	})
	if sums.Turnover != backend.MaxLedgerTurnover {
		t.Fatalf("turnover %s after the race, want exactly %s", sums.Turnover, backend.MaxLedgerTurnover)
	}
}

// Claim(SetLedger) where the Service posts a charge: auto-recharge fires
// once per crossing of the threshold.
func testAutoRechargeUnderRacingCharges(t *testing.T, s backend.Store) {
	e := newService(t, s)
	mgr := e.manager(backend.CreateManagerInput{})
	if _, err := e.svc.CreatePaymentMethod(e.ctx, mgr, card(true)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.PostAdjustment(e.ctx, mgr.Account.ID, ptr("100.00"), "funds"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateAutoRechargePrefs(e.ctx, mgr, backend.AutoRechargeInput{
		Enabled: ptr(true), ThresholdAmount: ptr("50.00"), RechargeAmount: ptr("25.00"),
	}); err != nil {
		t.Fatal(err)
	}
	// 40 charges of 5.00 from 100.00, one after the other: a recharge of
	// 30.00 (5.00 short of the threshold, and 25.00) at the 11th, 17th, …,
	// 35th charge, five in all, and 50.00 left.
	const charges, recharges = 40, 5
	wantPassed(t, "charges at once", race(charges, func(int) error {
		_, _, err := e.svc.PostAdjustment(e.ctx, mgr.Account.ID, ptr("-5.00"), "race")
		return err
	}), charges, "")
	var list []*backend.Transaction
	if err := s.ReadTx(e.ctx, func(tx backend.Tx) (err error) {
		list, _, err = tx.ListTransactions(e.ctx, mgr.Account.ID, backend.Page{Number: 1, Size: backend.MaxPageSize})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(list) != recharges {
		t.Fatalf("%d recharges after the race, want %d", len(list), recharges)
	}
	for _, tr := range list {
		if !tr.AutoRecharge || tr.Amount.String() != "30.00" {
			t.Fatalf("recharge %+v, want 30.00 (5.00 short of the threshold and 25.00)", tr)
		}
	}
	if b, err := e.svc.Balance(e.ctx, mgr); err != nil || b.Balance.String() != "50.00" {
		t.Fatalf("balance %+v (%v) after the race, want 50.00", b, err)
	}
}

// Claim(SetUsage) in usage ingestion: an account's usage of a product on a
// day stays within MaxUsageDayTotal. The events are free (no parts), so no
// ledger is posted to: the rule has only its own claim. A race is run on
// several days, each a set of its own to overflow.
func testUsageDayTotalUnderRacingIngests(t *testing.T, s backend.Store) {
	e := newService(t, s)
	f := newFixture(t, s)
	if err := e.svc.EnsurePriceBook(e.ctx); err != nil {
		t.Fatal(err)
	}
	mgr := e.manager(backend.CreateManagerInput{})
	// Each racer's event is of another country, so of another rollup: only
	// the day's total is shared.
	countries := []string{"FR", "IT", "ES", "NL", "BE", "AT", "CH", "SE", "NO", "DK", "FI", "IE",
		"PT", "PL", "CZ", "GR", "HU", "RO", "BG", "HR", "SI", "SK", "LT", "LV"}
	const room = 4
	for round := range 4 {
		day := time.Date(2025, 1, 10+round, 0, 0, 0, 0, time.UTC)
		key := backend.UsageRollupKey{AccountID: mgr.Account.ID, Product: backend.ProductMessaging, Day: day.Format(time.DateOnly),
			Direction: backend.DirectionOutbound, CountryISO: "US", MessageType: backend.MessageTypeSMS, ProductName: "long_code"}
		f.write(func(tx backend.Tx) error {
			return tx.AddUsageRollups(f.ctx, []*backend.UsageRollup{{UsageRollupKey: key, Count: backend.MaxUsageDayTotal - room}})
		})
		occurred := day.Add(12 * time.Hour).Format(time.RFC3339)
		errs := race(len(countries), func(i int) error {
			_, err := e.svc.IngestUsage(e.ctx, []backend.UsageEventInput{{
				ID: ptr(fmt.Sprintf("race-%d-%d", round, i)), AccountID: &mgr.Account.ID, Product: ptr(backend.ProductMessaging),
				OccurredAt: &occurred, Direction: ptr(backend.DirectionOutbound), MessageType: ptr(backend.MessageTypeSMS),
				CountryISO: &countries[i], Parts: ptr[int64](0),
			}})
			return err
		})
		wantPassed(t, "ingestions at once", errs, room, "/events/0")
		var totals map[backend.UsageDayKey]backend.UsageTotals
		dayKey := backend.UsageDayKey{AccountID: mgr.Account.ID, Product: backend.ProductMessaging, Day: key.Day}
		f.read(func(tx backend.Tx) (err error) {
			totals, err = tx.UsageDayTotals(f.ctx, []backend.UsageDayKey{dayKey})
			return err
		})
		if n := totals[dayKey].Count; n != backend.MaxUsageDayTotal {
			t.Fatalf("%d events on %s after the race, want exactly %d", n, key.Day, int64(backend.MaxUsageDayTotal))
		}
	}
}
