package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// An account's pages, its own or the one its manager acts as: overview
// (balance and usage), invoices, payment methods, API keys, and for a
// manager's own account its pricing. Each runs as rq.caller.

// overviewPage is the overview's content.
type overviewPage struct {
	Account *backend.Account
	Balance *backend.Balance
	// SharedBalance is set under rollup billing: the balance is the
	// manager's, which the account's charges land on.
	SharedBalance bool
	Usage         []productUsage
	Transfers     *transfersSection
}

func (p *Portal) overview(rq *request) error {
	ctx, c := rq.r.Context(), rq.caller
	balance, err := p.svc.Balance(ctx, c)
	if err != nil {
		return err
	}
	usage, err := p.usageOverview(ctx, c)
	if err != nil {
		return err
	}
	transfers, err := p.transfersSection(rq)
	if err != nil {
		return err
	}
	v := p.newView(rq, c.Account.OrganizationName, "overview")
	v.Page = &overviewPage{Account: c.Account, Balance: balance, SharedBalance: c.Account.BillingAccountID() != c.Account.ID,
		Usage: usage, Transfers: transfers}
	p.render(rq, http.StatusOK, "overview", v)
	return nil
}

// pricingPage is a manager's effective rates.
type pricingPage struct {
	Rates []pricingRow
}

type pricingRow struct {
	Product, Key, Unit, Rate, Source, EffectiveFrom string
}

// pricing shows the manager's rates in force; the domain refuses anyone
// else (a managed account, or a manager acting as one).
func (p *Portal) pricing(rq *request) error {
	rates, err := p.svc.Pricing(rq.r.Context(), rq.caller)
	if err != nil {
		return err
	}
	page := &pricingPage{}
	for _, r := range rates {
		key := strings.TrimSpace(strings.TrimPrefix(r.String(), r.Product))
		key = strings.ReplaceAll(key, backend.AnyCountry, "all other countries")
		page.Rates = append(page.Rates, pricingRow{
			Product: r.Product, Key: key, Unit: r.Unit(), Rate: formatMoney(r.Amount),
			Source: rateSources[r.Source], EffectiveFrom: formatDate(r.EffectiveFrom),
		})
	}
	v := p.newView(rq, "Pricing", "pricing")
	v.Page = page
	p.render(rq, http.StatusOK, "pricing", v)
	return nil
}

var rateSources = map[backend.RateScope]string{
	backend.ScopeList: "List price", backend.ScopeCommitted: "Committed rate", backend.ScopeCustom: "Custom rate",
}

// invoicesPage is an account's invoices.
type invoicesPage struct {
	Invoices []*backend.Invoice
	// Rollup is set when the account's invoices are its manager's.
	Rollup bool
}

func (p *Portal) invoices(rq *request) error {
	list, _, err := p.svc.ListInvoices(rq.r.Context(), rq.caller, backend.InvoiceQuery{Page: backend.Page{Number: 1, Size: backend.MaxPageSize}})
	if err != nil {
		return err
	}
	v := p.newView(rq, "Invoices", "invoices")
	v.Page = &invoicesPage{Invoices: list, Rollup: rq.caller.Account.BillingAccountID() != rq.caller.Account.ID}
	p.render(rq, http.StatusOK, "invoices", v)
	return nil
}

