package httpapi

import (
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// userBalance is the contract's UserBalance.
type userBalance struct {
	RecordType      string `json:"record_type"`
	Balance         string `json:"balance"`
	Pending         string `json:"pending"`
	CreditLimit     string `json:"credit_limit"`
	AvailableCredit string `json:"available_credit"`
	Currency        string `json:"currency"`
}

func newUserBalance(b *backend.Balance) userBalance {
	return userBalance{
		RecordType: "balance", Balance: b.Balance.String(), Pending: b.Pending.String(),
		CreditLimit: b.CreditLimit.String(), AvailableCredit: b.AvailableCredit.String(), Currency: b.Currency,
	}
}

func (s *server) balance(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	b, err := s.svc.Balance(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[userBalance]{Data: newUserBalance(b)})
	return nil
}
