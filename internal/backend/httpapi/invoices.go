package httpapi

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// invoiceJSON is the contract's Invoice plus our extensions (currency,
// total, credits, status, lines, credit_lines).
type invoiceJSON struct {
	InvoiceID   string            `json:"invoice_id"`
	FileID      string            `json:"file_id"`
	PeriodStart string            `json:"period_start"`
	PeriodEnd   string            `json:"period_end"`
	Paid        bool              `json:"paid"`
	URL         string            `json:"url"`
	Currency    string            `json:"currency"`
	Total       string            `json:"total"`
	Credits     string            `json:"credits"`
	Status      string            `json:"status"`
	Lines       []invoiceLineJSON `json:"lines"`
	CreditLines []invoiceLineJSON `json:"credit_lines"`
}

// invoiceDetailJSON is the contract's InvoiceDetail: an Invoice with the
// document's download_url when action=link asks for it.
type invoiceDetailJSON struct {
	invoiceJSON
	DownloadURL string `json:"download_url,omitempty"`
}

type invoiceLineJSON struct {
	Product     string `json:"product"`
	Description string `json:"description"`
	// ManagedAccountID is null for the invoiced account's own charges and
	// credits.
	ManagedAccountID *string `json:"managed_account_id"`
	Quantity         int     `json:"quantity"`
	Amount           string  `json:"amount"`
}

type invoiceList struct {
	Data []invoiceJSON  `json:"data"`
	Meta paginationMeta `json:"meta"`
}

// requestBase is the scheme and host the request came to, from which the
// answers' own URLs are built. Behind a TLS-terminating proxy it says http:
// X-Forwarded-Proto is not trusted, since nothing here configures which
// proxies may set it.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func newInvoiceJSON(inv *backend.Invoice, base string) invoiceJSON {
	out := invoiceJSON{
		InvoiceID: inv.ID, FileID: inv.FileID,
		PeriodStart: inv.PeriodStart.Format(time.DateOnly), PeriodEnd: inv.PeriodEnd.Format(time.DateOnly),
		Paid: inv.Paid(), URL: base + "/v2/invoices/" + inv.ID, Currency: inv.Currency,
		Total: inv.Total.String(), Credits: inv.Credits.String(), Status: string(inv.Status),
		Lines: newInvoiceLinesJSON(inv.Lines), CreditLines: newInvoiceLinesJSON(inv.CreditLines),
	}
	return out
}

func newInvoiceLinesJSON(lines []backend.InvoiceLine) []invoiceLineJSON {
	out := make([]invoiceLineJSON, 0, len(lines))
	for _, l := range lines {
		line := invoiceLineJSON{Product: l.Product, Description: l.Description, Quantity: l.Quantity, Amount: l.Amount.String()}
		if l.ManagedAccountID != "" {
			id := l.ManagedAccountID
			line.ManagedAccountID = &id
		}
		out = append(out, line)
	}
	return out
}

// invoicesParams are the query parameters of GET /v2/invoices.
var invoicesParams = append([]string{"sort"}, pageParams...)

func (s *server) listInvoices(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	params, err := newQueryParams(r.URL, invoicesParams...)
	if err != nil {
		return err
	}
	var q backend.InvoiceQuery
	if q.Sort, _, err = params.str("sort"); err != nil {
		return err
	}
	if q.Page, err = params.page(); err != nil {
		return err
	}
	invoices, meta, err := s.svc.ListInvoices(r.Context(), c, q)
	if err != nil {
		return err
	}
	base := requestBase(r)
	out := invoiceList{Data: make([]invoiceJSON, 0, len(invoices)), Meta: newPaginationMeta(meta)}
	for _, inv := range invoices {
		out.Data = append(out.Data, newInvoiceJSON(inv, base))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getInvoice answers one invoice. A malformed id is a 400 (the contract's
// format: uuid) and an id that is not one of the caller's invoices a 404.
func (s *server) getInvoice(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	params, err := newQueryParams(r.URL, "action")
	if err != nil {
		return err
	}
	action, _, err := params.str("action")
	if err != nil {
		return err
	}
	switch action {
	case "", "json", "link":
	default:
		return backend.InvalidParameter("action", "action must be json or link, not %q.", action)
	}
	inv, err := s.svc.GetInvoice(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	base := requestBase(r)
	out := invoiceDetailJSON{invoiceJSON: newInvoiceJSON(inv, base)}
	if action == "link" {
		link := s.svc.InvoiceLink(inv)
		q := url.Values{"account_id": {link.AccountID}, "expires": {link.Expires}, "signature": {link.Signature}}
		out.DownloadURL = base + "/documents/invoices/" + url.PathEscape(link.InvoiceID) + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, data[invoiceDetailJSON]{Data: out})
	return nil
}

// documentSecurityPolicy lets the document show its own inline style and
// nothing else: no script, no fetch, no frame, no form.
const documentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// invoiceDocument serves the HTML document of a signed link, without an API
// key: the signature is the authorisation. Every link that does not verify
// (missing, tampered, expired) is a 403 in the error envelope.
func (s *server) invoiceDocument(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	doc, err := s.svc.InvoiceDocument(r.Context(), backend.InvoiceLink{
		InvoiceID: r.PathValue("id"), AccountID: q.Get("account_id"), Expires: q.Get("expires"), Signature: q.Get("signature"),
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var page bytes.Buffer
	if err := renderInvoiceDocument(&page, doc); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", documentSecurityPolicy)
	// The URL carries a signature: keep it out of Referer headers.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page.Bytes())
}
