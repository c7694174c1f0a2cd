// Package storetest is the conformance suite of backend.Store: every database
// implementation runs it, so that the service behaves the same on each.
//
// It states the behaviour the Store and Tx documentation leaves to the
// implementation, in particular:
//   - "contains" filters match the input literally (% and _ are not wildcards);
//   - case-insensitive comparisons fold at least ASCII letters;
//   - an explicit status filter is exact, an empty one hides cancelled accounts
//     unless IncludeCancelled is set;
//   - the ID tie-break follows the sort direction, and the email sort ignores case;
//   - API key tags read back as a non-nil slice;
//   - times read back in UTC, equal to what was written at microsecond precision;
//   - a ledger entry counts as settled from its SettlesAt on (inclusive), and
//     one without SettlesAt is refused;
//   - a deleted payment method is gone for every read but keeps the
//     transactions made with it;
//   - a rate set put again with the same scope, account and start replaces
//     the one before, and the list's account is "".
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

// Run runs the suite. open must return a new, empty store for each call; the
// suite closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) backend.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s backend.Store)
	}{
		{"PingAnswers", testPing},
		{"AccountRoundTrip", testAccountRoundTrip},
		{"GetAccountByEmailIgnoresCase", testGetAccountByEmailIgnoresCase},
		{"DuplicateEmailIsConflict", testDuplicateEmailIsConflict},
		{"DuplicateAccountIDIsConflict", testDuplicateAccountIDIsConflict},
		{"UpdateAccountWritesMutableFields", testUpdateAccountWritesMutableFields},
		{"UpdateAccountToTakenEmailIsConflict", testUpdateAccountToTakenEmailIsConflict},
		{"NotFoundKinds", testNotFoundKinds},
		{"ListIsScopedToManager", testListIsScopedToManager},
		{"ListFiltersAreCaseInsensitive", testListFiltersAreCaseInsensitive},
		{"OrganizationEqIsExact", testOrganizationEqIsExact},
		{"ContainsTreatsWildcardsLiterally", testContainsTreatsWildcardsLiterally},
		{"FiltersCombine", testFiltersCombine},
		{"StatusFilters", testStatusFilters},
		{"MatchNoneMatchesNothing", testMatchNoneMatchesNothing},
		{"PagingAndTotals", testPagingAndTotals},
		{"SortByCreatedAtBreaksTiesOnID", testSortByCreatedAtBreaksTiesOnID},
		{"SortByEmailIgnoresCase", testSortByEmailIgnoresCase},
		{"SortByEmailDescendingIsReverseOfAscending", testSortByEmailDescending},
		{"CountAndSumSkipCancelled", testCountAndSumSkipCancelled},
		{"ListAccountsByPasswordHashPrefix", testListAccountsByPasswordHashPrefix},
		{"ScrubAccountsKeepsEveryRow", testScrubAccountsKeepsEveryRow},
		{"APIKeyRoundTrip", testAPIKeyRoundTrip},
		{"DuplicateKeyHashIsConflict", testDuplicateKeyHashIsConflict},
		{"KeyOfMissingAccountIsRefused", testKeyOfMissingAccountIsRefused},
		{"UpdateAPIKey", testUpdateAPIKey},
		{"PrimaryKeyLookup", testPrimaryKeyLookup},
		{"SecondActivePrimaryKeyIsConflict", testSecondActivePrimaryKeyIsConflict},
		{"LedgerSumIsExact", testLedgerSumIsExact},
		{"LedgerSumIsPerAccount", testLedgerSumIsPerAccount},
		{"AuditEventInsert", testAuditEventInsert},
		{"AuditEventWithoutAccount", testAuditEventWithoutAccount},
		{"GetAPIKeyByID", testGetAPIKeyByID},
		{"ListAPIKeysFiltersAndOrder", testListAPIKeysFiltersAndOrder},
		{"CountAPIKeysSkipsRevokedAndOtherKinds", testCountAPIKeys},
		{"TouchAPIKeySetsOnlyLastUsed", testTouchAPIKey},
		{"AuditListScopesFiltersAndPages", testAuditList},
		{"TimesRoundTripInUTC", testTimesRoundTripInUTC},
		{"RollbackWritesNothing", testRollbackWritesNothing},
		{"PanicRollsBackAndRepanics", testPanicRollsBack},
		{"ReadTxCannotWrite", testReadTxCannotWrite},
		{"ReadTxIsASnapshot", testReadTxIsASnapshot},
		{"CancelledContextIsRefused", testCancelledContextIsRefused},
		{"ConcurrentLedgerInsertsLoseNothing", testConcurrentLedgerInsertsLoseNothing},
		{"ConcurrentAccountCreationKeepsEmailsUnique", testConcurrentEmailsStayUnique},
		{"LedgerTotalsSplitSettledAndPending", testLedgerTotalsSplitSettledAndPending},
		{"PaymentMethodRoundTrip", testPaymentMethodRoundTrip},
		{"OneDefaultPaymentMethodPerAccount", testOneDefaultPaymentMethodPerAccount},
		{"ListPaymentMethodsNewestFirst", testListPaymentMethodsNewestFirst},
		{"UpdatePaymentMethodWritesMutableFields", testUpdatePaymentMethodWritesMutableFields},
		{"DeletedPaymentMethodIsGone", testDeletedPaymentMethodIsGone},
		{"BillingNotFoundKinds", testBillingNotFoundKinds},
		{"TransactionsRoundTripNewestFirst", testTransactionsRoundTripNewestFirst},
		{"AutoRechargePrefsPutReplaces", testAutoRechargePrefsPutReplaces},
		{"SummarizeLedgerGroupsByMonthKindProductSubjectSign", testSummarizeLedger},
		{"SummarizeLedgerSumsExactly", testSummarizeLedgerSumsExactly},
		{"RateSetRoundTrip", testRateSetRoundTrip},
		{"EffectiveRateSetIsTheLatestStarted", testEffectiveRateSetIsTheLatestStarted},
		{"RateSetWithSameStartReplaces", testRateSetWithSameStartReplaces},
		{"UsageEventsRoundTripAndRefuseDuplicates", testUsageEventsRoundTripAndRefuseDuplicates},
		{"UsageRollupsAdd", testUsageRollupsAdd},
		{"UsageDayTotals", testUsageDayTotals},
		{"UsageReportMatchesTheRollups", testUsageReportMatchesTheRollups},
		{"UsageReportPaging", testUsageReportPaging},
		{"IdempotencyRecordRoundTrip", testIdempotencyRecordRoundTrip},
		{"IdempotencyRecordIdentity", testIdempotencyRecordIdentity},
		{"IdempotencyRecordNotFound", testIdempotencyRecordNotFound},
		{"PurgeIdempotencyRecordsIsBounded", testPurgeIdempotencyRecordsIsBounded},
		{"ConcurrentIdempotencyInsertsOneWins", testConcurrentIdempotencyInsertsOneWins},
		{"NestedRollsBackOnlyItself", testNestedRollsBackOnlyItself},
		{"NestedWritesRollBackWithTheOuterTransaction", testNestedWritesRollBackWithTheOuterTransaction},
		{"TxStaysUsableAfterConflict", testTxStaysUsableAfterConflict},
		{"LookupsOfUnstorableTextFindNothing", testLookupsOfUnstorableTextFindNothing},
		{"SubMicrosecondsAreTruncated", testSubMicrosecondsAreTruncated},
		{"PortalSessionRoundTrip", testPortalSessionRoundTrip},
		{"PortalSessionIdentity", testPortalSessionIdentity},
		{"PortalSessionNotFound", testPortalSessionNotFound},
		{"TouchPortalSessionSetsOnlyLastSeen", testTouchPortalSessionSetsOnlyLastSeen},
		{"DeletedPortalSessionIsGone", testDeletedPortalSessionIsGone},
		{"PurgePortalSessionsIsBoundedAndKeepsLiveOnes", testPurgePortalSessions},
		{"Notifications", func(t *testing.T, _ backend.Store) { testNotifications(t, open) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close store: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// base is the clock of the fixtures: microsecond precision, the finest every
// store keeps.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

// fixture creates accounts and keys with distinct values in every field.
type fixture struct {
	t     *testing.T
	s     backend.Store
	ctx   context.Context
	clock time.Time
	n     int
}

func newFixture(t *testing.T, s backend.Store) *fixture {
	return &fixture{t: t, s: s, ctx: t.Context(), clock: base}
}

func (f *fixture) tick() time.Time {
	f.clock = f.clock.Add(1500 * time.Microsecond)
	return f.clock
}

func (f *fixture) write(fn func(tx backend.Tx) error) {
	f.t.Helper()
	if err := f.s.WriteTx(f.ctx, fn); err != nil {
		f.t.Fatalf("WriteTx: %v", err)
	}
}

func (f *fixture) read(fn func(tx backend.Tx) error) {
	f.t.Helper()
	if err := f.s.ReadTx(f.ctx, fn); err != nil {
		f.t.Fatalf("ReadTx: %v", err)
	}
}

func (f *fixture) newAccount(managerID, email, org string) *backend.Account {
	f.n++
	now := f.tick()
	return &backend.Account{
		ID: uuid.NewString(), ManagerID: managerID, Email: email, OrganizationName: org,
		PasswordHash: fmt.Sprintf("$2a$04$hash%d", f.n), Status: backend.StatusEnabled,
		AllocatableChannels: 100 + f.n, ManagedAccountLimit: 10 + f.n, CreditLimit: backend.Money(f.n) * 1_000_001,
		APITokenSealed: fmt.Sprintf("sealed-token-%d", f.n), CreatedAt: now, UpdatedAt: now.Add(time.Microsecond),
	}
}

// insert stores a in its own transaction.
func (f *fixture) insert(a *backend.Account) *backend.Account {
	f.t.Helper()
	f.write(func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) })
	return a
}

func (f *fixture) manager(email string) *backend.Account {
	f.t.Helper()
	return f.insert(f.newAccount("", email, "Manager "+email))
}

func (f *fixture) managed(m *backend.Account, email, org string) *backend.Account {
	f.t.Helper()
	a := f.newAccount(m.ID, email, org)
	a.GlobalChannelLimit = f.n
	return f.insert(a)
}

func (f *fixture) newKey(accountID string, kind backend.KeyKind) *backend.APIKey {
	f.n++
	now := f.tick()
	return &backend.APIKey{
		ID: uuid.NewString(), AccountID: accountID, Kind: kind, Hash: fmt.Sprintf("hash-%d-%s", f.n, uuid.NewString()),
		Sealed: fmt.Sprintf("sealed-%d", f.n), MaskedKey: fmt.Sprintf("KEY…%04d", f.n), Status: backend.KeyActive,
		Description: fmt.Sprintf("key %d", f.n), Tags: []string{}, IssuedBy: backend.ChangeByAccountOwner,
		CreatedAt: now, UpdatedAt: now,
	}
}

func (f *fixture) list(managerID string, q backend.ManagedAccountQuery) ([]*backend.Account, int) {
	f.t.Helper()
	if q.Page == (backend.Page{}) {
		q.Page = backend.Page{Number: 1, Size: backend.MaxPageSize}
	}
	var (
		list  []*backend.Account
		total int
	)
	f.read(func(tx backend.Tx) error {
		var err error
		list, total, err = tx.ListManagedAccounts(f.ctx, managerID, q)
		return err
	})
	return list, total
}

func (f *fixture) getAccount(id string) *backend.Account {
	f.t.Helper()
	var a *backend.Account
	f.read(func(tx backend.Tx) error {
		var err error
		a, err = tx.GetAccount(f.ctx, id)
		return err
	})
	return a
}

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

func emails(list []*backend.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Email
	}
	return out
}

