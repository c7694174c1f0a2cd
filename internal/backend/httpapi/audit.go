package httpapi

import (
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// auditEventJSON is one entry of the audit log.
type auditEventJSON struct {
	RecordType string `json:"record_type"`
	ID         string `json:"id"`
	// AccountID is null for a change about no account (the price book),
	// which only the operator's audit log lists.
	AccountID *string `json:"account_id"`
	// ActorAccountID is null when the operator made the change.
	ActorAccountID *string        `json:"actor_account_id"`
	ChangeMadeBy   string         `json:"change_made_by"`
	Action         string         `json:"action"`
	Changes        map[string]any `json:"changes"`
	CreatedAt      string         `json:"created_at"`
}

type auditEventList struct {
	Data []auditEventJSON `json:"data"`
	Meta paginationMeta   `json:"meta"`
}

func newAuditEventJSON(e *backend.AuditEvent) auditEventJSON {
	out := auditEventJSON{
		RecordType: "audit_event", ID: e.ID, ChangeMadeBy: e.ChangeMadeBy,
		Action: e.Action, Changes: e.Changes, CreatedAt: timestamp(e.CreatedAt),
	}
	if e.AccountID != "" {
		out.AccountID = &e.AccountID
	}
	if e.ActorAccountID != "" {
		out.ActorAccountID = &e.ActorAccountID
	}
	if out.Changes == nil {
		out.Changes = map[string]any{}
	}
	return out
}

func writeAuditEvents(w http.ResponseWriter, events []*backend.AuditEvent, meta backend.PageMeta) {
	out := auditEventList{Data: make([]auditEventJSON, 0, len(events)), Meta: newPaginationMeta(meta)}
	for _, e := range events {
		out.Data = append(out.Data, newAuditEventJSON(e))
	}
	writeJSON(w, http.StatusOK, out)
}

// listAuditEvents is GET /v2/audit_events: a manager's own tree.
func (s *server) listAuditEvents(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	f, err := parseAuditFilter(r.URL)
	if err != nil {
		return err
	}
	events, meta, err := s.svc.ListAuditEvents(r.Context(), c, f)
	if err != nil {
		return err
	}
	writeAuditEvents(w, events, meta)
	return nil
}

// operatorAuditEvents is GET /reference/audit_events: every account.
func (s *server) operatorAuditEvents(w http.ResponseWriter, r *http.Request) error {
	f, err := parseAuditFilter(r.URL)
	if err != nil {
		return err
	}
	events, meta, err := s.svc.OperatorAuditEvents(r.Context(), f)
	if err != nil {
		return err
	}
	writeAuditEvents(w, events, meta)
	return nil
}
