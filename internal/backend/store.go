package backend

import (
	"context"
	"errors"
	"time"
)

// ErrTxRetry is matched (errors.Is) by the error of a statement whose
// transaction must run again from the start: a serialization failure, or a
// connection lost before COMMIT. The store runs the transaction again
// itself; the error reaches the domain, or a handler, only inside a nested
// transaction of a joined one (an idempotent request), whose outer
// transaction then runs again.
var ErrTxRetry = errors.New("the transaction conflicted with another and runs again")

// Store is the persistence boundary. Implementations (sqlite, postgres) keep
// data; every rule about who may do what lives in Service, never here.
//
// Every Tx method returns an *Error of kind ENOTFOUND when a single object is
// asked for and does not exist, and of kind ECONFLICT when a unique constraint
// (an account email, a key hash) would be broken.
type Store interface {
	// WriteTx runs fn in a read-write transaction, committed when fn returns nil.
	// Writers are serialised where the database needs it (SQLite).
	WriteTx(ctx context.Context, fn func(Tx) error) error
	// ReadTx runs fn in a read-only transaction with a consistent snapshot.
	ReadTx(ctx context.Context, fn func(Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// ScrubAccounts rewrites where accounts are kept, outside any
	// transaction, so that no earlier version of an account's row is left
	// in the database's files (free space, write-ahead log, dead row
	// versions). It may take the whole database's size in time and
	// temporary disk (SQLite rewrites the whole file); it runs once, after
	// the upgrade seals the password hashes (Service.SealPasswordHashes).
	ScrubAccounts(ctx context.Context) error
	Close() error
}

// Tx is the set of operations available inside a transaction.
//
// # Rules over sets: Claim
//
// Some rules of the Service read a set of rows and then write because of
// what they read: a count under a limit, a sum under a bound, "exactly one
// default". Such a rule is right only if the set does not change between its
// read and its commit. SQLite serialises write transactions, so the read is
// always current; PostgreSQL runs them side by side under snapshot
// isolation, where two transactions that each read the set before the other
// wrote would both pass (write skew). So each such rule calls Claim for the
// set it reads, in its write transaction, next to its check: two write
// transactions that claim the same set commit as if one ran after the other
// (on PostgreSQL the second fails and runs again on a snapshot that holds
// the first; see ErrTxRetry). Claim is the whole contract: no store guards a
// set behind the Service's back, so a new rule that reads a set and then
// writes needs its Claim, and a Set of its own if none fits.
//
// A transaction that changes a set without a rule over it need not claim
// it: cancelling an account or revoking a key only makes the rules' counts
// smaller, which no rule that claimed the set can be wrong about. A rule
// that reads a single row and then updates that same row needs no claim
// either: snapshot isolation refuses a second update of a row changed since
// the snapshot.
type Tx interface {
	// Claim claims set of accountID for this transaction (see "Rules over
	// sets" above). Claiming a set twice is claiming it once. Where writers
	// run one at a time (SQLite) it does nothing.
	Claim(ctx context.Context, set Set, accountID string) error

	InsertAccount(ctx context.Context, a *Account) error
	GetAccount(ctx context.Context, id string) (*Account, error)
	// GetAccountByEmail matches the email case-insensitively.
	GetAccountByEmail(ctx context.Context, email string) (*Account, error)
	// UpdateAccount writes every mutable field of a (matched by ID).
	UpdateAccount(ctx context.Context, a *Account) error
	// ListManagedAccounts returns one page of managerID's managed accounts and
	// the number of accounts that match q across all pages. "contains" filters
	// are case-insensitive substring matches; EmailEq is case-insensitive;
	// OrganizationEq is exact. Ties in the sort order break on ID.
	ListManagedAccounts(ctx context.Context, managerID string, q ManagedAccountQuery) ([]*Account, int, error)
	// CountManagedAccounts counts managerID's managed accounts whose status
	// is one of statuses (none counts nothing). Which statuses count is the
	// domain's rule (managedAccountsCounted), never the store's.
	CountManagedAccounts(ctx context.Context, managerID string, statuses []AccountStatus) (int, error)
	// SumGlobalChannelLimits adds up the channels allocated to managerID's
	// managed accounts whose status is one of statuses (none adds nothing).
	SumGlobalChannelLimits(ctx context.Context, managerID string, statuses []AccountStatus) (int, error)
	// ListAccountsByPasswordHashPrefix returns every account whose stored
	// password hash begins with prefix (compared byte for byte), in no order.
	ListAccountsByPasswordHashPrefix(ctx context.Context, prefix string) ([]*Account, error)

	InsertAPIKey(ctx context.Context, k *APIKey) error
	GetAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// GetAPIKeyAndAccountByHash is GetAPIKeyByHash and GetAccount of the
	// key's account in one lookup: authentication's, on every request.
	GetAPIKeyAndAccountByHash(ctx context.Context, hash string) (*APIKey, *Account, error)
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns one page of the account's keys that match q and are
	// not revoked, newest first (ties broken on ID), and the number that match
	// across all pages.
	ListAPIKeys(ctx context.Context, accountID string, q APIKeyQuery) ([]*APIKey, int, error)
	// CountAPIKeys counts the account's keys of the kind whose status is one
	// of statuses (none counts nothing). Which statuses count is the
	// domain's rule (keysCounted), never the store's.
	CountAPIKeys(ctx context.Context, accountID string, kind KeyKind, statuses []KeyStatus) (int, error)
	// TouchAPIKey sets last_used_at only; it is the one write on the auth path.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// GetPrimaryKey returns the account's active primary key.
	GetPrimaryKey(ctx context.Context, accountID string) (*APIKey, error)
	// GetAccountWithPrimaryKey is GetAccount and GetPrimaryKey of the
	// account in one lookup (a managed account's retrieve); the key is nil
	// when the account has no active primary key.
	GetAccountWithPrimaryKey(ctx context.Context, id string) (*Account, *APIKey, error)
	UpdateAPIKey(ctx context.Context, k *APIKey) error

	InsertLedgerEntry(ctx context.Context, e *LedgerEntry) error
	// LedgerTotals adds up the account's ledger as of at (see LedgerSums).
	LedgerTotals(ctx context.Context, accountID string, at time.Time) (LedgerSums, error)

	InsertPaymentMethod(ctx context.Context, pm *PaymentMethod) error
	// GetPaymentMethod returns a payment method that is not deleted.
	GetPaymentMethod(ctx context.Context, id string) (*PaymentMethod, error)
	// GetDefaultPaymentMethod returns the account's default payment method.
	GetDefaultPaymentMethod(ctx context.Context, accountID string) (*PaymentMethod, error)
	// ListPaymentMethods returns one page of the account's payment methods
	// that are not deleted, newest first (ties broken on ID), and their number.
	ListPaymentMethods(ctx context.Context, accountID string, page Page) ([]*PaymentMethod, int, error)
	// CountPaymentMethods counts the account's payment methods that are not deleted.
	CountPaymentMethods(ctx context.Context, accountID string) (int, error)
	// UpdatePaymentMethod writes the mutable fields of pm (expiry, billing
	// details, Default, UpdatedAt), matched by ID among those not deleted.
	UpdatePaymentMethod(ctx context.Context, pm *PaymentMethod) error
	// DeletePaymentMethod marks a payment method deleted at at (the
	// transactions made with it keep referring to it) and clears its Default.
	DeletePaymentMethod(ctx context.Context, id string, at time.Time) error

	InsertTransaction(ctx context.Context, t *Transaction) error
	// ListTransactions returns one page of the account's card transactions,
	// newest first (ties broken on ID), and their number.
	ListTransactions(ctx context.Context, accountID string, page Page) ([]*Transaction, int, error)

	// GetAutoRechargePrefs returns the account's stored auto-recharge
	// preferences; ENOTFOUND when they were never set.
	GetAutoRechargePrefs(ctx context.Context, accountID string) (*AutoRechargePrefs, error)
	// PutAutoRechargePrefs stores the account's preferences, replacing any.
	PutAutoRechargePrefs(ctx context.Context, p *AutoRechargePrefs) error
	// SummarizeLedger sums the account's ledger per calendar month (UTC) for
	// invoices, without loading the entries: see LedgerSummary.
	SummarizeLedger(ctx context.Context, accountID string) (*LedgerSummary, error)

	InsertAuditEvent(ctx context.Context, e *AuditEvent) error
	// ListAuditEvents returns one page of events, newest first (ties broken on
	// ID), and the number that match q across all pages.
	ListAuditEvents(ctx context.Context, q AuditQuery) ([]*AuditEvent, int, error)

	// InsertRateSet stores a rate set with its rates. A set of the same scope
	// and account with the same EffectiveFrom is replaced, rates and all.
	InsertRateSet(ctx context.Context, set *RateSet) error
	// ListRateSets returns the sets of a scope and account (accountID "" for
	// the list) without their rates, by EffectiveFrom ascending.
	ListRateSets(ctx context.Context, scope RateScope, accountID string) ([]*RateSet, error)
	// GetRates returns the rates of a set, ordered by key (product,
	// direction, message type, country).
	GetRates(ctx context.Context, rateSetID string) ([]Rate, error)
	// EffectiveRateSet returns, with its rates, the set of a scope and
	// account in force at at: the one with the greatest EffectiveFrom at or
	// before at. ENOTFOUND when there is none.
	EffectiveRateSet(ctx context.Context, scope RateScope, accountID string, at time.Time) (*RateSet, error)

	// StoredUsageEventIDs returns which of ids are ids of stored usage events.
	StoredUsageEventIDs(ctx context.Context, ids []string) (map[string]bool, error)
	// InsertUsageEvents stores events; an id already stored is ECONFLICT.
	InsertUsageEvents(ctx context.Context, events []*UsageEvent) error
	// GetUsageEvent returns a stored usage event.
	GetUsageEvent(ctx context.Context, id string) (*UsageEvent, error)
	// AddUsageRollups adds each rollup's counts to the stored rollup of its
	// key (UsageRollupKey), creating it when missing. Keys are distinct.
	AddUsageRollups(ctx context.Context, rollups []*UsageRollup) error
	// UsageDayTotals adds up, for each key, the account's rollups of that
	// product and day (across their other dimensions); keys without usage
	// are absent from the answer.
	UsageDayTotals(ctx context.Context, keys []UsageDayKey) (map[UsageDayKey]UsageTotals, error)
	// ListUsageRollups returns an account's rollups of the days from..to
	// (inclusive, "2006-01-02"), ordered by key.
	ListUsageRollups(ctx context.Context, accountID, from, to string) ([]*UsageRollup, error)
	// UsageReport sums the rollups (never the raw events) that q selects
	// into groups, and returns one page of them with the number of groups
	// across all pages. Groups without usage do not exist.
	UsageReport(ctx context.Context, q UsageReportQuery) ([]UsageReportRow, int, error)

	// Nested runs fn inside a savepoint of this transaction, as a nested
	// transaction: the savepoint is released when fn returns nil, and rolled
	// back to when fn returns an error, which Nested then returns unchanged.
	// When that rollback itself fails, Nested returns an error that wraps
	// ErrNestedRollback, and the transaction must not be committed.
	Nested(ctx context.Context, fn func(Tx) error) error

	// GetIdempotencyRecord returns the record of id; ENOTFOUND when none.
	GetIdempotencyRecord(ctx context.Context, id IdempotencyID) (*IdempotencyRecord, error)
	// InsertIdempotencyRecord stores rec; ECONFLICT when a record of its id
	// exists. Where writers run concurrently (PostgreSQL), an insert that
	// races another transaction's uncommitted insert of the same id waits
	// for that transaction to end, then fails with ECONFLICT if it committed.
	InsertIdempotencyRecord(ctx context.Context, rec *IdempotencyRecord) error
	// CompleteIdempotencyRecord writes the response fields of rec (Status,
	// ContentType, Location, BodySealed) into the stored record of its id.
	CompleteIdempotencyRecord(ctx context.Context, rec *IdempotencyRecord) error
	// DeleteIdempotencyRecord removes the record of id; ENOTFOUND when none.
	DeleteIdempotencyRecord(ctx context.Context, id IdempotencyID) error
	// PurgeIdempotencyRecords deletes at most limit records created before
	// before, oldest first, and returns how many it deleted. Where writers
	// run concurrently it skips the records that another transaction holds
	// (PostgreSQL: FOR UPDATE SKIP LOCKED) rather than wait for them.
	PurgeIdempotencyRecords(ctx context.Context, before time.Time, limit int) (int, error)

	// InsertPortalSession stores a portal session; ECONFLICT when one of its
	// ID exists.
	InsertPortalSession(ctx context.Context, ps *PortalSession) error
	// GetPortalSession returns the session of id (the hash of its token);
	// ENOTFOUND when none.
	GetPortalSession(ctx context.Context, id string) (*PortalSession, error)
	// TouchPortalSession sets a session's LastSeenAt only; ENOTFOUND when none.
	TouchPortalSession(ctx context.Context, id string, at time.Time) error
	// DeletePortalSession removes the session of id; ENOTFOUND when none.
	DeletePortalSession(ctx context.Context, id string) error
	// PurgePortalSessions deletes at most limit sessions that expired at or
	// before now or were last seen before idleBefore, and returns how many
	// it deleted.
	PurgePortalSessions(ctx context.Context, now, idleBefore time.Time, limit int) (int, error)

	NotificationStore // notifications.go
	BalanceTransferTx
}

// Set names a set of rows that a rule of the Service reads and then writes
// because of what it read (Tx.Claim). Each set belongs to one account.
type Set string

// The sets the rules claim.
const (
	// SetManagedAccounts is a manager's managed accounts: the limit of
	// managed accounts (CreateManagedAccount) and the channel pool
	// (UpdateGlobalChannelLimit).
	SetManagedAccounts Set = "managed_accounts"
	// SetAPIKeys is an account's API keys: the limit of keys (CreateAPIKey).
	SetAPIKeys Set = "api_keys"
	// SetPaymentMethods is an account's payment methods: the limit of
	// methods, and one default while any remain (CreatePaymentMethod,
	// DeletePaymentMethod).
	SetPaymentMethods Set = "payment_methods"
	// SetLedger is the entries of an account's ledger: the turnover bound,
	// auto-recharge firing once per crossing of its threshold (every
	// posting, postEntries), and a manager's available balance
	// (CreateBalanceTransfer).
	SetLedger Set = "ledger"
	// SetUsage is an account's usage rollups: an account's usage of a
	// product on a day stays within MaxUsageDayTotal (IngestUsage).
	SetUsage Set = "usage"
)
