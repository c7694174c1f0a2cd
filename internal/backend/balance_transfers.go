package backend

import (
	"context"
	"time"
)

// Balance transfers (DESIGN 2.2, 3.3): a manager moves money from its own
// balance to one of its managed accounts'. One transfer is two ledger
// entries written in one transaction, a debit of the manager's ledger and a
// credit of the managed account's, both of kind LedgerBalanceTransfer with
// the transfer's id as their Reference, and the transfer itself, which the
// manager lists.

// LedgerBalanceTransfer is the kind of both entries of a balance transfer:
// the manager's (negative, its SubjectID the managed account) and the
// managed account's (positive).
const LedgerBalanceTransfer LedgerKind = "balance_transfer"

// BalanceTransfer is money moved from a manager's balance to one of its
// managed accounts'.
type BalanceTransfer struct {
	ID        string
	ManagerID string
	// AccountID is the managed account credited.
	AccountID   string
	Amount      Money // above zero, whole cents
	Currency    string
	Description string
	CreatedAt   time.Time
}

// BalanceTransferInput is the body of POST
// /v2/managed_accounts/{id}/balance_transfers.
type BalanceTransferInput struct {
	Amount      *string
	Description *string
}

// BalanceTransferQuery selects a page of transfers, newest first: those of
// one managed account (AccountID) or those a manager made (ManagerID).
// Exactly one of the two is set.
type BalanceTransferQuery struct {
	ManagerID string
	AccountID string
	Page      Page
}

// BalanceTransferTx is what a store keeps of balance transfers, part of Tx.
type BalanceTransferTx interface {
	// InsertBalanceTransfer stores a transfer (its ledger entries are
	// inserted apart); ECONFLICT when one of its ID exists.
	InsertBalanceTransfer(ctx context.Context, t *BalanceTransfer) error
	// ListBalanceTransfers returns one page of the transfers q selects,
	// newest first (ties broken on ID, descending), and their number.
	ListBalanceTransfers(ctx context.Context, q BalanceTransferQuery) ([]*BalanceTransfer, int, error)
}

// CreateBalanceTransfer moves in.Amount ("10.00": two decimals, 0.01 to
// MaxTopUp, as top-ups take) from the calling manager's balance to the
// managed account id's, with an optional description that the managed
// account sees. The manager's available balance, its settled balance plus
// its credit limit (what /v2/balance calls available_credit; top-ups still
// pending do not count), must cover the amount: unlike charges, which run
// whatever the balance, a transfer is refused beyond it. The debit is a
// charge of the manager's ledger, so it may fire the manager's auto-recharge
// (DESIGN 3.3). Both ledgers keep within MaxLedgerTurnover.
//
// Returns EFORBIDDEN for a managed-account caller, ENOTFOUND when id is not
// one of the caller's managed accounts, EINVALID (code 10027) for a bad
// amount, and EINVALID when the account uses rollup billing (it has no
// balance of its own), is disabled or cancelled, when the amount exceeds the
// available balance, or when a ledger would pass its turnover bound.
func (s *Service) CreateBalanceTransfer(ctx context.Context, c *Caller, id string, in BalanceTransferInput) (*BalanceTransfer, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	amount, err := centsAmount("/amount", in.Amount, microsPerCent)
	if err != nil {
		return nil, err
	}
	description, err := validateDescription(in.Description)
	if err != nil {
		return nil, err
	}
	var out *BalanceTransfer
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		mgr, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		a, err := transferTarget(ctx, tx, mgr.ID, id)
		if err != nil {
			return err
		}
		switch {
		case a.BillingAccountID() != a.ID:
			return InvalidField("/", "This managed account uses rollup billing: its charges are already its manager's, so it has no balance to transfer to.")
		case a.Status == StatusDisabled:
			return InvalidField("/", "This managed account is disabled: enable it before transferring to it.")
		case a.Status == StatusCancelled:
			return InvalidField("/", "This managed account is cancelled: it can no longer receive transfers.")
		}
		// The rule reads the manager's ledger and then debits it, so it
		// claims the ledger (Tx.Claim): concurrent transfers cannot all
		// spend the same funds. (The debit's posting claims it again, which
		// is claiming it once.)
		if err := tx.Claim(ctx, SetLedger, mgr.ID); err != nil {
			return err
		}
		sums, err := tx.LedgerTotals(ctx, mgr.ID, s.now())
		if err != nil {
			return err
		}
		available, err := sums.Settled.Add(mgr.CreditLimit)
		if err != nil {
			return Errorf(EINTERNAL, "available balance of %s overflows", mgr.ID)
		}
		if amount > available {
			return InvalidField("/amount", "The amount %s exceeds the available balance of %s (the settled balance %s plus the credit limit %s; pending top-ups do not count).",
				amount, available, sums.Settled, mgr.CreditLimit)
		}
		now := s.timestamp()
		t := &BalanceTransfer{
			ID: newID(), ManagerID: mgr.ID, AccountID: a.ID, Amount: amount, Currency: Currency,
			Description: description, CreatedAt: now,
		}
		if err := tx.InsertBalanceTransfer(ctx, t); err != nil {
			return err
		}
		debit := &LedgerEntry{ID: newID(), AccountID: mgr.ID, SubjectID: a.ID, Kind: LedgerBalanceTransfer, Amount: -amount,
			Currency: Currency, Description: description, Reference: t.ID, CreatedAt: now, SettlesAt: now}
		credit := &LedgerEntry{ID: newID(), AccountID: a.ID, SubjectID: a.ID, Kind: LedgerBalanceTransfer, Amount: amount,
			Currency: Currency, Description: description, Reference: t.ID, CreatedAt: now, SettlesAt: now}
		if err := s.postEntry(ctx, tx, credit, "/amount"); err != nil {
			return err
		}
		changes := func(to map[string]any) map[string]any {
			to["balance_transfer_id"], to["amount"], to["description"] = t.ID, amount.String(), description
			return to
		}
		if err := s.audit(ctx, tx, c, mgr.ID, "balance_transfer.debit", changes(map[string]any{"managed_account_id": a.ID})); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c, a.ID, "balance_transfer.credit", changes(map[string]any{"manager_account_id": mgr.ID})); err != nil {
			return err
		}
		// Last: the debit may fire auto-recharge, whose events follow it.
		if err := s.postCharge(ctx, tx, mgr, debit, "/amount"); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// transferTarget loads the managed account id of managerID, whatever its
