package backend

import (
	"context"
	"embed"
	"html/template"
	"io"
	"slices"
	"strconv"
	"time"
)

// An invoice's document is an HTML page that a signed link serves without an
// API key (InvoiceLink), so that it can be opened in a browser or handed to
// an accountant.

//go:embed templates/invoice.html.tmpl
var templateFiles embed.FS

// invoiceTemplate is parsed once; html/template escapes every value by its
// context, so that an organisation name cannot inject markup.
var invoiceTemplate = template.Must(template.ParseFS(templateFiles, "templates/invoice.html.tmpl"))

// InvoiceDocument is what an invoice's document shows.
type InvoiceDocument struct {
	Invoice *Invoice
	Account *Account
	// ManagedAccountNames names the managed accounts that the invoice's lines
	// are about (rollup billing, balance transfers), by id, as they are
	// named now.
	ManagedAccountNames map[string]string
}

// InvoiceDocument returns the document a signed link points to. It needs no
// caller: the signature, made with the server secret, is the authorisation.
// Returns EFORBIDDEN when the signature does not match or the link has
// expired, and ENOTFOUND when the invoice no longer exists.
func (s *Service) InvoiceDocument(ctx context.Context, link InvoiceLink) (*InvoiceDocument, error) {
	if link.Signature == "" || !s.secrets.VerifyLink(link.Signature, signedLinkPurpose, link.InvoiceID, link.AccountID, link.Expires) {
		return nil, Errorf(EFORBIDDEN, "The invoice link is not valid: its signature does not match. Ask for a new link with GET /v2/invoices/{id}?action=link.")
	}
	expires, err := strconv.ParseInt(link.Expires, 10, 64)
	if err != nil {
		// Only the server signs, so a signed expiry always parses.
		return nil, Errorf(EINTERNAL, "signed invoice link with expiry %q: %v", link.Expires, err)
	}
	if !s.now().Before(time.Unix(expires, 0)) {
		return nil, Errorf(EFORBIDDEN, "The invoice link has expired. Ask for a new link with GET /v2/invoices/{id}?action=link.")
	}
	doc := &InvoiceDocument{ManagedAccountNames: map[string]string{}}
	err = s.store.ReadTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, link.AccountID)
		if ErrorKind(err) == ENOTFOUND {
			return NotFound("Invoice")
		} else if err != nil {
			return err
		}
		doc.Account = a
		if doc.Invoice, err = s.findInvoice(ctx, tx, a.ID, link.InvoiceID); err != nil {
			return err
		}
		for _, l := range append(slices.Clip(doc.Invoice.Lines), doc.Invoice.CreditLines...) {
			if l.ManagedAccountID == "" || doc.ManagedAccountNames[l.ManagedAccountID] != "" {
				continue
			}
			m, err := tx.GetAccount(ctx, l.ManagedAccountID)
			if err != nil {
				return err
			}
			doc.ManagedAccountNames[m.ID] = m.OrganizationName
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// invoiceView is the document's data, every value already rendered as text.
type invoiceView struct {
	ID, FileID, Month              string
	PeriodStart, PeriodEnd         string
	AccountName, AccountEmail      string
	AccountID                      string
	Status, Currency               string
	Total, Credits, SettledBalance string
	Open                           bool
	Lines, CreditLines             []invoiceLineView
}

type invoiceLineView struct {
	Description, Product, Account string
	Quantity                      int
	Amount                        string
}

// Render writes the document as a complete HTML page.
func (d *InvoiceDocument) Render(w io.Writer) error {
	inv := d.Invoice
	v := invoiceView{
		ID: inv.ID, FileID: inv.FileID, Month: inv.PeriodStart.Format("January 2006"),
		PeriodStart: inv.PeriodStart.Format(time.DateOnly), PeriodEnd: inv.PeriodEnd.Format(time.DateOnly),
		AccountName: d.Account.OrganizationName, AccountEmail: d.Account.Email, AccountID: d.Account.ID,
		Status: string(inv.Status), Currency: inv.Currency, Total: inv.Total.String(), Credits: inv.Credits.String(),
		SettledBalance: inv.SettledBalance.String(), Open: inv.Status == InvoiceOpen,
	}
	v.Lines, v.CreditLines = d.lineViews(inv.Lines), d.lineViews(inv.CreditLines)
	return invoiceTemplate.Execute(w, v)
}

func (d *InvoiceDocument) lineViews(lines []InvoiceLine) []invoiceLineView {
	var out []invoiceLineView
	for _, l := range lines {
		account := "This account"
		if l.ManagedAccountID != "" {
			account = d.ManagedAccountNames[l.ManagedAccountID] + " (" + l.ManagedAccountID + ")"
		}
		out = append(out, invoiceLineView{
			Description: l.Description, Product: l.Product, Account: account, Quantity: l.Quantity, Amount: l.Amount.String(),
		})
	}
	return out
}
