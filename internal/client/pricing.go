package client

import (
	"context"
	"net/http"
	"net/url"
)

// Products that produce usage, as pricing and usage reports name them.
const (
	ProductMessaging = "messaging"
	ProductVoice     = "voice"
	ProductWireless  = "wireless"
)

// Where an effective rate comes from (Rate.Source).
const (
	RateSourceList      = "list"
	RateSourceCommitted = "committed"
	RateSourceCustom    = "custom"
)

// Rate is one price of a product for one usage type, as the API answers it.
// Rate is a decimal string (up to six decimals), never a float. Direction and
// MessageType are "" for the products they do not apply to; CountryISO "*"
// prices every country without a rate of its own. Unit, Source and
// EffectiveFrom are only in answers.
type Rate struct {
	RecordType    string `json:"record_type,omitempty"`
	Product       string `json:"product"`
	Direction     string `json:"direction"`
	MessageType   string `json:"message_type"`
	CountryISO    string `json:"country_iso"`
	Rate          string `json:"rate"`
	Unit          string `json:"unit,omitempty"`
	Source        string `json:"source,omitempty"`
	EffectiveFrom string `json:"effective_from,omitempty"`
}

// RateInput is one rate of a custom rate set sent to the API: the key fields
// a product does not use are left out.
type RateInput struct {
	Product     string `json:"product"`
	Direction   string `json:"direction,omitempty"`
	MessageType string `json:"message_type,omitempty"`
	CountryISO  string `json:"country_iso"`
	Rate        string `json:"rate"`
}

// ManagedAccountPricing is the custom rate set of a managed account. With no
// custom set in force, Inherits is true, Rates is empty and EffectiveFrom is
// nil: the account pays its manager's rates.
type ManagedAccountPricing struct {
	RecordType           string  `json:"record_type"`
	ManagedAccountID     string  `json:"managed_account_id"`
	CustomPricingAllowed bool    `json:"custom_pricing_allowed"`
	Inherits             bool    `json:"inherits"`
	EffectiveFrom        *string `json:"effective_from"`
	Rates                []Rate  `json:"rates"`
}

// setPricingRequest is the body of PUT /managed_accounts/{id}/pricing.
type setPricingRequest struct {
	Rates []RateInput `json:"rates"`
}

// GetPricing returns the calling manager's effective rates now: its committed
// rates over the list prices, per key. A managed account is refused (403).
func (c *Client) GetPricing(ctx context.Context) ([]Rate, error) {
	rates, err := get[[]Rate](ctx, c, "/pricing", nil)
	if err != nil {
		return nil, err
	}
	return *rates, nil
}

// GetManagedAccountPricing returns the custom rate set in force for one of
// the calling manager's managed accounts.
func (c *Client) GetManagedAccountPricing(ctx context.Context, managedAccountID string) (*ManagedAccountPricing, error) {
	return get[ManagedAccountPricing](ctx, c, managedAccountPricingPath(managedAccountID), nil)
}

// SetManagedAccountPricing replaces the custom rate set of a managed account
// from now on; past usage keeps the rates it was charged at. No rates returns
// the account to inheritance. The API refuses it (422) when the account's
// managed_account_allow_custom_pricing is false.
func (c *Client) SetManagedAccountPricing(ctx context.Context, managedAccountID string, rates []RateInput) (*ManagedAccountPricing, error) {
	if rates == nil {
		rates = []RateInput{} // the API reads [] as "inherit"; null is not a rate set
	}
	return send[ManagedAccountPricing](ctx, c, http.MethodPut, managedAccountPricingPath(managedAccountID), setPricingRequest{Rates: rates})
}

func managedAccountPricingPath(id string) string {
	return "/managed_accounts/" + url.PathEscape(id) + "/pricing"
}
