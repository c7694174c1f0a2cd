package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// ---------------------------------------------------------------- ledger

func (t *tx) InsertLedgerEntry(ctx context.Context, e *backend.LedgerEntry) error {
	if err := checkTime("created_at", e.CreatedAt); err != nil {
		return err
	}
	// A zero SettlesAt is a caller's bug, not "at once": say so rather than
	// let the table's CHECK refuse it obscurely.
	if e.SettlesAt.IsZero() {
		return errors.New("sqlite: insert ledger entry: settles_at is required (CreatedAt for an entry that settles at once)")
	}
	if err := checkTime("settles_at", e.SettlesAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO ledger_entries
		(id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.AccountID, nullID(e.SubjectID), string(e.Kind), int64(e.Amount), e.Currency, e.Description, e.Reference,
		formatTime(e.CreatedAt), formatTime(e.SettlesAt))
	if isUniqueViolation(err) {
		return conflict("A ledger entry with this id")
	}
	if err != nil {
		return dbError("insert ledger entry", err)
	}
	return nil
}

func (t *tx) LedgerTotals(ctx context.Context, accountID string, at time.Time) (backend.LedgerSums, error) {
	if err := checkTime("at", at); err != nil {
		return backend.LedgerSums{}, err
	}
	// SUM over INTEGER is exact, and fails on overflow instead of going float
	// (TOTAL would return a REAL). Fixed-width times compare as text.
	var s, p, turnover int64
	if err := t.tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN settles_at <= ?1 THEN amount END), 0),
		COALESCE(SUM(CASE WHEN settles_at > ?1 THEN amount END), 0),
		COALESCE(SUM(abs(amount)), 0)
		FROM ledger_entries WHERE account_id = ?2`,
		formatTime(at), accountID).Scan(&s, &p, &turnover); err != nil {
		return backend.LedgerSums{}, dbError("sum ledger", err)
	}
	return backend.LedgerSums{Settled: backend.Money(s), Pending: backend.Money(p), Turnover: backend.Money(turnover)}, nil
}

// ---------------------------------------------------------------- payment methods

const paymentMethodColumns = `id, account_id, type, brand, last4, exp_month, exp_year, fingerprint, declines,
	billing_name, billing_postal_code, billing_country, is_default, created_at, updated_at`

func (t *tx) InsertPaymentMethod(ctx context.Context, pm *backend.PaymentMethod) error {
	if err := checkTime("created_at", pm.CreatedAt); err != nil {
		return err
	}
	if err := checkTime("updated_at", pm.UpdatedAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO payment_methods (`+paymentMethodColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		pm.ID, pm.AccountID, pm.Type, pm.Card.Brand, pm.Card.Last4, pm.Card.ExpMonth, pm.Card.ExpYear, pm.Card.Fingerprint,
		boolInt(pm.Declines), pm.Billing.Name, pm.Billing.PostalCode, pm.Billing.Country, boolInt(pm.Default),
		formatTime(pm.CreatedAt), formatTime(pm.UpdatedAt))
	if isUniqueViolation(err) {
		return conflict("A payment method with this id, or a default payment method for this account,")
	}
	if err != nil {
		return dbError("insert payment method", err)
	}
	return nil
}

func (t *tx) GetPaymentMethod(ctx context.Context, id string) (*backend.PaymentMethod, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+paymentMethodColumns+` FROM payment_methods
		WHERE id = ? AND deleted_at IS NULL`, id)
	return scanOnePaymentMethod(row, "get payment method")
}

func (t *tx) GetDefaultPaymentMethod(ctx context.Context, accountID string) (*backend.PaymentMethod, error) {
	// The partial unique index allows one default per account; deleted
	// methods are never the default.
	row := t.tx.QueryRowContext(ctx, `SELECT `+paymentMethodColumns+` FROM payment_methods
		WHERE account_id = ? AND is_default = 1`, accountID)
	return scanOnePaymentMethod(row, "get default payment method")
}

