package portal

import (
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// transfersSection is the balance transfers part of an account's overview:
// those a manager made, or those a managed account received (never its
// manager's name: only what it was credited, when, and why).
type transfersSection struct {
	// Sent is set for a manager's own account.
	Sent      bool
	Transfers []backend.BalanceTransferView
	// More is how many older transfers the section leaves out.
	More int
}

// transfersShown is how many of the newest transfers the overview shows.
const transfersShown = 20

// transfersSection reads the caller's newest transfers; nil under rollup
// billing, where the account has no balance to receive them.
func (p *Portal) transfersSection(rq *request) (*transfersSection, error) {
	c := rq.caller
	if c.Account.BillingAccountID() != c.Account.ID {
		return nil, nil
	}
	list, meta, err := p.svc.OwnBalanceTransfers(rq.r.Context(), c, backend.Page{Number: 1, Size: transfersShown})
	if err != nil {
		return nil, err
	}
	return &transfersSection{Sent: c.Account.IsManager(), Transfers: list, More: meta.TotalResults - len(list)}, nil
}
