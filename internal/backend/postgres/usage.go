package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Batches are written with one statement each, whatever their size: every
// column is an array parameter that unnest() turns back into rows.

func (t *tx) StoredUsageEventIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	found := map[string]bool{}
	// An id PostgreSQL cannot store as text is not stored.
	asked := make([]string, 0, len(ids))
	for _, id := range ids {
		if storable(id) {
			asked = append(asked, id)
		}
	}
	if len(asked) == 0 {
		return found, nil
	}
	stored, err := queryAll(ctx, t, "find stored usage events", func(row pgx.Row) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	}, `SELECT id FROM usage_events WHERE id = ANY($1)`, asked)
	if err != nil {
		return nil, err
	}
	for _, id := range stored {
		found[id] = true
	}
	return found, nil
}

const usageEventColumns = `id, account_id, manager_id, product, occurred_at, direction, country_iso, message_type,
	product_name, parts, billed_sec, bytes, cost_micros, rate_source, ingested_at`

// InsertUsageEvents stores all of events or, on a duplicate id, none of them
// (the statement runs under a savepoint). A duplicate this transaction's
// snapshot shows is ECONFLICT; one it does not show was stored by a
// concurrent transaction since (the domain checked StoredUsageEventIDs), and
// the transaction runs again, to count it as a duplicate.
func (t *tx) InsertUsageEvents(ctx context.Context, events []*backend.UsageEvent) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	var (
		ids, accounts, managers, products = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		directions, countries, types      = make([]string, n), make([]string, n), make([]string, n)
		names, sources                    = make([]string, n), make([]string, n)
		occurred, ingested                = make([]time.Time, n), make([]time.Time, n)
		parts, billed, bytes, costs       = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	)
	for i, e := range events {
		if err := checkTimes(at("occurred_at", e.OccurredAt), at("ingested_at", e.IngestedAt)); err != nil {
			return err
		}
		ids[i], accounts[i], managers[i], products[i] = e.ID, e.AccountID, e.ManagerID, e.Product
		directions[i], countries[i], types[i] = e.Direction, e.CountryISO, e.MessageType
		names[i], sources[i] = e.ProductName, string(e.RateSource)
		occurred[i], ingested[i] = e.OccurredAt, e.IngestedAt
		parts[i], billed[i], bytes[i], costs[i] = e.Parts, e.BilledSec, e.Bytes, int64(e.Cost)
	}
	concurrent := func() error {
		var visible bool
		if err := t.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM usage_events WHERE id = ANY($1))`, ids).Scan(&visible); err != nil {
			return t.fail(ctx, "insert usage events", err)
		}
		if visible {
			return conflict("A usage event with this id")
		}
		return t.runAgain("insert usage events", errors.New("a concurrent transaction stored one of the usage events"))
	}
	_, err := t.execGuarded(ctx, "insert usage events", concurrent,
		`INSERT INTO usage_events (`+usageEventColumns+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
			$7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[],
			$14::text[], $15::timestamptz[])`,
		ids, accounts, managers, products, occurred, directions, countries, types, names, parts, billed, bytes, costs,
		sources, ingested)
	return err
}

func (t *tx) GetUsageEvent(ctx context.Context, id string) (*backend.UsageEvent, error) {
	if !storable(id) {
		return nil, backend.NotFound("Usage event")
	}
	return queryOne(ctx, t, "get usage event", "Usage event", func(row pgx.Row) (*backend.UsageEvent, error) {
		var (
			e      backend.UsageEvent
			cost   int64
			source string
		)
		if err := row.Scan(&e.ID, &e.AccountID, &e.ManagerID, &e.Product, &e.OccurredAt, &e.Direction, &e.CountryISO,
			&e.MessageType, &e.ProductName, &e.Parts, &e.BilledSec, &e.Bytes, &cost, &source, &e.IngestedAt); err != nil {
			return nil, err
		}
		e.Cost, e.RateSource = backend.Money(cost), backend.RateScope(source)
		e.OccurredAt, e.IngestedAt = e.OccurredAt.UTC(), e.IngestedAt.UTC()
		return &e, nil
	}, `SELECT `+usageEventColumns+` FROM usage_events WHERE id = $1`, id)
}

const usageRollupColumns = `account_id, manager_id, product, day, direction, country_iso, message_type, product_name,
	count, parts, billed_sec, bytes, cost_micros`

const usageBlockColumns = `manager_id, product, span, block_start, account_id, direction, country_iso, message_type,
	product_name, count, parts, billed_sec, bytes, cost_micros`