func (t *tx) ListPaymentMethods(ctx context.Context, accountID string, page backend.Page) ([]*backend.PaymentMethod, int, error) {
	if err := sqlstore.CheckPage(page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list payment methods: %w", err)
	}
	total, err := t.CountPaymentMethods(ctx, accountID)
	if err != nil {
		return nil, 0, err
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT `+paymentMethodColumns+` FROM payment_methods
		WHERE account_id = ? AND deleted_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, accountID, page.Size, page.Offset())
	if err != nil {
		return nil, 0, dbError("list payment methods", err)
	}
	defer func() { _ = rows.Close() }()
	list := []*backend.PaymentMethod{}
	for rows.Next() {
		pm, err := scanPaymentMethod(rows, "list payment methods")
		if err != nil {
			return nil, 0, err
		}
		list = append(list, pm)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list payment methods", err)
	}
	return list, total, nil
}

func (t *tx) CountPaymentMethods(ctx context.Context, accountID string) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_methods WHERE account_id = ? AND deleted_at IS NULL`,
		accountID).Scan(&n)
	if err != nil {
		return 0, dbError("count payment methods", err)
	}
	return n, nil
}

func (t *tx) UpdatePaymentMethod(ctx context.Context, pm *backend.PaymentMethod) error {
	if err := checkTime("updated_at", pm.UpdatedAt); err != nil {
		return err
	}
	// The card (brand, last4, fingerprint, declines), type, owner and
	// created_at never change: a new card is a new method.
	res, err := t.tx.ExecContext(ctx, `UPDATE payment_methods SET
		exp_month = ?, exp_year = ?, billing_name = ?, billing_postal_code = ?, billing_country = ?,
		is_default = ?, updated_at = ?
		WHERE id = ? AND deleted_at IS NULL`,
		pm.Card.ExpMonth, pm.Card.ExpYear, pm.Billing.Name, pm.Billing.PostalCode, pm.Billing.Country,
		boolInt(pm.Default), formatTime(pm.UpdatedAt), pm.ID)
	if isUniqueViolation(err) {
		return conflict("A default payment method for this account")
	}
	if err != nil {
		return dbError("update payment method", err)
	}
	return expectOneRow(res, "Payment method", "update payment method")
}

func (t *tx) DeletePaymentMethod(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("deleted_at", at); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE payment_methods SET deleted_at = ?, is_default = 0
		WHERE id = ? AND deleted_at IS NULL`, formatTime(at), id)
	if err != nil {
		return dbError("delete payment method", err)
	}
	return expectOneRow(res, "Payment method", "delete payment method")
}

func scanOnePaymentMethod(row *sql.Row, op string) (*backend.PaymentMethod, error) {
	pm, err := scanPaymentMethod(row, op)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Payment method")
	}
	return pm, err
}

func scanPaymentMethod(row scanner, op string) (*backend.PaymentMethod, error) {
	var (
		pm                   backend.PaymentMethod
		declines, isDefault  int
		createdAt, updatedAt string
	)
	err := row.Scan(&pm.ID, &pm.AccountID, &pm.Type, &pm.Card.Brand, &pm.Card.Last4, &pm.Card.ExpMonth, &pm.Card.ExpYear,
		&pm.Card.Fingerprint, &declines, &pm.Billing.Name, &pm.Billing.PostalCode, &pm.Billing.Country, &isDefault,
		&createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	pm.Declines, pm.Default = declines != 0, isDefault != 0
	if pm.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, dbError(op, err)
	}
	if pm.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, dbError(op, err)
	}
	return &pm, nil
}

// ---------------------------------------------------------------- transactions

const transactionColumns = `id, account_id, payment_method_id, amount, currency, auto_recharge, created_at, settles_at`