func ids(list []*backend.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

// wantKind fails the test unless err is a *backend.Error of kind.
func wantKind(t *testing.T, err error, kind backend.Kind) {
	t.Helper()
	var e *backend.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want a *backend.Error of kind %s", err, err, kind)
	}
	if e.Kind != kind {
		t.Fatalf("error kind = %s (%v), want %s", e.Kind, err, kind)
	}
}

func sameAccount(t *testing.T, got, want *backend.Account) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("times = %s / %s, want %s / %s", g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt)
	}
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("account = %+v\nwant      %+v", g, w)
	}
}

func sameKey(t *testing.T, got, want *backend.APIKey) {
	t.Helper()
	timesEqual := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
		!timesEqual(got.ExpiresAt, want.ExpiresAt) || !timesEqual(got.LastUsedAt, want.LastUsedAt) {
		t.Errorf("key times = %v %v %v %v, want %v %v %v %v", got.CreatedAt, got.UpdatedAt, got.ExpiresAt, got.LastUsedAt,
			want.CreatedAt, want.UpdatedAt, want.ExpiresAt, want.LastUsedAt)
	}
	if got.Tags == nil || !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("tags = %#v, want %#v", got.Tags, want.Tags)
	}
	// Everything else is comparable.
	type plain struct {
		ID, AccountID, Hash, Sealed, MaskedKey, Description, IssuedBy string
		Kind                                                          backend.KeyKind
		Status                                                        backend.KeyStatus
	}
	project := func(k *backend.APIKey) plain {
		return plain{k.ID, k.AccountID, k.Hash, k.Sealed, k.MaskedKey, k.Description, k.IssuedBy, k.Kind, k.Status}
	}
	if g, w := project(got), project(want); g != w {
		t.Errorf("key = %+v\nwant  %+v", g, w)
	}
}

// ---------------------------------------------------------------- accounts