// status: a manager still sees the transfers of an account it cancelled,
// and is told why it cannot make more. Returns ENOTFOUND when it does not
// exist or is another manager's.
func transferTarget(ctx context.Context, tx Tx, managerID, id string) (*Account, error) {
	a, err := tx.GetAccount(ctx, id)
	if ErrorKind(err) == ENOTFOUND || (err == nil && a.ManagerID != managerID) {
		return nil, NotFound("Managed account")
	}
	return a, err
}

// ListBalanceTransfers returns a page of the transfers made to the managed
// account id, newest first. Returns EFORBIDDEN for a managed-account caller,
// ENOTFOUND when id is not one of the caller's managed accounts, and
// EBADREQUEST for a bad page.
func (s *Service) ListBalanceTransfers(ctx context.Context, c *Caller, id string, page Page) ([]*BalanceTransfer, PageMeta, error) {
	if err := requireManager(c); err != nil {
		return nil, PageMeta{}, err
	}
	if err := validatePage(&page); err != nil {
		return nil, PageMeta{}, err
	}
	return s.listBalanceTransfers(ctx, BalanceTransferQuery{AccountID: id, Page: page}, func(tx Tx) error {
		_, err := transferTarget(ctx, tx, c.Account.ID, id)
		return err
	}, nil)
}

// BalanceTransferView is a transfer as the portal shows it to one of its
// two accounts.
type BalanceTransferView struct {
	*BalanceTransfer
	// AccountName is the managed account's organization name, for its
	// manager; empty for the managed account itself.
	AccountName string
}

// OwnBalanceTransfers returns a page of the caller's own transfers, newest
// first: those a manager made, to any of its managed accounts (named), or
// those a managed account received. The portal shows them on the account's
// page. Returns EBADREQUEST for a bad page.
func (s *Service) OwnBalanceTransfers(ctx context.Context, c *Caller, page Page) ([]BalanceTransferView, PageMeta, error) {
	if err := validatePage(&page); err != nil {
		return nil, PageMeta{}, err
	}
	q := BalanceTransferQuery{AccountID: c.Account.ID, Page: page}
	if c.Account.IsManager() {
		q = BalanceTransferQuery{ManagerID: c.Account.ID, Page: page}
	}
	var views []BalanceTransferView
	_, meta, err := s.listBalanceTransfers(ctx, q, nil, func(tx Tx, list []*BalanceTransfer) error {
		views = make([]BalanceTransferView, 0, len(list)) // a store may run a transaction again
		names := map[string]string{}
		for _, t := range list {
			v := BalanceTransferView{BalanceTransfer: t}
			if q.ManagerID != "" {
				if _, ok := names[t.AccountID]; !ok {
					a, err := tx.GetAccount(ctx, t.AccountID)
					if err != nil {
						return err
					}
					names[t.AccountID] = a.OrganizationName
				}
				v.AccountName = names[t.AccountID]
			}
			views = append(views, v)
		}
		return nil
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return views, meta, nil
}

// listBalanceTransfers reads a page of q in one snapshot, after check (when
// not nil) passes in it; then, in the same snapshot, hands the page to more
// (when not nil).
func (s *Service) listBalanceTransfers(ctx context.Context, q BalanceTransferQuery, check func(Tx) error,
	more func(Tx, []*BalanceTransfer) error,
) ([]*BalanceTransfer, PageMeta, error) {
	var (
		list  []*BalanceTransfer
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		var err error
		if list, total, err = tx.ListBalanceTransfers(ctx, q); err != nil {
			return err
		}
		if more != nil {
			return more(tx, list)
		}
		return nil
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(q.Page, total), nil
}
