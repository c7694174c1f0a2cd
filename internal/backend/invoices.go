package backend

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Invoices are derived from the ledger, never stored (DESIGN 3.4): an account
// has one invoice per calendar month (UTC) in which at least one entry was
// created on its ledger. The month is the entry's created_at month, whatever
// its settlement time: settling later does not change what was charged.
//
// A derived invoice is reproducible: its id is a UUIDv5 of the account and
// the month, and its content is a function of the ledger, which is
// append-only. The same month of the same ledger always gives the same
// invoice; only its status moves, once, from open to paid or unpaid when the
// month ends.

// invoiceNamespace is the UUIDv5 namespace of invoice and file ids.
var invoiceNamespace = uuid.NewSHA1(uuid.NameSpaceURL,
	[]byte("https://github.com/managedaccounts/terraform-provider-telnyx/reference-backend/invoices"))

// InvoiceID is the id of accountID's invoice for month ("2006-01").
func InvoiceID(accountID, month string) string {
	return uuid.NewSHA1(invoiceNamespace, []byte(accountID+"/"+month)).String()
}

// invoiceFileID is the id of an invoice's document.
func invoiceFileID(invoiceID string) string {
	return uuid.NewSHA1(invoiceNamespace, []byte(invoiceID+"/file")).String()
}

// InvoiceStatus is where an invoice stands.
type InvoiceStatus string

const (
	// InvoiceOpen is the current month's invoice: charges may still come.
	InvoiceOpen InvoiceStatus = "open"
	// InvoicePaid is a past month's invoice whose charges prepaid funds
	// covered: the settled balance at the month's end was zero or more.
	InvoicePaid InvoiceStatus = "paid"
	// InvoiceUnpaid is a past month's invoice that ended with a negative
	// settled balance (charges ran on credit).
	InvoiceUnpaid InvoiceStatus = "unpaid"
)

// Products of the lines that are not usage: the adjustments line carries a
// month's negative adjustments (a charge line) or its positive ones (a
// credit line); the balance transfers line carries a manager's transfers to
// one managed account (a charge line, per account) or what a managed
// account received (a credit line); the top-ups line is a credit line.
const (
	AdjustmentsProduct      = "adjustments"
	BalanceTransfersProduct = "balance_transfers"
	TopUpsProduct           = "top_ups"
)

// unnamedUsageProduct is the product of usage entries whose Reference does
// not name one.
const unnamedUsageProduct = "usage"

// InvoiceLinkTTL is how long a signed invoice document link works.
const InvoiceLinkTTL = 15 * time.Minute

// Invoice is one account's bill for one calendar month.
type Invoice struct {
	ID        string
	FileID    string
	AccountID string
	Month     string // "2006-01"
	// PeriodStart and PeriodEnd are the first and last days of the month, as
	// dates (midnight UTC).
	PeriodStart, PeriodEnd time.Time
	Currency               string
	// Total is what was charged in the month: the negated sum of its usage
	// entries, negative adjustments and balance transfers made to managed
	// accounts, and exactly the sum of Lines. A usage entry above zero (a
	// reversal) nets out of its product's line.
	Total Money
	// Credits is what was paid in during the month: top-ups, positive
	// adjustments and balance transfers received, and exactly the sum of
	// CreditLines. Refunds are in neither Total nor Credits; like every
	// entry, they count in the settled balance.
	Credits Money
	// SettledBalance is the balance settled at the month's end (so far, for
	// an open invoice).
	SettledBalance Money
	Status         InvoiceStatus
	Lines          []InvoiceLine
	// CreditLines are the month's credits by kind (TopUpsProduct,
	// AdjustmentsProduct, BalanceTransfersProduct), each a positive amount.
	CreditLines []InvoiceLine
}

// Paid reports whether the invoice is paid (see InvoicePaid).
func (inv *Invoice) Paid() bool { return inv.Status == InvoicePaid }

