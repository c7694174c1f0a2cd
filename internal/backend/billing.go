package backend

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Billing of an account that pays its own charges (DESIGN 2.2, 3.3, 3.4): its
// ledger, payment methods, top-ups and auto-recharge. Every method acts on the
// caller's own account; a manager reaches a managed account's billing with its
// key. A managed account under rollup billing has none of it: its manager pays.

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

// Balance is an account's money position, derived from its ledger.
type Balance struct {
	Balance         Money
	Pending         Money
	CreditLimit     Money
	AvailableCredit Money
	Currency        string
}

// PaymentMethod is a card as the backend keeps it: never its number or CVC.
type PaymentMethod struct {
	ID        string
	AccountID string
	Type      string // PaymentMethodCard, the only type
	Card      Card
	Billing   BillingDetails
	// Declines marks the public test card that is declined on charge,
	// derived from the number when the method is created.
	Declines  bool
	Default   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PaymentMethodCard is the type of a card payment method.
const PaymentMethodCard = "card"

// Card is what is kept of a card number: its brand, its last four digits, its
// expiry and a keyed fingerprint (Secrets.CardFingerprint).
type Card struct {
	Brand       string
	Last4       string
	ExpMonth    int
	ExpYear     int
	Fingerprint string
}

// BillingDetails are the card holder's.
type BillingDetails struct {
	Name       string
	PostalCode string
	Country    string // ISO 3166-1 alpha-2
}

// Transaction is a charge of a payment method that credits the ledger: a
// top-up, asked for or made by auto-recharge. Its ledger entry has the
// transaction's ID as its Reference and settles with it.
type Transaction struct {
	ID              string
	AccountID       string
	PaymentMethodID string
	Amount          Money // positive, whole cents
	Currency        string
	AutoRecharge    bool
	CreatedAt       time.Time
	SettlesAt       time.Time
}

// Processor statuses of a transaction.
const (
	ProcessorSubmitted = "submitted_for_settlement"
	ProcessorSettled   = "settled"
)

// ProcessorStatus is the transaction's state at now: settled once its
// settlement delay has passed.
func (t *Transaction) ProcessorStatus(now time.Time) string {
	if now.Before(t.SettlesAt) {
		return ProcessorSubmitted
	}
	return ProcessorSettled
}

// AmountCents is the amount in cents, exact since a charge is whole cents.
func (t *Transaction) AmountCents() int64 { return int64(t.Amount / microsPerCent) }

// AutoRechargePrefs are an account's auto-recharge preferences.
type AutoRechargePrefs struct {
	ID              string // derived from the account (autoRechargePrefsID), stable
	AccountID       string
	Enabled         bool
	InvoiceEnabled  bool
	Preference      string
	RechargeAmount  Money
	ThresholdAmount Money
	UpdatedAt       time.Time
}

// Auto-recharge payment preferences the contract names. The reference
// backend charges the default card for either.
const (
	PreferenceCreditPaypal = "credit_paypal"
	PreferenceACH          = "ach"
)

// CardInput is the card of a create or update body. Number and CVC are only
// accepted on create; an update that carries them is refused.
type CardInput struct {
	Number   *string
	ExpMonth *int
	ExpYear  *int
	CVC      *string
}

// BillingDetailsInput is the billing_details of a create or update body.
type BillingDetailsInput struct {
	Name       *string
	PostalCode *string
	Country    *string
}

// CreatePaymentMethodInput is the body of POST /payment_methods.
type CreatePaymentMethodInput struct {
	Type           *string
	Card           *CardInput
	BillingDetails *BillingDetailsInput
	Default        *bool
}

// UpdatePaymentMethodInput is the body of PATCH /payment_methods/{id}.
type UpdatePaymentMethodInput struct {
	Card           *CardInput
	BillingDetails *BillingDetailsInput
	Default        *bool
}

// AutoRechargeInput is the body of PATCH /payment/auto_recharge_prefs; nil
// fields stay as they are.
type AutoRechargeInput struct {
	Enabled         *bool
	InvoiceEnabled  *bool
	Preference      *string
	RechargeAmount  *string
	ThresholdAmount *string
}

// Money limits of payments.
const (
	microsPerCent = MicrosPerUnit / 100
	// MaxTopUp is the largest top-up, and the largest recharge and threshold
	// amounts auto-recharge accepts.
	MaxTopUp Money = 10_000 * MicrosPerUnit
)

// requireOwnLedger refuses a managed account under rollup billing: it has no
// balance, payment methods or top-ups of its own.
func requireOwnLedger(c *Caller) error {
	if c.Account.BillingAccountID() != c.Account.ID {
		return InvalidField("/", "This account uses rollup billing: its manager pays its charges.")
	}
	return nil
}

// centsAmount parses an amount paid in: a decimal string with exactly two
// decimals, from min to MaxTopUp. Every failure is the contract's 10027.
func centsAmount(pointer string, v *string, minimum Money) (Money, error) {
	invalid := func(detail string) error {
		return &Error{Kind: EINVALID, Code: CodeInvalidAmount, Title: "Invalid amount format", Detail: detail, Pointer: pointer}
	}
	if v == nil {
		return 0, invalid(`Amount is required; it must include dollars and cents (e.g. "120.00").`)
	}
	m, err := ParseCents(*v)
	if err != nil {
		return 0, invalid(`Amount must include dollars and cents (e.g. "120.00").`)
	}
	if m < minimum || m > MaxTopUp {
		return 0, invalid("Amount must be between " + minimum.String() + " and " + MaxTopUp.String() + ".")
	}
	return m, nil
}

// ownPaymentMethod loads one of the caller's payment methods. Returns
// ENOTFOUND when it is unknown, deleted or another account's.
func ownPaymentMethod(ctx context.Context, tx Tx, c *Caller, id string) (*PaymentMethod, error) {
	pm, err := tx.GetPaymentMethod(ctx, id)
	if ErrorKind(err) == ENOTFOUND || (err == nil && pm.AccountID != c.Account.ID) {
		return nil, NotFound("Payment method")
	}
	return pm, err
}

// takeDefault clears the account's current default, if any and other than
// keep, so that another method can become the default (one per account).
// Moves of the default need no claim (Tx): each updates the row of the
// default it read, so two of them conflict on that row.
func (s *Service) takeDefault(ctx context.Context, tx Tx, accountID, keep string, now time.Time) (previous string, err error) {
	cur, err := tx.GetDefaultPaymentMethod(ctx, accountID)
	if ErrorKind(err) == ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	if cur.ID == keep {
		return "", nil
	}
	cur.Default, cur.UpdatedAt = false, now
	return cur.ID, tx.UpdatePaymentMethod(ctx, cur)
}

// CreatePaymentMethod adds a card to the caller's account. The first method
// becomes the default whatever Default says; a later one with Default true
// takes the default over. Returns EINVALID for bad input, under rollup
// billing, or when the account already has MaxPaymentMethodsPerAccount.
func (s *Service) CreatePaymentMethod(ctx context.Context, c *Caller, in CreatePaymentMethodInput) (*PaymentMethod, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	if in.Type == nil {
		return nil, InvalidField("/type", "type is required.")
	}
	if *in.Type != PaymentMethodCard {
		return nil, InvalidField("/type", "type must be card.")
	}
	if in.Card == nil {
		return nil, InvalidField("/card", "card is required.")
	}
	number, err := cardNumber(in.Card.Number)
	if err != nil {
		return nil, err
	}
	brand := cardBrand(number)
	month, err := expMonth(in.Card.ExpMonth)
	if err != nil {
		return nil, err
	}
	year, err := expYear(in.Card.ExpYear)
	if err != nil {
		return nil, err
	}
	if err := checkExpiry(month, year, s.now()); err != nil {
		return nil, err
	}
	if err := checkCVC(in.Card.CVC, brand); err != nil {
		return nil, err
	}
	billing, err := billingDetails(in.BillingDetails, nil)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	pm := &PaymentMethod{
		ID: newID(), AccountID: c.Account.ID, Type: PaymentMethodCard,
		Card: Card{
			Brand: brand, Last4: number[len(number)-4:], ExpMonth: month, ExpYear: year,
			Fingerprint: s.secrets.CardFingerprint(number),
		},
		Billing: billing, Declines: number == declinedTestCard, CreatedAt: now, UpdatedAt: now,
	}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		pm.Default = false // a run again (PostgreSQL) starts afresh
		if err := tx.Claim(ctx, SetPaymentMethods, c.Account.ID); err != nil {
			return err
		}
		n, err := tx.CountPaymentMethods(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		if n >= MaxPaymentMethodsPerAccount {
			return InvalidField("/", "This account already has %d payment methods, the most it may have; delete one first.", MaxPaymentMethodsPerAccount)
		}
		if n == 0 || deref(in.Default) {
			if _, err := s.takeDefault(ctx, tx, c.Account.ID, "", now); err != nil {
				return err
			}
			pm.Default = true
		}
		if err := tx.InsertPaymentMethod(ctx, pm); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, c.Account.ID, "payment_method.create", map[string]any{
			"payment_method_id": pm.ID, "brand": pm.Card.Brand, "last4": pm.Card.Last4,
			"exp_month": pm.Card.ExpMonth, "exp_year": pm.Card.ExpYear, "default": pm.Default,
		})
	})
	if err != nil {
		return nil, err
	}
	return pm, nil
}

