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
