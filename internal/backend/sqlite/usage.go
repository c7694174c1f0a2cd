package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// ---------------------------------------------------------------- usage

// maxBulkVariables bounds the placeholders of one multi-row statement, under
// SQLite's limit (32766) with room to spare.
const maxBulkVariables = 30000

// maxBulkRows bounds the rows of one multi-row statement: past a few hundred
// rows a bigger statement saves nothing measurable.
const maxBulkRows = 500

// bulkInsert runs prefix + "(?, …), (?, …) …" + suffix over n rows of cols
// values each, as few multi-row statements as the placeholder limit allows.
// The statement of a full chunk is prepared once and reused, so that a big
// batch is parsed twice at most. row appends the values of row i to args.
func (t *tx) bulkInsert(ctx context.Context, op, prefix, suffix string, cols, n int, row func(args []any, i int) []any) error {
	if n == 0 {
		return nil
	}
	chunk := min(maxBulkRows, maxBulkVariables/cols)
	statement := func(rows int) string {
		tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
		return prefix + strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", ") + suffix
	}
	var full *sql.Stmt
	if n >= chunk {
		var err error
		if full, err = t.tx.PrepareContext(ctx, statement(chunk)); err != nil {
			return dbError(op, err)
		}
		defer func() { _ = full.Close() }()
	}
	args := make([]any, 0, chunk*cols)
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(args, i)
		}
		var err error
		if end-start == chunk {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = t.tx.ExecContext(ctx, statement(end-start), args...)
		}
		if err != nil {
			return dbError(op, err) // wraps: callers still see a unique violation
		}
	}
	return nil
}

func (t *tx) StoredUsageEventIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(ids) == 0 {
		return found, nil
	}
	// One parameter for the whole batch: a JSON array that json_each
	// unpacks, each id a primary key lookup.
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode usage event ids: %w", err)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT id FROM usage_events
		WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, dbError("find stored usage events", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, dbError("find stored usage events", err)
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find stored usage events", err)
	}
	return found, nil
}

const usageEventColumns = `id, account_id, manager_id, product, occurred_at, direction, country_iso, message_type,
	product_name, parts, billed_sec, bytes, cost_micros, rate_source, ingested_at`

func (t *tx) InsertUsageEvents(ctx context.Context, events []*backend.UsageEvent) error {
	for _, e := range events {
		if err := checkTime("occurred_at", e.OccurredAt); err != nil {
			return err
		}
		if err := checkTime("ingested_at", e.IngestedAt); err != nil {
			return err
		}
	}
	// A batch shares one ingestion time: it is formatted once.
	var ingestedAt time.Time
	var ingestedText string
	err := t.bulkInsert(ctx, "insert usage events", `INSERT INTO usage_events (`+usageEventColumns+`) VALUES `, "",
		15, len(events), func(args []any, i int) []any {
			e := events[i]
			if ingestedText == "" || !e.IngestedAt.Equal(ingestedAt) {
				ingestedAt, ingestedText = e.IngestedAt, formatTime(e.IngestedAt)
			}
			return append(args, e.ID, e.AccountID, e.ManagerID, e.Product, formatTime(e.OccurredAt), e.Direction,
				e.CountryISO, e.MessageType, e.ProductName, e.Parts, e.BilledSec, e.Bytes, int64(e.Cost),
				string(e.RateSource), ingestedText)
		})
	if isUniqueViolation(err) {
		return conflict("A usage event with this id")
	}
	return err
}

