package client

import (
	"context"
	"iter"
	"net/url"
)

// Sort orders of the invoice list.
const (
	InvoiceSortPeriodStart     = "period_start"
	InvoiceSortPeriodStartDesc = "-period_start"
)

// Actions of GetInvoice: InvoiceActionLink adds a signed DownloadURL.
const (
	InvoiceActionJSON = "json"
	InvoiceActionLink = "link"
)

// Invoice is the contract's Invoice (list items) and InvoiceDetail (single
// answers), plus the reference backend's extensions: Currency, Total,
// Credits, Status, Lines and CreditLines, empty against an API without them.
type Invoice struct {
	InvoiceID   string `json:"invoice_id"`
	FileID      string `json:"file_id"`
	PeriodStart string `json:"period_start"` // a date, 2006-01-02
	PeriodEnd   string `json:"period_end"`
	Paid        bool   `json:"paid"`
	URL         string `json:"url"`
	// DownloadURL is set only by GetInvoice with InvoiceActionLink: a signed
	// link to the invoice document that works for a short time without a key.
	DownloadURL string `json:"download_url,omitempty"`

	Currency string        `json:"currency,omitempty"`
	Total    string        `json:"total,omitempty"`
	Credits  string        `json:"credits,omitempty"`
	Status   string        `json:"status,omitempty"`
	Lines    []InvoiceLine `json:"lines,omitempty"`
	// CreditLines are the month's credits by kind (top-ups, credit
	// adjustments, balance transfers received); they add up to Credits.
	CreditLines []InvoiceLine `json:"credit_lines,omitempty"`
}

// InvoiceLine is the charges of one product in the invoice's month, for the
// invoiced account itself or (under rollup billing, and a manager's balance
// transfers) for one of its managed accounts. The lines of an invoice add up
// to its Total exactly; as a credit line, the credits of one kind.
type InvoiceLine struct {
	Product          string  `json:"product"`
	Description      string  `json:"description"`
	ManagedAccountID *string `json:"managed_account_id"`
	Quantity         *int64  `json:"quantity,omitempty"`
	Amount           string  `json:"amount"`
}

// ListInvoicesOptions sort and page the invoice list. Empty fields are not
// sent (the API sorts by -period_start, newest first, by default).
type ListInvoicesOptions struct {
	Sort       string // InvoiceSortPeriodStart or InvoiceSortPeriodStartDesc
	PageNumber int
	PageSize   int
}

func (o ListInvoicesOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	if o.Sort != "" {
		v.Set("sort", o.Sort)
	}
	return v
}

// ListInvoices returns one page of the calling account's invoices.
func (c *Client) ListInvoices(ctx context.Context, opts ListInvoicesOptions) ([]Invoice, PageMeta, error) {
	return list[Invoice](ctx, c, "/invoices", opts.values())
}

// AllInvoices iterates over every page of the invoice list, starting at
// opts.PageNumber (default 1). It stops at the first error, which it yields.
func (c *Client) AllInvoices(ctx context.Context, opts ListInvoicesOptions) iter.Seq2[Invoice, error] {
	return paginate(opts.PageNumber, func(page int) ([]Invoice, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListInvoices(ctx, o)
	})
}

// GetInvoice retrieves one of the calling account's invoices. action is
// InvoiceActionJSON, InvoiceActionLink (to get a DownloadURL) or "" (not
// sent). Another account's invoice is the API's 404.
func (c *Client) GetInvoice(ctx context.Context, id, action string) (*Invoice, error) {
	var q url.Values
	if action != "" {
		q = url.Values{"action": {action}}
	}
	return get[Invoice](ctx, c, "/invoices/"+url.PathEscape(id), q)
}
