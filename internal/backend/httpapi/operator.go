package httpapi

import (
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// operatorAccount is an account as the operator API shows it.
type operatorAccount struct {
	RecordType                        string `json:"record_type"`
	ID                                string `json:"id"`
	Email                             string `json:"email"`
	OrganizationName                  string `json:"organization_name"`
	Status                            string `json:"status"`
	ManagedAccountLimit               int    `json:"managed_account_limit"`
	AllocatableGlobalOutboundChannels int    `json:"allocatable_global_outbound_channels"`
	CreditLimit                       string `json:"credit_limit"`
	CreatedAt                         string `json:"created_at"`
	UpdatedAt                         string `json:"updated_at"`
}

// createdAccount is the answer to a create: the only one with the new
// manager's primary key.
type createdAccount struct {
	operatorAccount
	APIKey string `json:"api_key"`
}

// accountDetail is every other answer about an account: with its manager
// (null for a manager) and its balance.
type accountDetail struct {
	operatorAccount
	ManagerAccountID *string     `json:"manager_account_id"`
	Balance          userBalance `json:"balance"`
}

// ledgerEntryJSON is a posted adjustment with the balance it leads to.
type ledgerEntryJSON struct {
	RecordType  string      `json:"record_type"`
	ID          string      `json:"id"`
	AccountID   string      `json:"account_id"`
	Kind        string      `json:"kind"`
	Amount      string      `json:"amount"`
	Currency    string      `json:"currency"`
	Description string      `json:"description"`
	CreatedAt   string      `json:"created_at"`
	Balance     userBalance `json:"balance"`
}

func newOperatorAccount(a *backend.Account) operatorAccount {
	return operatorAccount{
		RecordType: "account", ID: a.ID, Email: a.Email, OrganizationName: a.OrganizationName, Status: string(a.Status),
		ManagedAccountLimit: a.ManagedAccountLimit, AllocatableGlobalOutboundChannels: a.AllocatableChannels,
		CreditLimit: a.CreditLimit.String(), CreatedAt: timestamp(a.CreatedAt), UpdatedAt: timestamp(a.UpdatedAt),
	}
}

type createAccountBody struct {
	Email                             *string `json:"email"`
	OrganizationName                  *string `json:"organization_name"`
	Password                          *string `json:"password"`
	ManagedAccountLimit               *int    `json:"managed_account_limit"`
	AllocatableGlobalOutboundChannels *int    `json:"allocatable_global_outbound_channels"`
	CreditLimit                       *string `json:"credit_limit"`
}

type updateAccountLimitsBody struct {
	ManagedAccountLimit               *int `json:"managed_account_limit"`
	AllocatableGlobalOutboundChannels *int `json:"allocatable_global_outbound_channels"`
}

type creditLimitBody struct {
	CreditLimit *string `json:"credit_limit"`
}

type adjustmentBody struct {
	Amount      *string `json:"amount"`
	Description *string `json:"description"`
}

func (s *server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var body createAccountBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	a, key, err := s.svc.CreateManager(r.Context(), backend.CreateManagerInput{
		Email: body.Email, OrganizationName: body.OrganizationName, Password: body.Password,
		ManagedAccountLimit: body.ManagedAccountLimit, AllocatableChannels: body.AllocatableGlobalOutboundChannels,
		CreditLimit: body.CreditLimit,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, data[createdAccount]{Data: createdAccount{operatorAccount: newOperatorAccount(a), APIKey: key}})
	return nil
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) error {
	return s.writeAccountDetail(w, r, r.PathValue("id"))
}

// writeAccountDetail answers the account as it now is, so that every
// operator answer shows the same complete object.
func (s *server) writeAccountDetail(w http.ResponseWriter, r *http.Request, id string) error {
	a, bal, err := s.svc.GetAccount(r.Context(), id)
	if err != nil {
		return err
	}
	detail := accountDetail{operatorAccount: newOperatorAccount(a), Balance: newUserBalance(bal)}
	if !a.IsManager() {
		detail.ManagerAccountID = &a.ManagerID
	}
	writeJSON(w, http.StatusOK, data[accountDetail]{Data: detail})
	return nil
}

// managedAccountOfManager is one item of a manager's managed accounts as
// the operator lists them.
type managedAccountOfManager struct {
	operatorAccount
	ManagerAccountID string `json:"manager_account_id"`
}

// listManagersAccounts is GET /reference/accounts/{id}/managed_accounts: a
// manager's managed accounts that are not cancelled, oldest first.
func (s *server) listManagersAccounts(w http.ResponseWriter, r *http.Request) error {
	params, err := newQueryParams(r.URL, pageParams...)
	if err != nil {
		return err
	}
	page, err := params.page()
	if err != nil {
		return err
	}
	accounts, meta, err := s.svc.OperatorManagedAccounts(r.Context(), r.PathValue("id"), page)
	if err != nil {
		return err
	}
	out := struct {
		Data []managedAccountOfManager `json:"data"`
		Meta paginationMeta            `json:"meta"`
	}{Data: make([]managedAccountOfManager, 0, len(accounts)), Meta: newPaginationMeta(meta)}
	for _, a := range accounts {
		out.Data = append(out.Data, managedAccountOfManager{operatorAccount: newOperatorAccount(a), ManagerAccountID: a.ManagerID})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) updateAccountLimits(w http.ResponseWriter, r *http.Request) error {
	var body updateAccountLimitsBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	a, err := s.svc.UpdateManagerLimits(r.Context(), r.PathValue("id"), backend.ManagerLimitsInput{
		ManagedAccountLimit: body.ManagedAccountLimit, AllocatableChannels: body.AllocatableGlobalOutboundChannels,
	})
	if err != nil {
		return err
	}
	return s.writeAccountDetail(w, r, a.ID)
}

func (s *server) setCreditLimit(w http.ResponseWriter, r *http.Request) error {
	var body creditLimitBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	a, err := s.svc.SetCreditLimit(r.Context(), r.PathValue("id"), body.CreditLimit)
	if err != nil {
		return err
	}
	return s.writeAccountDetail(w, r, a.ID)
}

func (s *server) cancelAccount(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.CancelAccount(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writeAccountDetail(w, r, a.ID)
}

func (s *server) postAdjustment(w http.ResponseWriter, r *http.Request) error {
	var body adjustmentBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	description := ""
	if body.Description != nil {
		description = *body.Description
	}
	entry, bal, err := s.svc.PostAdjustment(r.Context(), r.PathValue("id"), body.Amount, description)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, data[ledgerEntryJSON]{Data: ledgerEntryJSON{
		RecordType: "ledger_entry", ID: entry.ID, AccountID: entry.AccountID, Kind: string(entry.Kind),
		Amount: entry.Amount.String(), Currency: entry.Currency, Description: entry.Description,
		CreatedAt: timestamp(entry.CreatedAt), Balance: newUserBalance(bal),
	}})
	return nil
}