// ListPaymentMethods returns a page of the caller's payment methods, newest
// first. Returns EBADREQUEST for a bad page and EINVALID under rollup billing.
func (s *Service) ListPaymentMethods(ctx context.Context, c *Caller, page Page) ([]*PaymentMethod, PageMeta, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, PageMeta{}, err
	}
	if err := validatePage(&page); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		list  []*PaymentMethod
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		list, total, err = tx.ListPaymentMethods(ctx, c.Account.ID, page)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(page, total), nil
}

// GetPaymentMethod returns one of the caller's payment methods. Returns
// ENOTFOUND when it is not the caller's and EINVALID under rollup billing.
func (s *Service) GetPaymentMethod(ctx context.Context, c *Caller, id string) (*PaymentMethod, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	var pm *PaymentMethod
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		pm, err = ownPaymentMethod(ctx, tx, c, id)
		return err
	})
	return pm, err
}

// UpdatePaymentMethod changes a method's expiry, billing details or makes it
// the default. The number and CVC cannot change (a new card is a new
// method), and the default cannot be unset, only moved to another method.
// Returns ENOTFOUND when the method is not the caller's and EINVALID for bad
// input or under rollup billing.
func (s *Service) UpdatePaymentMethod(ctx context.Context, c *Caller, id string, in UpdatePaymentMethodInput) (*PaymentMethod, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	if in.Card != nil {
		if in.Card.Number != nil {
			return nil, InvalidField("/card/number", "The card number cannot be changed; create a new method.")
		}
		if in.Card.CVC != nil {
			return nil, InvalidField("/card/cvc", "The CVC cannot be changed; create a new method.")
		}
	}
	var out *PaymentMethod
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		pm, err := ownPaymentMethod(ctx, tx, c, id)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		now := s.timestamp()
		if in.Card != nil && (in.Card.ExpMonth != nil || in.Card.ExpYear != nil) {
			month, year := pm.Card.ExpMonth, pm.Card.ExpYear
			if in.Card.ExpMonth != nil {
				if month, err = expMonth(in.Card.ExpMonth); err != nil {
					return err
				}
			}
			if in.Card.ExpYear != nil {
				if year, err = expYear(in.Card.ExpYear); err != nil {
					return err
				}
			}
			if err := checkExpiry(month, year, now); err != nil {
				return err
			}
			if month != pm.Card.ExpMonth || year != pm.Card.ExpYear {
				changes["expiry"] = map[string]any{
					"old": map[string]any{"exp_month": pm.Card.ExpMonth, "exp_year": pm.Card.ExpYear},
					"new": map[string]any{"exp_month": month, "exp_year": year},
				}
				pm.Card.ExpMonth, pm.Card.ExpYear = month, year
			}
		}
		if in.BillingDetails != nil {
			b, err := billingDetails(in.BillingDetails, &pm.Billing)
			if err != nil {
				return err
			}
			if b != pm.Billing {
				changes["billing_details"] = map[string]any{"old": billingChanges(pm.Billing), "new": billingChanges(b)}
				pm.Billing = b
			}
		}
		if in.Default != nil {
			switch {
			case *in.Default && !pm.Default:
				previous, err := s.takeDefault(ctx, tx, c.Account.ID, pm.ID, now)
				if err != nil {
					return err
				}
				changes["default"] = map[string]any{"old": false, "new": true, "previous_default_id": previous}
				pm.Default = true
			case !*in.Default && pm.Default:
				return InvalidField("/default", "This is the default payment method: set another method as default instead.")
			}
		}
		out = pm
		if len(changes) == 0 {
			return nil
		}
		pm.UpdatedAt = now
		if err := tx.UpdatePaymentMethod(ctx, pm); err != nil {
			return err
		}
		changes["payment_method_id"] = pm.ID
		return s.audit(ctx, tx, c, c.Account.ID, "payment_method.update", changes)
	})
	return out, err
}

