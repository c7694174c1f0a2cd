package httpapi

import (
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Balance transfers (an extension, DESIGN 2.2): a manager moves money from
// its balance to one of its managed accounts'.

// balanceTransferRoutes registers the endpoints of balance transfers.
func (s *server) balanceTransferRoutes() {
	s.mux.HandleFunc("POST /v2/managed_accounts/{id}/balance_transfers", s.account(s.createBalanceTransfer))
	s.mux.HandleFunc("GET /v2/managed_accounts/{id}/balance_transfers", s.account(s.listBalanceTransfers))
}

// balanceTransferJSON is the BalanceTransfer object.
type balanceTransferJSON struct {
	RecordType       string `json:"record_type"`
	ID               string `json:"id"`
	ManagedAccountID string `json:"managed_account_id"`
	ManagerAccountID string `json:"manager_account_id"`
	Amount           string `json:"amount"`
	Currency         string `json:"currency"`
	Description      string `json:"description"`
	CreatedAt        string `json:"created_at"`
}

type balanceTransferList struct {
	Data []balanceTransferJSON `json:"data"`
	Meta paginationMeta        `json:"meta"`
}

type createBalanceTransferBody struct {
	Amount      *string `json:"amount"`
	Description *string `json:"description"`
}

func newBalanceTransferJSON(t *backend.BalanceTransfer) balanceTransferJSON {
	return balanceTransferJSON{
		RecordType: "balance_transfer", ID: t.ID, ManagedAccountID: t.AccountID, ManagerAccountID: t.ManagerID,
		Amount: t.Amount.String(), Currency: t.Currency, Description: t.Description, CreatedAt: timestamp(t.CreatedAt),
	}
}

func (s *server) createBalanceTransfer(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body createBalanceTransferBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	t, err := s.svc.CreateBalanceTransfer(r.Context(), c, r.PathValue("id"), backend.BalanceTransferInput{
		Amount: body.Amount, Description: body.Description,
	})
	if err != nil {
		return err
	}
	// Answered 200 like the contract's creates.
	writeJSON(w, http.StatusOK, data[balanceTransferJSON]{Data: newBalanceTransferJSON(t)})
	return nil
}

func (s *server) listBalanceTransfers(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	page, err := parsePageQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListBalanceTransfers(r.Context(), c, r.PathValue("id"), page)
	if err != nil {
		return err
	}
	out := balanceTransferList{Data: make([]balanceTransferJSON, 0, len(list)), Meta: newPaginationMeta(meta)}
	for _, t := range list {
		out.Data = append(out.Data, newBalanceTransferJSON(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
