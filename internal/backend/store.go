package backend

import (
	"context"
	"time"
)

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
	// SumLedger adds up every entry of the account's ledger.
	SumLedger(ctx context.Context, accountID string) (Money, error)

	InsertAuditEvent(ctx context.Context, e *AuditEvent) error
	// ListAuditEvents returns one page of events, newest first (ties broken on
	// ID), and the number that match q across all pages.
	ListAuditEvents(ctx context.Context, q AuditQuery) ([]*AuditEvent, int, error)
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
type LedgerKind string

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
	AccountID      string // the account the change is about
	ActorAccountID string // empty when the operator made it
	ChangeMadeBy   string
	Action         string
	Changes        map[string]any
	CreatedAt      time.Time
}