func billingChanges(b BillingDetails) map[string]any {
	return map[string]any{"name": b.Name, "postal_code": b.PostalCode, "country": b.Country}
}

// DeletePaymentMethod removes one of the caller's methods and returns it as
// it was. Deleting the default promotes the newest remaining method, or
// leaves the account without one. Returns ENOTFOUND when the method is not
// the caller's and EINVALID under rollup billing.
func (s *Service) DeletePaymentMethod(ctx context.Context, c *Caller, id string) (*PaymentMethod, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	var out *PaymentMethod
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		// Deleting the default reads what remains to promote one of them,
		// against creates that read the methods to make the first the default.
		if err := tx.Claim(ctx, SetPaymentMethods, c.Account.ID); err != nil {
			return err
		}
		pm, err := ownPaymentMethod(ctx, tx, c, id)
		if err != nil {
			return err
		}
		now := s.timestamp()
		if err := tx.DeletePaymentMethod(ctx, pm.ID, now); err != nil {
			return err
		}
		changes := map[string]any{"payment_method_id": pm.ID, "brand": pm.Card.Brand, "last4": pm.Card.Last4}
		if pm.Default {
			rest, _, err := tx.ListPaymentMethods(ctx, c.Account.ID, Page{Number: 1, Size: 1})
			if err != nil {
				return err
			}
			changes["new_default_id"] = nil
			if len(rest) == 1 {
				next := rest[0]
				next.Default, next.UpdatedAt = true, now
				if err := tx.UpdatePaymentMethod(ctx, next); err != nil {
					return err
				}
				changes["new_default_id"] = next.ID
			}
		}
		out = pm
		return s.audit(ctx, tx, c, c.Account.ID, "payment_method.delete", changes)
	})
	return out, err
}

