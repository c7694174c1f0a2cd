package httpapi

import (
	"net/http"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// rateJSON is a rate as answers show it: the key ("" for the key fields a
// product does not use), the rate per unit, and where it comes from.
type rateJSON struct {
	RecordType    string `json:"record_type"`
	Product       string `json:"product"`
	Direction     string `json:"direction"`
	MessageType   string `json:"message_type"`
	CountryISO    string `json:"country_iso"`
	Rate          string `json:"rate"`
	Unit          string `json:"unit"`
	Source        string `json:"source"`
	EffectiveFrom string `json:"effective_from"`
}

func newRateJSON(r backend.Rate, source backend.RateScope, effectiveFrom time.Time) rateJSON {
	return rateJSON{
		RecordType: "rate", Product: r.Product, Direction: r.Direction, MessageType: r.MessageType,
		CountryISO: r.CountryISO, Rate: r.Amount.String(), Unit: r.Unit(), Source: string(source),
		EffectiveFrom: timestamp(effectiveFrom),
	}
}

func newEffectiveRatesJSON(rates []backend.EffectiveRate) []rateJSON {
	out := make([]rateJSON, len(rates))
	for i, r := range rates {
		out[i] = newRateJSON(r.Rate, r.Source, r.EffectiveFrom)
	}
	return out
}

// rateSetJSON is a rate set as the operator API shows it.
type rateSetJSON struct {
	RecordType    string     `json:"record_type"`
	ID            string     `json:"id"`
	Scope         string     `json:"scope"`
	AccountID     *string    `json:"account_id"`
	EffectiveFrom string     `json:"effective_from"`
	CreatedAt     string     `json:"created_at"`
	Rates         []rateJSON `json:"rates"`
}

func newRateSetJSON(set *backend.RateSet) rateSetJSON {
	out := rateSetJSON{
		RecordType: "rate_set", ID: set.ID, Scope: string(set.Scope), EffectiveFrom: timestamp(set.EffectiveFrom),
		CreatedAt: timestamp(set.CreatedAt), Rates: make([]rateJSON, len(set.Rates)),
	}
	if set.AccountID != "" {
		out.AccountID = &set.AccountID
	}
	for i, r := range set.Rates {
		out.Rates[i] = newRateJSON(r, set.Scope, set.EffectiveFrom)
	}
	return out
}

// managedAccountPricingJSON is a managed account's custom rates.
type managedAccountPricingJSON struct {
	RecordType           string     `json:"record_type"`
	ManagedAccountID     string     `json:"managed_account_id"`
	CustomPricingAllowed bool       `json:"custom_pricing_allowed"`
	Inherits             bool       `json:"inherits"`
	EffectiveFrom        *string    `json:"effective_from"`
	Rates                []rateJSON `json:"rates"`
}

func newManagedAccountPricingJSON(p *backend.CustomPricing) managedAccountPricingJSON {
	out := managedAccountPricingJSON{
		RecordType: "managed_account_pricing", ManagedAccountID: p.ManagedAccountID,
		CustomPricingAllowed: p.Allowed, Inherits: p.Inherits, Rates: newEffectiveRatesJSON(p.Rates),
	}
	if p.EffectiveFrom != nil {
		from := timestamp(*p.EffectiveFrom)
		out.EffectiveFrom = &from
	}
	return out
}

// rateBody is one rate of a request body.
type rateBody struct {
	Product     *string `json:"product"`
	Direction   *string `json:"direction"`
	MessageType *string `json:"message_type"`
	CountryISO  *string `json:"country_iso"`
	Rate        *string `json:"rate"`
}

// rateSetBody is the body of the operator's rate set updates.
type rateSetBody struct {
	EffectiveFrom *string     `json:"effective_from"`
	Rates         *[]rateBody `json:"rates"`
}

// managedAccountPricingBody is the body of PUT /managed_accounts/{id}/pricing:
// custom rates start now, so there is no effective_from.
type managedAccountPricingBody struct {
	Rates *[]rateBody `json:"rates"`
}

func rateInputs(body *[]rateBody) *[]backend.RateInput {
	if body == nil {
		return nil
	}
	out := make([]backend.RateInput, len(*body))
	for i, r := range *body {
		out[i] = backend.RateInput{Product: r.Product, Direction: r.Direction, MessageType: r.MessageType, CountryISO: r.CountryISO, Rate: r.Rate}
	}
	return &out
}

// atParam reads the optional "at" parameter of the operator's rate set
// reads: the zero time (now) when absent.
func atParam(r *http.Request) (time.Time, error) {
	q, err := newQueryParams(r.URL, "at")
	if err != nil {
		return time.Time{}, err
	}
	v, ok, err := q.str("at")
	if err != nil || !ok {
		return time.Time{}, err
	}
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, backend.InvalidParameter("at", "at must be an RFC 3339 time such as 2026-01-01T00:00:00Z.")
	}
	return at, nil
}

func (s *server) putPriceBook(w http.ResponseWriter, r *http.Request) error {
	var body rateSetBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	set, err := s.svc.PutPriceBook(r.Context(), backend.RateSetInput{EffectiveFrom: body.EffectiveFrom, Rates: rateInputs(body.Rates)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[rateSetJSON]{Data: newRateSetJSON(set)})
	return nil
}

func (s *server) getPriceBook(w http.ResponseWriter, r *http.Request) error {
	at, err := atParam(r)
	if err != nil {
		return err
	}
	set, err := s.svc.PriceBook(r.Context(), at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[rateSetJSON]{Data: newRateSetJSON(set)})
	return nil
}

func (s *server) putCommittedRates(w http.ResponseWriter, r *http.Request) error {
	var body rateSetBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	set, err := s.svc.PutCommittedRates(r.Context(), r.PathValue("id"),
		backend.RateSetInput{EffectiveFrom: body.EffectiveFrom, Rates: rateInputs(body.Rates)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[rateSetJSON]{Data: newRateSetJSON(set)})
	return nil
}

func (s *server) getCommittedRates(w http.ResponseWriter, r *http.Request) error {
	at, err := atParam(r)
	if err != nil {
		return err
	}
	set, err := s.svc.CommittedRates(r.Context(), r.PathValue("id"), at)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[rateSetJSON]{Data: newRateSetJSON(set)})
	return nil
}

func (s *server) getPricing(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	rates, err := s.svc.Pricing(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[[]rateJSON]{Data: newEffectiveRatesJSON(rates)})
	return nil
}

func (s *server) getManagedAccountPricing(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	p, err := s.svc.ManagedAccountPricing(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[managedAccountPricingJSON]{Data: newManagedAccountPricingJSON(p)})
	return nil
}

func (s *server) putManagedAccountPricing(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body managedAccountPricingBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	p, err := s.svc.SetManagedAccountPricing(r.Context(), c, r.PathValue("id"), rateInputs(body.Rates))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[managedAccountPricingJSON]{Data: newManagedAccountPricingJSON(p)})
	return nil
}
