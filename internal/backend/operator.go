package backend

import (
	"context"
	"strings"
)

// The operator stands in for Telnyx staff: it creates manager accounts, sets
// their limits and credit, and posts ledger adjustments. The HTTP layer checks
// the operator key before calling any method here; none takes a Caller.

// CreateManagerInput is the operator's request for a new manager account.
type CreateManagerInput struct {
	Email               *string
	OrganizationName    *string
	Password            *string
	ManagedAccountLimit *int
	AllocatableChannels *int
	CreditLimit         *string
	// APIKey, when set, becomes the primary key instead of a generated one
	// (bootstrap of demos and tests).
	APIKey string
}

// ManagerLimitsInput changes a manager's limits; nil fields stay as they are.
type ManagerLimitsInput struct {
	ManagedAccountLimit *int
	AllocatableChannels *int
}

func nonNegative(pointer string, v *int, def int) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 0 {
		return 0, InvalidField(pointer, "%s must be 0 or more.", strings.TrimPrefix(pointer, "/"))
	}
	return *v, nil
}

func parseAmountField(pointer string, v string) (Money, error) {
	m, err := ParseMoney(v)
	if err != nil {
		return 0, &Error{Kind: EINVALID, Code: CodeInvalidAmount, Title: "Invalid amount format",
			Detail: `Amount must be a decimal string such as "25.00": ` + err.Error() + ".", Pointer: pointer}
	}
	return m, nil
}

// CreateManager creates a top-level manager account and returns it with its
// primary key. Returns EINVALID for bad input and ECONFLICT when the email is taken.
func (s *Service) CreateManager(ctx context.Context, in CreateManagerInput) (*Account, string, error) {
	if in.Email == nil {
		return nil, "", InvalidField("/email", "email is required.")
	}
	email, err := ValidateEmail("/email", *in.Email)
	if err != nil {
		return nil, "", err
	}
	org := email
	if in.OrganizationName != nil {
		if org, err = validateName("/organization_name", in.OrganizationName); err != nil {
			return nil, "", err
		}
	}
	limit, err := nonNegative("/managed_account_limit", in.ManagedAccountLimit, DefaultManagedAccountLimit)
	if err != nil {
		return nil, "", err
	}
	channels, err := nonNegative("/allocatable_global_outbound_channels", in.AllocatableChannels, DefaultAllocatableChannels)
	if err != nil {
		return nil, "", err
	}
	var credit Money
	if in.CreditLimit != nil {
		if credit, err = parseAmountField("/credit_limit", *in.CreditLimit); err != nil {
			return nil, "", err
		}
		if err := checkCreditLimit(credit); err != nil {
			return nil, "", err
		}
	}
	pwHash, err := s.hashPassword("/password", in.Password)
	if err != nil {
		return nil, "", err
	}
	key := in.APIKey
	if key == "" {
		key = NewAPIKey()
	}
	var a *Account
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if _, err := tx.GetAccountByEmail(ctx, email); err == nil {
			return emailTaken()
		} else if ErrorKind(err) != ENOTFOUND {
			return err
		}
		now := s.timestamp()
		a = &Account{
			ID: newID(), Email: email, OrganizationName: org, PasswordHash: pwHash, Status: StatusEnabled,
			AllocatableChannels: channels, ManagedAccountLimit: limit, CreditLimit: credit,
			APITokenSealed: s.secrets.Seal(NewAPIToken()), CreatedAt: now, UpdatedAt: now,
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
		return s.audit(ctx, tx, nil, a.ID, "manager_account.create", map[string]any{
			"email": a.Email, "organization_name": a.OrganizationName, "managed_account_limit": limit,
			"allocatable_global_outbound_channels": channels, "credit_limit": credit.String(),
		})
	})
	if err != nil {
		return nil, "", err
	}
	return a, key, nil
}

