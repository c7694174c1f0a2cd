package postgres

import (
	"context"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Nested runs fn inside a SAVEPOINT of this transaction.
func (t *tx) Nested(ctx context.Context, fn func(backend.Tx) error) error {
	name := sqlstore.SavepointName()
	if _, err := t.exec(ctx, "savepoint", "SAVEPOINT "+name); err != nil {
		return err
	}
	// The claims made inside are undone with it on a rollback.
	claims := maps.Clone(t.claims)
	if err := fn(t); err != nil {
		t.claims = claims
		// ROLLBACK TO keeps the savepoint open; RELEASE then ends it. One
		// round trip: the simple protocol runs both.
		if _, rbErr := t.exec(ctx, "roll back to savepoint", "ROLLBACK TO "+name+"; RELEASE "+name); rbErr != nil {
			return sqlstore.NestedRollbackFailed(rbErr, err)
		}
		return err // unchanged, so domain errors reach the caller as they are
	}
	if _, err := t.exec(ctx, "release savepoint", "RELEASE "+name); err != nil {
		return err
	}
	return nil
}

const idempotencyColumns = `scope, idem_key, method, path, request_hash, status, content_type, location, body_sealed, created_at`

// idempotencyKey is the primary key of a record as it is stored.
func idempotencyKey(id backend.IdempotencyID) []any {
	return []any{id.Scope, []byte(id.Key), id.Method, []byte(id.Path)}
}

func (t *tx) GetIdempotencyRecord(ctx context.Context, id backend.IdempotencyID) (*backend.IdempotencyRecord, error) {
	if !storable(id.Scope, id.Method) {
		return nil, backend.NotFound("Idempotency record")
	}
	return queryOne(ctx, t, "get idempotency record", "Idempotency record", func(row pgx.Row) (*backend.IdempotencyRecord, error) {
		var (
			rec       backend.IdempotencyRecord
			key, path []byte
			status    int32
		)
		if err := row.Scan(&rec.Scope, &key, &rec.Method, &path, &rec.RequestHash, &status, &rec.ContentType,
			&rec.Location, &rec.BodySealed, &rec.CreatedAt); err != nil {
			return nil, err
		}
		rec.Key, rec.Path, rec.Status = string(key), string(path), int(status)
		rec.CreatedAt = rec.CreatedAt.UTC()
		return &rec, nil
	}, `SELECT `+idempotencyColumns+` FROM idempotency_records
		WHERE scope = $1 AND idem_key = $2 AND method = $3 AND path = $4`, idempotencyKey(id)...)
}

// InsertIdempotencyRecord stores rec. A concurrent transaction's uncommitted
// record of the same id makes this insert wait for it; if it commits, this
// transaction (whose snapshot does not show the record) fails with a
// serialization failure, runs again, and then finds the record (ECONFLICT
// here, or the record for the caller that reads first).
func (t *tx) InsertIdempotencyRecord(ctx context.Context, rec *backend.IdempotencyRecord) error {
	if err := checkTime("created_at", rec.CreatedAt); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert idempotency record", `INSERT INTO idempotency_records (`+idempotencyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
		rec.Scope, []byte(rec.Key), rec.Method, []byte(rec.Path), rec.RequestHash, int32(rec.Status), //nolint:gosec // G115: an HTTP status
		rec.ContentType, rec.Location, rec.BodySealed, rec.CreatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("An idempotency record for this key")
	}
	return nil
}

func (t *tx) CompleteIdempotencyRecord(ctx context.Context, rec *backend.IdempotencyRecord) error {
	tag, err := t.exec(ctx, "complete idempotency record", `UPDATE idempotency_records
		SET status = $5, content_type = $6, location = $7, body_sealed = $8
		WHERE scope = $1 AND idem_key = $2 AND method = $3 AND path = $4`,
		append(idempotencyKey(rec.IdempotencyID), int32(rec.Status), rec.ContentType, rec.Location, rec.BodySealed)...) //nolint:gosec // G115: an HTTP status
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Idempotency record")
}

func (t *tx) DeleteIdempotencyRecord(ctx context.Context, id backend.IdempotencyID) error {
	if !storable(id.Scope, id.Method) {
		return backend.NotFound("Idempotency record")
	}
	tag, err := t.exec(ctx, "delete idempotency record", `DELETE FROM idempotency_records
		WHERE scope = $1 AND idem_key = $2 AND method = $3 AND path = $4`, idempotencyKey(id)...)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Idempotency record")
}

// PurgeIdempotencyRecords deletes the oldest expired records, skipping those
// another transaction holds (a replica purging at the same time) instead of
// waiting for them.
func (t *tx) PurgeIdempotencyRecords(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := checkTime("before", before); err != nil {
		return 0, err
	}
	tag, err := t.exec(ctx, "purge idempotency records", `DELETE FROM idempotency_records WHERE ctid = ANY(ARRAY(
		SELECT ctid FROM idempotency_records WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
		before, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
