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
type Tx interface {
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
	// CountManagedAccounts counts managerID's managed accounts that are not cancelled.
	CountManagedAccounts(ctx context.Context, managerID string) (int, error)
	// SumGlobalChannelLimits adds up the channels allocated to managerID's
	// managed accounts that are not cancelled.
	SumGlobalChannelLimits(ctx context.Context, managerID string) (int, error)
	// ListAccountsByPasswordHashPrefix returns every account whose stored
	// password hash begins with prefix (compared byte for byte), in no order.
	ListAccountsByPasswordHashPrefix(ctx context.Context, prefix string) ([]*Account, error)

	InsertAPIKey(ctx context.Context, k *APIKey) error
	GetAPIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	GetAPIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns one page of the account's keys that match q and are
	// not revoked, newest first (ties broken on ID), and the number that match
	// across all pages.
	ListAPIKeys(ctx context.Context, accountID string, q APIKeyQuery) ([]*APIKey, int, error)
	// CountAPIKeys counts the account's keys of the kind that are not revoked.
	CountAPIKeys(ctx context.Context, accountID string, kind KeyKind) (int, error)
	// TouchAPIKey sets last_used_at only; it is the one write on the auth path.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// GetPrimaryKey returns the account's active primary key.
	GetPrimaryKey(ctx context.Context, accountID string) (*APIKey, error)
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
}

// APIKeyQuery selects a page of an account's keys. Empty fields do not filter.
type APIKeyQuery struct {
	Kind   KeyKind
	Status KeyStatus // the stored status (active or disabled)
	// ExpiredAt keeps keys whose expires_at is at or before it; UnexpiredAt
	// keeps keys without expiry or expiring after it.
	ExpiredAt, UnexpiredAt *time.Time
	Page                   Page
}

// AuditQuery selects audit events. Empty fields do not filter.
type AuditQuery struct {
	// ManagerScope keeps events about this account or about its managed accounts.
	ManagerScope string
	AccountID    string
	From, To     *time.Time // inclusive bounds on created_at
	Page         Page
}

// KeyKind tells an account's primary key (the managed account object's
// api_key) from the extra keys an account creates.
type KeyKind string

const (
	KeyPrimary KeyKind = "primary"
	KeyUser    KeyKind = "user"
)

// KeyStatus is the state of an API key.
type KeyStatus string

const (
	KeyActive   KeyStatus = "active"
	KeyDisabled KeyStatus = "disabled"
	KeyRevoked  KeyStatus = "revoked"
)

// APIKey is stored as a hash only. A primary key is also sealed with the server
// secret, because the manager reads it back from the managed account object.
type APIKey struct {
	ID        string
	AccountID string
	Kind      KeyKind
	Hash      string
	Sealed    string // primary keys only
	// IssuedBy records who the key was made for: ChangeByAccountManager for a
	// managed account's primary key and for keys created while a manager acts
	// as the account; ChangeByAccountOwner otherwise. Requests made with the key
	// are audited as that.
	IssuedBy    string
	MaskedKey   string
	Status      KeyStatus
	Description string
	Tags        []string
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// LedgerKind says what moved money on a ledger.
//
// A usage entry's Reference is "usage:<product>" (UsageReference), so that
// invoices can bill usage per product; the text after the prefix names the
// product ("voice", "messaging", …).
type LedgerKind string

// UsageReferencePrefix starts the Reference of every usage entry.
const UsageReferencePrefix = "usage:"

// UsageReference is the Reference of a usage entry for product.
func UsageReference(product string) string { return UsageReferencePrefix + product }

const (
	LedgerAdjustment LedgerKind = "adjustment"
	LedgerTopUp      LedgerKind = "top_up"
	LedgerUsage      LedgerKind = "usage"
	LedgerRefund     LedgerKind = "refund"
)

// LedgerEntry is an immutable change of an account's balance.
type LedgerEntry struct {
	ID          string
	AccountID   string // the ledger's owner
	SubjectID   string // the account the entry is about (a managed account under rollup billing)
	Kind        LedgerKind
	Amount      Money
	Currency    string
	Description string
	Reference   string
	CreatedAt   time.Time
	// SettlesAt is when the entry starts to count in the balance: CreatedAt
	// plus the settlement delay for a top-up, CreatedAt for everything else.
	// Until then it counts as pending.
	SettlesAt time.Time
}

// Who made a change, as the audit log records it.
const (
	ChangeByAccountOwner   = "account_owner"
	ChangeByAccountManager = "account_manager"
	ChangeByOperator       = "operator"
)

// AuditEvent records one mutation: who made it, on which account, what changed.
// Changes never carries a secret, only the names of secrets that changed.
type AuditEvent struct {
	ID             string
	AccountID      string // the account the change is about; empty for the price book, which belongs to none
	ActorAccountID string // empty when the operator made it
	ChangeMadeBy   string
	Action         string
	Changes        map[string]any
	CreatedAt      time.Time
}

// LedgerSums are the sums of an account's ledger as of an instant.
type LedgerSums struct {
	// Settled is the sum of the entries whose SettlesAt is at or before the
	// instant, Pending the sum of those that settle after it (top-ups
	// waiting out the settlement delay).
	Settled, Pending Money
	// Turnover is the sum of every entry's absolute amount, settled or not:
	// it bounds every other sum of the ledger (MaxLedgerTurnover).
	Turnover Money
}

// LedgerSummary is an account's ledger summed per calendar month (UTC), the
// raw material of its invoices.
type LedgerSummary struct {
	// Groups sum the entries created in one month that share a kind, a
	// product, a subject and a sign, ordered by month, kind, product, subject
	// and sign (negative first).
	Groups []LedgerGroup
	// Settled sums, per month, the entries that settle in it (at their
	// settlement time, or their creation for entries that settle at once),
	// ordered by month: the settled balance at a month's end is the running
	// sum up to it.
	Settled []MonthSum
}

// LedgerGroup is the sum of a group of entries of one month.
type LedgerGroup struct {
	Month string // "2006-01", of created_at in UTC
	Kind  LedgerKind
	// Product is the product of usage entries (their Reference after
	// UsageReferencePrefix; empty when it lacks the prefix); empty for other kinds.
	Product string
	// SubjectID is the entries' subject; empty when they have none.
	SubjectID string
	Negative  bool // the entries' amounts are below zero (else zero or above)
	Sum       Money
	Count     int
}

// MonthSum is a sum of money over one calendar month (UTC, "2006-01").
type MonthSum struct {
	Month string
	Sum   Money
}
