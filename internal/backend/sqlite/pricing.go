package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// ---------------------------------------------------------------- rate sets

// The list's account_id is NULL; queries match COALESCE(account_id, ''), the
// expression of the unique index, so that "" selects the list and the index
// serves every lookup.

const rateSetColumns = `id, scope, account_id, effective_from, created_at`

func (t *tx) InsertRateSet(ctx context.Context, set *backend.RateSet) error {
	if err := checkTime("effective_from", set.EffectiveFrom); err != nil {
		return err
	}
	if err := checkTime("created_at", set.CreatedAt); err != nil {
		return err
	}
	// A set put again with the same start replaces the one before; its rates
	// go with it (ON DELETE CASCADE).
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM rate_sets
		WHERE scope = ? AND COALESCE(account_id, '') = ? AND effective_from = ?`,
		string(set.Scope), set.AccountID, formatTime(set.EffectiveFrom)); err != nil {
		return dbError("replace rate set", err)
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO rate_sets (`+rateSetColumns+`) VALUES (?, ?, ?, ?, ?)`,
		set.ID, string(set.Scope), nullID(set.AccountID), formatTime(set.EffectiveFrom), formatTime(set.CreatedAt))
	if isUniqueViolation(err) {
		return conflict("A rate set with this id")
	}
	if err != nil {
		return dbError("insert rate set", err)
	}
	rates := set.Rates
	return t.bulkInsert(ctx, "insert rates", "rates", "rate_set_id, product, direction, message_type, country_iso, rate_micros", "",
		len(rates), func(args []any, i int) []any {
			r := rates[i]
			return append(args, set.ID, r.Product, r.Direction, r.MessageType, r.CountryISO, int64(r.Amount))
		})
}

func scanRateSet(s scanner) (*backend.RateSet, error) {
	var (
		set                backend.RateSet
		scope              string
		account            sql.NullString
		effective, created string
	)
	if err := s.Scan(&set.ID, &scope, &account, &effective, &created); err != nil {
		return nil, err
	}
	set.Scope, set.AccountID = backend.RateScope(scope), account.String
	var err error
	if set.EffectiveFrom, err = parseTime(effective); err != nil {
		return nil, err
	}
	if set.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &set, nil
}

func (t *tx) ListRateSets(ctx context.Context, scope backend.RateScope, accountID string) ([]*backend.RateSet, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+rateSetColumns+` FROM rate_sets
		WHERE scope = ? AND COALESCE(account_id, '') = ? ORDER BY effective_from`, string(scope), accountID)
	if err != nil {
		return nil, dbError("list rate sets", err)
	}
	defer func() { _ = rows.Close() }()
	sets := []*backend.RateSet{}
	for rows.Next() {
		set, err := scanRateSet(rows)
		if err != nil {
			return nil, dbError("list rate sets", err)
		}
		sets = append(sets, set)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list rate sets", err)
	}
	return sets, nil
}

func (t *tx) GetRates(ctx context.Context, rateSetID string) ([]backend.Rate, error) {
	// The primary key's order is the key order.
	rows, err := t.tx.QueryContext(ctx, `SELECT product, direction, message_type, country_iso, rate_micros
		FROM rates WHERE rate_set_id = ? ORDER BY product, direction, message_type, country_iso`, rateSetID)
	if err != nil {
		return nil, dbError("get rates", err)
	}
	defer func() { _ = rows.Close() }()
	rates := []backend.Rate{}
	for rows.Next() {
		var (
			r     backend.Rate
			micro int64
		)
		if err := rows.Scan(&r.Product, &r.Direction, &r.MessageType, &r.CountryISO, &micro); err != nil {
			return nil, dbError("get rates", err)
		}
		r.Amount = backend.Money(micro)
		rates = append(rates, r)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("get rates", err)
	}
	return rates, nil
}

func (t *tx) EffectiveRateSet(ctx context.Context, scope backend.RateScope, accountID string, at time.Time) (*backend.RateSet, error) {
	if err := checkTime("at", at); err != nil {
		return nil, err
	}
	row := t.tx.QueryRowContext(ctx, `SELECT `+rateSetColumns+` FROM rate_sets
		WHERE scope = ? AND COALESCE(account_id, '') = ? AND effective_from <= ?
		ORDER BY effective_from DESC LIMIT 1`, string(scope), accountID, formatTime(at))
	set, err := scanRateSet(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Rate set")
	}
	if err != nil {
		return nil, dbError("get effective rate set", err)
	}
	if set.Rates, err = t.GetRates(ctx, set.ID); err != nil {
		return nil, err
	}
	return set, nil
}
