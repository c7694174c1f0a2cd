package httpapi

import (
	"net/http"
	"net/url"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// paymentMethodJSON is the PaymentMethod object of the /v2/payment_methods
// extension. It has no field that could carry the card number or CVC.
type paymentMethodJSON struct {
	RecordType     string             `json:"record_type"`
	ID             string             `json:"id"`
	Type           string             `json:"type"`
	Card           cardJSON           `json:"card"`
	BillingDetails billingDetailsJSON `json:"billing_details"`
	Default        bool               `json:"default"`
	CreatedAt      string             `json:"created_at"`
	UpdatedAt      string             `json:"updated_at"`
}

type cardJSON struct {
	Brand       string `json:"brand"`
	Last4       string `json:"last4"`
	ExpMonth    int    `json:"exp_month"`
	ExpYear     int    `json:"exp_year"`
	Fingerprint string `json:"fingerprint"`
}

type billingDetailsJSON struct {
	Name       string `json:"name"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type paymentMethodList struct {
	Data []paymentMethodJSON `json:"data"`
	Meta paginationMeta      `json:"meta"`
}

func newPaymentMethodJSON(pm *backend.PaymentMethod) paymentMethodJSON {
	return paymentMethodJSON{
		RecordType: "payment_method", ID: pm.ID, Type: pm.Type,
		Card: cardJSON{
			Brand: pm.Card.Brand, Last4: pm.Card.Last4, ExpMonth: pm.Card.ExpMonth, ExpYear: pm.Card.ExpYear,
			Fingerprint: pm.Card.Fingerprint,
		},
		BillingDetails: billingDetailsJSON{Name: pm.Billing.Name, PostalCode: pm.Billing.PostalCode, Country: pm.Billing.Country},
		Default:        pm.Default, CreatedAt: timestamp(pm.CreatedAt), UpdatedAt: timestamp(pm.UpdatedAt),
	}
}

// cardBody is the card of a create or update body. Number and CVC are
// decoded on update too, so that the service can refuse them with a reason
// rather than as unknown fields.
type cardBody struct {
	Number   *string `json:"number"`
	ExpMonth *int    `json:"exp_month"`
	ExpYear  *int    `json:"exp_year"`
	CVC      *string `json:"cvc"`
}

type billingDetailsBody struct {
	Name       *string `json:"name"`
	PostalCode *string `json:"postal_code"`
	Country    *string `json:"country"`
}

type createPaymentMethodBody struct {
	Type           *string             `json:"type"`
	Card           *cardBody           `json:"card"`
	BillingDetails *billingDetailsBody `json:"billing_details"`
	Default        *bool               `json:"default"`
}

type updatePaymentMethodBody struct {
	Card           *cardBody           `json:"card"`
	BillingDetails *billingDetailsBody `json:"billing_details"`
	Default        *bool               `json:"default"`
}

func (b *cardBody) input() *backend.CardInput {
	if b == nil {
		return nil
	}
	return &backend.CardInput{Number: b.Number, ExpMonth: b.ExpMonth, ExpYear: b.ExpYear, CVC: b.CVC}
}

func (b *billingDetailsBody) input() *backend.BillingDetailsInput {
	if b == nil {
		return nil
	}
	return &backend.BillingDetailsInput{Name: b.Name, PostalCode: b.PostalCode, Country: b.Country}
}

func (s *server) createPaymentMethod(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body createPaymentMethodBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	pm, err := s.svc.CreatePaymentMethod(r.Context(), c, backend.CreatePaymentMethodInput{
		Type: body.Type, Card: body.Card.input(), BillingDetails: body.BillingDetails.input(), Default: body.Default,
	})
	if err != nil {
		return err
	}
	// Answered 200 like the contract's other creates.
	writeJSON(w, http.StatusOK, data[paymentMethodJSON]{Data: newPaymentMethodJSON(pm)})
	return nil
}

func (s *server) listPaymentMethods(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	page, err := parsePageQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListPaymentMethods(r.Context(), c, page)
	if err != nil {
		return err
	}
	out := paymentMethodList{Data: make([]paymentMethodJSON, 0, len(list)), Meta: newPaginationMeta(meta)}
	for _, pm := range list {
		out.Data = append(out.Data, newPaymentMethodJSON(pm))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) getPaymentMethod(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	pm, err := s.svc.GetPaymentMethod(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[paymentMethodJSON]{Data: newPaymentMethodJSON(pm)})
	return nil
}

func (s *server) updatePaymentMethod(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body updatePaymentMethodBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	pm, err := s.svc.UpdatePaymentMethod(r.Context(), c, r.PathValue("id"), backend.UpdatePaymentMethodInput{
		Card: body.Card.input(), BillingDetails: body.BillingDetails.input(), Default: body.Default,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[paymentMethodJSON]{Data: newPaymentMethodJSON(pm)})
	return nil
}

func (s *server) deletePaymentMethod(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	// No body is defined; an empty object is tolerated, anything else is
	// refused like any unknown field.
	if err := decodeBody(w, r, &struct{}{}, bodyOptional); err != nil {
		return err
	}
	pm, err := s.svc.DeletePaymentMethod(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[paymentMethodJSON]{Data: newPaymentMethodJSON(pm)})
	return nil
}

// parsePageQuery reads the page of a list endpoint that has no filters.
func parsePageQuery(u *url.URL) (backend.Page, error) {
	params, err := newQueryParams(u, pageParams...)
	if err != nil {
		return backend.Page{}, err
	}
	return params.page()
}

// storedPaymentTransactionBody is the contract's StoredPaymentTransactionRequest.
type storedPaymentTransactionBody struct {
	Amount *string `json:"amount"`
}

// transactionJSON is the data of the contract's StoredPaymentTransactionResponse.
type transactionJSON struct {
	ID                        string `json:"id"`
	RecordType                string `json:"record_type"`
	AmountCents               int64  `json:"amount_cents"`
	AmountCurrency            string `json:"amount_currency"`
	AutoRecharge              bool   `json:"auto_recharge"`
	CreatedAt                 string `json:"created_at"`
	ProcessorStatus           string `json:"processor_status"`
	TransactionProcessingType string `json:"transaction_processing_type"`
}

func (s *server) createStoredPaymentTransaction(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body storedPaymentTransactionBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	t, err := s.svc.TopUp(r.Context(), c, body.Amount)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[transactionJSON]{Data: transactionJSON{
		ID: t.ID, RecordType: "transaction", AmountCents: t.AmountCents(), AmountCurrency: t.Currency,
		AutoRecharge: t.AutoRecharge, CreatedAt: timestamp(t.CreatedAt),
		ProcessorStatus: t.ProcessorStatus(s.svc.Now()), TransactionProcessingType: "stored_payment",
	}})
	return nil
}

// autoRechargePrefJSON is the contract's AutoRechargePref.
type autoRechargePrefJSON struct {
	ID              string `json:"id"`
	RecordType      string `json:"record_type"`
	Enabled         bool   `json:"enabled"`
	InvoiceEnabled  bool   `json:"invoice_enabled"`
	Preference      string `json:"preference"`
	RechargeAmount  string `json:"recharge_amount"`
	ThresholdAmount string `json:"threshold_amount"`
}

// autoRechargePrefBody is the contract's AutoRechargePrefRequest.
type autoRechargePrefBody struct {
	Enabled         *bool   `json:"enabled"`
	InvoiceEnabled  *bool   `json:"invoice_enabled"`
	Preference      *string `json:"preference"`
	RechargeAmount  *string `json:"recharge_amount"`
	ThresholdAmount *string `json:"threshold_amount"`
}

func writeAutoRechargePrefs(w http.ResponseWriter, p *backend.AutoRechargePrefs) {
	writeJSON(w, http.StatusOK, data[autoRechargePrefJSON]{Data: autoRechargePrefJSON{
		ID: p.ID, RecordType: "auto_recharge_pref", Enabled: p.Enabled, InvoiceEnabled: p.InvoiceEnabled,
		Preference: p.Preference, RechargeAmount: p.RechargeAmount.String(), ThresholdAmount: p.ThresholdAmount.String(),
	}})
}

func (s *server) getAutoRechargePrefs(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	p, err := s.svc.AutoRechargePrefs(r.Context(), c)
	if err != nil {
		return err
	}
	writeAutoRechargePrefs(w, p)
	return nil
}

func (s *server) updateAutoRechargePrefs(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body autoRechargePrefBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	p, err := s.svc.UpdateAutoRechargePrefs(r.Context(), c, backend.AutoRechargeInput{
		Enabled: body.Enabled, InvoiceEnabled: body.InvoiceEnabled, Preference: body.Preference,
		RechargeAmount: body.RechargeAmount, ThresholdAmount: body.ThresholdAmount,
	})
	if err != nil {
		return err
	}
	writeAutoRechargePrefs(w, p)
	return nil
}
