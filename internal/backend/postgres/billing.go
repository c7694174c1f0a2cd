package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// ---------------------------------------------------------------- ledger

func (t *tx) InsertLedgerEntry(ctx context.Context, e *backend.LedgerEntry) error {
	// A zero SettlesAt is a caller's bug, not "at once": say so rather than
	// let the table's CHECK refuse it obscurely.
	if e.SettlesAt.IsZero() {
		return errors.New("postgres: insert ledger entry: settles_at is required (CreatedAt for an entry that settles at once)")
	}
	if err := checkTimes(at("created_at", e.CreatedAt), at("settles_at", e.SettlesAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert ledger entry", `INSERT INTO ledger_entries
		(id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
		e.ID, e.AccountID, nullID(e.SubjectID), string(e.Kind), int64(e.Amount), e.Currency, e.Description, e.Reference,
		e.CreatedAt, e.SettlesAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A ledger entry with this id")
	}
	return nil
}

func (t *tx) LedgerTotals(ctx context.Context, accountID string, at time.Time) (backend.LedgerSums, error) {
	if err := checkTime("at", at); err != nil {
		return backend.LedgerSums{}, err
	}
	// SUM over bigint is numeric, exact; the cast back fails on overflow
	// instead of losing precision.
	var s, p, turnover int64
	if err := t.conn.QueryRow(ctx, `SELECT
		COALESCE(SUM(amount) FILTER (WHERE settles_at <= $1), 0)::bigint,
		COALESCE(SUM(amount) FILTER (WHERE settles_at > $1), 0)::bigint,
		COALESCE(SUM(abs(amount)), 0)::bigint
		FROM ledger_entries WHERE account_id = $2`, at, accountID).Scan(&s, &p, &turnover); err != nil {
		return backend.LedgerSums{}, t.fail(ctx, "sum ledger", err)
	}
	return backend.LedgerSums{Settled: backend.Money(s), Pending: backend.Money(p), Turnover: backend.Money(turnover)}, nil
}

// ---------------------------------------------------------------- payment methods

const paymentMethodColumns = `id, account_id, type, brand, last4, exp_month, exp_year, fingerprint, declines,
	billing_name, billing_postal_code, billing_country, is_default, created_at, updated_at`

func (t *tx) InsertPaymentMethod(ctx context.Context, pm *backend.PaymentMethod) error {
	if err := checkTimes(at("created_at", pm.CreatedAt), at("updated_at", pm.UpdatedAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert payment method", `INSERT INTO payment_methods (`+paymentMethodColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
		pm.ID, pm.AccountID, pm.Type, pm.Card.Brand, pm.Card.Last4, pm.Card.ExpMonth, pm.Card.ExpYear, pm.Card.Fingerprint,
		pm.Declines, pm.Billing.Name, pm.Billing.PostalCode, pm.Billing.Country, pm.Default, pm.CreatedAt, pm.UpdatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A payment method with this id, or a default payment method for this account,")
	}
	return nil
}

func (t *tx) GetPaymentMethod(ctx context.Context, id string) (*backend.PaymentMethod, error) {
	if !storable(id) {
		return nil, backend.NotFound("Payment method")
	}
	return queryOne(ctx, t, "get payment method", "Payment method", scanPaymentMethod,
		`SELECT `+paymentMethodColumns+` FROM payment_methods WHERE id = $1 AND deleted_at IS NULL`, id)
}

func (t *tx) GetDefaultPaymentMethod(ctx context.Context, accountID string) (*backend.PaymentMethod, error) {
	if !storable(accountID) {
		return nil, backend.NotFound("Payment method")
	}
	// The partial unique index allows one default per account; deleted
	// methods are never the default.
	return queryOne(ctx, t, "get default payment method", "Payment method", scanPaymentMethod,
		`SELECT `+paymentMethodColumns+` FROM payment_methods WHERE account_id = $1 AND is_default`, accountID)
}

func (t *tx) ListPaymentMethods(ctx context.Context, accountID string, page backend.Page) ([]*backend.PaymentMethod, int, error) {
	if err := sqlstore.CheckPage(page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list payment methods: %w", err)
	}
	total, err := t.CountPaymentMethods(ctx, accountID)
	if err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, t, "list payment methods", scanPaymentMethod, `SELECT `+paymentMethodColumns+`
		FROM payment_methods WHERE account_id = $1 AND deleted_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, accountID, page.Size, page.Offset())
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

func (t *tx) CountPaymentMethods(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count payment methods",
		`SELECT COUNT(*) FROM payment_methods WHERE account_id = $1 AND deleted_at IS NULL`, accountID)
}

func (t *tx) UpdatePaymentMethod(ctx context.Context, pm *backend.PaymentMethod) error {
	if err := checkTime("updated_at", pm.UpdatedAt); err != nil {
		return err
	}
	// The card (brand, last4, fingerprint, declines), type, owner and
	// created_at never change: a new card is a new method.
	tag, err := t.execGuarded(ctx, "update payment method", conflictIs(conflict("A default payment method for this account")),
		`UPDATE payment_methods SET
		exp_month = $1, exp_year = $2, billing_name = $3, billing_postal_code = $4, billing_country = $5,
		is_default = $6, updated_at = $7
		WHERE id = $8 AND deleted_at IS NULL`,
		pm.Card.ExpMonth, pm.Card.ExpYear, pm.Billing.Name, pm.Billing.PostalCode, pm.Billing.Country,
		pm.Default, pm.UpdatedAt, pm.ID)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Payment method")
}

func (t *tx) DeletePaymentMethod(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("deleted_at", at); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "delete payment method",
		`UPDATE payment_methods SET deleted_at = $1, is_default = false
		WHERE id = $2 AND deleted_at IS NULL`, at, id)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Payment method")
}

func scanPaymentMethod(row pgx.Row) (*backend.PaymentMethod, error) {
	var (
		pm              backend.PaymentMethod
		month, year     int64
		created, update time.Time
	)
	if err := row.Scan(&pm.ID, &pm.AccountID, &pm.Type, &pm.Card.Brand, &pm.Card.Last4, &month, &year,
		&pm.Card.Fingerprint, &pm.Declines, &pm.Billing.Name, &pm.Billing.PostalCode, &pm.Billing.Country, &pm.Default,
		&created, &update); err != nil {
		return nil, err
	}
	pm.Card.ExpMonth, pm.Card.ExpYear = int(month), int(year)
	pm.CreatedAt, pm.UpdatedAt = created.UTC(), update.UTC()
	return &pm, nil
}

// ---------------------------------------------------------------- transactions

const transactionColumns = `id, account_id, payment_method_id, amount, currency, auto_recharge, created_at, settles_at`

func (t *tx) InsertTransaction(ctx context.Context, tr *backend.Transaction) error {
	if err := checkTimes(at("created_at", tr.CreatedAt), at("settles_at", tr.SettlesAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert transaction", `INSERT INTO payment_transactions (`+transactionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		tr.ID, tr.AccountID, tr.PaymentMethodID, int64(tr.Amount), tr.Currency, tr.AutoRecharge, tr.CreatedAt, tr.SettlesAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A transaction with this id")
	}
	return nil
}

func (t *tx) ListTransactions(ctx context.Context, accountID string, page backend.Page) ([]*backend.Transaction, int, error) {
	if err := sqlstore.CheckPage(page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list transactions: %w", err)
	}
	total, err := t.count(ctx, "count transactions", `SELECT COUNT(*) FROM payment_transactions WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, t, "list transactions", scanTransaction, `SELECT `+transactionColumns+`
		FROM payment_transactions WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
		accountID, page.Size, page.Offset())
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

func scanTransaction(row pgx.Row) (*backend.Transaction, error) {
	var (
		tr     backend.Transaction
		amount int64
	)
	if err := row.Scan(&tr.ID, &tr.AccountID, &tr.PaymentMethodID, &amount, &tr.Currency, &tr.AutoRecharge,
		&tr.CreatedAt, &tr.SettlesAt); err != nil {
		return nil, err
	}
	tr.Amount = backend.Money(amount)
	tr.CreatedAt, tr.SettlesAt = tr.CreatedAt.UTC(), tr.SettlesAt.UTC()
	return &tr, nil
}

// ---------------------------------------------------------------- auto-recharge

func (t *tx) GetAutoRechargePrefs(ctx context.Context, accountID string) (*backend.AutoRechargePrefs, error) {
	return queryOne(ctx, t, "get auto-recharge preferences", "Auto-recharge preferences",
		func(row pgx.Row) (*backend.AutoRechargePrefs, error) {
			var (
				p                   backend.AutoRechargePrefs
				recharge, threshold int64
			)
			if err := row.Scan(&p.AccountID, &p.ID, &p.Enabled, &p.InvoiceEnabled, &p.Preference,
				&recharge, &threshold, &p.UpdatedAt); err != nil {
				return nil, err
			}
			p.RechargeAmount, p.ThresholdAmount = backend.Money(recharge), backend.Money(threshold)
			p.UpdatedAt = p.UpdatedAt.UTC()
			return &p, nil
		},
		`SELECT account_id, id, enabled, invoice_enabled, preference, recharge_amount, threshold_amount, updated_at
		FROM auto_recharge_prefs WHERE account_id = $1`, accountID)
}

func (t *tx) PutAutoRechargePrefs(ctx context.Context, p *backend.AutoRechargePrefs) error {
	if err := checkTime("updated_at", p.UpdatedAt); err != nil {
		return err
	}
	// The upsert's target is the account; another account's row with the
	// same id is the conflict left, caught by the savepoint.
	_, err := t.execGuarded(ctx, "put auto-recharge preferences", conflictIs(conflict("Auto-recharge preferences with this id")),
		`INSERT INTO auto_recharge_prefs
		(account_id, id, enabled, invoice_enabled, preference, recharge_amount, threshold_amount, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (account_id) DO UPDATE SET
			id = excluded.id, enabled = excluded.enabled, invoice_enabled = excluded.invoice_enabled,
			preference = excluded.preference, recharge_amount = excluded.recharge_amount,
			threshold_amount = excluded.threshold_amount, updated_at = excluded.updated_at`,
		p.AccountID, p.ID, p.Enabled, p.InvoiceEnabled, p.Preference,
		int64(p.RechargeAmount), int64(p.ThresholdAmount), p.UpdatedAt)
	return err
}
