package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The portal's sessions (backend.PortalSession), by the hash of their token.

const portalSessionColumns = `id, account_id, acting_as_id, created_at, last_seen_at, expires_at`

func (t *tx) InsertPortalSession(ctx context.Context, ps *backend.PortalSession) error {
	if err := checkTimes(at("created_at", ps.CreatedAt), at("last_seen_at", ps.LastSeenAt), at("expires_at", ps.ExpiresAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert portal session", `INSERT INTO portal_sessions (`+portalSessionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
		ps.ID, ps.AccountID, nullID(ps.ActingAsID), ps.CreatedAt, ps.LastSeenAt, ps.ExpiresAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A portal session with this id")
	}
	return nil
}

func (t *tx) GetPortalSession(ctx context.Context, id string) (*backend.PortalSession, error) {
	if !storable(id) {
		return nil, backend.NotFound("Portal session")
	}
	return queryOne(ctx, t, "get portal session", "Portal session", func(row pgx.Row) (*backend.PortalSession, error) {
		var (
			ps       backend.PortalSession
			actingAs *string
		)
		if err := row.Scan(&ps.ID, &ps.AccountID, &actingAs, &ps.CreatedAt, &ps.LastSeenAt, &ps.ExpiresAt); err != nil {
			return nil, err
		}
		if actingAs != nil {
			ps.ActingAsID = *actingAs
		}
		ps.CreatedAt, ps.LastSeenAt, ps.ExpiresAt = ps.CreatedAt.UTC(), ps.LastSeenAt.UTC(), ps.ExpiresAt.UTC()
		return &ps, nil
	}, `SELECT `+portalSessionColumns+` FROM portal_sessions WHERE id = $1`, id)
}

func (t *tx) TouchPortalSession(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("last_seen_at", at); err != nil {
		return err
	}
	if !storable(id) {
		return backend.NotFound("Portal session")
	}
	tag, err := t.exec(ctx, "touch portal session", `UPDATE portal_sessions SET last_seen_at = $1 WHERE id = $2`, at, id)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Portal session")
}

func (t *tx) DeletePortalSession(ctx context.Context, id string) error {
	if !storable(id) {
		return backend.NotFound("Portal session")
	}
	tag, err := t.exec(ctx, "delete portal session", `DELETE FROM portal_sessions WHERE id = $1`, id)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Portal session")
}

// PurgePortalSessions deletes expired sessions, skipping those another
// transaction holds (a replica purging at the same time, or a page touching
// one) instead of waiting for them.
func (t *tx) PurgePortalSessions(ctx context.Context, now, idleBefore time.Time, limit int) (int, error) {
	if err := checkTimes(at("now", now), at("idle_before", idleBefore)); err != nil {
		return 0, err
	}
	tag, err := t.exec(ctx, "purge portal sessions", `DELETE FROM portal_sessions WHERE id = ANY(ARRAY(
		SELECT id FROM portal_sessions WHERE expires_at <= $1 OR last_seen_at < $2 LIMIT $3 FOR UPDATE SKIP LOCKED))`,
		now, idleBefore, limit)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}
