package httpapi

import (
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// managedAccountListing is the contract's ManagedAccountMultiListing, plus
// the status and global_channel_limit extensions.
type managedAccountListing struct {
	RecordType         string `json:"record_type"`
	ID                 string `json:"id"`
	Email              string `json:"email"`
	APIUser            string `json:"api_user"`
	ManagerAccountID   string `json:"manager_account_id"`
	OrganizationName   string `json:"organization_name"`
	AllowCustomPricing bool   `json:"managed_account_allow_custom_pricing"`
	RollupBilling      bool   `json:"rollup_billing"`
	CreatedAt          string `json:"created_at"`
	UpdatedAt          string `json:"updated_at"`
	Status             string `json:"status"`
	GlobalChannelLimit int    `json:"global_channel_limit"`
}

// managedAccountJSON is the contract's ManagedAccount: the listing plus the
// account's credentials and balance, which only single answers carry.
type managedAccountJSON struct {
	managedAccountListing
	APIKey   string                `json:"api_key"`
	APIToken string                `json:"api_token"`
	Balance  managedAccountBalance `json:"balance"`
}

// managedAccountBalance is the contract's ManagedAccountBalance.
type managedAccountBalance struct {
	RecordType      string `json:"record_type"`
	Balance         string `json:"balance"`
	CreditLimit     string `json:"credit_limit"`
	AvailableCredit string `json:"available_credit"`
	Currency        string `json:"currency"`
}

type managedAccountList struct {
	Data []managedAccountListing `json:"data"`
	Meta paginationMeta          `json:"meta"`
}

// paginationMeta is the contract's PaginationMeta.
type paginationMeta struct {
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}

func newPaginationMeta(m backend.PageMeta) paginationMeta {
	return paginationMeta{PageNumber: m.PageNumber, PageSize: m.PageSize, TotalPages: m.TotalPages, TotalResults: m.TotalResults}
}

// allocatableChannelsJSON is the contract's ManagedAccountsGlobalOutboundChannels.
type allocatableChannelsJSON struct {
	RecordType                        string `json:"record_type"`
	AllocatableGlobalOutboundChannels int    `json:"allocatable_global_outbound_channels"`
	ManagedAccountAllowCustomPricing  bool   `json:"managed_account_allow_custom_pricing"`
	TotalGlobalChannelsAllocated      int    `json:"total_global_channels_allocated"`
}

// accountChannelsJSON is the contract's SingleManagedAccountGlobalOutboundChannels.
type accountChannelsJSON struct {
	RecordType       string `json:"record_type"`
	ID               string `json:"id"`
	Email            string `json:"email"`
	ManagerAccountID string `json:"manager_account_id"`
	ChannelLimit     int    `json:"channel_limit"`
}

func newManagedAccountListing(a *backend.Account) managedAccountListing {
	return managedAccountListing{
		RecordType: "managed_account", ID: a.ID, Email: a.Email, APIUser: a.Email,
		ManagerAccountID: a.ManagerID, OrganizationName: a.OrganizationName,
		AllowCustomPricing: a.AllowCustomPricing, RollupBilling: a.RollupBilling,
		CreatedAt: timestamp(a.CreatedAt), UpdatedAt: timestamp(a.UpdatedAt),
		Status: string(a.Status), GlobalChannelLimit: a.GlobalChannelLimit,
	}
}

func newManagedAccountJSON(v *backend.ManagedAccountView) data[managedAccountJSON] {
	return data[managedAccountJSON]{Data: managedAccountJSON{
		managedAccountListing: newManagedAccountListing(v.Account),
		APIKey:                v.APIKey,
		APIToken:              v.APIToken,
		Balance: managedAccountBalance{
			RecordType: "balance", Balance: v.Balance.Balance.String(), CreditLimit: v.Balance.CreditLimit.String(),
			AvailableCredit: v.Balance.AvailableCredit.String(), Currency: v.Balance.Currency,
		},
	}}
}

// createManagedAccountBody is the contract's CreateManagedAccountRequest.
type createManagedAccountBody struct {
	BusinessName       *string `json:"business_name"`
	Email              *string `json:"email"`
	Password           *string `json:"password"`
	AllowCustomPricing *bool   `json:"managed_account_allow_custom_pricing"`
	RollupBilling      *bool   `json:"rollup_billing"`
}

// updateManagedAccountBody is the contract's UpdateManagedAccountRequest plus
// the password extension.
type updateManagedAccountBody struct {
	AllowCustomPricing *bool   `json:"managed_account_allow_custom_pricing"`
	Password           *string `json:"password"`
}

type enableManagedAccountBody struct {
	// ReenableAllConnections is accepted for compatibility; the reference
	// backend has no connections to re-enable.
	ReenableAllConnections *bool `json:"reenable_all_connections"`
}

type updateGlobalChannelLimitBody struct {
	ChannelLimit *int `json:"channel_limit"`
}

func (s *server) listManagedAccounts(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	q, err := parseManagedAccountQuery(r.URL)
	if err != nil {
		return err
	}
	accounts, meta, err := s.svc.ListManagedAccounts(r.Context(), c, q)
	if err != nil {
		return err
	}
	out := managedAccountList{Data: make([]managedAccountListing, 0, len(accounts)), Meta: newPaginationMeta(meta)}
	for _, a := range accounts {
		out.Data = append(out.Data, newManagedAccountListing(a))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) createManagedAccount(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body createManagedAccountBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	v, err := s.svc.CreateManagedAccount(r.Context(), c, backend.CreateManagedAccountInput{
		BusinessName: body.BusinessName, Email: body.Email, Password: body.Password,
		AllowCustomPricing: body.AllowCustomPricing, RollupBilling: body.RollupBilling,
	})
	if err != nil {
		return err
	}
	// The contract answers a create with 200, not 201.
	writeJSON(w, http.StatusOK, newManagedAccountJSON(v))
	return nil
}

func (s *server) getManagedAccount(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	v, err := s.svc.GetManagedAccount(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newManagedAccountJSON(v))
	return nil
}

func (s *server) updateManagedAccount(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body updateManagedAccountBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	v, err := s.svc.UpdateManagedAccount(r.Context(), c, r.PathValue("id"), backend.UpdateManagedAccountInput{
		AllowCustomPricing: body.AllowCustomPricing, Password: body.Password,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newManagedAccountJSON(v))
	return nil
}

func (s *server) disableManagedAccount(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	// The contract defines no body; an empty object is tolerated, anything
	// else is refused like any unknown field.
	if err := decodeBody(w, r, &struct{}{}, bodyOptional); err != nil {
		return err
	}
	return s.setManagedAccountStatus(w, r, c, false)
}

func (s *server) enableManagedAccount(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body enableManagedAccountBody
	if err := decodeBody(w, r, &body, bodyOptional); err != nil {
		return err
	}
	return s.setManagedAccountStatus(w, r, c, true)
}

func (s *server) setManagedAccountStatus(w http.ResponseWriter, r *http.Request, c *backend.Caller, enabled bool) error {
	v, err := s.svc.SetManagedAccountStatus(r.Context(), c, r.PathValue("id"), enabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newManagedAccountJSON(v))
	return nil
}

func (s *server) allocatableChannels(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	alloc, err := s.svc.AllocatableChannels(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[allocatableChannelsJSON]{Data: allocatableChannelsJSON{
		RecordType:                        "allocatable_global_outbound_channels",
		AllocatableGlobalOutboundChannels: alloc.Allocatable,
		ManagedAccountAllowCustomPricing:  alloc.AllowCustomPricing,
		TotalGlobalChannelsAllocated:      alloc.TotalAllocated,
	}})
	return nil
}

func (s *server) updateGlobalChannelLimit(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body updateGlobalChannelLimitBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	a, err := s.svc.UpdateGlobalChannelLimit(r.Context(), c, r.PathValue("id"), body.ChannelLimit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[accountChannelsJSON]{Data: accountChannelsJSON{
		RecordType: "managed_account_global_outbound_settings", ID: a.ID, Email: a.Email,
		ManagerAccountID: a.ManagerID, ChannelLimit: a.GlobalChannelLimit,
	}})
	return nil
}
