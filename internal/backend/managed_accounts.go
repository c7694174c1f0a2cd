package backend

import (
	"context"
	"net/mail"
	"strings"
	"unicode/utf8"
)

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

// Limits on account fields.
const (
	maxNameLen      = 255
	maxEmailLen     = 254
	minPasswordLen  = 8
	maxPasswordLen  = 72 // bcrypt's limit
	MaxPageSize     = 250
	DefaultPageSize = 20
	minContainsLen  = 3
)

// managedAccountsCounted are the statuses of the managed accounts that count
// towards their manager's limit of managed accounts and hold the channels
// allocated to them from its pool: every status but cancelled. This is the
// rule; the stores count the statuses they are given.
var managedAccountsCounted = []AccountStatus{StatusEnabled, StatusDisabled}

// CreateManagedAccountInput mirrors the contract's CreateManagedAccountRequest.
type CreateManagedAccountInput struct {
	BusinessName       *string
	Email              *string
	Password           *string
	AllowCustomPricing *bool
	RollupBilling      *bool
}

// UpdateManagedAccountInput mirrors UpdateManagedAccountRequest, plus the
// password (an extension: the contract has no other way to change it).
type UpdateManagedAccountInput struct {
	AllowCustomPricing *bool
	Password           *string
}

func validateName(pointer string, name *string) (string, error) {
	if name == nil {
		return "", InvalidField(pointer, "%s is required.", strings.TrimPrefix(pointer, "/"))
	}
	n := strings.TrimSpace(*name)
	if n == "" {
		return "", InvalidField(pointer, "%s must not be blank.", strings.TrimPrefix(pointer, "/"))
	}
	if utf8.RuneCountInString(n) > maxNameLen {
		return "", InvalidField(pointer, "%s must be at most %d characters.", strings.TrimPrefix(pointer, "/"), maxNameLen)
	}
	return n, nil
}

// ValidateEmail checks an email address and returns it trimmed.
func ValidateEmail(pointer, email string) (string, error) {
	e := strings.TrimSpace(email)
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", InvalidField(pointer, "email must be a valid email address such as name@example.com.")
	}
	if len(e) > maxEmailLen {
		return "", InvalidField(pointer, "email must be at most %d characters.", maxEmailLen)
	}
	return e, nil
}

func (s *Service) hashPassword(pointer string, pw *string) (string, error) {
	if pw == nil {
		return "", nil
	}
	if len(*pw) < minPasswordLen || len(*pw) > maxPasswordLen {
		return "", InvalidField(pointer, "password must be between %d and %d bytes long.", minPasswordLen, maxPasswordLen)
	}
	h, err := s.secrets.HashPassword(*pw)
	if err != nil {
		return "", Errorf(EINTERNAL, "hash password: %v", err)
	}
	return h, nil
}

// maxEmailDraws bounds the draws of a generated email that keep finding it
// taken (each draw is 32 random bits).
const maxEmailDraws = 8

// generatedEmail derives a managed account's email from its manager's, as the
// contract says happens when none is given: local+ma-<random>@domain.
func (s *Service) generatedEmail(managerEmail string) string {
	suffix := randomHex(4)
	if s.emailSuffix != nil {
		suffix = s.emailSuffix()
	}
	local, domain, _ := strings.Cut(managerEmail, "@")
	return local + "+ma-" + suffix + "@" + domain
}