// invoiceDocument sends the browser to a freshly signed link of the
// invoice's document, so that a page left open never holds a stale link.
func (p *Portal) invoiceDocument(rq *request) error {
	inv, err := p.svc.GetInvoice(rq.r.Context(), rq.caller, rq.r.PathValue("invoice"))
	if backend.ErrorKind(err) == backend.EBADREQUEST {
		return backend.NotFound("Invoice")
	}
	if err != nil {
		return err
	}
	link := p.svc.InvoiceLink(inv)
	q := url.Values{"account_id": {link.AccountID}, "expires": {link.Expires}, "signature": {link.Signature}}
	http.Redirect(rq.w, rq.r, "/documents/invoices/"+url.PathEscape(link.InvoiceID)+"?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// paymentMethodsPage is an account's cards and the form to add one. The
// form keeps what was typed, except the card number and CVC, which are
// never written back into a page.
type paymentMethodsPage struct {
	AccountID string
	Methods   []*backend.PaymentMethod
	// Rollup is set when the account has no payment methods of its own.
	Rollup bool
	Form   cardForm
}

type cardForm struct {
	ExpMonth, ExpYear, Name, PostalCode, Country string
	Default                                      bool
	// ErrorField is the field the error is about ("card_number", …).
	ErrorField string
}

func (p *Portal) paymentMethods(rq *request) error {
	return p.renderPaymentMethods(rq, http.StatusOK, cardForm{}, "")
}

func (p *Portal) renderPaymentMethods(rq *request, status int, form cardForm, message string) error {
	page := &paymentMethodsPage{AccountID: rq.caller.Account.ID, Form: form}
	list, _, err := p.svc.ListPaymentMethods(rq.r.Context(), rq.caller, backend.Page{Number: 1, Size: backend.MaxPaymentMethodsPerAccount})
	switch {
	case backend.ErrorKind(err) == backend.EINVALID && rq.caller.Account.BillingAccountID() != rq.caller.Account.ID:
		page.Rollup = true
	case err != nil:
		return err
	default:
		page.Methods = list
	}
	v := p.newView(rq, "Payment methods", "payment-methods")
	v.Page, v.Error = page, message
	p.render(rq, status, "payment_methods", v)
	return nil
}

// formInt reads a whole number from a form field; a field that is not one
// is passed on as a number no card has, so that the domain explains what
// the field must hold.
func formInt(v string) *int {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		n = -1
	}
	return &n
}

func (p *Portal) addCard(rq *request) error {
	f := rq.r.PostForm
	form := cardForm{
		ExpMonth: strings.TrimSpace(f.Get("exp_month")), ExpYear: strings.TrimSpace(f.Get("exp_year")),
		Name: f.Get("name"), PostalCode: f.Get("postal_code"), Country: strings.ToUpper(strings.TrimSpace(f.Get("country"))),
		Default: f.Get("default") == "on",
	}
	number, cvc := f.Get("card_number"), f.Get("card_cvc")
	cardType := backend.PaymentMethodCard
	in := backend.CreatePaymentMethodInput{
		Type:           &cardType,
		Card:           &backend.CardInput{Number: &number, ExpMonth: formInt(form.ExpMonth), ExpYear: formInt(form.ExpYear), CVC: &cvc},
		BillingDetails: &backend.BillingDetailsInput{Name: &form.Name, PostalCode: &form.PostalCode, Country: &form.Country},
		Default:        &form.Default,
	}
	_, err := p.svc.CreatePaymentMethod(rq.r.Context(), rq.caller, in)
	if backend.ErrorKind(err) == backend.EINVALID {
		form.ErrorField = fieldOf(err)
		return p.renderPaymentMethods(rq, http.StatusUnprocessableEntity, form, cardError(err))
	}
	if err != nil {
		return err
	}
	return redirect(rq, accountURL(rq.caller.Account.ID, "payment-methods"), "card-added")
}

// cardError words a card error for the form: the API's field names become
// the form's labels.
func cardError(err error) string {
	return strings.NewReplacer(
		"card.number", "The card number", "card.exp_month", "The expiry month", "card.exp_year", "The expiry year",
		"card.cvc", "The security code", "billing_details.name", "The cardholder name",
		"billing_details.postal_code", "The postal code", "billing_details.country", "The country",
	).Replace(domainDetail(err))
}

func (p *Portal) setDefaultCard(rq *request) error {
	isDefault := true
	if _, err := p.svc.UpdatePaymentMethod(rq.r.Context(), rq.caller, rq.r.PathValue("method"), backend.UpdatePaymentMethodInput{Default: &isDefault}); err != nil {
		return err
	}
	return redirect(rq, accountURL(rq.caller.Account.ID, "payment-methods"), "default-set")
}

func (p *Portal) removeCard(rq *request) error {
	if _, err := p.svc.DeletePaymentMethod(rq.r.Context(), rq.caller, rq.r.PathValue("method")); err != nil {
		return err
	}
	return redirect(rq, accountURL(rq.caller.Account.ID, "payment-methods"), "card-removed")
}

// apiKeysPage is an account's API keys, with the secret of a key just
// created, shown this once.
type apiKeysPage struct {
	AccountID string
	Keys      []apiKeyRow
	// NewKey and NewSecret are the key just created and its secret.
	NewKey    *backend.APIKey
	NewSecret string
	// Description is what was typed when creating a key failed.
	Description string
}

type apiKeyRow struct {
	Key    *backend.APIKey
	Status backend.KeyStatus
}

// keyLifetimes are the expiries the create form offers, by form value.
var keyLifetimes = map[string]time.Duration{"30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour, "365d": 365 * 24 * time.Hour}

func (p *Portal) apiKeys(rq *request) error {
	return p.renderAPIKeys(rq, http.StatusOK, &apiKeysPage{}, "")
}

func (p *Portal) renderAPIKeys(rq *request, status int, page *apiKeysPage, message string) error {
	keys, _, err := p.svc.ListAPIKeys(rq.r.Context(), rq.caller, "", backend.Page{Number: 1, Size: backend.MaxAPIKeysPerAccount})
	if err != nil {
		return err
	}
	page.AccountID = rq.caller.Account.ID
	now := p.svc.Now()
	for _, k := range keys {
		page.Keys = append(page.Keys, apiKeyRow{Key: k, Status: k.DisplayStatus(now)})
	}
	v := p.newView(rq, "API keys", "api-keys")
	v.Page, v.Error = page, message
	p.render(rq, status, "api_keys", v)
	return nil
}

func (p *Portal) createAPIKey(rq *request) error {
	description := rq.r.PostForm.Get("description")
	in := backend.CreateAPIKeyInput{Description: &description}
	if lifetime, ok := keyLifetimes[rq.r.PostForm.Get("expires_in")]; ok {
		expires := p.svc.Now().Add(lifetime).UTC().Format(time.RFC3339)
		in.ExpiresAt = &expires
	}
	key, secret, err := p.svc.CreateAPIKey(rq.r.Context(), rq.caller, in)
	if backend.ErrorKind(err) == backend.EINVALID {
		return p.renderAPIKeys(rq, http.StatusUnprocessableEntity, &apiKeysPage{Description: description}, domainDetail(err))
	}
	if err != nil {
		return err
	}
	// Answered here, not redirected: the secret is on this page only.
	return p.renderAPIKeys(rq, http.StatusOK, &apiKeysPage{NewKey: key, NewSecret: secret}, "")
}

func (p *Portal) revokeAPIKey(rq *request) error {
	if _, err := p.svc.RevokeAPIKey(rq.r.Context(), rq.caller, rq.r.PathValue("key")); err != nil {
		return err
	}
	return redirect(rq, accountURL(rq.caller.Account.ID, "api-keys"), "key-revoked")
}
