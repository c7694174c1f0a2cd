package backend

import "time"

// AccountStatus is the lifecycle state of an account.
type AccountStatus string

const (
	StatusEnabled  AccountStatus = "enabled"
	StatusDisabled AccountStatus = "disabled"
	// StatusCancelled is set only by the operator: the account is gone for its
	// manager (404 on retrieve, hidden from lists unless include_cancelled_accounts).
	StatusCancelled AccountStatus = "cancelled"
)

// Defaults applied to new manager accounts unless the operator says otherwise.
const (
	DefaultManagedAccountLimit = 1000
	DefaultAllocatableChannels = 1000
)

// Account is either a manager (top-level, created by the operator) or a managed
// account (ManagerID set, created by its manager).
type Account struct {
	ID               string
	ManagerID        string // empty for a manager account
	Email            string
	OrganizationName string
	PasswordHash     string // Secrets.HashPassword: a sealed bcrypt hash; empty when the account has no password
	Status           AccountStatus

	AllowCustomPricing bool
	RollupBilling      bool
	// GlobalChannelLimit is the number of global outbound channels allocated to a
	// managed account out of its manager's pool.
	GlobalChannelLimit int

	// Manager-only settings, set by the operator.
	AllocatableChannels int
	ManagedAccountLimit int

	CreditLimit    Money
	APITokenSealed string // the V1 API token, sealed with the server secret

	CreatedAt time.Time
	UpdatedAt time.Time
}

// IsManager reports whether the account is a top-level manager account.
func (a *Account) IsManager() bool { return a.ManagerID == "" }

// BillingAccountID is the account whose ledger carries this account's money:
// its manager's under rollup billing, its own otherwise.
func (a *Account) BillingAccountID() string {
	if a.RollupBilling && a.ManagerID != "" {
		return a.ManagerID
	}
	return a.ID
}

// ManagedAccountQuery selects and orders a page of a manager's managed accounts.
type ManagedAccountQuery struct {
	EmailEq, EmailContains               string
	OrganizationEq, OrganizationContains string
	// Statuses limits the result to these statuses; empty means any status
	// except cancelled (which IncludeCancelled adds back).
	Statuses         []AccountStatus
	IncludeCancelled bool
	// MatchNone is set when the filter can match nothing (a status this backend
	// never gives an account), so that the store need not be asked.
	MatchNone bool
	Sort      SortOrder
	Page      Page
}

// SortOrder names a sort key and its direction.
type SortOrder struct {
	Field      string // "created_at" or "email"
	Descending bool
}

// Page is a 1-based page request.
type Page struct {
	Number int
	Size   int
}

// Offset is the number of rows before the page.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// PageMeta describes a returned page.
type PageMeta struct {
	PageNumber   int
	PageSize     int
	TotalPages   int
	TotalResults int
}

// NewPageMeta computes the meta of page p out of total results.
func NewPageMeta(p Page, total int) PageMeta {
	return PageMeta{PageNumber: p.Number, PageSize: p.Size, TotalResults: total, TotalPages: (total + p.Size - 1) / p.Size}
}

// Balance is an account's money position, derived from its ledger.
type Balance struct {
	Balance         Money
	Pending         Money
	CreditLimit     Money
	AvailableCredit Money
	Currency        string
}

// ManagedAccountView is a managed account as its manager sees it, with the
// credentials the manager uses to act as it.
type ManagedAccountView struct {
	Account  *Account
	APIKey   string // the managed account's primary key, unsealed
	APIToken string
	Balance  *Balance
}

// ChannelAllocation is a manager's pool of global outbound channels.
type ChannelAllocation struct {
	Allocatable        int
	TotalAllocated     int
	AllowCustomPricing bool
}