// CreateManagedAccount creates a managed account of the calling manager, with a
// fresh primary key and V1 token. Returns EFORBIDDEN for a managed-account
// caller, EINVALID for bad input or when the manager's limit of managed accounts
// is reached, and ECONFLICT (code 10012) when the email is taken.
func (s *Service) CreateManagedAccount(ctx context.Context, c *Caller, in CreateManagedAccountInput) (*ManagedAccountView, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	name, err := validateName("/business_name", in.BusinessName)
	if err != nil {
		return nil, err
	}
	email := ""
	if in.Email != nil {
		if email, err = ValidateEmail("/email", *in.Email); err != nil {
			return nil, err
		}
	}
	pwHash, err := s.hashPassword("/password", in.Password) // slow: outside the transaction
	if err != nil {
		return nil, err
	}
	key, token := NewAPIKey(), NewAPIToken()
	var view *ManagedAccountView
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		mgr, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		if err := tx.Claim(ctx, SetManagedAccounts, mgr.ID); err != nil {
			return err
		}
		n, err := tx.CountManagedAccounts(ctx, mgr.ID, managedAccountsCounted)
		if err != nil {
			return err
		}
		if n >= mgr.ManagedAccountLimit {
			return InvalidField("/", "This manager account has reached its limit of %d managed accounts; ask the operator to raise it.", mgr.ManagedAccountLimit)
		}
		if in.Email == nil {
			// A drawn email that is taken is drawn again, rather than refuse
			// a request that named none: with 32 random bits, a manager of
			// tens of thousands of accounts draws a taken one now and then.
			for draws := 1; ; draws++ {
				email = s.generatedEmail(mgr.Email)
				if _, err := tx.GetAccountByEmail(ctx, email); ErrorKind(err) == ENOTFOUND {
					break
				} else if err != nil {
					return err
				}
				if draws == maxEmailDraws {
					return emailTaken()
				}
			}
		} else if _, err := tx.GetAccountByEmail(ctx, email); err == nil {
			return emailTaken()
		} else if ErrorKind(err) != ENOTFOUND {
			return err
		}
		now := s.timestamp()
		a := &Account{
			ID: newID(), ManagerID: mgr.ID, Email: email, OrganizationName: name, PasswordHash: pwHash,
			Status: StatusEnabled, AllowCustomPricing: deref(in.AllowCustomPricing), RollupBilling: deref(in.RollupBilling),
			APITokenSealed: s.secrets.Seal(token), CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.InsertAccount(ctx, a); err != nil {
			if ErrorKind(err) == ECONFLICT {
				return emailTaken()
			}
			return err
		}
		if err := tx.InsertAPIKey(ctx, s.newPrimaryKey(a, key, now)); err != nil {
			return err
		}
		bal, err := s.balanceOf(ctx, tx, a)
		if err != nil {
			return err
		}
		view = &ManagedAccountView{Account: a, APIKey: key, APIToken: token, Balance: bal}
		return s.audit(ctx, tx, c, a.ID, "managed_account.create", map[string]any{
			"email": a.Email, "organization_name": a.OrganizationName, "rollup_billing": a.RollupBilling,
			"managed_account_allow_custom_pricing": a.AllowCustomPricing, "password_set": pwHash != "",
		})
	})
	if err != nil {
		return nil, err
	}
	return view, nil
}