// BootstrapManager makes sure a manager account exists whose primary key is
// key: it does nothing when the key already belongs to an enabled manager,
// gives the key to the manager with this email when there is one, and creates
// the manager otherwise. Safe to run at every start.
func (s *Service) BootstrapManager(ctx context.Context, key, email string) (*Account, error) {
	if len(key) < 16 {
		return nil, Errorf(EINVALID, "the bootstrap manager key must be at least 16 characters long")
	}
	if email == "" {
		return nil, Errorf(EINVALID, "the bootstrap manager email is required")
	}
	var found *Account
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		found = nil // a run again (PostgreSQL) starts afresh
		if k, err := tx.GetAPIKeyByHash(ctx, s.secrets.HashKey(key)); err == nil {
			a, err := tx.GetAccount(ctx, k.AccountID)
			if err != nil {
				return err
			}
			if !a.IsManager() {
				return Errorf(EINVALID, "the bootstrap key belongs to a managed account, not a manager")
			}
			if k.Status != KeyActive {
				return Errorf(EINVALID, "the bootstrap key exists but is %s", k.Status)
			}
			found = a
			return nil
		} else if ErrorKind(err) != ENOTFOUND {
			return err
		}
		a, err := tx.GetAccountByEmail(ctx, email)
		if ErrorKind(err) == ENOTFOUND {
			return nil // created below, outside this transaction
		} else if err != nil {
			return err
		}
		if !a.IsManager() {
			return Errorf(EINVALID, "%s belongs to a managed account, not a manager", email)
		}
		// Replace the manager's primary key with the one given.
		now := s.timestamp()
		if old, err := tx.GetPrimaryKey(ctx, a.ID); err == nil {
			old.Status, old.UpdatedAt = KeyRevoked, now
			if err := tx.UpdateAPIKey(ctx, old); err != nil {
				return err
			}
		} else if ErrorKind(err) != ENOTFOUND {
			return err
		}
		if err := tx.InsertAPIKey(ctx, s.newPrimaryKey(a, key, now)); err != nil {
			return err
		}
		found = a
		return s.audit(ctx, tx, nil, a.ID, "manager_account.bootstrap_key", map[string]any{"api_key_changed": true})
	})
	if err != nil || found != nil {
		return found, err
	}
	a, _, err := s.CreateManager(ctx, CreateManagerInput{Email: &email, APIKey: key})
	return a, err
}

// GetAccount returns any account, for the operator.
func (s *Service) GetAccount(ctx context.Context, id string) (*Account, *Balance, error) {
	var (
		a *Account
		b *Balance
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.GetAccount(ctx, id); ErrorKind(err) == ENOTFOUND {
			return NotFound("Account")
		} else if err != nil {
			return err
		}
		b, err = s.balanceOf(ctx, tx, a)
		return err
	})
	return a, b, err
}

