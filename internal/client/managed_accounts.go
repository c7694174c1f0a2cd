package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// ManagedAccount is the contract's ManagedAccount (single answers) and
// ManagedAccountMultiListing (list items, without credentials or balance).
type ManagedAccount struct {
	RecordType                       string                 `json:"record_type"`
	ID                               string                 `json:"id"`
	Email                            string                 `json:"email"`
	APIKey                           string                 `json:"api_key,omitempty"`
	APIToken                         string                 `json:"api_token,omitempty"`
	APIUser                          string                 `json:"api_user"`
	ManagerAccountID                 string                 `json:"manager_account_id"`
	OrganizationName                 string                 `json:"organization_name"`
	ManagedAccountAllowCustomPricing bool                   `json:"managed_account_allow_custom_pricing"`
	RollupBilling                    bool                   `json:"rollup_billing"`
	Balance                          *ManagedAccountBalance `json:"balance,omitempty"`
	CreatedAt                        string                 `json:"created_at"`
	UpdatedAt                        string                 `json:"updated_at"`
	// Extensions of the reference backend; nil against an API without them.
	Status             *string `json:"status,omitempty"`
	GlobalChannelLimit *int64  `json:"global_channel_limit,omitempty"`
}

// ManagedAccountBalance is the balance embedded in a managed account.
type ManagedAccountBalance struct {
	RecordType      string `json:"record_type"`
	Balance         string `json:"balance"`
	CreditLimit     string `json:"credit_limit"`
	AvailableCredit string `json:"available_credit"`
	Currency        string `json:"currency"`
}

// CreateManagedAccountRequest is the contract's CreateManagedAccountRequest.
type CreateManagedAccountRequest struct {
	BusinessName                     string  `json:"business_name"`
	Email                            *string `json:"email,omitempty"`
	Password                         *string `json:"password,omitempty"`
	ManagedAccountAllowCustomPricing *bool   `json:"managed_account_allow_custom_pricing,omitempty"`
	RollupBilling                    *bool   `json:"rollup_billing,omitempty"`
}

// UpdateManagedAccountRequest is the contract's UpdateManagedAccountRequest,
// plus Password (a reference-backend extension).
type UpdateManagedAccountRequest struct {
	ManagedAccountAllowCustomPricing *bool   `json:"managed_account_allow_custom_pricing,omitempty"`
	Password                         *string `json:"password,omitempty"`
}

// ManagedAccountsGlobalOutboundChannels is the manager's channel pool.
type ManagedAccountsGlobalOutboundChannels struct {
	RecordType                        string `json:"record_type"`
	AllocatableGlobalOutboundChannels int64  `json:"allocatable_global_outbound_channels"`
	ManagedAccountAllowCustomPricing  bool   `json:"managed_account_allow_custom_pricing"`
	TotalGlobalChannelsAllocated      int64  `json:"total_global_channels_allocated"`
}

// SingleManagedAccountGlobalOutboundChannels is one account's allocation.
type SingleManagedAccountGlobalOutboundChannels struct {
	RecordType       string `json:"record_type"`
	ID               string `json:"id"`
	Email            string `json:"email"`
	ManagerAccountID string `json:"manager_account_id"`
	ChannelLimit     int64  `json:"channel_limit"`
}

// ListManagedAccountsOptions are the list endpoint's filters, sort and page.
// Empty fields are not sent.
type ListManagedAccountsOptions struct {
	EmailEq                  string
	EmailContains            string
	OrganizationNameEq       string
	OrganizationNameContains string
	Status                   string // filter[status][eq]
	IncludeCancelledAccounts bool
	Sort                     string // created_at, -created_at, email, -email
	PageNumber               int
	PageSize                 int
}

func (o ListManagedAccountsOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("filter[email][eq]", o.EmailEq)
	set("filter[email][contains]", o.EmailContains)
	set("filter[organization_name][eq]", o.OrganizationNameEq)
	set("filter[organization_name][contains]", o.OrganizationNameContains)
	set("filter[status][eq]", o.Status)
	set("sort", o.Sort)
	if o.IncludeCancelledAccounts {
		v.Set("include_cancelled_accounts", "true")
	}
	return v
}

// CreateManagedAccount creates a managed account of the calling manager.
func (c *Client) CreateManagedAccount(ctx context.Context, req CreateManagedAccountRequest) (*ManagedAccount, error) {
	return send[ManagedAccount](ctx, c, http.MethodPost, "/managed_accounts", req)
}

// GetManagedAccount retrieves a managed account, with its credentials.
func (c *Client) GetManagedAccount(ctx context.Context, id string) (*ManagedAccount, error) {
	return get[ManagedAccount](ctx, c, "/managed_accounts/"+url.PathEscape(id), nil)
}

// UpdateManagedAccount changes a managed account's settings.
func (c *Client) UpdateManagedAccount(ctx context.Context, id string, req UpdateManagedAccountRequest) (*ManagedAccount, error) {
	return send[ManagedAccount](ctx, c, http.MethodPatch, "/managed_accounts/"+url.PathEscape(id), req)
}

// DisableManagedAccount disables a managed account.
func (c *Client) DisableManagedAccount(ctx context.Context, id string) (*ManagedAccount, error) {
	return send[ManagedAccount](ctx, c, http.MethodPost, "/managed_accounts/"+url.PathEscape(id)+"/actions/disable", nil)
}

// EnableManagedAccount enables a managed account.
func (c *Client) EnableManagedAccount(ctx context.Context, id string, reenableAllConnections bool) (*ManagedAccount, error) {
	body := map[string]bool{"reenable_all_connections": reenableAllConnections}
	return send[ManagedAccount](ctx, c, http.MethodPost, "/managed_accounts/"+url.PathEscape(id)+"/actions/enable", body)
}

// ListManagedAccounts returns one page of the caller's managed accounts.
func (c *Client) ListManagedAccounts(ctx context.Context, opts ListManagedAccountsOptions) ([]ManagedAccount, PageMeta, error) {
	return list[ManagedAccount](ctx, c, "/managed_accounts", opts.values())
}

// AllManagedAccounts iterates over every page of the list, starting at
// opts.PageNumber (default 1). It stops at the first error, which it yields.
func (c *Client) AllManagedAccounts(ctx context.Context, opts ListManagedAccountsOptions) iter.Seq2[ManagedAccount, error] {
	return paginate(opts.PageNumber, func(page int) ([]ManagedAccount, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListManagedAccounts(ctx, o)
	})
}

// AllocatableGlobalOutboundChannels returns the manager's channel pool.
func (c *Client) AllocatableGlobalOutboundChannels(ctx context.Context) (*ManagedAccountsGlobalOutboundChannels, error) {
	return get[ManagedAccountsGlobalOutboundChannels](ctx, c, "/managed_accounts/allocatable_global_outbound_channels", nil)
}

// UpdateGlobalChannelLimit allocates channels to a managed account.
func (c *Client) UpdateGlobalChannelLimit(ctx context.Context, id string, limit int64) (*SingleManagedAccountGlobalOutboundChannels, error) {
	body := map[string]int64{"channel_limit": limit}
	return send[SingleManagedAccountGlobalOutboundChannels](ctx, c, http.MethodPatch, "/managed_accounts/"+url.PathEscape(id)+"/update_global_channel_limit", body)
}