func emailTaken() error {
	return &Error{Kind: ECONFLICT, Code: CodeDuplicate, Title: "Email already taken", Detail: "An account with this email already exists.", Pointer: "/email"}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// managedAccountOf loads a managed account of the calling manager. Returns
// ENOTFOUND when it does not exist, is cancelled, or belongs to another manager.
func managedAccountOf(ctx context.Context, tx Tx, c *Caller, id string) (*Account, error) {
	a, err := tx.GetAccount(ctx, id)
	if err = managedAccountCheck(c, a, err); err != nil {
		return nil, err
	}
	return a, nil
}

// managedAccountCheck is managedAccountOf's check of a, which a lookup
// answered with err.
func managedAccountCheck(c *Caller, a *Account, err error) error {
	if ErrorKind(err) == ENOTFOUND || (err == nil && (a.ManagerID != c.Account.ID || a.Status == StatusCancelled)) {
		return NotFound("Managed account")
	}
	return err
}

func (s *Service) view(ctx context.Context, tx Tx, a *Account) (*ManagedAccountView, error) {
	k, err := tx.GetPrimaryKey(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return s.viewWithKey(ctx, tx, a, k)
}

// viewWithKey is view of a whose active primary key, k, has been read.
func (s *Service) viewWithKey(ctx context.Context, tx Tx, a *Account, k *APIKey) (*ManagedAccountView, error) {
	key, err := s.secrets.Open(k.Sealed)
	if err != nil {
		return nil, Errorf(EINTERNAL, "open primary key of %s: %v", a.ID, err)
	}
	token, err := s.secrets.Open(a.APITokenSealed)
	if err != nil {
		return nil, Errorf(EINTERNAL, "open api token of %s: %v", a.ID, err)
	}
	bal, err := s.balanceOf(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	return &ManagedAccountView{Account: a, APIKey: key, APIToken: token, Balance: bal}, nil
}

// GetManagedAccount returns one of the caller's managed accounts with its
// credentials and balance. Returns EFORBIDDEN for a managed-account caller and
// ENOTFOUND when the account is not the caller's.
func (s *Service) GetManagedAccount(ctx context.Context, c *Caller, id string) (*ManagedAccountView, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	var v *ManagedAccountView
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		// The account and its key in one lookup: the provider's refresh.
		a, k, err := tx.GetAccountWithPrimaryKey(ctx, id)
		if err = managedAccountCheck(c, a, err); err != nil {
			return err
		}
		if k == nil {
			return NotFound("API key") // as GetPrimaryKey answers
		}
		v, err = s.viewWithKey(ctx, tx, a, k)
		return err
	})
	return v, err
}

// ParseManagedAccountStatusFilter maps the contract's filter[status][eq] values
// onto account statuses: "all" is no filter, "active" means enabled, and
// "blocked" is a status this backend never gives, so it matches nothing.
func ParseManagedAccountStatusFilter(v string, q *ManagedAccountQuery) error {
	switch v {
	case "all":
		q.Statuses = []AccountStatus{StatusEnabled, StatusDisabled, StatusCancelled}
	case "active", "enabled":
		q.Statuses = []AccountStatus{StatusEnabled}
	case "disabled":
		q.Statuses = []AccountStatus{StatusDisabled}
	case "cancelled":
		q.Statuses = []AccountStatus{StatusCancelled}
	case "blocked":
		q.MatchNone = true
	default:
		return InvalidParameter("filter[status][eq]", "filter[status][eq] must be one of all, active, enabled, cancelled, disabled, blocked.")
	}
	return nil
}

// ListManagedAccounts returns a page of the caller's managed accounts. Returns
// EFORBIDDEN for a managed-account caller and EBADREQUEST for a bad query.
func (s *Service) ListManagedAccounts(ctx context.Context, c *Caller, q ManagedAccountQuery) ([]*Account, PageMeta, error) {
	if err := requireManager(c); err != nil {
		return nil, PageMeta{}, err
	}
	if err := validateQuery(&q); err != nil {
		return nil, PageMeta{}, err
	}
	if q.MatchNone {
		return []*Account{}, NewPageMeta(q.Page, 0), nil
	}
	var (
		list  []*Account
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		list, total, err = tx.ListManagedAccounts(ctx, c.Account.ID, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(q.Page, total), nil
}

// validatePage fills in the default page and refuses one out of range, for
// the lists whose pages hold at most MaxPageSize items.
func validatePage(p *Page) error {
	return validatePageUpTo(p, MaxPageSize)
}

// validatePageUpTo fills in the default page and refuses a page number below
// 1 or a size outside 1 to maxSize.
func validatePageUpTo(p *Page, maxSize int) error {
	if p.Number == 0 {
		p.Number = 1
	}
	if p.Size == 0 {
		p.Size = DefaultPageSize
	}
	if p.Number < 1 {
		return InvalidParameter("page[number]", "page[number] must be 1 or more.")
	}
	if p.Size < 1 || p.Size > maxSize {
		return InvalidParameter("page[size]", "page[size] must be between 1 and %d.", maxSize)
	}
	return nil
}

func validateQuery(q *ManagedAccountQuery) error {
	if err := validatePage(&q.Page); err != nil {
		return err
	}
	if q.EmailContains != "" && utf8.RuneCountInString(q.EmailContains) < minContainsLen {
		return InvalidParameter("filter[email][contains]", "filter[email][contains] requires at least %d characters.", minContainsLen)
	}
	if q.OrganizationContains != "" && utf8.RuneCountInString(q.OrganizationContains) < minContainsLen {
		return InvalidParameter("filter[organization_name][contains]", "filter[organization_name][contains] requires at least %d characters.", minContainsLen)
	}
	switch q.Sort.Field {
	case "":
		q.Sort = SortOrder{Field: "created_at", Descending: true}
	case "created_at", "email":
	default:
		return InvalidParameter("sort", "sort must be one of created_at, -created_at, email, -email.")
	}
	return nil
}

// UpdateManagedAccount changes a managed account's settings. Returns
// EFORBIDDEN for a managed-account caller, ENOTFOUND when the account is not the
// caller's, and EINVALID for bad input.
func (s *Service) UpdateManagedAccount(ctx context.Context, c *Caller, id string, in UpdateManagedAccountInput) (*ManagedAccountView, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	pwHash, err := s.hashPassword("/password", in.Password)
	if err != nil {
		return nil, err
	}
	return s.mutateManagedAccount(ctx, c, id, "managed_account.update", func(a *Account, changes map[string]any) error {
		if in.AllowCustomPricing != nil && *in.AllowCustomPricing != a.AllowCustomPricing {
			changes["managed_account_allow_custom_pricing"] = map[string]any{"old": a.AllowCustomPricing, "new": *in.AllowCustomPricing}
			a.AllowCustomPricing = *in.AllowCustomPricing
		}
		if pwHash != "" {
			changes["password_changed"] = true
			a.PasswordHash = pwHash
		}
		return nil
	})
}

// SetManagedAccountStatus disables or enables a managed account. Disabling
// refuses every key of the account until it is enabled again. Both are
// idempotent. Returns EFORBIDDEN for a managed-account caller and ENOTFOUND
// when the account is not the caller's.
func (s *Service) SetManagedAccountStatus(ctx context.Context, c *Caller, id string, enabled bool) (*ManagedAccountView, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	status, action := StatusDisabled, "managed_account.disable"
	if enabled {
		status, action = StatusEnabled, "managed_account.enable"
	}
	return s.mutateManagedAccount(ctx, c, id, action, func(a *Account, changes map[string]any) error {
		if a.Status != status {
			changes["status"] = map[string]any{"old": a.Status, "new": status}
			a.Status = status
		}
		return nil
	})
}

// mutateManagedAccount loads one of the caller's managed accounts, applies
// change, and writes it with an audit event when anything changed.
func (s *Service) mutateManagedAccount(ctx context.Context, c *Caller, id, action string, change func(*Account, map[string]any) error) (*ManagedAccountView, error) {
	var v *ManagedAccountView
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := managedAccountOf(ctx, tx, c, id)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		if err := change(a, changes); err != nil {
			return err
		}
		if len(changes) > 0 {
			a.UpdatedAt = s.timestamp()
			if err := tx.UpdateAccount(ctx, a); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, c, a.ID, action, changes); err != nil {
				return err
			}
			if err := s.accountChanged(ctx, tx, a, action); err != nil {
				return err
			}
		}
		v, err = s.view(ctx, tx, a)
		return err
	})
	return v, err
}

