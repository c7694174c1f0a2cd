package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// ---------------------------------------------------------------- rate sets

// The list's account_id is NULL; queries match COALESCE(account_id, ''), the
// expression of the unique index, so that "" selects the list and the index
// serves every lookup.

const rateSetColumns = `id, scope, account_id, effective_from, created_at`

func (t *tx) InsertRateSet(ctx context.Context, set *backend.RateSet) error {
	if err := checkTimes(at("effective_from", set.EffectiveFrom), at("created_at", set.CreatedAt)); err != nil {
		return err
	}
	// A set put again with the same start replaces the one before; its rates
	// go with it (ON DELETE CASCADE).
	if _, err := t.exec(ctx, "replace rate set", `DELETE FROM rate_sets
		WHERE scope = $1 AND COALESCE(account_id, '') = $2 AND effective_from = $3`,
		string(set.Scope), set.AccountID, set.EffectiveFrom); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert rate set", `INSERT INTO rate_sets (`+rateSetColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`,
		set.ID, string(set.Scope), nullID(set.AccountID), set.EffectiveFrom, set.CreatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A rate set with this id")
	}
	if len(set.Rates) == 0 {
		return nil
	}
	// One statement for the whole set, whatever its size: a column per array.
	n := len(set.Rates)
	products, directions, messageTypes, countries := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	amounts := make([]int64, n)
	for i, r := range set.Rates {
		products[i], directions[i], messageTypes[i], countries[i] = r.Product, r.Direction, r.MessageType, r.CountryISO
		amounts[i] = int64(r.Amount)
	}
	_, err = t.exec(ctx, "insert rates", `INSERT INTO rates (rate_set_id, product, direction, message_type, country_iso, rate_micros)
		SELECT $1::text, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])`,
		set.ID, products, directions, messageTypes, countries, amounts)
	return err
}

func scanRateSet(row pgx.Row) (*backend.RateSet, error) {
	var (
		set     backend.RateSet
		scope   string
		account *string
	)
	if err := row.Scan(&set.ID, &scope, &account, &set.EffectiveFrom, &set.CreatedAt); err != nil {
		return nil, err
	}
	set.Scope = backend.RateScope(scope)
	if account != nil {
		set.AccountID = *account
	}
	set.EffectiveFrom, set.CreatedAt = set.EffectiveFrom.UTC(), set.CreatedAt.UTC()
	return &set, nil
}

func (t *tx) ListRateSets(ctx context.Context, scope backend.RateScope, accountID string) ([]*backend.RateSet, error) {
	return queryAll(ctx, t, "list rate sets", scanRateSet, `SELECT `+rateSetColumns+` FROM rate_sets
		WHERE scope = $1 AND COALESCE(account_id, '') = $2 ORDER BY effective_from`, string(scope), accountID)
}

func (t *tx) GetRates(ctx context.Context, rateSetID string) ([]backend.Rate, error) {
	// The primary key's order is the key order (bytes: COLLATE "C").
	return queryAll(ctx, t, "get rates", func(row pgx.Row) (backend.Rate, error) {
		var (
			r     backend.Rate
			micro int64
		)
		err := row.Scan(&r.Product, &r.Direction, &r.MessageType, &r.CountryISO, &micro)
		r.Amount = backend.Money(micro)
		return r, err
	}, `SELECT product, direction, message_type, country_iso, rate_micros
		FROM rates WHERE rate_set_id = $1 ORDER BY product, direction, message_type, country_iso`, rateSetID)
}

func (t *tx) EffectiveRateSet(ctx context.Context, scope backend.RateScope, accountID string, at time.Time) (*backend.RateSet, error) {
	if err := checkTime("at", at); err != nil {
		return nil, err
	}
	set, err := queryOne(ctx, t, "get effective rate set", "Rate set", scanRateSet, `SELECT `+rateSetColumns+` FROM rate_sets
		WHERE scope = $1 AND COALESCE(account_id, '') = $2 AND effective_from <= $3
		ORDER BY effective_from DESC LIMIT 1`, string(scope), accountID, at)
	if err != nil {
		return nil, err
	}
	if set.Rates, err = t.GetRates(ctx, set.ID); err != nil {
		return nil, err
	}
	return set, nil
}