// OperatorManagedAccounts returns a page of a manager's managed accounts
// that are not cancelled, oldest first, for the operator (the usage
// simulator reads them). Returns ENOTFOUND when id is not a manager's.
func (s *Service) OperatorManagedAccounts(ctx context.Context, id string, page Page) ([]*Account, PageMeta, error) {
	q := ManagedAccountQuery{Sort: SortOrder{Field: "created_at"}, Page: page}
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		list  []*Account
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		m, err := tx.GetAccount(ctx, id)
		if ErrorKind(err) == ENOTFOUND || (err == nil && !m.IsManager()) {
			return NotFound("Manager account")
		} else if err != nil {
			return err
		}
		list, total, err = tx.ListManagedAccounts(ctx, id, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(q.Page, total), nil
}

// UpdateManagerLimits changes a manager's managed-account limit and channel
// pool. Returns ENOTFOUND for an unknown id and EINVALID for a managed account
// or a negative limit.
func (s *Service) UpdateManagerLimits(ctx context.Context, id string, in ManagerLimitsInput) (*Account, error) {
	return s.operatorMutate(ctx, id, "manager_account.update_limits", func(a *Account, changes map[string]any) error {
		if !a.IsManager() {
			return InvalidField("/", "limits apply to manager accounts only")
		}
		limit, err := nonNegative("/managed_account_limit", in.ManagedAccountLimit, a.ManagedAccountLimit)
		if err != nil {
			return err
		}
		channels, err := nonNegative("/allocatable_global_outbound_channels", in.AllocatableChannels, a.AllocatableChannels)
		if err != nil {
			return err
		}
		if limit != a.ManagedAccountLimit {
			changes["managed_account_limit"] = map[string]any{"old": a.ManagedAccountLimit, "new": limit}
		}
		if channels != a.AllocatableChannels {
			changes["allocatable_global_outbound_channels"] = map[string]any{"old": a.AllocatableChannels, "new": channels}
		}
		a.ManagedAccountLimit, a.AllocatableChannels = limit, channels
		return nil
	})
}

// SetCreditLimit sets an account's credit limit ("100.00", not negative).
// Returns EINVALID for a managed account under rollup billing, whose credit is its manager's.
func (s *Service) SetCreditLimit(ctx context.Context, id string, amount *string) (*Account, error) {
	if amount == nil {
		return nil, InvalidField("/credit_limit", "credit_limit is required.")
	}
	m, err := parseAmountField("/credit_limit", *amount)
	if err != nil {
		return nil, err
	}
	if err := checkCreditLimit(m); err != nil {
		return nil, err
	}
	return s.operatorMutate(ctx, id, "account.set_credit_limit", func(a *Account, changes map[string]any) error {
		if a.BillingAccountID() != a.ID {
			return InvalidField("/credit_limit", "this managed account uses rollup billing: set the credit limit of its manager instead")
		}
		if m != a.CreditLimit {
			changes["credit_limit"] = map[string]any{"old": a.CreditLimit.String(), "new": m.String()}
			a.CreditLimit = m
		}
		return nil
	})
}

// checkCreditLimit refuses a credit limit below zero or above MaxAmount,
// which keeps the available credit (balance + credit limit) in range.
func checkCreditLimit(m Money) error {
	if m < 0 {
		return InvalidField("/credit_limit", "credit_limit must not be negative.")
	}
	if m > MaxAmount {
		return InvalidField("/credit_limit", "credit_limit must be at most %s.", MaxAmount)
	}
	return nil
}

// CancelAccount cancels an account: its keys stop working and, for a managed
// account, it disappears from its manager's view. It cannot be undone.
func (s *Service) CancelAccount(ctx context.Context, id string) (*Account, error) {
	return s.operatorMutate(ctx, id, "account.cancel", func(a *Account, changes map[string]any) error {
		if a.Status != StatusCancelled {
			changes["status"] = map[string]any{"old": a.Status, "new": StatusCancelled}
			a.Status = StatusCancelled
		}
		return nil
	})
}

func (s *Service) operatorMutate(ctx context.Context, id, action string, change func(*Account, map[string]any) error) (*Account, error) {
	var out *Account
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, id)
		if ErrorKind(err) == ENOTFOUND {
			return NotFound("Account")
		} else if err != nil {
			return err
		}
		changes := map[string]any{}
		if err := change(a, changes); err != nil {
			return err
		}
		out = a
		if len(changes) == 0 {
			return nil
		}
		a.UpdatedAt = s.timestamp()
		if err := tx.UpdateAccount(ctx, a); err != nil {
			return err
		}
		return s.audit(ctx, tx, nil, a.ID, action, changes)
	})
	return out, err
}

// PostAdjustment adds a signed adjustment to an account's ledger and returns
// the entry with the resulting balance. Returns EINVALID (code 10027) for a bad
// amount, and EINVALID for a managed account under rollup billing (it has no
// ledger of its own).
func (s *Service) PostAdjustment(ctx context.Context, id string, amount *string, description string) (*LedgerEntry, *Balance, error) {
	if amount == nil {
		return nil, nil, InvalidField("/amount", "amount is required.")
	}
	m, err := parseAmountField("/amount", *amount)
	if err != nil {
		return nil, nil, err
	}
	if m == 0 {
		return nil, nil, InvalidField("/amount", "amount must not be zero.")
	}
	if !m.WithinMaxAmount() {
		return nil, nil, InvalidField("/amount", "amount must be from -%s to %s.", MaxAmount, MaxAmount)
	}
	if len(description) > 1000 {
		return nil, nil, InvalidField("/description", "description must be at most 1000 characters.")
	}
	var (
		entry *LedgerEntry
		bal   *Balance
	)
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, id)
		if ErrorKind(err) == ENOTFOUND {
			return NotFound("Account")
		} else if err != nil {
			return err
		}
		if a.BillingAccountID() != a.ID {
			return InvalidField("/", "this managed account uses rollup billing and has no ledger of its own: adjust its manager's")
		}
		now := s.timestamp()
		entry = &LedgerEntry{ID: newID(), AccountID: a.ID, SubjectID: a.ID, Kind: LedgerAdjustment, Amount: m,
			Currency: Currency, Description: description, CreatedAt: now, SettlesAt: now}
		if err := s.audit(ctx, tx, nil, a.ID, "ledger.adjustment", map[string]any{"amount": m.String(), "description": description}); err != nil {
			return err
		}
		// A negative adjustment is a charge: it may fire auto-recharge.
		if m < 0 {
			err = s.postCharge(ctx, tx, a, entry, "/amount")
		} else {
			err = s.postEntry(ctx, tx, entry, "/amount")
		}
		if err != nil {
			return err
		}
		bal, err = s.balanceOf(ctx, tx, a)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return entry, bal, nil
}
