package httpapi

import (
	"embed"
	"html/template"
	"io"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// An invoice's document (backend.InvoiceDocument) is rendered here as the
// HTML page that a signed link serves without an API key
// (GET /documents/invoices/{id}, invoiceDocument in invoices.go).

//go:embed templates/invoice.html.tmpl
var templateFiles embed.FS

// invoiceTemplate is parsed once; html/template escapes every value by its
// context, so that an organisation name cannot inject markup.
var invoiceTemplate = template.Must(template.ParseFS(templateFiles, "templates/invoice.html.tmpl"))

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

// renderInvoiceDocument writes d as a complete HTML page.
func renderInvoiceDocument(w io.Writer, d *backend.InvoiceDocument) error {
	inv := d.Invoice
	v := invoiceView{
		ID: inv.ID, FileID: inv.FileID, Month: inv.PeriodStart.Format("January 2006"),
		PeriodStart: inv.PeriodStart.Format(time.DateOnly), PeriodEnd: inv.PeriodEnd.Format(time.DateOnly),
		AccountName: d.Account.OrganizationName, AccountEmail: d.Account.Email, AccountID: d.Account.ID,
		Status: string(inv.Status), Currency: inv.Currency, Total: inv.Total.String(), Credits: inv.Credits.String(),
		SettledBalance: inv.SettledBalance.String(), Open: inv.Status == backend.InvoiceOpen,
	}
	v.Lines, v.CreditLines = invoiceLineViews(d, inv.Lines), invoiceLineViews(d, inv.CreditLines)
	return invoiceTemplate.Execute(w, v)
}

func invoiceLineViews(d *backend.InvoiceDocument, lines []backend.InvoiceLine) []invoiceLineView {
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