func (t *tx) InsertTransaction(ctx context.Context, tr *backend.Transaction) error {
	if err := checkTime("created_at", tr.CreatedAt); err != nil {
		return err
	}
	if err := checkTime("settles_at", tr.SettlesAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO payment_transactions (`+transactionColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		tr.ID, tr.AccountID, tr.PaymentMethodID, int64(tr.Amount), tr.Currency, boolInt(tr.AutoRecharge),
		formatTime(tr.CreatedAt), formatTime(tr.SettlesAt))
	if isUniqueViolation(err) {
		return conflict("A transaction with this id")
	}
	if err != nil {
		return dbError("insert transaction", err)
	}
	return nil
}

func (t *tx) ListTransactions(ctx context.Context, accountID string, page backend.Page) ([]*backend.Transaction, int, error) {
	if err := sqlstore.CheckPage(page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list transactions: %w", err)
	}
	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_transactions WHERE account_id = ?`,
		accountID).Scan(&total); err != nil {
		return nil, 0, dbError("count transactions", err)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT `+transactionColumns+` FROM payment_transactions
		WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, accountID, page.Size, page.Offset())
	if err != nil {
		return nil, 0, dbError("list transactions", err)
	}
	defer func() { _ = rows.Close() }()
	list := []*backend.Transaction{}
	for rows.Next() {
		var (
			tr                   backend.Transaction
			amount               int64
			auto                 int
			createdAt, settlesAt string
		)
		if err := rows.Scan(&tr.ID, &tr.AccountID, &tr.PaymentMethodID, &amount, &tr.Currency, &auto,
			&createdAt, &settlesAt); err != nil {
			return nil, 0, dbError("list transactions", err)
		}
		tr.Amount, tr.AutoRecharge = backend.Money(amount), auto != 0
		if tr.CreatedAt, err = parseTime(createdAt); err != nil {
			return nil, 0, dbError("list transactions", err)
		}
		if tr.SettlesAt, err = parseTime(settlesAt); err != nil {
			return nil, 0, dbError("list transactions", err)
		}
		list = append(list, &tr)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list transactions", err)
	}
	return list, total, nil
}

// ---------------------------------------------------------------- auto-recharge

func (t *tx) GetAutoRechargePrefs(ctx context.Context, accountID string) (*backend.AutoRechargePrefs, error) {
	var (
		p                   backend.AutoRechargePrefs
		enabled, invoice    int
		recharge, threshold int64
		updatedAt           string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT account_id, id, enabled, invoice_enabled, preference,
		recharge_amount, threshold_amount, updated_at FROM auto_recharge_prefs WHERE account_id = ?`, accountID).
		Scan(&p.AccountID, &p.ID, &enabled, &invoice, &p.Preference, &recharge, &threshold, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Auto-recharge preferences")
	}
	if err != nil {
		return nil, dbError("get auto-recharge preferences", err)
	}
	p.Enabled, p.InvoiceEnabled = enabled != 0, invoice != 0
	p.RechargeAmount, p.ThresholdAmount = backend.Money(recharge), backend.Money(threshold)
	if p.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, dbError("get auto-recharge preferences", err)
	}
	return &p, nil
}

func (t *tx) PutAutoRechargePrefs(ctx context.Context, p *backend.AutoRechargePrefs) error {
	if err := checkTime("updated_at", p.UpdatedAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO auto_recharge_prefs
		(account_id, id, enabled, invoice_enabled, preference, recharge_amount, threshold_amount, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET
			id = excluded.id, enabled = excluded.enabled, invoice_enabled = excluded.invoice_enabled, preference = excluded.preference,
			recharge_amount = excluded.recharge_amount, threshold_amount = excluded.threshold_amount,
			updated_at = excluded.updated_at`,
		p.AccountID, p.ID, boolInt(p.Enabled), boolInt(p.InvoiceEnabled), p.Preference,
		int64(p.RechargeAmount), int64(p.ThresholdAmount), formatTime(p.UpdatedAt))
	if isUniqueViolation(err) {
		return conflict("Auto-recharge preferences with this id")
	}
	if err != nil {
		return dbError("put auto-recharge preferences", err)
	}
	return nil
}
