package backend

import (
	"context"
	"time"
)

// Who made a change, as the audit log records it.
const (
	ChangeByAccountOwner   = "account_owner"
	ChangeByAccountManager = "account_manager"
	ChangeByOperator       = "operator"
)

// AuditEvent records one mutation: who made it, on which account, what changed.
// Changes never carries a secret, only the names of secrets that changed.
type AuditEvent struct {
	ID             string
	AccountID      string // the account the change is about; empty for the price book, which belongs to none
	ActorAccountID string // empty when the operator made it
	ChangeMadeBy   string
	Action         string
	Changes        map[string]any
	CreatedAt      time.Time
}

// AuditQuery selects audit events. Empty fields do not filter.
type AuditQuery struct {
	// ManagerScope keeps events about this account or about its managed accounts.
	ManagerScope string
	AccountID    string
	From, To     *time.Time // inclusive bounds on created_at
	Page         Page
}

// AuditFilter is what a caller may ask of the audit log.
type AuditFilter struct {
	AccountID string
	From, To  *time.Time
	Page      Page
}

// ListAuditEvents returns a page of the audit log as a manager may read it:
// events about itself and its managed accounts, newest first. Returns
// EFORBIDDEN for a managed-account caller and EBADREQUEST for a bad page.
func (s *Service) ListAuditEvents(ctx context.Context, c *Caller, f AuditFilter) ([]*AuditEvent, PageMeta, error) {
	if err := requireManager(c); err != nil {
		return nil, PageMeta{}, err
	}
	return s.listAudit(ctx, AuditQuery{ManagerScope: c.Account.ID, AccountID: f.AccountID, From: f.From, To: f.To, Page: f.Page})
}

// OperatorAuditEvents returns a page of the whole audit log, for the operator.
func (s *Service) OperatorAuditEvents(ctx context.Context, f AuditFilter) ([]*AuditEvent, PageMeta, error) {
	return s.listAudit(ctx, AuditQuery{AccountID: f.AccountID, From: f.From, To: f.To, Page: f.Page})
}

func (s *Service) listAudit(ctx context.Context, q AuditQuery) ([]*AuditEvent, PageMeta, error) {
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return nil, PageMeta{}, InvalidParameter("filter[created_at][lte]", "filter[created_at][lte] must not be before filter[created_at][gte].")
	}
	var (
		events []*AuditEvent
		total  int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		events, total, err = tx.ListAuditEvents(ctx, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return events, NewPageMeta(q.Page, total), nil
}

// changeMadeBy tells whether a change is the account owner's or its manager's:
// the manager's when it acts on a managed account, or as one (through a key
// issued to it).
func changeMadeBy(c *Caller, accountID string) string {
	if c.Account.ID != accountID || c.ActingAs == ChangeByAccountManager {
		return ChangeByAccountManager
	}
	return ChangeByAccountOwner
}

func (s *Service) audit(ctx context.Context, tx Tx, c *Caller, accountID, action string, changes map[string]any) error {
	e := &AuditEvent{ID: newID(), AccountID: accountID, Action: action, Changes: changes, CreatedAt: s.timestamp()}
	if c == nil {
		e.ChangeMadeBy = ChangeByOperator
	} else {
		e.ActorAccountID = c.Account.ID
		if c.ActorAccountID != "" {
			e.ActorAccountID = c.ActorAccountID
		}
		e.ChangeMadeBy = changeMadeBy(c, accountID)
	}
	return tx.InsertAuditEvent(ctx, e)
}
