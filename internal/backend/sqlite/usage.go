package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// ---------------------------------------------------------------- usage

// maxBulkVariables bounds the placeholders of one multi-row statement, under
// SQLite's limit (32766) with room to spare.
const maxBulkVariables = 30000

// maxBulkRows bounds the rows of one multi-row statement: past a few hundred
// rows a bigger statement saves nothing measurable.
const maxBulkRows = 512

// bulkInsert inserts n rows into table's columns (a comma-separated list),
// row appending the values of row i to args, with suffix after the VALUES
// (an upsert's ON CONFLICT clause). It sends full chunks of up to
// maxBulkRows rows (fewer when the placeholder limit requires), then the rest
// in chunks of decreasing powers of two, so that every statement has one of a
// few fixed texts, which the connection's statement cache keeps prepared:
// parsing a statement of thousands of placeholders for every batch cost more
// than running it.
//
// The statements are INSERT OR FAIL: a failing statement keeps the rows it
// wrote before the failure instead of undoing them, which spares SQLite a
// statement journal (a copy of every page the statement changes). That is
// safe because a transaction (or savepoint) always ends in a rollback when
// one of its calls fails, which undoes them all.
func (t *tx) bulkInsert(ctx context.Context, op, table, columns, suffix string, n int, row func(args []any, i int) []any) error {
	cols := strings.Count(columns, ",") + 1
	prefix := "INSERT OR FAIL INTO " + table + " (" + columns + ") VALUES "
	args := make([]any, 0, min(n, maxBulkRows)*cols)
	return bulkChunks(n, cols, func(start, rows int) error {
		args = args[:0]
		for i := start; i < start+rows; i++ {
			args = row(args, i)
		}
		if _, err := t.tx.ExecContext(ctx, bulkStatement(prefix, suffix, cols, rows), args...); err != nil {
			return dbError(op, err) // wraps: callers still see a unique violation
		}
		return nil
	})
}

// bulkChunks cuts n rows of cols values each into the chunks bulkInsert
// sends, and calls run for each, in order, until one fails.
func bulkChunks(n, cols int, run func(start, rows int) error) error {
	chunk := min(maxBulkRows, maxBulkVariables/cols)
	for start := 0; start < n; {
		rows := chunk
		for rows > n-start {
			rows /= 2 // reaches 1 at the latest
		}
		if err := run(start, rows); err != nil {
			return err
		}
		start += rows
	}
	return nil
}

// bulkStatements memoizes bulkStatement's texts, by their parts.
var bulkStatements sync.Map // bulkStatementKey → string

type bulkStatementKey struct {
	prefix, suffix string
	cols, rows     int
}

// bulkStatement is prefix + rows tuples of cols placeholders + suffix.
func bulkStatement(prefix, suffix string, cols, rows int) string {
	key := bulkStatementKey{prefix, suffix, cols, rows}
	if s, ok := bulkStatements.Load(key); ok {
		return s.(string) //nolint:errcheck // the map holds only strings
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	s := prefix + strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", ") + suffix
	bulkStatements.Store(key, s)
	return s
}

// usageEventKey is how an event id is stored (migration 0011): a canonical
// UUID (lowercase, 8-4-4-4-12), what producers mostly send, as 0x01 and its
// 16 bytes; any other id, another spelling of a UUID included, as 0x00 and
// its text. The first byte keeps the two apart, and the short key keeps the
// index of ids, written in random order, small.
func usageEventKey(id string) []byte {
	// uuid.Parse takes other spellings too; ToLower returns an id already
	// in lowercase without a copy.
	if u, err := uuid.Parse(id); err == nil && len(id) == 36 && strings.ToLower(id) == id {
		return append([]byte{1}, u[:]...)
	}
	return append([]byte{0}, id...)
}

// usageEventID is the id of a stored key.
func usageEventID(key []byte) (string, error) {
	switch {
	case len(key) == 17 && key[0] == 1:
		return uuid.UUID(key[1:]).String(), nil
	case len(key) > 1 && key[0] == 0:
		return string(key[1:]), nil
	}
	return "", fmt.Errorf("sqlite: a stored usage event key %x is malformed", key)
}