// TopUp charges the caller's default payment method amount ("120.00": two
// decimals, 0.01 to MaxTopUp) and credits the ledger; the credit is pending
// until the settlement delay has passed. Nothing is written when it fails.
// Returns EINVALID (code 10027) for a bad amount, EINVALID without a default
// method or under rollup billing, and EINVALID titled "Card declined" when
// the card is declined.
func (s *Service) TopUp(ctx context.Context, c *Caller, amount *string) (*Transaction, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	m, err := centsAmount("/amount", amount, microsPerCent)
	if err != nil {
		return nil, err
	}
	var (
		t        *Transaction
		declined *PaymentMethod
	)
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		declined = nil // a run again (PostgreSQL) starts afresh
		a, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		pm, err := tx.GetDefaultPaymentMethod(ctx, a.ID)
		if ErrorKind(err) == ENOTFOUND {
			return InvalidField("/", "The account has no default payment method: add a card with POST /v2/payment_methods first.")
		} else if err != nil {
			return err
		}
		if pm.Declines {
			declined = pm
			return cardDeclined(pm)
		}
		if t, err = s.charge(ctx, tx, a, pm, m, false); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, a.ID, "payment.top_up", map[string]any{
			"transaction_id": t.ID, "payment_method_id": pm.ID, "amount": m.String(), "auto_recharge": false,
		})
	})
	if declined != nil && ErrorKind(err) == EINVALID {
		if notifyErr := s.topUpDeclined(ctx, c, declined, m); notifyErr != nil {
			return nil, notifyErr
		}
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func cardDeclined(pm *PaymentMethod) error {
	return &Error{Kind: EINVALID, Code: "10004", Title: "Card declined", Pointer: "/",
		Detail: "The " + pm.Card.Brand + " card ending in " + pm.Card.Last4 + " was declined; nothing was charged."}
}

// charge records a successful charge of pm: the transaction, and the top-up
// ledger entry that credits a (its owner) once the settlement delay has passed.
func (s *Service) charge(ctx context.Context, tx Tx, a *Account, pm *PaymentMethod, amount Money, auto bool) (*Transaction, error) {
	now := s.timestamp()
	t := &Transaction{
		ID: newID(), AccountID: a.ID, PaymentMethodID: pm.ID, Amount: amount, Currency: Currency,
		AutoRecharge: auto, CreatedAt: now, SettlesAt: now.Add(s.TopUpSettlementDelay()),
	}
	if err := tx.InsertTransaction(ctx, t); err != nil {
		return nil, err
	}
	description := "Top-up"
	if auto {
		description = "Auto-recharge top-up"
	}
	entry := &LedgerEntry{
		ID: newID(), AccountID: a.ID, SubjectID: a.ID, Kind: LedgerTopUp, Amount: amount, Currency: Currency,
		Description: description + " by " + pm.Card.Brand + " card ending in " + pm.Card.Last4,
		Reference:   t.ID, CreatedAt: now, SettlesAt: t.SettlesAt,
	}
	if err := s.postEntry(ctx, tx, entry, "/amount"); err != nil {
		return nil, err
	}
	return t, nil
}

// balanceOf derives an account's balance from the ledger that carries its
// money: the entries settled now, and the top-ups still pending.
func (s *Service) balanceOf(ctx context.Context, tx Tx, a *Account) (*Balance, error) {
	billing := a
	if id := a.BillingAccountID(); id != a.ID {
		m, err := tx.GetAccount(ctx, id)
		if err != nil {
			return nil, err
		}
		billing = m
	}
	sums, err := tx.LedgerTotals(ctx, billing.ID, s.now())
	if err != nil {
		return nil, err
	}
	avail, err := sums.Settled.Add(billing.CreditLimit)
	if err != nil {
		return nil, Errorf(EINTERNAL, "balance overflow")
	}
	return &Balance{Balance: sums.Settled, Pending: sums.Pending, CreditLimit: billing.CreditLimit, AvailableCredit: avail, Currency: Currency}, nil
}

// Balance returns the caller's balance. Any authenticated caller may read its
// own; a managed account under rollup billing sees the shared balance of its
// manager, which is where its charges land.
func (s *Service) Balance(ctx context.Context, c *Caller) (*Balance, error) {
	var b *Balance
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		b, err = s.balanceOf(ctx, tx, a)
		return err
	})
	return b, err
}

