package client

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// PaymentMethodTypeCard is the type of a card payment method, the only type.
const PaymentMethodTypeCard = "card"

// Auto-recharge payment preferences the contract names.
const (
	AutoRechargePreferenceCreditPaypal = "credit_paypal"
	AutoRechargePreferenceACH          = "ach"
)

// PaymentMethod is a payment method of the calling account (a
// reference-backend extension: /v2/payment_methods). The API never shows a
// card's number or CVC, only what identifies the card.
type PaymentMethod struct {
	RecordType     string         `json:"record_type"`
	ID             string         `json:"id"`
	Type           string         `json:"type"`
	Card           Card           `json:"card"`
	BillingDetails BillingDetails `json:"billing_details"`
	Default        bool           `json:"default"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
}

// Card is what the API shows of a card. Fingerprint is a keyed hash of the
// number: two methods with the same fingerprint are the same card.
type Card struct {
	Brand       string `json:"brand"`
	Last4       string `json:"last4"`
	ExpMonth    int64  `json:"exp_month"`
	ExpYear     int64  `json:"exp_year"`
	Fingerprint string `json:"fingerprint"`
}

// BillingDetails are the card holder's. Country is an ISO 3166-1 alpha-2
// code in capitals.
type BillingDetails struct {
	Name       string `json:"name"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// NewCard is the card of CreatePaymentMethodRequest. It holds the number and
// the CVC, so it never prints them: String and GoString mask both, and
// nothing else in this package formats it.
type NewCard struct {
	Number   string `json:"number"`
	ExpMonth int64  `json:"exp_month"`
	ExpYear  int64  `json:"exp_year"`
	CVC      string `json:"cvc"`
}

// String describes the card without its number or CVC.
func (c NewCard) String() string {
	return fmt.Sprintf("card (number and CVC hidden, expires %02d/%d)", c.ExpMonth, c.ExpYear)
}

// GoString is String, so that %#v hides the secrets too.
func (c NewCard) GoString() string { return c.String() }

// CreatePaymentMethodRequest is the body of POST /payment_methods. Type is
// PaymentMethodTypeCard. The account's first method becomes its default
// whatever Default says.
type CreatePaymentMethodRequest struct {
	Type           string         `json:"type"`
	Card           NewCard        `json:"card"`
	BillingDetails BillingDetails `json:"billing_details"`
	Default        *bool          `json:"default,omitempty"`
}

// CardExpiry is the card part of UpdatePaymentMethodRequest: only the
// expiry can change; a new number is a new method.
type CardExpiry struct {
	ExpMonth *int64 `json:"exp_month,omitempty"`
	ExpYear  *int64 `json:"exp_year,omitempty"`
}

// UpdatePaymentMethodRequest is the body of PATCH /payment_methods/{id}; nil
// fields are left unchanged. BillingDetails, when not nil, replaces all three
// fields (an empty PostalCode clears it). Default can only be set to true:
// the API refuses false on the default method (move the default instead).
type UpdatePaymentMethodRequest struct {
	Card           *CardExpiry     `json:"card,omitempty"`
	BillingDetails *BillingDetails `json:"billing_details,omitempty"`
	Default        *bool           `json:"default,omitempty"`
}

// ListPaymentMethodsOptions page the payment method list. Empty fields are
// not sent.
type ListPaymentMethodsOptions struct {
	PageNumber int
	PageSize   int
}

func (o ListPaymentMethodsOptions) values() url.Values {
	return pageValues(o.PageNumber, o.PageSize)
}

// CreatePaymentMethod adds a card to the calling account. The number and CVC
// are sent once and never shown again.
func (c *Client) CreatePaymentMethod(ctx context.Context, req CreatePaymentMethodRequest) (*PaymentMethod, error) {
	return send[PaymentMethod](ctx, c, http.MethodPost, "/payment_methods", req)
}

// GetPaymentMethod retrieves one of the calling account's payment methods;
// a deleted one, or another account's, is the API's 404.
func (c *Client) GetPaymentMethod(ctx context.Context, id string) (*PaymentMethod, error) {
	return get[PaymentMethod](ctx, c, "/payment_methods/"+url.PathEscape(id), nil)
}

// UpdatePaymentMethod changes a method's expiry, billing details, or makes it
// the default.
func (c *Client) UpdatePaymentMethod(ctx context.Context, id string, req UpdatePaymentMethodRequest) (*PaymentMethod, error) {
	return send[PaymentMethod](ctx, c, http.MethodPatch, "/payment_methods/"+url.PathEscape(id), req)
}

// DeletePaymentMethod removes a method and returns it as it was. Deleting
// the default makes the newest remaining method the default, if any.
func (c *Client) DeletePaymentMethod(ctx context.Context, id string) (*PaymentMethod, error) {
	return send[PaymentMethod](ctx, c, http.MethodDelete, "/payment_methods/"+url.PathEscape(id), nil)
}

// ListPaymentMethods returns one page of the calling account's payment
// methods, newest first.
func (c *Client) ListPaymentMethods(ctx context.Context, opts ListPaymentMethodsOptions) ([]PaymentMethod, PageMeta, error) {
	return list[PaymentMethod](ctx, c, "/payment_methods", opts.values())
}

// AllPaymentMethods iterates over every page of the payment method list,
// starting at opts.PageNumber (default 1). It stops at the first error,
// which it yields.
func (c *Client) AllPaymentMethods(ctx context.Context, opts ListPaymentMethodsOptions) iter.Seq2[PaymentMethod, error] {
	return paginate(opts.PageNumber, func(page int) ([]PaymentMethod, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListPaymentMethods(ctx, o)
	})
}

// StoredPaymentTransaction is the contract's StoredPaymentTransactionResponse
// data: a charge of the account's default payment method that credits its
// balance (a top-up).
type StoredPaymentTransaction struct {
	ID                        string `json:"id"`
	RecordType                string `json:"record_type"`
	AmountCents               int64  `json:"amount_cents"`
	AmountCurrency            string `json:"amount_currency"`
	AutoRecharge              bool   `json:"auto_recharge"`
	CreatedAt                 string `json:"created_at"`
	ProcessorStatus           string `json:"processor_status"`
	TransactionProcessingType string `json:"transaction_processing_type"`
}

// CreateStoredPaymentTransaction tops the calling account up by amount, a
// decimal string with dollars and cents such as "120.00", charged to its
// default payment method.
func (c *Client) CreateStoredPaymentTransaction(ctx context.Context, amount string) (*StoredPaymentTransaction, error) {
	return send[StoredPaymentTransaction](ctx, c, http.MethodPost, "/payment/stored_payment_transactions",
		map[string]string{"amount": amount})
}

// AutoRechargePref is the contract's AutoRechargePref: when the balance
// falls under ThresholdAmount, the account is charged what brings it back to
// the threshold plus RechargeAmount. Amounts are decimal strings.
type AutoRechargePref struct {
	ID              string `json:"id"`
	RecordType      string `json:"record_type"`
	Enabled         bool   `json:"enabled"`
	InvoiceEnabled  bool   `json:"invoice_enabled"`
	Preference      string `json:"preference"`
	RechargeAmount  string `json:"recharge_amount"`
	ThresholdAmount string `json:"threshold_amount"`
}

// UpdateAutoRechargePrefRequest is the contract's AutoRechargePrefRequest;
// nil fields are left unchanged. Amounts have exactly two decimals.
type UpdateAutoRechargePrefRequest struct {
	Enabled         *bool   `json:"enabled,omitempty"`
	InvoiceEnabled  *bool   `json:"invoice_enabled,omitempty"`
	Preference      *string `json:"preference,omitempty"`
	RechargeAmount  *string `json:"recharge_amount,omitempty"`
	ThresholdAmount *string `json:"threshold_amount,omitempty"`
}

// GetAutoRechargePref returns the calling account's auto-recharge
// preferences (the API's defaults, disabled, until they are first set).
func (c *Client) GetAutoRechargePref(ctx context.Context) (*AutoRechargePref, error) {
	return get[AutoRechargePref](ctx, c, "/payment/auto_recharge_prefs", nil)
}

// UpdateAutoRechargePref changes the calling account's auto-recharge
// preferences and returns them as they now are.
func (c *Client) UpdateAutoRechargePref(ctx context.Context, req UpdateAutoRechargePrefRequest) (*AutoRechargePref, error) {
	return send[AutoRechargePref](ctx, c, http.MethodPatch, "/payment/auto_recharge_prefs", req)
}