func (t *tx) StoredUsageEventIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	found := map[string]bool{}
	if len(ids) == 0 {
		return found, nil
	}
	// One parameter for the whole batch: a JSON array of hex keys that
	// json_each unpacks, each a primary key lookup.
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = hex.EncodeToString(usageEventKey(id))
	}
	list, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode usage event keys: %w", err)
	}
	// The array drives: one lookup per key, no temporary index of them.
	rows, err := t.tx.QueryContext(ctx, `SELECT e.key FROM json_each(?) AS j
		CROSS JOIN usage_events AS e ON e.key = unhex(j.value)`, string(list))
	if err != nil {
		return nil, dbError("find stored usage events", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var key []byte
		if err := rows.Scan(&key); err != nil {
			return nil, dbError("find stored usage events", err)
		}
		id, err := usageEventID(key)
		if err != nil {
			return nil, err
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find stored usage events", err)
	}
	return found, nil
}

// usageDimensions are the dimension values of an event, stored once in
// usage_event_dimensions.
type usageDimensions struct {
	product, direction, countryISO, messageType, productName string
}

// usageDimensionIDs returns the row of usage_event_dimensions of each
// distinct dimensions of events, adding the missing ones.
func (t *tx) usageDimensionIDs(ctx context.Context, events []*backend.UsageEvent) (map[usageDimensions]int64, error) {
	ids := map[usageDimensions]int64{}
	for _, e := range events {
		d := usageDimensions{e.Product, e.Direction, e.CountryISO, e.MessageType, e.ProductName}
		if _, ok := ids[d]; ok {
			continue
		}
		var id int64
		err := t.tx.QueryRowContext(ctx, `SELECT id FROM usage_event_dimensions
			WHERE product = ? AND direction = ? AND country_iso = ? AND message_type = ? AND product_name = ?`,
			d.product, d.direction, d.countryISO, d.messageType, d.productName).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = t.tx.QueryRowContext(ctx, `INSERT INTO usage_event_dimensions
				(product, direction, country_iso, message_type, product_name) VALUES (?, ?, ?, ?, ?) RETURNING id`,
				d.product, d.direction, d.countryISO, d.messageType, d.productName).Scan(&id)
		}
		if err != nil {
			return nil, dbError("store usage event dimensions", err)
		}
		ids[d] = id
	}
	return ids, nil
}

// usageIngestionIDs returns a row of usage_ingestions for each distinct
// ingestion time of events (a batch has one).
func (t *tx) usageIngestionIDs(ctx context.Context, events []*backend.UsageEvent) (map[string]int64, error) {
	ids := map[string]int64{}
	for _, e := range events {
		at := formatTime(e.IngestedAt)
		if _, ok := ids[at]; ok {
			continue
		}
		var id int64
		if err := t.tx.QueryRowContext(ctx, `INSERT INTO usage_ingestions (ingested_at) VALUES (?) RETURNING id`, at).Scan(&id); err != nil {
			return nil, dbError("store usage ingestion", err)
		}
		ids[at] = id
	}
	return ids, nil
}

const usageEventColumns = `key, account_id, dimensions, occurred_at, parts, billed_sec, bytes, cost_micros, rate_source, ingestion`

func (t *tx) InsertUsageEvents(ctx context.Context, events []*backend.UsageEvent) error {
	for _, e := range events {
		if err := checkTime("occurred_at", e.OccurredAt); err != nil {
			return err
		}
		if err := checkTime("ingested_at", e.IngestedAt); err != nil {
			return err
		}
	}
	dimensions, err := t.usageDimensionIDs(ctx, events)
	if err != nil {
		return err
	}
	ingestions, err := t.usageIngestionIDs(ctx, events)
	if err != nil {
		return err
	}
	// A batch shares one ingestion time: it is looked up once.
	var ingestedAt time.Time
	var ingestion int64
	err = t.bulkInsert(ctx, "insert usage events", "usage_events", usageEventColumns, "",
		len(events), func(args []any, i int) []any {
			e := events[i]
			if ingestion == 0 || !e.IngestedAt.Equal(ingestedAt) {
				ingestedAt, ingestion = e.IngestedAt, ingestions[formatTime(e.IngestedAt)]
			}
			d := dimensions[usageDimensions{e.Product, e.Direction, e.CountryISO, e.MessageType, e.ProductName}]
			return append(args, usageEventKey(e.ID), e.AccountID, d, e.OccurredAt.UnixMicro(),
				e.Parts, e.BilledSec, e.Bytes, int64(e.Cost), string(e.RateSource), ingestion)
		})
	if isUniqueViolation(err) {
		return conflict("A usage event with this id")
	}
	return err
}