// AllocatableChannels returns the caller's pool of global outbound channels.
// Returns EFORBIDDEN for a managed-account caller.
func (s *Service) AllocatableChannels(ctx context.Context, c *Caller) (*ChannelAllocation, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	var out *ChannelAllocation
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		mgr, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		sum, err := tx.SumGlobalChannelLimits(ctx, mgr.ID, managedAccountsCounted)
		if err != nil {
			return err
		}
		out = &ChannelAllocation{Allocatable: mgr.AllocatableChannels, TotalAllocated: sum, AllowCustomPricing: mgr.AllowCustomPricing}
		return nil
	})
	return out, err
}

// UpdateGlobalChannelLimit allocates channels to a managed account: from 0 up to
// what the manager has left, counting what the account already holds. Returns
// EFORBIDDEN for a managed-account caller, ENOTFOUND when the account is not the
// caller's, and EINVALID when the limit is missing, negative or too large.
func (s *Service) UpdateGlobalChannelLimit(ctx context.Context, c *Caller, id string, limit *int) (*Account, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	if limit == nil {
		return nil, InvalidField("/channel_limit", "channel_limit is required.")
	}
	if *limit < 0 {
		return nil, InvalidField("/channel_limit", "channel_limit must be 0 or more.")
	}
	var out *Account
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := managedAccountOf(ctx, tx, c, id)
		if err != nil {
			return err
		}
		mgr, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		if err := tx.Claim(ctx, SetManagedAccounts, mgr.ID); err != nil {
			return err
		}
		sum, err := tx.SumGlobalChannelLimits(ctx, mgr.ID, managedAccountsCounted)
		if err != nil {
			return err
		}
		left := mgr.AllocatableChannels - (sum - a.GlobalChannelLimit)
		if *limit > left {
			return InvalidField("/channel_limit", "channel_limit %d exceeds the %d channels left to allocate to this account (the manager's pool is %d, %d are allocated to other accounts).",
				*limit, left, mgr.AllocatableChannels, sum-a.GlobalChannelLimit)
		}
		out = a
		if a.GlobalChannelLimit == *limit {
			return nil
		}
		changes := map[string]any{"global_channel_limit": map[string]any{"old": a.GlobalChannelLimit, "new": *limit}}
		a.GlobalChannelLimit, a.UpdatedAt = *limit, s.timestamp()
		if err := tx.UpdateAccount(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, a.ID, "managed_account.update_global_channel_limit", changes)
	})
	return out, err
}