func testPing(t *testing.T, s backend.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testAccountRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("boss@example.com")
	a := f.newAccount(m.ID, "Worker@Example.com", "Acme, Inc. — Ünïcode")
	a.AllowCustomPricing, a.RollupBilling, a.GlobalChannelLimit = true, true, 42
	a.CreditLimit = -1 // negative amounts are stored as they are
	a.Status = backend.StatusDisabled
	f.insert(a)

	sameAccount(t, f.getAccount(m.ID), m)
	sameAccount(t, f.getAccount(a.ID), a)
	if got := f.getAccount(m.ID); got.ManagerID != "" || !got.IsManager() {
		t.Errorf("manager's ManagerID = %q, want empty", got.ManagerID)
	}
}

func testGetAccountByEmailIgnoresCase(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("Mixed.Case@Example.COM")
	for _, email := range []string{"Mixed.Case@Example.COM", "mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM"} {
		var got *backend.Account
		f.read(func(tx backend.Tx) error {
			var err error
			got, err = tx.GetAccountByEmail(f.ctx, email)
			return err
		})
		if got.ID != m.ID || got.Email != m.Email {
			t.Errorf("GetAccountByEmail(%q) = %s %q, want %s %q (stored case kept)", email, got.ID, got.Email, m.ID, m.Email)
		}
	}
}

func testDuplicateEmailIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	first := f.manager("taken@example.com")
	for _, email := range []string{"taken@example.com", "TAKEN@example.com", "Taken@Example.Com"} {
		err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
			return tx.InsertAccount(f.ctx, f.newAccount("", email, "Second"))
		})
		wantKind(t, err, backend.ECONFLICT)
	}
	sameAccount(t, f.getAccount(first.ID), first)
	_, total := f.list(first.ID, backend.ManagedAccountQuery{IncludeCancelled: true})
	if total != 0 {
		t.Errorf("managed accounts after refused inserts = %d, want 0", total)
	}
}

func testDuplicateAccountIDIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	first := f.manager("one@example.com")
	dup := f.newAccount("", "two@example.com", "Two")
	dup.ID = first.ID
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, dup) })
	wantKind(t, err, backend.ECONFLICT)
	sameAccount(t, f.getAccount(first.ID), first)
}

func testUpdateAccountWritesMutableFields(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "Before")
	changed := *a
	changed.Email = "renamed@example.com"
	changed.OrganizationName = "After"
	changed.PasswordHash = "$2a$04$other"
	changed.Status = backend.StatusCancelled
	changed.AllowCustomPricing = true
	changed.RollupBilling = true
	changed.GlobalChannelLimit = 77
	changed.AllocatableChannels = 5
	changed.ManagedAccountLimit = 6
	changed.CreditLimit = 123_456_789
	changed.APITokenSealed = "resealed"
	changed.UpdatedAt = f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, &changed) })
	sameAccount(t, f.getAccount(a.ID), &changed)
}

func testUpdateAccountToTakenEmailIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	f.managed(m, "b@example.com", "B")
	changed := *a
	changed.Email = "B@EXAMPLE.COM"
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, &changed) })
	wantKind(t, err, backend.ECONFLICT)
	sameAccount(t, f.getAccount(a.ID), a)
}

func testNotFoundKinds(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com") // a store that is not empty
	missing := uuid.NewString()
	for name, call := range map[string]func(tx backend.Tx) error{
		"GetAccount": func(tx backend.Tx) error { _, err := tx.GetAccount(f.ctx, missing); return err },
		"GetAccountByEmail": func(tx backend.Tx) error {
			_, err := tx.GetAccountByEmail(f.ctx, "nobody@example.com")
			return err
		},
		"GetAPIKeyByHash": func(tx backend.Tx) error { _, err := tx.GetAPIKeyByHash(f.ctx, "no-such-hash"); return err },
		"GetPrimaryKeyOfKeylessAccount": func(tx backend.Tx) error {
			_, err := tx.GetPrimaryKey(f.ctx, m.ID)
			return err
		},
		"GetPrimaryKeyOfMissingAccount": func(tx backend.Tx) error { _, err := tx.GetPrimaryKey(f.ctx, missing); return err },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.ReadTx(f.ctx, call), backend.ENOTFOUND) })
	}
	ghost := f.newAccount("", "ghost@example.com", "Ghost")
	ghostKey := f.newKey(missing, backend.KeyUser)
	for name, call := range map[string]func(tx backend.Tx) error{
		"UpdateAccount": func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, ghost) },
		"UpdateAPIKey":  func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, ghostKey) },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.WriteTx(f.ctx, call), backend.ENOTFOUND) })
	}
	if err := s.ReadTx(f.ctx, func(tx backend.Tx) error { _, err := tx.GetAccountByEmail(f.ctx, ghost.Email); return err }); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Errorf("UpdateAccount of a missing account created it: %v", err)
	}
}

// ---------------------------------------------------------------- lists

func testListIsScopedToManager(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m1, m2 := f.manager("m1@example.com"), f.manager("m2@example.com")
	a := f.managed(m1, "a@example.com", "Shared Name")
	f.managed(m2, "b@example.com", "Shared Name")
	list, total := f.list(m1.ID, backend.ManagedAccountQuery{})
	if total != 1 || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("m1's list = %v (total %d), want only %s", ids(list), total, a.ID)
	}
	sameAccount(t, list[0], a)
	if list, total := f.list(a.ID, backend.ManagedAccountQuery{}); total != 0 || len(list) != 0 {
		t.Errorf("a managed account's own list = %v (total %d), want empty", ids(list), total)
	}
}

func testListFiltersAreCaseInsensitive(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	alice := f.managed(m, "Alice.Smith@Example.com", "Blue Widgets Ltd")
	f.managed(m, "bob@example.org", "Red Gadgets")
	for _, tc := range []struct {
		name string
		q    backend.ManagedAccountQuery
	}{
		{"EmailEqLower", backend.ManagedAccountQuery{EmailEq: "alice.smith@example.com"}},
		{"EmailEqUpper", backend.ManagedAccountQuery{EmailEq: "ALICE.SMITH@EXAMPLE.COM"}},
		{"EmailContains", backend.ManagedAccountQuery{EmailContains: "SMITH@EXAMPLE.C"}},
		{"OrganizationContains", backend.ManagedAccountQuery{OrganizationContains: "widgets"}},
		{"OrganizationContainsUpper", backend.ManagedAccountQuery{OrganizationContains: "BLUE WIDG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total := f.list(m.ID, tc.q)
			if total != 1 || len(list) != 1 || list[0].ID != alice.ID {
				t.Errorf("list = %v (total %d), want only %s", emails(list), total, alice.Email)
			}
		})
	}
	if list, total := f.list(m.ID, backend.ManagedAccountQuery{EmailEq: "alice.smith@example"}); total != 0 {
		t.Errorf("EmailEq matched a prefix: %v", emails(list))
	}
}