func (t *tx) GetUsageEvent(ctx context.Context, id string) (*backend.UsageEvent, error) {
	var (
		e                  backend.UsageEvent
		occurred, ingested string
		cost               int64
		source             string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT `+usageEventColumns+` FROM usage_events WHERE id = ?`, id).Scan(
		&e.ID, &e.AccountID, &e.ManagerID, &e.Product, &occurred, &e.Direction, &e.CountryISO, &e.MessageType,
		&e.ProductName, &e.Parts, &e.BilledSec, &e.Bytes, &cost, &source, &ingested)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Usage event")
	}
	if err != nil {
		return nil, dbError("get usage event", err)
	}
	e.Cost, e.RateSource = backend.Money(cost), backend.RateScope(source)
	if e.OccurredAt, err = parseTime(occurred); err != nil {
		return nil, err
	}
	if e.IngestedAt, err = parseTime(ingested); err != nil {
		return nil, err
	}
	return &e, nil
}

const usageRollupColumns = `account_id, manager_id, product, day, direction, country_iso, message_type, product_name,
	count, parts, billed_sec, bytes, cost_micros`

func (t *tx) AddUsageRollups(ctx context.Context, rollups []*backend.UsageRollup) error {
	blocks, err := backend.UsageRollupBlocks(rollups)
	if err != nil {
		return err
	}
	// SUM-like additions in INTEGER columns fail on overflow (STRICT refuses
	// the REAL SQLite would turn them into) rather than lose precision.
	err = t.bulkInsert(ctx, "add usage rollups", `INSERT INTO usage_rollups (`+usageRollupColumns+`) VALUES `,
		` ON CONFLICT (account_id, product, day, direction, country_iso, message_type, product_name) DO UPDATE SET
			count = count + excluded.count, parts = parts + excluded.parts,
			billed_sec = billed_sec + excluded.billed_sec, bytes = bytes + excluded.bytes,
			cost_micros = cost_micros + excluded.cost_micros`,
		13, len(rollups), func(args []any, i int) []any {
			r := rollups[i]
			return append(args, r.AccountID, r.ManagerID, r.Product, r.Day, r.Direction, r.CountryISO, r.MessageType,
				r.ProductName, r.Count, r.Parts, r.BilledSec, r.Bytes, int64(r.Cost))
		})
	if err != nil {
		return err
	}
	// The blocks get the same deltas, in the same transaction (migration 0007).
	return t.bulkInsert(ctx, "add usage rollup blocks", `INSERT INTO usage_rollup_blocks (`+usageBlockColumns+`) VALUES `,
		` ON CONFLICT (manager_id, product, span, block_start, account_id, direction, country_iso, message_type, product_name)
		DO UPDATE SET
			count = count + excluded.count, parts = parts + excluded.parts,
			billed_sec = billed_sec + excluded.billed_sec, bytes = bytes + excluded.bytes,
			cost_micros = cost_micros + excluded.cost_micros`,
		14, len(blocks), func(args []any, i int) []any {
			b := blocks[i]
			return append(args, b.ManagerID, b.Product, b.Span, b.BlockStart, b.AccountID, b.Direction, b.CountryISO,
				b.MessageType, b.ProductName, b.Count, b.Parts, b.BilledSec, b.Bytes, int64(b.Cost))
		})
}

const usageBlockColumns = `manager_id, product, span, block_start, account_id, direction, country_iso, message_type,
	product_name, count, parts, billed_sec, bytes, cost_micros`

func (t *tx) ListUsageRollups(ctx context.Context, accountID, from, to string) ([]*backend.UsageRollup, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+usageRollupColumns+` FROM usage_rollups
		WHERE account_id = ? AND day BETWEEN ? AND ?
		ORDER BY product, day, direction, country_iso, message_type, product_name`, accountID, from, to)
	if err != nil {
		return nil, dbError("list usage rollups", err)
	}
	defer func() { _ = rows.Close() }()
	out := []*backend.UsageRollup{}
	for rows.Next() {
		var (
			r    backend.UsageRollup
			cost int64
		)
		if err := rows.Scan(&r.AccountID, &r.ManagerID, &r.Product, &r.Day, &r.Direction, &r.CountryISO, &r.MessageType,
			&r.ProductName, &r.Count, &r.Parts, &r.BilledSec, &r.Bytes, &cost); err != nil {
			return nil, dbError("list usage rollups", err)
		}
		r.Cost = backend.Money(cost)
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list usage rollups", err)
	}
	return out, nil
}
