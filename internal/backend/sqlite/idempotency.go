package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Nested runs fn inside a SAVEPOINT of this transaction.
func (t *tx) Nested(ctx context.Context, fn func(backend.Tx) error) error {
	name := sqlstore.SavepointName()
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return dbError("savepoint", err)
	}
	if err := fn(t); err != nil {
		// ROLLBACK TO keeps the savepoint open; RELEASE then ends it.
		if _, rbErr := t.tx.ExecContext(ctx, "ROLLBACK TO "+name); rbErr != nil {
			return sqlstore.NestedRollbackFailed(rbErr, err)
		}
		if _, relErr := t.tx.ExecContext(ctx, "RELEASE "+name); relErr != nil {
			return sqlstore.NestedRollbackFailed(relErr, err)
		}
		return err // unchanged, so domain errors reach the caller as they are
	}
	if _, err := t.tx.ExecContext(ctx, "RELEASE "+name); err != nil {
		return dbError("release savepoint", err)
	}
	return nil
}

const idempotencyColumns = `scope, idem_key, method, path, request_hash, status, content_type, location, body_sealed, created_at`

func (t *tx) GetIdempotencyRecord(ctx context.Context, id backend.IdempotencyID) (*backend.IdempotencyRecord, error) {
	var (
		rec     backend.IdempotencyRecord
		created string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT `+idempotencyColumns+` FROM idempotency_records
		WHERE scope = ? AND idem_key = ? AND method = ? AND path = ?`, id.Scope, id.Key, id.Method, id.Path).
		Scan(&rec.Scope, &rec.Key, &rec.Method, &rec.Path, &rec.RequestHash, &rec.Status, &rec.ContentType,
			&rec.Location, &rec.BodySealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Idempotency record")
	}
	if err != nil {
		return nil, dbError("get idempotency record", err)
	}
	if rec.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &rec, nil
}

func (t *tx) InsertIdempotencyRecord(ctx context.Context, rec *backend.IdempotencyRecord) error {
	if err := checkTime("created_at", rec.CreatedAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO idempotency_records (`+idempotencyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rec.Scope, rec.Key, rec.Method, rec.Path, rec.RequestHash, rec.Status, rec.ContentType, rec.Location,
		rec.BodySealed, formatTime(rec.CreatedAt))
	if isUniqueViolation(err) {
		return conflict("An idempotency record for this key")
	}
	if err != nil {
		return dbError("insert idempotency record", err)
	}
	return nil
}

func (t *tx) CompleteIdempotencyRecord(ctx context.Context, rec *backend.IdempotencyRecord) error {
	res, err := t.tx.ExecContext(ctx, `UPDATE idempotency_records
		SET status = ?, content_type = ?, location = ?, body_sealed = ?
		WHERE scope = ? AND idem_key = ? AND method = ? AND path = ?`,
		rec.Status, rec.ContentType, rec.Location, rec.BodySealed, rec.Scope, rec.Key, rec.Method, rec.Path)
	return oneRow(res, err, "complete idempotency record", "Idempotency record")
}

func (t *tx) DeleteIdempotencyRecord(ctx context.Context, id backend.IdempotencyID) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM idempotency_records
		WHERE scope = ? AND idem_key = ? AND method = ? AND path = ?`, id.Scope, id.Key, id.Method, id.Path)
	return oneRow(res, err, "delete idempotency record", "Idempotency record")
}

func (t *tx) PurgeIdempotencyRecords(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := checkTime("before", before); err != nil {
		return 0, err
	}
	// One writer at a time on SQLite: nothing is ever locked by another
	// transaction here, so there is nothing to skip.
	res, err := t.tx.ExecContext(ctx, `DELETE FROM idempotency_records WHERE rowid IN (
		SELECT rowid FROM idempotency_records WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
		formatTime(before), limit)
	if err != nil {
		return 0, dbError("purge idempotency records", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, dbError("purge idempotency records", err)
	}
	return int(n), nil
}

// oneRow turns the outcome of a statement that must change exactly one row
// into ENOTFOUND when it changed none.
func oneRow(res sql.Result, err error, op, what string) error {
	if err != nil {
		return dbError(op, err)
	}
	return expectOneRow(res, what, op)
}
