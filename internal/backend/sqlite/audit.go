package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

func (t *tx) InsertAuditEvent(ctx context.Context, e *backend.AuditEvent) error {
	if err := checkTime("created_at", e.CreatedAt); err != nil {
		return err
	}
	changes, err := sqlstore.EncodeAuditChanges(e.Changes)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO audit_events
		(id, account_id, actor_account_id, change_made_by, action, changes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, nullID(e.AccountID), nullID(e.ActorAccountID), e.ChangeMadeBy, e.Action, changes, formatTime(e.CreatedAt))
	if isUniqueViolation(err) {
		return conflict("An audit event with this id")
	}
	if err != nil {
		return dbError("insert audit event", err)
	}
	return nil
}

func auditFilter(q backend.AuditQuery) (string, []any) {
	where := []string{"1 = 1"}
	var args []any
	if q.ManagerScope != "" {
		where = append(where, "(e.account_id = ? OR e.account_id IN (SELECT id FROM accounts WHERE manager_id = ?))")
		args = append(args, q.ManagerScope, q.ManagerScope)
	}
	if q.AccountID != "" {
		where, args = append(where, "e.account_id = ?"), append(args, q.AccountID)
	}
	if q.From != nil {
		where, args = append(where, "e.created_at >= ?"), append(args, formatTime(*q.From))
	}
	if q.To != nil {
		where, args = append(where, "e.created_at <= ?"), append(args, formatTime(*q.To))
	}
	return strings.Join(where, " AND "), args
}

func (t *tx) ListAuditEvents(ctx context.Context, q backend.AuditQuery) ([]*backend.AuditEvent, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list audit events: %w", err)
	}
	where, args := auditFilter(q)
	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events e WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError("count audit events", err)
	}
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT e.id, e.account_id, e.actor_account_id, e.change_made_by, e.action,
		e.changes, e.created_at FROM audit_events e WHERE `+where+
		` ORDER BY e.created_at DESC, e.id DESC LIMIT ? OFFSET ?`, append(args, q.Page.Size, q.Page.Offset())...)
	if err != nil {
		return nil, 0, dbError("list audit events", err)
	}
	defer func() { _ = rows.Close() }()
	events := []*backend.AuditEvent{}
	for rows.Next() {
		var (
			e                  backend.AuditEvent
			account, actor     sql.NullString
			changes, createdAt string
		)
		if err := rows.Scan(&e.ID, &account, &actor, &e.ChangeMadeBy, &e.Action, &changes, &createdAt); err != nil {
			return nil, 0, dbError("list audit events", err)
		}
		e.AccountID, e.ActorAccountID = account.String, actor.String
		if e.Changes, err = sqlstore.DecodeAuditChanges(changes); err != nil {
			return nil, 0, dbError("list audit events", err)
		}
		if e.CreatedAt, err = parseTime(createdAt); err != nil {
			return nil, 0, dbError("list audit events", err)
		}
		events = append(events, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list audit events", err)
	}
	return events, total, nil
}