// InvoiceLine is the charges (or, as a credit line, the credits) of one
// product, for one account, in a month.
type InvoiceLine struct {
	// Product is the usage product, or one of the products that are not
	// usage (AdjustmentsProduct, BalanceTransfersProduct, TopUpsProduct).
	Product     string
	Description string
	// ManagedAccountID is the managed account whose charges the line bills
	// under rollup billing, or to which the manager's balance transfers
	// went; empty for the invoiced account's own charges and credits.
	ManagedAccountID string
	// Quantity is the number of ledger entries the line adds up.
	Quantity int
	Amount   Money
}

// InvoiceQuery selects and orders a page of the caller's invoices.
type InvoiceQuery struct {
	// Sort is "period_start" or "-period_start" (the default).
	Sort string
	Page Page
}

// ListInvoices returns a page of the caller's own invoices. A managed account
// under rollup billing has none: its charges are on its manager's invoices.
// Returns EBADREQUEST for a bad sort or page.
func (s *Service) ListInvoices(ctx context.Context, c *Caller, q InvoiceQuery) ([]*Invoice, PageMeta, error) {
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	descending := true
	switch q.Sort {
	case "", "-period_start":
	case "period_start":
		descending = false
	default:
		return nil, PageMeta{}, InvalidParameter("sort", "sort must be period_start or -period_start, not %q.", q.Sort)
	}
	var invoices []*Invoice
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		invoices, err = s.invoicesOf(ctx, tx, c.Account.ID)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	if descending {
		slices.Reverse(invoices) // invoicesOf answers oldest first
	}
	meta := NewPageMeta(q.Page, len(invoices))
	from := min(q.Page.Offset(), len(invoices))
	to := min(from+q.Page.Size, len(invoices))
	return invoices[from:to], meta, nil
}

// GetInvoice returns one of the caller's own invoices. Returns EBADREQUEST
// (parameter "id") when id is not a UUID and ENOTFOUND when it is not the id
// of one of the caller's invoices.
func (s *Service) GetInvoice(ctx context.Context, c *Caller, id string) (*Invoice, error) {
	if err := checkInvoiceID(id); err != nil {
		return nil, err
	}
	var inv *Invoice
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		inv, err = s.findInvoice(ctx, tx, c.Account.ID, id)
		return err
	})
	return inv, err
}

// checkInvoiceID refuses an id that is not a UUID in its canonical,
// hyphenated form (the contract's format: uuid).
func checkInvoiceID(id string) error {
	if len(id) != 36 || uuid.Validate(id) != nil {
		return InvalidParameter("id", "The invoice id must be a UUID such as 48eff763-ea80-4345-b688-78249eb165a8.")
	}
	return nil
}

// findInvoice looks for id among the account's invoices. Ids are derived, so
// it lists them and matches: an account has one invoice per month at most.
func (s *Service) findInvoice(ctx context.Context, tx Tx, accountID, id string) (*Invoice, error) {
	invoices, err := s.invoicesOf(ctx, tx, accountID)
	if err != nil {
		return nil, err
	}
	for _, inv := range invoices {
		if inv.ID == id {
			return inv, nil
		}
	}
	return nil, NotFound("Invoice")
}