func testOrganizationEqIsExact(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "Acme Corp")
	f.managed(m, "b@example.com", "Acme Corporation")
	list, total := f.list(m.ID, backend.ManagedAccountQuery{OrganizationEq: "Acme Corp"})
	if total != 1 || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("OrganizationEq = %v (total %d), want only a", emails(list), total)
	}
	for _, v := range []string{"acme corp", "ACME CORP", "Acme"} {
		if list, total := f.list(m.ID, backend.ManagedAccountQuery{OrganizationEq: v}); total != 0 {
			t.Errorf("OrganizationEq %q matched %v, want nothing", v, emails(list))
		}
	}
}

func testContainsTreatsWildcardsLiterally(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for email, org := range map[string]string{
		"pct%1@example.com": "100% Fun",
		"pct21@example.com": "100X Fun",
		"a_b@example.com":   "a_b Corp",
		"aXb@example.com":   "aXb Corp",
		"bs@example.com":    `back\slash`,
		"plain@example.com": "backslash",
	} {
		f.managed(m, email, org)
	}
	for _, tc := range []struct{ org, email, want string }{
		{org: "0% F", want: "pct%1@example.com"},
		{org: "%", want: "pct%1@example.com"},
		{org: "a_b", want: "a_b@example.com"},
		{org: "_", want: "a_b@example.com"},
		{org: `k\s`, want: "bs@example.com"},
		{org: `\`, want: "bs@example.com"},
		{email: "t%1", want: "pct%1@example.com"},
		{email: "a_b", want: "a_b@example.com"},
		{email: "_", want: "a_b@example.com"},
	} {
		list, total := f.list(m.ID, backend.ManagedAccountQuery{OrganizationContains: tc.org, EmailContains: tc.email})
		if got := emails(list); total != 1 || len(got) != 1 || got[0] != tc.want {
			t.Errorf("contains org %q email %q = %v (total %d), want only %s", tc.org, tc.email, got, total, tc.want)
		}
	}
}

func testFiltersCombine(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	want := f.managed(m, "sales@acme.example", "Acme Sales")
	f.managed(m, "support@acme.example", "Acme Support")
	f.managed(m, "sales@other.example", "Other Sales")
	list, total := f.list(m.ID, backend.ManagedAccountQuery{EmailContains: "acme", OrganizationContains: "sales"})
	if total != 1 || len(list) != 1 || list[0].ID != want.ID {
		t.Errorf("combined filters = %v (total %d), want only %s", emails(list), total, want.Email)
	}
}

func testStatusFilters(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	enabled := f.managed(m, "enabled@example.com", "E")
	disabled := f.newAccount(m.ID, "disabled@example.com", "D")
	disabled.Status = backend.StatusDisabled
	f.insert(disabled)
	cancelled := f.newAccount(m.ID, "cancelled@example.com", "C")
	cancelled.Status = backend.StatusCancelled
	f.insert(cancelled)

	for _, tc := range []struct {
		name string
		q    backend.ManagedAccountQuery
		want []string
	}{
		{"DefaultHidesCancelled", backend.ManagedAccountQuery{}, []string{disabled.Email, enabled.Email}},
		{"IncludeCancelled", backend.ManagedAccountQuery{IncludeCancelled: true}, []string{cancelled.Email, disabled.Email, enabled.Email}},
		{"Enabled", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusEnabled}}, []string{enabled.Email}},
		{"EnabledIncludingCancelled", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusEnabled}, IncludeCancelled: true}, []string{enabled.Email}},
		{"CancelledOnly", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusCancelled}}, []string{cancelled.Email}},
		{"All", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled, backend.StatusCancelled}},
			[]string{cancelled.Email, disabled.Email, enabled.Email}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Sort = backend.SortOrder{Field: "email"}
			list, total := f.list(m.ID, tc.q)
			if got := emails(list); total != len(tc.want) || !slices.Equal(got, tc.want) {
				t.Errorf("list = %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
}

func testMatchNoneMatchesNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	f.managed(m, "a@example.com", "A")
	list, total := f.list(m.ID, backend.ManagedAccountQuery{MatchNone: true})
	if total != 0 || len(list) != 0 {
		t.Errorf("MatchNone list = %v (total %d), want empty", emails(list), total)
	}
}

func testPagingAndTotals(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	var all []string
	for i := range 7 {
		all = append(all, f.managed(m, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Org %d", i)).ID)
	}
	asc := backend.SortOrder{Field: "created_at"}
	var paged []string
	for page, wantLen := range map[int]int{1: 3, 2: 3, 3: 1, 4: 0} {
		list, total := f.list(m.ID, backend.ManagedAccountQuery{Sort: asc, Page: backend.Page{Number: page, Size: 3}})
		if total != 7 || len(list) != wantLen {
			t.Errorf("page %d: %d accounts, total %d; want %d, total 7", page, len(list), total, wantLen)
		}
		if list == nil {
			t.Errorf("page %d: nil list, want an empty slice", page)
		}
	}
	for page := 1; page <= 3; page++ {
		list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: asc, Page: backend.Page{Number: page, Size: 3}})
		paged = append(paged, ids(list)...)
	}
	if !slices.Equal(paged, all) {
		t.Errorf("pages joined = %v, want creation order %v", paged, all)
	}
	list, total := f.list(m.ID, backend.ManagedAccountQuery{Sort: asc, Page: backend.Page{Number: 1, Size: 7}})
	if total != 7 || !slices.Equal(ids(list), all) {
		t.Errorf("one exact page = %v (total %d), want all", ids(list), total)
	}
	// The total counts the filtered set, not the page and not the manager.
	list, total = f.list(m.ID, backend.ManagedAccountQuery{EmailContains: "user1", Sort: asc, Page: backend.Page{Number: 1, Size: 3}})
	if total != 1 || len(list) != 1 {
		t.Errorf("filtered page = %v (total %d), want 1 of 1", emails(list), total)
	}
}

func testSortByCreatedAtBreaksTiesOnID(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	same := f.tick()
	var tied []string
	for i := range 4 {
		a := f.newAccount(m.ID, fmt.Sprintf("tie%d@example.com", i), "Tie")
		a.CreatedAt = same
		tied = append(tied, f.insert(a).ID)
	}
	early := f.newAccount(m.ID, "early@example.com", "Early")
	early.CreatedAt = same.Add(-time.Microsecond)
	late := f.newAccount(m.ID, "late@example.com", "Late")
	late.CreatedAt = same.Add(time.Microsecond)
	f.insert(late)
	f.insert(early)
	slices.Sort(tied)

	wantAsc := append(append([]string{early.ID}, tied...), late.ID)
	wantDesc := slices.Clone(wantAsc)
	slices.Reverse(wantDesc)
	for _, desc := range []bool{false, true} {
		want := wantAsc
		if desc {
			want = wantDesc
		}
		list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "created_at", Descending: desc}})
		if got := ids(list); !slices.Equal(got, want) {
			t.Errorf("descending=%v: %v, want %v", desc, got, want)
		}
		// Paging through ties must neither repeat nor skip an account.
		var paged []string
		for page := 1; page <= 3; page++ {
			list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "created_at", Descending: desc},
				Page: backend.Page{Number: page, Size: 2}})
			paged = append(paged, ids(list)...)
		}
		if !slices.Equal(paged, want) {
			t.Errorf("descending=%v, pages of 2: %v, want %v", desc, paged, want)
		}
	}
}

func testSortByEmailIgnoresCase(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for _, e := range []string{"charlie@example.com", "Bravo@example.com", "alpha@example.com", "DELTA@example.com"} {
		f.managed(m, e, "Org")
	}
	list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "email"}})
	want := []string{"alpha@example.com", "Bravo@example.com", "charlie@example.com", "DELTA@example.com"}
	if got := emails(list); !slices.Equal(got, want) {
		t.Errorf("email ascending = %v, want %v", got, want)
	}
}

func testSortByEmailDescending(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for _, e := range []string{"kilo@example.com", "echo@example.com", "Zulu@example.com", "mike@example.com", "alpha@example.com"} {
		f.managed(m, e, "Org")
	}
	asc, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "email"}})
	desc, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "email", Descending: true}})
	want := []string{"Zulu@example.com", "mike@example.com", "kilo@example.com", "echo@example.com", "alpha@example.com"}
	if got := emails(desc); !slices.Equal(got, want) {
		t.Errorf("email descending = %v, want %v", got, want)
	}
	reversed := emails(asc)
	slices.Reverse(reversed)
	if !slices.Equal(reversed, emails(desc)) {
		t.Errorf("descending %v is not the reverse of ascending %v", emails(desc), emails(asc))
	}
}

func testCountAndSumSkipCancelled(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m, other := f.manager("m@example.com"), f.manager("other@example.com")
	for i, st := range []backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled, backend.StatusCancelled, backend.StatusEnabled} {
		a := f.newAccount(m.ID, fmt.Sprintf("a%d@example.com", i), "Org")
		a.Status, a.GlobalChannelLimit = st, 10*(i+1) // 10, 20, 30 (cancelled), 40
		f.insert(a)
	}
	o := f.newAccount(other.ID, "o@example.com", "Other")
	o.GlobalChannelLimit = 1000
	f.insert(o)
	var n, sum, emptyN, emptySum int
	f.read(func(tx backend.Tx) error {
		var err error
		if n, err = tx.CountManagedAccounts(f.ctx, m.ID); err != nil {
			return err
		}
		if sum, err = tx.SumGlobalChannelLimits(f.ctx, m.ID); err != nil {
			return err
		}
		if emptyN, err = tx.CountManagedAccounts(f.ctx, o.ID); err != nil {
			return err
		}
		emptySum, err = tx.SumGlobalChannelLimits(f.ctx, o.ID)
		return err
	})
	if n != 3 || sum != 70 {
		t.Errorf("count, sum = %d, %d; want 3, 70", n, sum)
	}
	if emptyN != 0 || emptySum != 0 {
		t.Errorf("for an account without managed accounts: count, sum = %d, %d; want 0, 0", emptyN, emptySum)
	}

	// Status changes move the count both ways; other changes leave it, and
	// so does a change of the manager's own row.
	count := func() int {
		var n int
		f.read(func(tx backend.Tx) error {
			var err error
			n, err = tx.CountManagedAccounts(f.ctx, m.ID)
			return err
		})
		return n
	}
	var accounts []*backend.Account
	f.read(func(tx backend.Tx) error {
		list, _, err := tx.ListManagedAccounts(f.ctx, m.ID, backend.ManagedAccountQuery{Page: backend.Page{Number: 1, Size: 10}})
		accounts = list
		return err
	})
	setStatus := func(a *backend.Account, st backend.AccountStatus) {
		a.Status, a.UpdatedAt = st, f.tick()
		f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, a) })
	}
	for _, a := range accounts {
		if a.Status == backend.StatusEnabled {
			setStatus(a, backend.StatusCancelled)
			if n := count(); n != 2 {
				t.Fatalf("after cancelling one: count %d, want 2", n)
			}
			setStatus(a, backend.StatusDisabled)
			if n := count(); n != 3 {
				t.Fatalf("after bringing it back as disabled: count %d, want 3", n)
			}
			setStatus(a, backend.StatusEnabled)
			a.OrganizationName = "Renamed"
			f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, a) })
			if n := count(); n != 3 {
				t.Fatalf("after enabling and renaming it: count %d, want 3", n)
			}
			break
		}
	}
	m.OrganizationName, m.UpdatedAt = "Manager renamed", f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, m) })
	if n := count(); n != 3 {
		t.Fatalf("after a change of the manager itself: count %d, want 3", n)
	}
}

// ---------------------------------------------------------------- keys

func testAPIKeyRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	expires, used := f.tick().Add(24*time.Hour), f.tick()
	withAll := f.newKey(m.ID, backend.KeyUser)
	withAll.Tags = []string{"ci", "deploy", "with \"quotes\""}
	withAll.ExpiresAt, withAll.LastUsedAt = &expires, &used
	withAll.Status = backend.KeyDisabled
	withAll.IssuedBy = backend.ChangeByAccountManager
	bare := f.newKey(m.ID, backend.KeyUser)
	bare.Tags = nil // read back as an empty, non-nil slice
	f.write(func(tx backend.Tx) error {
		if err := tx.InsertAPIKey(f.ctx, withAll); err != nil {
			return err
		}
		return tx.InsertAPIKey(f.ctx, bare)
	})
	for _, want := range []*backend.APIKey{withAll, bare} {
		var got *backend.APIKey
		f.read(func(tx backend.Tx) error {
			var err error
			got, err = tx.GetAPIKeyByHash(f.ctx, want.Hash)
			return err
		})
		if want.Tags == nil {
			want.Tags = []string{}
		}
		sameKey(t, got, want)
	}
}

func testDuplicateKeyHashIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, k) })
	dup := f.newKey(m.ID, backend.KeyUser)
	dup.Hash = k.Hash
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, dup) }), backend.ECONFLICT)
	sameID := f.newKey(m.ID, backend.KeyUser)
	sameID.ID = k.ID
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, sameID) }), backend.ECONFLICT)
}

func testKeyOfMissingAccountIsRefused(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	k := f.newKey(uuid.NewString(), backend.KeyUser)
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, k) }); err == nil {
		t.Fatal("a key of an account that does not exist was stored")
	}
	e := f.entry(uuid.NewString(), 1)
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, e) }); err == nil {
		t.Fatal("a ledger entry of an account that does not exist was stored")
	}
	a := f.newAccount(uuid.NewString(), "orphan@example.com", "Orphan")
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) }); err == nil {
		t.Fatal("a managed account of a manager that does not exist was stored")
	}
}

func testUpdateAPIKey(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, k) })
	changed := *k
	used, expires := f.tick(), f.tick().Add(time.Hour)
	changed.Status, changed.Description, changed.Tags = backend.KeyRevoked, "rotated", []string{"old"}
	changed.LastUsedAt, changed.ExpiresAt, changed.UpdatedAt = &used, &expires, f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, &changed) })
	var got *backend.APIKey
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.GetAPIKeyByHash(f.ctx, k.Hash)
		return err
	})
	sameKey(t, got, &changed)

	// Optional times go back to unset.
	changed.LastUsedAt, changed.ExpiresAt = nil, nil
	f.write(func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, &changed) })
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.GetAPIKeyByHash(f.ctx, k.Hash)
		return err
	})
	sameKey(t, got, &changed)
}

func testPrimaryKeyLookup(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	user := f.newKey(m.ID, backend.KeyUser)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, user) })
	primary := func() (*backend.APIKey, error) {
		var k *backend.APIKey
		err := s.ReadTx(f.ctx, func(tx backend.Tx) error {
			var err error
			k, err = tx.GetPrimaryKey(f.ctx, m.ID)
			return err
		})
		return k, err
	}
	if _, err := primary(); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("with only a user key: GetPrimaryKey error = %v, want ENOTFOUND", err)
	}
	old := f.newKey(m.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, old) })
	got, err := primary()
	if err != nil || got.ID != old.ID {
		t.Fatalf("GetPrimaryKey = %v, %v; want %s", got, err, old.ID)
	}
	sameKey(t, got, old)

	// Rotation: revoke the old key, then add the new one, in one transaction.
	next := f.newKey(m.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error {
		revoked := *old
		revoked.Status, revoked.UpdatedAt = backend.KeyRevoked, f.tick()
		if err := tx.UpdateAPIKey(f.ctx, &revoked); err != nil {
			return err
		}
		return tx.InsertAPIKey(f.ctx, next)
	})
	if got, err = primary(); err != nil || got.ID != next.ID {
		t.Fatalf("after rotation GetPrimaryKey = %v, %v; want %s", got, err, next.ID)
	}

	// A disabled primary key is no primary key.
	f.write(func(tx backend.Tx) error {
		disabled := *next
		disabled.Status = backend.KeyDisabled
		return tx.UpdateAPIKey(f.ctx, &disabled)
	})
	if _, err := primary(); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("with the primary key disabled: GetPrimaryKey error = %v, want ENOTFOUND", err)
	}
}

func testSecondActivePrimaryKeyIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	first := f.newKey(m.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, first) })
	second := f.newKey(m.ID, backend.KeyPrimary)
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, second) }), backend.ECONFLICT)
}

// ---------------------------------------------------------------- ledger

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

func testAuditEventInsert(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	f.write(func(tx backend.Tx) error {
		for _, e := range []*backend.AuditEvent{
			{ID: uuid.NewString(), AccountID: a.ID, ActorAccountID: m.ID, ChangeMadeBy: backend.ChangeByAccountManager,
				Action: "managed_account.update", Changes: map[string]any{"status": map[string]any{"old": "enabled", "new": "disabled"}}, CreatedAt: f.tick()},
			{ID: uuid.NewString(), AccountID: m.ID, ChangeMadeBy: backend.ChangeByOperator, Action: "account.cancel", CreatedAt: f.tick()},
		} {
			if err := tx.InsertAuditEvent(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	e := &backend.AuditEvent{ID: uuid.NewString(), AccountID: uuid.NewString(), ChangeMadeBy: backend.ChangeByOperator, Action: "x", CreatedAt: f.tick()}
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAuditEvent(f.ctx, e) }); err == nil {
		t.Error("an audit event about an account that does not exist was stored")
	}
}

// ---------------------------------------------------------------- times

func testTimesRoundTripInUTC(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	zone := time.FixedZone("UTC-7", -7*3600)
	created := time.Date(2024, 2, 29, 23, 59, 59, 123456000, zone) // 2024-03-01T06:59:59.123456Z
	updated := time.Date(1999, 12, 31, 0, 0, 0, 1000, time.UTC)    // one microsecond past midnight
	a := f.newAccount("", "tz@example.com", "TZ")
	a.CreatedAt, a.UpdatedAt = created, updated
	f.insert(a)
	got := f.getAccount(a.ID)
	for _, tc := range []struct {
		name      string
		got, want time.Time
	}{{"created_at", got.CreatedAt, created}, {"updated_at", got.UpdatedAt, updated}} {
		if !tc.got.Equal(tc.want) {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
		if tc.got.Location() != time.UTC {
			t.Errorf("%s location = %v, want UTC", tc.name, tc.got.Location())
		}
	}
	if got.CreatedAt != created.UTC() {
		t.Errorf("created_at = %#v, want exactly %#v", got.CreatedAt, created.UTC())
	}
	// Ordering by creation time follows the instants, not the zones' wall clocks.
	m := f.manager("m@example.com")
	earlyInTokyo := f.newAccount(m.ID, "tokyo@example.com", "Tokyo")
	earlyInTokyo.CreatedAt = time.Date(2025, 1, 1, 8, 0, 0, 0, time.FixedZone("JST", 9*3600)) // 2024-12-31T23:00Z
	lateInLA := f.newAccount(m.ID, "la@example.com", "LA")
	lateInLA.CreatedAt = time.Date(2024, 12, 31, 16, 0, 0, 0, time.FixedZone("PST", -8*3600)) // 2025-01-01T00:00Z
	f.insert(lateInLA)
	f.insert(earlyInTokyo)
	list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "created_at"}})
	if got := emails(list); !slices.Equal(got, []string{earlyInTokyo.Email, lateInLA.Email}) {
		t.Errorf("created_at order = %v, want tokyo first", got)
	}
}

// ---------------------------------------------------------------- transactions

func testRollbackWritesNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	domainErr := backend.Errorf(backend.EINVALID, "stop here")
	a := f.newAccount(m.ID, "rolled@example.com", "Rolled back")
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(f.ctx, a); err != nil {
			return err
		}
		if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 5_000_000)); err != nil {
			return err
		}
		changed := *m
		changed.OrganizationName = "changed in a rolled back transaction"
		if err := tx.UpdateAccount(f.ctx, &changed); err != nil {
			return err
		}
		// The transaction sees its own writes.
		if got, err := ledgerSum(f.ctx, tx, m.ID); err != nil || got != 5_000_000 {
			return fmt.Errorf("inside the transaction: sum %s, %w", got, err)
		}
		return domainErr
	})
	if err != domainErr { //nolint:errorlint // the very same error value must come back
		t.Fatalf("WriteTx returned %v (%T), want the fn's error unchanged", err, err)
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccount(f.ctx, a.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account inserted by a rolled back transaction: GetAccount error %v", err)
		}
		return nil
	})
	if got := f.sum(m.ID); got != 0 {
		t.Errorf("ledger after rollback = %s, want 0", got)
	}
	sameAccount(t, f.getAccount(m.ID), m)

	// A plain error is passed through too, wrapped or not.
	plain := errors.New("plain failure")
	if err := s.WriteTx(f.ctx, func(backend.Tx) error { return plain }); !errors.Is(err, plain) {
		t.Errorf("WriteTx returned %v, want %v", err, plain)
	}
	if err := s.ReadTx(f.ctx, func(backend.Tx) error { return domainErr }); err != domainErr { //nolint:errorlint // identity
		t.Errorf("ReadTx returned %v, want the fn's error unchanged", err)
	}
}

func testPanicRollsBack(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	type marker struct{ msg string }
	func() {
		defer func() {
			r := recover()
			if mk, ok := r.(marker); !ok || mk.msg != "boom" {
				t.Errorf("recovered %#v, want the original panic value", r)
			}
		}()
		_ = s.WriteTx(f.ctx, func(tx backend.Tx) error {
			if err := tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 7)); err != nil {
				return err
			}
			panic(marker{"boom"})
		})
		t.Error("WriteTx returned instead of panicking")
	}()
	if got := f.sum(m.ID); got != 0 {
		t.Errorf("ledger after a panic = %s, want 0", got)
	}
	// The store still works: the connection was given back.
	f.write(func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 7)) })
	if got := f.sum(m.ID); got != 7 {
		t.Errorf("ledger after a write following the panic = %d, want 7", got)
	}
}

func testReadTxCannotWrite(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.newAccount("", "sneaky@example.com", "Sneaky")
	err := s.ReadTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) })
	if err == nil {
		t.Fatal("ReadTx allowed an insert")
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccount(f.ctx, a.ID); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account inserted in a read transaction: %v", err)
		}
		return nil
	})
}

func testReadTxIsASnapshot(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	f.write(func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, f.entry(m.ID, 100)) })
	f.read(func(tx backend.Tx) error {
		before, err := ledgerSum(f.ctx, tx, m.ID)
		if err != nil {
			return err
		}
		// A write commits while the read transaction is open. The timeout
		// turns a store whose readers block writers into a failure, not a hang.
		wctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
		defer cancel()
		entry := f.entry(m.ID, 23)
		done := make(chan error, 1)
		go func() {
			done <- s.WriteTx(wctx, func(w backend.Tx) error { return w.InsertLedgerEntry(wctx, entry) })
		}()
		if err := <-done; err != nil {
			return fmt.Errorf("concurrent write: %w", err)
		}
		after, err := ledgerSum(f.ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if before != 100 || after != 100 {
			t.Errorf("sums inside one read transaction = %d then %d, want 100 both times", before, after)
		}
		return nil
	})
	if got := f.sum(m.ID); got != 123 {
		t.Errorf("sum after the read transaction = %d, want 123", got)
	}
}

func testCancelledContextIsRefused(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	called := false
	err := s.WriteTx(ctx, func(tx backend.Tx) error {
		called = true
		return tx.InsertAccount(ctx, f.newAccount("", "late@example.com", "Late"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WriteTx with a cancelled context = %v, want context.Canceled", err)
	}
	err = s.ReadTx(ctx, func(tx backend.Tx) error {
		called = true
		_, err := tx.GetAccountByEmail(ctx, "late@example.com")
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ReadTx with a cancelled context = %v, want context.Canceled", err)
	}
	if called {
		t.Error("fn ran although the context was cancelled before the transaction began")
	}
	f.read(func(tx backend.Tx) error {
		if _, err := tx.GetAccountByEmail(f.ctx, "late@example.com"); backend.ErrorKind(err) != backend.ENOTFOUND {
			t.Errorf("account written with a cancelled context: %v", err)
		}
		return nil
	})
}

// ---------------------------------------------------------------- concurrency

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

func testConcurrentEmailsStayUnique(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	const attempts = 8
	var wg sync.WaitGroup
	results := make([]error, attempts)
	for i := range attempts {
		a := f.newAccount(m.ID, "Race@Example.com", fmt.Sprintf("Racer %d", i))
		if i%2 == 1 {
			a.Email = "race@example.COM"
		}
		wg.Go(func() {
			results[i] = s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) })
		})
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch backend.ErrorKind(err) {
		case backend.ECONFLICT:
		default:
			if err != nil {
				t.Errorf("unexpected error: %v", err)
				continue
			}
			won++
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racing inserts of one email succeeded, want exactly 1", won, attempts)
	}
	if _, total := f.list(m.ID, backend.ManagedAccountQuery{}); total != 1 {
		t.Errorf("managed accounts = %d, want 1", total)
	}
}

// ---------------------------------------------------------------- API key lists

func (f *fixture) insertKeys(keys ...*backend.APIKey) {
	f.t.Helper()
	f.write(func(tx backend.Tx) error {
		for _, k := range keys {
			if err := tx.InsertAPIKey(f.ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *fixture) getKey(id string) (*backend.APIKey, error) {
	var k *backend.APIKey
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		k, err = tx.GetAPIKey(f.ctx, id)
		return err
	})
	return k, err
}

func testGetAPIKeyByID(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.insertKeys(k)
	got, err := f.getKey(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameKey(t, got, k)
	_, err = f.getKey(uuid.NewString())
	wantKind(t, err, backend.ENOTFOUND)
}

func keyIDs(keys []*backend.APIKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

func testListAPIKeysFiltersAndOrder(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("o@example.com")
	primary := f.newKey(m.ID, backend.KeyPrimary)
	active := f.newKey(m.ID, backend.KeyUser)
	disabled := f.newKey(m.ID, backend.KeyUser)
	disabled.Status = backend.KeyDisabled
	revoked := f.newKey(m.ID, backend.KeyUser)
	revoked.Status = backend.KeyRevoked
	expiring := f.newKey(m.ID, backend.KeyUser)
	at := f.tick()
	expiring.ExpiresAt = &at
	later := at.Add(time.Hour)
	future := f.newKey(m.ID, backend.KeyUser)
	future.ExpiresAt = &later
	f.insertKeys(primary, active, disabled, revoked, expiring, future, f.newKey(other.ID, backend.KeyUser))

	list := func(q backend.APIKeyQuery) ([]string, int) {
		t.Helper()
		if q.Page == (backend.Page{}) {
			q.Page = backend.Page{Number: 1, Size: 50}
		}
		var (
			keys  []*backend.APIKey
			total int
		)
		f.read(func(tx backend.Tx) error {
			var err error
			keys, total, err = tx.ListAPIKeys(f.ctx, m.ID, q)
			return err
		})
		return keyIDs(keys), total
	}
	check := func(name string, q backend.APIKeyQuery, want ...*backend.APIKey) {
		t.Helper()
		got, total := list(q)
		if !slices.Equal(got, keyIDs(want)) || total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", name, got, total, keyIDs(want))
		}
	}
	// Newest first; revoked keys and other accounts' keys never appear.
	check("all user keys", backend.APIKeyQuery{Kind: backend.KeyUser}, future, expiring, disabled, active)
	check("any kind", backend.APIKeyQuery{}, future, expiring, disabled, active, primary)
	check("stored status", backend.APIKeyQuery{Kind: backend.KeyUser, Status: backend.KeyDisabled}, disabled)
	check("expired at the boundary", backend.APIKeyQuery{Kind: backend.KeyUser, ExpiredAt: &at}, expiring)
	check("unexpired at the boundary", backend.APIKeyQuery{Kind: backend.KeyUser, UnexpiredAt: &at}, future, disabled, active)
	check("active and unexpired", backend.APIKeyQuery{Kind: backend.KeyUser, Status: backend.KeyActive, UnexpiredAt: &at}, future, active)

	got, total := list(backend.APIKeyQuery{Kind: backend.KeyUser, Page: backend.Page{Number: 2, Size: 3}})
	if !slices.Equal(got, []string{active.ID}) || total != 4 {
		t.Errorf("page 2 of 3 = %v (total %d), want [%s] (total 4)", got, total, active.ID)
	}
}

func testCountAPIKeys(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	revoked := f.newKey(m.ID, backend.KeyUser)
	revoked.Status = backend.KeyRevoked
	disabled := f.newKey(m.ID, backend.KeyUser)
	disabled.Status = backend.KeyDisabled
	f.insertKeys(f.newKey(m.ID, backend.KeyPrimary), f.newKey(m.ID, backend.KeyUser), disabled, revoked)
	f.read(func(tx backend.Tx) error {
		n, err := tx.CountAPIKeys(f.ctx, m.ID, backend.KeyUser)
		if err == nil && n != 2 {
			t.Errorf("CountAPIKeys = %d, want 2 (active and disabled user keys)", n)
		}
		return err
	})
}

func testTouchAPIKey(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.insertKeys(k)
	used := f.tick()
	f.write(func(tx backend.Tx) error { return tx.TouchAPIKey(f.ctx, k.ID, used) })
	got, err := f.getKey(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	k.LastUsedAt = &used // nothing else changes, updated_at included
	sameKey(t, got, k)
	err = s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.TouchAPIKey(f.ctx, uuid.NewString(), used) })
	wantKind(t, err, backend.ENOTFOUND)
}

// testAuditEventWithoutAccount: a change about no account (the operator's
// price book) is stored without one, listed with the whole log, and in no
// account's or manager's scope.
func testAuditEventWithoutAccount(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	e := &backend.AuditEvent{ID: uuid.NewString(), ChangeMadeBy: backend.ChangeByOperator, Action: "pricing.price_book.set",
		Changes: map[string]any{"rate_count": float64(3)}, CreatedAt: f.tick()}
	f.write(func(tx backend.Tx) error { return tx.InsertAuditEvent(f.ctx, e) })
	f.read(func(tx backend.Tx) error {
		all, total, err := tx.ListAuditEvents(f.ctx, backend.AuditQuery{Page: backend.Page{Number: 1, Size: 10}})
		if err != nil {
			return err
		}
		if total != 1 || len(all) != 1 || all[0].ID != e.ID || all[0].AccountID != "" || all[0].Changes["rate_count"] != float64(3) {
			t.Errorf("the whole log is %+v (total %d), want the event without an account", all, total)
		}
		for _, q := range []backend.AuditQuery{{ManagerScope: m.ID}, {AccountID: m.ID}} {
			q.Page = backend.Page{Number: 1, Size: 10}
			got, total, err := tx.ListAuditEvents(f.ctx, q)
			if err != nil {
				return err
			}
			if total != 0 || len(got) != 0 {
				t.Errorf("%+v lists %+v, want nothing", q, got)
			}
		}
		return nil
	})
}

func testAuditList(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	other := f.manager("o@example.com")
	b := f.managed(other, "b@example.com", "B")
	var events []*backend.AuditEvent
	for i, acct := range []*backend.Account{m, a, b, a, other, m} {
		e := &backend.AuditEvent{ID: uuid.NewString(), AccountID: acct.ID, ActorAccountID: m.ID,
			ChangeMadeBy: backend.ChangeByAccountManager, Action: fmt.Sprintf("action.%d", i),
			Changes: map[string]any{"n": float64(i), "nested": map[string]any{"old": "x", "new": "y"}}, CreatedAt: f.tick()}
		if i == 4 {
			e.ActorAccountID, e.ChangeMadeBy = "", backend.ChangeByOperator
		}
		events = append(events, e)
	}
	f.write(func(tx backend.Tx) error {
		for _, e := range events {
			if err := tx.InsertAuditEvent(f.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(q backend.AuditQuery) ([]*backend.AuditEvent, int) {
		t.Helper()
		if q.Page == (backend.Page{}) {
			q.Page = backend.Page{Number: 1, Size: 50}
		}
		var (
			got   []*backend.AuditEvent
			total int
		)
		f.read(func(tx backend.Tx) error {
			var err error
			got, total, err = tx.ListAuditEvents(f.ctx, q)
			return err
		})
		return got, total
	}
	actions := func(list []*backend.AuditEvent) []string {
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = e.Action
		}
		return out
	}
	check := func(name string, q backend.AuditQuery, want ...string) {
		t.Helper()
		got, total := list(q)
		if !slices.Equal(actions(got), want) || total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", name, actions(got), total, want)
		}
	}
	check("everything, newest first", backend.AuditQuery{}, "action.5", "action.4", "action.3", "action.2", "action.1", "action.0")
	check("a manager's scope", backend.AuditQuery{ManagerScope: m.ID}, "action.5", "action.3", "action.1", "action.0")
	check("one account", backend.AuditQuery{AccountID: a.ID}, "action.3", "action.1")
	check("another manager's account in scope is empty", backend.AuditQuery{ManagerScope: m.ID, AccountID: b.ID})
	from, to := events[1].CreatedAt, events[3].CreatedAt
	check("inclusive time range", backend.AuditQuery{From: &from, To: &to}, "action.3", "action.2", "action.1")
	got, total := list(backend.AuditQuery{Page: backend.Page{Number: 3, Size: 2}})
	if !slices.Equal(actions(got), []string{"action.1", "action.0"}) || total != 6 {
		t.Errorf("page 3 of 2 = %v (total %d)", actions(got), total)
	}
	// Fields round-trip, an operator's event has no actor.
	all, _ := list(backend.AuditQuery{})
	op := all[1]
	if op.ActorAccountID != "" || op.ChangeMadeBy != backend.ChangeByOperator || !op.CreatedAt.Equal(events[4].CreatedAt) || op.AccountID != other.ID {
		t.Errorf("operator event = %+v", op)
	}
	if nested, ok := all[0].Changes["nested"].(map[string]any); !ok || nested["new"] != "y" || all[0].Changes["n"] != float64(5) {
		t.Errorf("changes = %#v", all[0].Changes)
	}
}
