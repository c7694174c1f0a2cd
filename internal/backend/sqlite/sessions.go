package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The portal's sessions (backend.PortalSession), by the hash of their token.

const portalSessionColumns = `id, account_id, acting_as_id, created_at, last_seen_at, expires_at`

func (t *tx) InsertPortalSession(ctx context.Context, ps *backend.PortalSession) error {
	for _, f := range []struct {
		name string
		at   time.Time
	}{{"created_at", ps.CreatedAt}, {"last_seen_at", ps.LastSeenAt}, {"expires_at", ps.ExpiresAt}} {
		if err := checkTime(f.name, f.at); err != nil {
			return err
		}
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO portal_sessions (`+portalSessionColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		ps.ID, ps.AccountID, nullID(ps.ActingAsID), formatTime(ps.CreatedAt), formatTime(ps.LastSeenAt), formatTime(ps.ExpiresAt))
	if isUniqueViolation(err) {
		return conflict("A portal session with this id")
	}
	if err != nil {
		return dbError("insert portal session", err)
	}
	return nil
}

func (t *tx) GetPortalSession(ctx context.Context, id string) (*backend.PortalSession, error) {
	var (
		ps                         backend.PortalSession
		actingAs                   sql.NullString
		created, lastSeen, expires string
	)
	err := t.tx.QueryRowContext(ctx, `SELECT `+portalSessionColumns+` FROM portal_sessions WHERE id = ?`, id).
		Scan(&ps.ID, &ps.AccountID, &actingAs, &created, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Portal session")
	}
	if err != nil {
		return nil, dbError("get portal session", err)
	}
	ps.ActingAsID = actingAs.String
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&ps.CreatedAt, created}, {&ps.LastSeenAt, lastSeen}, {&ps.ExpiresAt, expires}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, err
		}
	}
	return &ps, nil
}

func (t *tx) TouchPortalSession(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("last_seen_at", at); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE portal_sessions SET last_seen_at = ? WHERE id = ?`, formatTime(at), id)
	return oneRow(res, err, "touch portal session", "Portal session")
}

func (t *tx) DeletePortalSession(ctx context.Context, id string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE id = ?`, id)
	return oneRow(res, err, "delete portal session", "Portal session")
}

func (t *tx) PurgePortalSessions(ctx context.Context, now, idleBefore time.Time, limit int) (int, error) {
	if err := checkTime("now", now); err != nil {
		return 0, err
	}
	if err := checkTime("idle_before", idleBefore); err != nil {
		return 0, err
	}
	res, err := t.tx.ExecContext(ctx, `DELETE FROM portal_sessions WHERE rowid IN (
		SELECT rowid FROM portal_sessions WHERE expires_at <= ? OR last_seen_at < ? LIMIT ?)`,
		formatTime(now), formatTime(idleBefore), limit)
	if err != nil {
		return 0, dbError("purge portal sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, dbError("purge portal sessions", err)
	}
	return int(n), nil
}