func (t *tx) GetUsageEvent(ctx context.Context, id string) (*backend.UsageEvent, error) {
	var (
		e        backend.UsageEvent
		occurred int64
		ingested string
		cost     int64
		source   string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT e.account_id, COALESCE(a.manager_id, ''), d.product, e.occurred_at,
			d.direction, d.country_iso, d.message_type, d.product_name, e.parts, e.billed_sec, e.bytes,
			e.cost_micros, e.rate_source, i.ingested_at
		FROM usage_events AS e
		JOIN accounts AS a ON a.id = e.account_id
		JOIN usage_event_dimensions AS d ON d.id = e.dimensions
		JOIN usage_ingestions AS i ON i.id = e.ingestion
		WHERE e.key = ?`, usageEventKey(id)).Scan(
		&e.AccountID, &e.ManagerID, &e.Product, &occurred, &e.Direction, &e.CountryISO, &e.MessageType,
		&e.ProductName, &e.Parts, &e.BilledSec, &e.Bytes, &cost, &source, &ingested)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Usage event")
	}
	if err != nil {
		return nil, dbError("get usage event", err)
	}
	e.ID, e.OccurredAt = id, time.UnixMicro(occurred).UTC()
	e.Cost, e.RateSource = backend.Money(cost), backend.RateScope(source)
	if e.IngestedAt, err = parseTime(ingested); err != nil {
		return nil, err
	}
	return &e, nil
}

const usageRollupColumns = `account_id, manager_id, product, day, direction, country_iso, message_type, product_name,
	count, parts, billed_sec, bytes, cost_micros`

func (t *tx) AddUsageRollups(ctx context.Context, rollups []*backend.UsageRollup) error {
	blocks, err := sqlstore.UsageRollupBlocks(rollups)
	if err != nil {
		return err
	}
	// SUM-like additions in INTEGER columns fail on overflow (STRICT refuses
	// the REAL SQLite would turn them into) rather than lose precision.
	err = t.bulkInsert(ctx, "add usage rollups", "usage_rollups", usageRollupColumns,
		` ON CONFLICT (account_id, product, day, direction, country_iso, message_type, product_name) DO UPDATE SET
			count = count + excluded.count, parts = parts + excluded.parts,
			billed_sec = billed_sec + excluded.billed_sec, bytes = bytes + excluded.bytes,
			cost_micros = cost_micros + excluded.cost_micros`,
		len(rollups), func(args []any, i int) []any {
			r := rollups[i]
			return append(args, r.AccountID, r.ManagerID, r.Product, r.Day, r.Direction, r.CountryISO, r.MessageType,
				r.ProductName, r.Count, r.Parts, r.BilledSec, r.Bytes, int64(r.Cost))
		})
	if err != nil {
		return err
	}
	// The blocks get the same deltas, in the same transaction (migration 0007).
	return t.bulkInsert(ctx, "add usage rollup blocks", "usage_rollup_blocks", usageBlockColumns,
		` ON CONFLICT (manager_id, product, span, block_start, account_id, direction, country_iso, message_type, product_name)
		DO UPDATE SET
			count = count + excluded.count, parts = parts + excluded.parts,
			billed_sec = billed_sec + excluded.billed_sec, bytes = bytes + excluded.bytes,
			cost_micros = cost_micros + excluded.cost_micros`,
		len(blocks), func(args []any, i int) []any {
			b := blocks[i]
			return append(args, b.ManagerID, b.Product, b.Span, b.BlockStart, b.AccountID, b.Direction, b.CountryISO,
				b.MessageType, b.ProductName, b.Count, b.Parts, b.BilledSec, b.Bytes, int64(b.Cost))
		})
}

const usageBlockColumns = `manager_id, product, span, block_start, account_id, direction, country_iso, message_type,
	product_name, count, parts, billed_sec, bytes, cost_micros`

// The day totals of a chunk of keys: the keys as a VALUES list (in
// bulkStatement's chunks), each joined to its rollups through their primary
// key. SUM over INTEGER fails on overflow rather than lose precision.
const (
	usageDayPrefix = `WITH k (account_id, product, day) AS (VALUES `
	usageDaySuffix = `) SELECT r.account_id, r.product, r.day,
		SUM(r.count), SUM(r.parts), SUM(r.billed_sec), SUM(r.bytes), SUM(r.cost_micros)
		FROM k JOIN usage_rollups AS r ON r.account_id = k.account_id AND r.product = k.product AND r.day = k.day
		GROUP BY r.account_id, r.product, r.day`
)

func (t *tx) UsageDayTotals(ctx context.Context, keys []backend.UsageDayKey) (map[backend.UsageDayKey]backend.UsageTotals, error) {
	out := make(map[backend.UsageDayKey]backend.UsageTotals, len(keys))
	args := make([]any, 0, min(len(keys), maxBulkRows)*3)
	err := bulkChunks(len(keys), 3, func(start, rows int) error {
		args = args[:0]
		for _, k := range keys[start : start+rows] {
			args = append(args, k.AccountID, k.Product, k.Day)
		}
		res, err := t.tx.QueryContext(ctx, bulkStatement(usageDayPrefix, usageDaySuffix, 3, rows), args...)
		if err != nil {
			return dbError("sum usage days", err)
		}
		defer func() { _ = res.Close() }()
		for res.Next() {
			var (
				k    backend.UsageDayKey
				u    backend.UsageTotals
				cost int64
			)
			if err := res.Scan(&k.AccountID, &k.Product, &k.Day, &u.Count, &u.Parts, &u.BilledSec, &u.Bytes, &cost); err != nil {
				return dbError("sum usage days", err)
			}
			u.Cost = backend.Money(cost)
			out[k] = u
		}
		if err := res.Err(); err != nil {
			return dbError("sum usage days", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

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