// invoicesOf derives every invoice of an account, oldest first.
func (s *Service) invoicesOf(ctx context.Context, tx Tx, accountID string) ([]*Invoice, error) {
	a, err := tx.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if a.BillingAccountID() != a.ID {
		return []*Invoice{}, nil
	}
	summary, err := tx.SummarizeLedger(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	return buildInvoices(a.ID, summary, s.now())
}

// LedgerSummary is an account's ledger summed per calendar month (UTC), the
// raw material of its invoices.
type LedgerSummary struct {
	// Groups sum the entries created in one month that share a kind, a
	// product, a subject and a sign, ordered by month, kind, product, subject
	// and sign (negative first).
	Groups []LedgerGroup
	// Settled sums, per month, the entries that settle in it (at their
	// settlement time, or their creation for entries that settle at once),
	// ordered by month: the settled balance at a month's end is the running
	// sum up to it.
	Settled []MonthSum
}

// LedgerGroup is the sum of a group of entries of one month.
type LedgerGroup struct {
	Month string // "2006-01", of created_at in UTC
	Kind  LedgerKind
	// Product is the product of usage entries (their Reference after
	// UsageReferencePrefix; empty when it lacks the prefix); empty for other kinds.
	Product string
	// SubjectID is the entries' subject; empty when they have none.
	SubjectID string
	Negative  bool // the entries' amounts are below zero (else zero or above)
	Sum       Money
	Count     int
}

// MonthSum is a sum of money over one calendar month (UTC, "2006-01").
type MonthSum struct {
	Month string
	Sum   Money
}

// buildInvoices derives an account's invoices, oldest first, from the summary
// of its ledger, as of now (which says which month is still open).
func buildInvoices(accountID string, summary *LedgerSummary, now time.Time) ([]*Invoice, error) {
	invoices := []*Invoice{}
	byMonth := map[string]*Invoice{}
	lines := map[*Invoice]map[lineKey]*InvoiceLine{}
	for _, g := range summary.Groups {
		inv := byMonth[g.Month]
		if inv == nil {
			var err error
			if inv, err = newInvoice(accountID, g.Month); err != nil {
				return nil, err
			}
			byMonth[g.Month] = inv
			lines[inv] = map[lineKey]*InvoiceLine{}
			invoices = append(invoices, inv)
		}
		if err := inv.add(g, accountID, lines[inv]); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(invoices, func(a, b *Invoice) int { return cmp.Compare(a.Month, b.Month) })
	for _, inv := range invoices {
		for key, l := range lines[inv] {
			if key.credit {
				inv.CreditLines = append(inv.CreditLines, *l)
			} else {
				inv.Lines = append(inv.Lines, *l)
			}
		}
		slices.SortFunc(inv.Lines, compareLines)
		slices.SortFunc(inv.CreditLines, compareLines)
		var err error
		if inv.Total, err = sumLines(inv.Lines); err != nil {
			return nil, Errorf(EINTERNAL, "invoice %s of %s: total overflows", inv.Month, accountID)
		}
		if inv.Credits, err = sumLines(inv.CreditLines); err != nil {
			return nil, Errorf(EINTERNAL, "invoice %s of %s: credits overflow", inv.Month, accountID)
		}
	}
	if err := settle(invoices, summary.Settled, now); err != nil {
		return nil, Errorf(EINTERNAL, "invoices of %s: %v", accountID, err)
	}
	return invoices, nil
}

func newInvoice(accountID, month string) (*Invoice, error) {
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return nil, Errorf(EINTERNAL, "ledger month %q: %v", month, err)
	}
	id := InvoiceID(accountID, month)
	return &Invoice{
		ID: id, FileID: invoiceFileID(id), AccountID: accountID, Month: month,
		PeriodStart: start, PeriodEnd: start.AddDate(0, 1, -1), Currency: Currency,
		Status: InvoiceOpen, Lines: []InvoiceLine{}, CreditLines: []InvoiceLine{},
	}, nil
}

// lineKey is what a line adds up: one product, for one account, charges or
// credits.
type lineKey struct {
	product, managedAccountID string
	credit                    bool
}

// add books a group of entries on the invoice: charges on their line,
// credits on their credit line.
func (inv *Invoice) add(g LedgerGroup, accountID string, lines map[lineKey]*InvoiceLine) error {
	var product string
	switch g.Kind {
	case LedgerUsage:
		product = cmp.Or(g.Product, unnamedUsageProduct)
	case LedgerAdjustment:
		product = AdjustmentsProduct
	case LedgerBalanceTransfer:
		product = BalanceTransfersProduct
	case LedgerTopUp:
		product = TopUpsProduct
	default:
		return nil // refunds: neither a charge nor a credit
	}
	// Usage is always a charge (a reversal above zero nets out of its
	// line); the other kinds are charges below zero and credits above.
	credit := g.Kind != LedgerUsage && !g.Negative
	managed := g.SubjectID
	if managed == accountID {
		managed = ""
	}
	key := lineKey{product, managed, credit}
	l := lines[key]
	if l == nil {
		l = &InvoiceLine{Product: product, Description: lineDescription(product, managed != "", credit), ManagedAccountID: managed}
		lines[key] = l
	}
	// A charge is a negative entry; the line shows it as a positive amount.
	// Negating is exact except for the one amount without a positive twin.
	sum := g.Sum
	if !credit {
		if sum == math.MinInt64 {
			return Errorf(EINTERNAL, "invoice %s of %s: a charge overflows", inv.Month, accountID)
		}
		sum = -sum
	}
	amount, err := l.Amount.Add(sum)
	if err != nil {
		return Errorf(EINTERNAL, "invoice %s of %s: a line overflows", inv.Month, accountID)
	}
	l.Amount = amount
	l.Quantity += g.Count
	return nil
}

// sumLines adds up the amounts of lines, or fails on an overflow.
func sumLines(lines []InvoiceLine) (Money, error) {
	var total Money
	for _, l := range lines {
		t, err := total.Add(l.Amount)
		if err != nil {
			return 0, err
		}
		total = t
	}
	return total, nil
}

// lineDescription describes a line of product: charged to the invoiced
// account or, under rollup billing and for transfers, about one of its
// managed accounts (managed); a charge or a credit.
func lineDescription(product string, managed, credit bool) string {
	switch {
	case product == TopUpsProduct:
		return "Top-ups"
	case product == AdjustmentsProduct && credit:
		return "Account adjustments (credits)"
	case product == AdjustmentsProduct:
		return "Account adjustments (charges)"
	case product == BalanceTransfersProduct && credit && managed:
		return "Balance transfers from a managed account"
	case product == BalanceTransfersProduct && credit:
		return "Balance transfers received from the manager"
	case product == BalanceTransfersProduct:
		return "Balance transfers to a managed account"
	}
	return "Usage charges: " + product
}

// lineRanks order the products of an account's lines: usage first (rank 0,
// by name), then top-ups, adjustments and balance transfers.
var lineRanks = map[string]int{TopUpsProduct: 1, AdjustmentsProduct: 2, BalanceTransfersProduct: 3}

// compareLines orders lines by account (the invoiced account's own first),
// then by product: usage by name, then the products that are not usage.
func compareLines(a, b InvoiceLine) int {
	if c := cmp.Compare(a.ManagedAccountID, b.ManagedAccountID); c != 0 {
		return c
	}
	if c := cmp.Compare(lineRanks[a.Product], lineRanks[b.Product]); c != 0 {
		return c
	}
	return cmp.Compare(a.Product, b.Product)
}

// settle sets each invoice's settled balance at its month's end, a running
// sum of what settled in every month up to it, and its status.
func settle(invoices []*Invoice, settled []MonthSum, now time.Time) error {
	var (
		balance Money
		next    int
	)
	for _, inv := range invoices {
		for ; next < len(settled) && settled[next].Month <= inv.Month; next++ {
			b, err := balance.Add(settled[next].Sum)
			if err != nil {
				return err
			}
			balance = b
		}
		inv.SettledBalance = balance
		switch {
		case now.UTC().Before(inv.PeriodStart.AddDate(0, 1, 0)):
			inv.Status = InvoiceOpen
		case balance >= 0:
			inv.Status = InvoicePaid
		default:
			inv.Status = InvoiceUnpaid
		}
	}
	return nil
}

// An invoice's document is an HTML page that a signed link serves without an
// API key (InvoiceLink), so that it can be opened in a browser or handed to
// an accountant. The domain finds what the document shows; the HTTP layer
// renders it (httpapi's invoice_document.go).

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

// InvoiceLink is a signed link to an invoice's document, which works without
// an API key until it expires.
type InvoiceLink struct {
	InvoiceID string
	AccountID string
	Expires   string // Unix seconds, in decimal
	Signature string
}

// signedLinkPurpose separates invoice links from any other signed link.
const signedLinkPurpose = "invoice-document"

// InvoiceLink signs a link to inv's document, valid for InvoiceLinkTTL. It
// names the account because the invoice id alone cannot be traced back to it.
func (s *Service) InvoiceLink(inv *Invoice) InvoiceLink {
	expires := strconv.FormatInt(s.now().Add(InvoiceLinkTTL).Unix(), 10)
	return InvoiceLink{
		InvoiceID: inv.ID, AccountID: inv.AccountID, Expires: expires,
		Signature: s.secrets.SignLink(signedLinkPurpose, inv.ID, inv.AccountID, expires),
	}
}