// postEntry posts one entry as postEntries does.
func (s *Service) postEntry(ctx context.Context, tx Tx, e *LedgerEntry, pointer string) error {
	return s.postEntries(ctx, tx, e.AccountID, []*LedgerEntry{e}, pointer)
}

// postEntries inserts entries of the ledger of accountID unless they would
// take its turnover past MaxLedgerTurnover, which keeps every later sum of
// the ledger in range: that is refused at pointer, the field of the
// amounts. The ledger is summed once for them all. Every posting to a ledger
// comes through here, and claims it (Tx.Claim): the turnover check reads it,
// and so does autoRecharge after a charge.
func (s *Service) postEntries(ctx context.Context, tx Tx, accountID string, entries []*LedgerEntry, pointer string) error {
	amounts := make([]Money, len(entries))
	for i, e := range entries {
		if e.AccountID != accountID {
			return Errorf(EINTERNAL, "postEntries: entry %s of %s posted to the ledger of %s", e.ID, e.AccountID, accountID)
		}
		amounts[i] = e.Amount
	}
	if err := tx.Claim(ctx, SetLedger, accountID); err != nil {
		return err
	}
	sums, err := tx.LedgerTotals(ctx, accountID, s.now())
	if err != nil {
		return err
	}
	if _, ok := AddTurnover(sums.Turnover, amounts...); !ok {
		return turnoverExceeded(pointer, sums.Turnover)
	}
	for _, e := range entries {
		if err := tx.InsertLedgerEntry(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

func turnoverExceeded(pointer string, turnover Money) error {
	return InvalidField(pointer, "This would take the ledger past its turnover limit: the absolute amounts of a ledger's entries "+
		"may add up to %s at most over its life, and they add up to %s already.", MaxLedgerTurnover, turnover)
}

// postCharge posts a charge (an entry of zero or less: a negative adjustment,
// a usage charge) to the ledger of account, which must own it (the manager
// under rollup billing; entry.SubjectID names the account charged), and
// then, in the same transaction, fires auto-recharge when the charge took the
// balance under the threshold, and the balance alerts it crossed
// (afterCharge). The ledger's claim (postEntries) orders concurrent charges,
// so each sees the recharges of the ones before it: one crossing, one
// recharge, one alert.
func (s *Service) postCharge(ctx context.Context, tx Tx, account *Account, entry *LedgerEntry, pointer string) error {
	return s.postCharges(ctx, tx, account, []*LedgerEntry{entry}, pointer)
}

// postCharges posts several charges to the ledger of account as postCharge
// posts one, and fires auto-recharge and the alerts once, after the last: a
// batch of usage crosses a threshold once at most.
func (s *Service) postCharges(ctx context.Context, tx Tx, account *Account, entries []*LedgerEntry, pointer string) error {
	for _, e := range entries {
		if e.AccountID != account.ID || account.BillingAccountID() != account.ID || e.Amount > 0 {
			return Errorf(EINTERNAL, "postCharges: entry %s of %s (amount %s) cannot be charged to the ledger of %s",
				e.ID, e.AccountID, e.Amount, account.ID)
		}
	}
	if err := s.postEntries(ctx, tx, account.ID, entries, pointer); err != nil {
		return err
	}
	return s.afterCharge(ctx, tx, account, entries...)
}

// autoRecharge tops the account up when auto-recharge is on and its funds
// (settled balance plus pending top-ups, so that a recharge still settling is
// not made twice) are under the threshold: by what is missing to the
// threshold plus the recharge amount, rounded up to whole cents since a card
// is charged in cents. A declined card, or none, writes an
// "auto_recharge.failed" audit event instead and leaves the charge in place.
// Most charges come from the operator's side (adjustments, usage), and the
// recharge is the backend's doing whatever fired it (a balance transfer's
// debit too), so the events are the operator's. The charge before it
// claimed the ledger.
func (s *Service) autoRecharge(ctx context.Context, tx Tx, a *Account) error {
	prefs, err := tx.GetAutoRechargePrefs(ctx, a.ID)
	if ErrorKind(err) == ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if !prefs.Enabled {
		return nil
	}
	sums, err := tx.LedgerTotals(ctx, a.ID, s.now())
	if err != nil {
		return err
	}
	// Pending holds top-ups only, so a sum that overflows does so upwards:
	// far above any threshold.
	funds, overflow := sums.Settled.Add(sums.Pending)
	if overflow != nil || funds >= prefs.ThresholdAmount {
		return nil
	}
	amount, ok := rechargeAmount(prefs, funds)
	if ok {
		// A recharge the ledger has no room for is not made; the charge
		// that called for it stands.
		_, ok = AddTurnover(sums.Turnover, amount)
	}
	changes := map[string]any{
		"funds": funds.String(), "threshold_amount": prefs.ThresholdAmount.String(),
		"recharge_amount": prefs.RechargeAmount.String(),
	}
	if !ok {
		changes["reason"] = "amount_out_of_range"
		return s.rechargeFailed(ctx, tx, a, amount, nil, changes)
	}
	changes["amount"] = amount.String()
	pm, err := tx.GetDefaultPaymentMethod(ctx, a.ID)
	if ErrorKind(err) == ENOTFOUND {
		changes["reason"] = "no_default_payment_method"
		return s.rechargeFailed(ctx, tx, a, amount, nil, changes)
	} else if err != nil {
		return err
	}
	changes["payment_method_id"] = pm.ID
	if pm.Declines {
		changes["reason"] = "card_declined"
		return s.rechargeFailed(ctx, tx, a, amount, pm, changes)
	}
	t, err := s.charge(ctx, tx, a, pm, amount, true)
	if err != nil {
		return err
	}
	changes["transaction_id"] = t.ID
	return s.audit(ctx, tx, nil, a.ID, "auto_recharge.top_up", changes)
}

// rechargeAmount is (threshold − funds) + recharge amount, rounded up to
// whole cents; false when it does not fit in Money.
func rechargeAmount(p *AutoRechargePrefs, funds Money) (Money, bool) {
	if funds < -maxRechargeDebt {
		return 0, false
	}
	missing := p.ThresholdAmount - funds // both bounded: no overflow
	amount, err := missing.Add(p.RechargeAmount)
	if err != nil {
		return 0, false
	}
	if rem := amount % microsPerCent; rem != 0 {
		if amount, err = amount.Add(microsPerCent - rem); err != nil {
			return 0, false
		}
	}
	return amount, true
}

// maxRechargeDebt bounds the debt auto-recharge covers in one charge, far
// beyond any real account, so that its arithmetic cannot overflow.
const maxRechargeDebt Money = 1 << 60

// autoRechargeNamespace derives the stable ids of auto-recharge preferences.
var autoRechargeNamespace = uuid.MustParse("6f0e1c4a-8d7b-4a52-9c3e-2b1d5f7a9e10")

func autoRechargePrefsID(accountID string) string {
	return uuid.NewSHA1(autoRechargeNamespace, []byte(accountID+"/auto_recharge_pref")).String()
}

// defaultAutoRechargePrefs are an account's preferences until first set.
func defaultAutoRechargePrefs(accountID string) *AutoRechargePrefs {
	return &AutoRechargePrefs{ID: autoRechargePrefsID(accountID), AccountID: accountID, Preference: PreferenceCreditPaypal}
}

func loadAutoRechargePrefs(ctx context.Context, tx Tx, accountID string) (*AutoRechargePrefs, error) {
	p, err := tx.GetAutoRechargePrefs(ctx, accountID)
	if ErrorKind(err) == ENOTFOUND {
		return defaultAutoRechargePrefs(accountID), nil
	}
	return p, err
}

// AutoRechargePrefs returns the caller's auto-recharge preferences (the
// defaults, off, until first set). Returns EINVALID under rollup billing.
func (s *Service) AutoRechargePrefs(ctx context.Context, c *Caller) (*AutoRechargePrefs, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	var p *AutoRechargePrefs
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		p, err = loadAutoRechargePrefs(ctx, tx, c.Account.ID)
		return err
	})
	return p, err
}

// UpdateAutoRechargePrefs changes the caller's auto-recharge preferences.
// Enabled auto-recharge needs a recharge amount above zero, and turning it
// on needs a default payment method. Returns EINVALID (code 10027 for an
// amount) for bad input and under rollup billing.
func (s *Service) UpdateAutoRechargePrefs(ctx context.Context, c *Caller, in AutoRechargeInput) (*AutoRechargePrefs, error) {
	if err := requireOwnLedger(c); err != nil {
		return nil, err
	}
	if in.Preference != nil && *in.Preference != PreferenceCreditPaypal && *in.Preference != PreferenceACH {
		return nil, InvalidField("/preference", "preference must be credit_paypal or ach.")
	}
	var recharge, threshold *Money
	if in.RechargeAmount != nil {
		m, err := centsAmount("/recharge_amount", in.RechargeAmount, 0)
		if err != nil {
			return nil, err
		}
		recharge = &m
	}
	if in.ThresholdAmount != nil {
		m, err := centsAmount("/threshold_amount", in.ThresholdAmount, 0)
		if err != nil {
			return nil, err
		}
		threshold = &m
	}
	var out *AutoRechargePrefs
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		p, err := loadAutoRechargePrefs(ctx, tx, c.Account.ID)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		setBool := func(name string, dst *bool, v *bool) {
			if v != nil && *v != *dst {
				changes[name] = map[string]any{"old": *dst, "new": *v}
				*dst = *v
			}
		}
		setMoney := func(name string, dst *Money, v *Money) {
			if v != nil && *v != *dst {
				changes[name] = map[string]any{"old": dst.String(), "new": v.String()}
				*dst = *v
			}
		}
		setBool("enabled", &p.Enabled, in.Enabled)
		setBool("invoice_enabled", &p.InvoiceEnabled, in.InvoiceEnabled)
		if in.Preference != nil && *in.Preference != p.Preference {
			changes["preference"] = map[string]any{"old": p.Preference, "new": *in.Preference}
			p.Preference = *in.Preference
		}
		setMoney("recharge_amount", &p.RechargeAmount, recharge)
		setMoney("threshold_amount", &p.ThresholdAmount, threshold)
		if p.Enabled && p.RechargeAmount <= 0 {
			return &Error{Kind: EINVALID, Code: CodeInvalidAmount, Title: "Invalid amount format", Pointer: "/recharge_amount",
				Detail: "recharge_amount must be more than 0.00 while auto-recharge is enabled."}
		}
		if deref(in.Enabled) {
			if _, err := tx.GetDefaultPaymentMethod(ctx, c.Account.ID); ErrorKind(err) == ENOTFOUND {
				return InvalidField("/enabled", "Auto-recharge charges the default payment method, and the account has none: add a card first.")
			} else if err != nil {
				return err
			}
		}
		out = p
		if len(changes) == 0 {
			return nil
		}
		p.UpdatedAt = s.timestamp()
		if err := tx.PutAutoRechargePrefs(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, c.Account.ID, "auto_recharge_prefs.update", changes)
	})
	return out, err
}
