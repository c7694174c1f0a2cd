package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

func (t *tx) InsertAuditEvent(ctx context.Context, e *backend.AuditEvent) error {
	if err := checkTime("created_at", e.CreatedAt); err != nil {
		return err
	}
	changes, err := sqlstore.EncodeAuditChanges(e.Changes)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	tag, err := t.exec(ctx, "insert audit event", `INSERT INTO audit_events
		(id, account_id, actor_account_id, change_made_by, action, changes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		e.ID, nullID(e.AccountID), nullID(e.ActorAccountID), e.ChangeMadeBy, e.Action, changes, e.CreatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("An audit event with this id")
	}
	return nil
}

func auditFilter(q backend.AuditQuery, p *params) string {
	where := []string{"true"}
	if q.ManagerScope != "" {
		m := p.add(q.ManagerScope)
		where = append(where, "(e.account_id = "+m+" OR e.account_id IN (SELECT id FROM accounts WHERE manager_id = "+m+"))")
	}
	if q.AccountID != "" {
		where = append(where, "e.account_id = "+p.add(q.AccountID))
	}
	if q.From != nil {
		where = append(where, "e.created_at >= "+p.add(*q.From))
	}
	if q.To != nil {
		where = append(where, "e.created_at <= "+p.add(*q.To))
	}
	return strings.Join(where, " AND ")
}

func (t *tx) ListAuditEvents(ctx context.Context, q backend.AuditQuery) ([]*backend.AuditEvent, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list audit events: %w", err)
	}
	if !storable(q.ManagerScope, q.AccountID) {
		return []*backend.AuditEvent{}, 0, nil
	}
	var p params
	where := auditFilter(q, &p)
	total, err := t.count(ctx, "count audit events", `SELECT COUNT(*) FROM audit_events e WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(q.Page.Size), p.add(q.Page.Offset())
	events, err := queryAll(ctx, t, "list audit events", scanAuditEvent, `SELECT e.id, e.account_id, e.actor_account_id,
		e.change_made_by, e.action, e.changes, e.created_at FROM audit_events e WHERE `+where+
		` ORDER BY e.created_at DESC, e.id DESC LIMIT `+limit+` OFFSET `+offset, p...)
	if err != nil {
		return nil, 0, err
	}
	return events, total, nil
}

func scanAuditEvent(row pgx.Row) (*backend.AuditEvent, error) {
	var (
		e              backend.AuditEvent
		account, actor *string
		changes        string
	)
	if err := row.Scan(&e.ID, &account, &actor, &e.ChangeMadeBy, &e.Action, &changes, &e.CreatedAt); err != nil {
		return nil, err
	}
	if account != nil {
		e.AccountID = *account
	}
	if actor != nil {
		e.ActorAccountID = *actor
	}
	var err error
	if e.Changes, err = sqlstore.DecodeAuditChanges(changes); err != nil {
		return nil, err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return &e, nil
}