// AddUsageRollups adds the rollups, and the same deltas summed into their
// blocks (sqlstore.UsageRollupBlocks), in two upserts. Rows are written in key
// order, so that two batches upserting the same rows take their locks in the
// same order instead of deadlocking.
func (t *tx) AddUsageRollups(ctx context.Context, rollups []*backend.UsageRollup) error {
	if len(rollups) == 0 {
		return nil
	}
	blocks, err := sqlstore.UsageRollupBlocks(rollups)
	if err != nil {
		return err
	}
	sorted := slices.Clone(rollups)
	slices.SortFunc(sorted, func(a, b *backend.UsageRollup) int {
		return cmp.Or(cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.Product, b.Product), cmp.Compare(a.Day, b.Day),
			cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.CountryISO, b.CountryISO),
			cmp.Compare(a.MessageType, b.MessageType), cmp.Compare(a.ProductName, b.ProductName))
	})
	n := len(sorted)
	var (
		accounts, managers, products, days  = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		directions, countries, types, names = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		counts, parts, billed, bytes, costs = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	)
	for i, r := range sorted {
		accounts[i], managers[i], products[i], days[i] = r.AccountID, r.ManagerID, r.Product, r.Day
		directions[i], countries[i], types[i], names[i] = r.Direction, r.CountryISO, r.MessageType, r.ProductName
		counts[i], parts[i], billed[i], bytes[i], costs[i] = r.Count, r.Parts, r.BilledSec, r.Bytes, int64(r.Cost)
	}
	// Additions to bigint columns fail on overflow rather than lose precision.
	if _, err := t.exec(ctx, "add usage rollups", `INSERT INTO usage_rollups AS r (`+usageRollupColumns+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[])
		ON CONFLICT (account_id, product, day, direction, country_iso, message_type, product_name) DO UPDATE SET
			count = r.count + excluded.count, parts = r.parts + excluded.parts,
			billed_sec = r.billed_sec + excluded.billed_sec, bytes = r.bytes + excluded.bytes,
			cost_micros = r.cost_micros + excluded.cost_micros`,
		accounts, managers, products, days, directions, countries, types, names, counts, parts, billed, bytes, costs); err != nil {
		return err
	}
	if len(blocks) == 0 {
		return nil
	}
	// The blocks come sorted by key.
	n = len(blocks)
	var (
		bManagers, bProducts, starts, bAccounts = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bDirections, bCountries, bTypes, bNames = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		spans                                   = make([]int32, n)
		bCounts, bParts, bBilled, bBytes, bCost = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	)
	for i, b := range blocks {
		bManagers[i], bProducts[i], spans[i], starts[i] = b.ManagerID, b.Product, int32(b.Span), b.BlockStart //nolint:gosec // G115: a span of days
		bAccounts[i], bDirections[i], bCountries[i], bTypes[i], bNames[i] = b.AccountID, b.Direction, b.CountryISO, b.MessageType, b.ProductName
		bCounts[i], bParts[i], bBilled[i], bBytes[i], bCost[i] = b.Count, b.Parts, b.BilledSec, b.Bytes, int64(b.Cost)
	}
	_, err = t.exec(ctx, "add usage rollup blocks", `INSERT INTO usage_rollup_blocks AS b (`+usageBlockColumns+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[])
		ON CONFLICT (manager_id, product, span, block_start, account_id, direction, country_iso, message_type, product_name)
		DO UPDATE SET
			count = b.count + excluded.count, parts = b.parts + excluded.parts,
			billed_sec = b.billed_sec + excluded.billed_sec, bytes = b.bytes + excluded.bytes,
			cost_micros = b.cost_micros + excluded.cost_micros`,
		bManagers, bProducts, spans, starts, bAccounts, bDirections, bCountries, bTypes, bNames,
		bCounts, bParts, bBilled, bBytes, bCost)
	return err
}

func (t *tx) UsageDayTotals(ctx context.Context, keys []backend.UsageDayKey) (map[backend.UsageDayKey]backend.UsageTotals, error) {
	out := make(map[backend.UsageDayKey]backend.UsageTotals, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	accounts, products, days := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		accounts[i], products[i], days[i] = k.AccountID, k.Product, k.Day
	}
	type dayTotal struct {
		key    backend.UsageDayKey
		totals backend.UsageTotals
	}
	// SUM over bigint is numeric, exact; the cast back fails on overflow
	// instead of losing precision. Each key finds its rollups through their
	// primary key.
	rows, err := queryAll(ctx, t, "sum usage days", func(row pgx.Row) (dayTotal, error) {
		var (
			d    dayTotal
			cost int64
		)
		err := row.Scan(&d.key.AccountID, &d.key.Product, &d.key.Day,
			&d.totals.Count, &d.totals.Parts, &d.totals.BilledSec, &d.totals.Bytes, &cost)
		d.totals.Cost = backend.Money(cost)
		return d, err
	}, `SELECT r.account_id, r.product, r.day, SUM(r.count)::bigint, SUM(r.parts)::bigint, SUM(r.billed_sec)::bigint,
			SUM(r.bytes)::bigint, SUM(r.cost_micros)::bigint
		FROM unnest($1::text[], $2::text[], $3::text[]) AS k (account_id, product, day)
		JOIN usage_rollups AS r ON r.account_id = k.account_id AND r.product = k.product AND r.day = k.day
		GROUP BY r.account_id, r.product, r.day`, accounts, products, days)
	if err != nil {
		return nil, err
	}
	for _, d := range rows {
		out[d.key] = d.totals
	}
	return out, nil
}

func (t *tx) ListUsageRollups(ctx context.Context, accountID, from, to string) ([]*backend.UsageRollup, error) {
	return queryAll(ctx, t, "list usage rollups", func(row pgx.Row) (*backend.UsageRollup, error) {
		var (
			r    backend.UsageRollup
			cost int64
		)
		if err := row.Scan(&r.AccountID, &r.ManagerID, &r.Product, &r.Day, &r.Direction, &r.CountryISO, &r.MessageType,
			&r.ProductName, &r.Count, &r.Parts, &r.BilledSec, &r.Bytes, &cost); err != nil {
			return nil, err
		}
		r.Cost = backend.Money(cost)
		return &r, nil
	}, `SELECT `+usageRollupColumns+` FROM usage_rollups
		WHERE account_id = $1 AND day BETWEEN $2 AND $3
		ORDER BY product, day, direction, country_iso, message_type, product_name`, accountID, from, to)
}
