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
//     the one before, and the list's account is "";
//   - every rule of the Service that claims a set (Tx.Claim) holds when many
//     calls race it (claims.go).
package storetest

import (
	"context"
	"errors"
	"fmt"
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
		{"CountAndSumTakeTheStatusesGiven", testCountAndSumTakeTheStatusesGiven},
		{"ListAccountsByPasswordHashPrefix", testListAccountsByPasswordHashPrefix},
		{"ScrubAccountsKeepsEveryRow", testScrubAccountsKeepsEveryRow},
		{"APIKeyRoundTrip", testAPIKeyRoundTrip},
		{"DuplicateKeyHashIsConflict", testDuplicateKeyHashIsConflict},
		{"KeyOfMissingAccountIsRefused", testKeyOfMissingAccountIsRefused},
		{"UpdateAPIKey", testUpdateAPIKey},
		{"PrimaryKeyLookup", testPrimaryKeyLookup},
		{"APIKeyAndAccountByHash", testAPIKeyAndAccountByHash},
		{"AccountWithPrimaryKey", testAccountWithPrimaryKey},
		{"SecondActivePrimaryKeyIsConflict", testSecondActivePrimaryKeyIsConflict},
		{"LedgerSumIsExact", testLedgerSumIsExact},
		{"LedgerSumIsPerAccount", testLedgerSumIsPerAccount},
		{"AuditEventInsert", testAuditEventInsert},
		{"AuditEventWithoutAccount", testAuditEventWithoutAccount},
		{"GetAPIKeyByID", testGetAPIKeyByID},
		{"ListAPIKeysFiltersAndOrder", testListAPIKeysFiltersAndOrder},
		{"CountAPIKeysTakesTheKindAndStatusesGiven", testCountAPIKeys},
		{"TouchAPIKeySetsOnlyLastUsed", testTouchAPIKey},
		{"AuditListScopesFiltersAndPages", testAuditList},
		{"TimesRoundTripInUTC", testTimesRoundTripInUTC},
		{"RollbackWritesNothing", testRollbackWritesNothing},
		{"PanicRollsBackAndRepanics", testPanicRollsBack},
		{"ReadTxCannotWrite", testReadTxCannotWrite},
		{"ReadTxIsASnapshot", testReadTxIsASnapshot},
		{"CancelledContextIsRefused", testCancelledContextIsRefused},
		{"ConcurrentWritersKeepOnlyTheirOwnOutcome", testConcurrentWritersKeepOnlyTheirOwnOutcome},
		{"WriterCancelledInsideItsTransactionKeepsNothing", testWriterCancelledInsideItsTransactionKeepsNothing},
		{"StatsReportPools", testStatsReportPools},
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
		{"ManagedAccountLimitHoldsUnderRacingCreates", testManagedAccountLimitUnderRacingCreates},
		{"ChannelPoolHoldsUnderRacingAllocations", testChannelPoolUnderRacingAllocations},
		{"APIKeyLimitHoldsUnderRacingCreates", testAPIKeyLimitUnderRacingCreates},
		{"PaymentMethodLimitHoldsUnderRacingCreates", testPaymentMethodLimitUnderRacingCreates},
		{"DefaultPaymentMethodHoldsUnderRacingDeleteAndCreates", testDefaultPaymentMethodUnderRacingDeleteAndCreates},
		{"LedgerTurnoverHoldsUnderRacingPosts", testLedgerTurnoverUnderRacingPosts},
		{"AutoRechargeFiresOncePerCrossingUnderRacingCharges", testAutoRechargeUnderRacingCharges},
		{"UsageDayTotalHoldsUnderRacingIngests", testUsageDayTotalUnderRacingIngests},
		{"BalanceTransfersRoundTripNewestFirst", testBalanceTransfersRoundTripNewestFirst},
		{"BalanceTransferLedgerEntries", testBalanceTransferLedgerEntries},
		{"BalanceTransfersNeverOverdrawUnderRacingTransfers", testBalanceTransfersNeverOverdrawUnderRacingTransfers},
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
