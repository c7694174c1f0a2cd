package backend

import (
	"context"
	"time"
)

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
