package httpapi_test

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// invoiceJSON is the contract's InvoiceDetail plus our extensions.
type invoiceJSON struct {
	InvoiceID   string            `json:"invoice_id"`
	FileID      string            `json:"file_id"`
	PeriodStart string            `json:"period_start"`
	PeriodEnd   string            `json:"period_end"`
	Paid        bool              `json:"paid"`
	URL         string            `json:"url"`
	DownloadURL *string           `json:"download_url"`
	Currency    string            `json:"currency"`
	Total       string            `json:"total"`
	Credits     string            `json:"credits"`
	Status      string            `json:"status"`
	Lines       []invoiceLineJSON `json:"lines"`
	CreditLines []invoiceLineJSON `json:"credit_lines"`
}

type invoiceLineJSON struct {
	Product          string  `json:"product"`
	Description      string  `json:"description"`
	ManagedAccountID *string `json:"managed_account_id"`
	Quantity         int     `json:"quantity"`
	Amount           string  `json:"amount"`
}

// postLedger writes ledger entries through the store, as the usage
// pipeline will: no endpoint posts usage charges yet.
func postLedger(t *testing.T, srv *backendtest.Server, entries ...*backend.LedgerEntry) {
	t.Helper()
	err := srv.Store.WriteTx(t.Context(), func(tx backend.Tx) error {
		for _, e := range entries {
			if e.ID == "" {
				e.ID = uuid.NewString()
			}
			if e.Currency == "" {
				e.Currency = backend.Currency
			}
			if e.SettlesAt.IsZero() {
				e.SettlesAt = e.CreatedAt
			}
			if err := tx.InsertLedgerEntry(t.Context(), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("post ledger entries: %v", err)
	}
}

// usageCharge is a usage entry of amount (positive: what is charged) on
// accountID's ledger for subjectID.
func usageCharge(accountID, subjectID, product, amount string, at time.Time) *backend.LedgerEntry {
	m, err := backend.ParseMoney(amount)
	if err != nil {
		panic(err) // the tests' own constants
	}
	return &backend.LedgerEntry{AccountID: accountID, SubjectID: subjectID, Kind: backend.LedgerUsage, Amount: -m,
		Reference: backend.UsageReference(product), CreatedAt: at}
}

// adjustAt posts an operator adjustment with the backend's clock stopped at at.
func adjustAt(t *testing.T, srv *backendtest.Server, accountID, amount string, at time.Time) {
	t.Helper()
	srv.SetTime(at)
	srv.Adjust(t, accountID, amount)
}

func listInvoices(t *testing.T, srv *backendtest.Server, key, query string) (list[invoiceJSON], *apiResponse) {
	t.Helper()
	path := "/v2/invoices"
	if query != "" {
		path += "?" + query
	}
	r := call(t, srv, http.MethodGet, path, key, nil)
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"data":[`) {
		t.Fatalf("%s; data must be an array", r)
	}
	var out list[invoiceJSON]
	r.decode(t, &out)
	return out, r
}

func getInvoice(t *testing.T, srv *backendtest.Server, key, id, query string) (invoiceJSON, *apiResponse) {
	t.Helper()
	path := "/v2/invoices/" + id
	if query != "" {
		path += "?" + query
	}
	r := call(t, srv, http.MethodGet, path, key, nil)
	r.wantStatus(t, http.StatusOK)
	var out single[invoiceJSON]
	r.decode(t, &out)
	return out.Data, r
}

func invoiceIDs(list []invoiceJSON) []string {
	out := []string{}
	for _, inv := range list {
		out = append(out, inv.InvoiceID)
	}
	return out
}

func periods(list []invoiceJSON) []string {
	out := []string{}
	for _, inv := range list {
		out = append(out, inv.PeriodStart)
	}
	return out
}

// sumLines adds up an invoice's lines exactly.
func sumLines(t *testing.T, inv invoiceJSON) backend.Money {
	t.Helper()
	return sumOf(t, inv.Lines)
}

// sumOf adds up the amounts of lines.
func sumOf(t *testing.T, lines []invoiceLineJSON) backend.Money {
	t.Helper()
	var sum backend.Money
	for _, l := range lines {
		m, err := backend.ParseMoney(l.Amount)
		if err != nil {
			t.Fatalf("line amount %q: %v", l.Amount, err)
		}
		sum += m
	}
	return sum
}

// TestInvoicesOverHTTP: an invoice shows the contract's fields and our
// extensions, its url points back at it, and asking twice gives the same
// bytes.
func TestInvoicesOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	june := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC)
	adjustAt(t, srv, srv.ManagerID, "20.00", june)
	adjustAt(t, srv, srv.ManagerID, "-1.25", june.Add(time.Hour))
	postLedger(t, srv,
		usageCharge(srv.ManagerID, srv.ManagerID, "voice", "0.000125", june),
		usageCharge(srv.ManagerID, srv.ManagerID, "voice", "3.50", june.Add(time.Minute)),
		usageCharge(srv.ManagerID, srv.ManagerID, "messaging", "0.004", june),
	)
	srv.SetTime(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))

	got, first := listInvoices(t, srv, srv.ManagerKey, "")
	_, second := listInvoices(t, srv, srv.ManagerKey, "")
	if !bytes.Equal(first.body, second.body) {
		t.Fatalf("asked twice:\n%s\n%s", first.body, second.body)
	}
	if len(got.Data) != 1 || got.Meta != (client.PageMeta{PageNumber: 1, PageSize: 20, TotalPages: 1, TotalResults: 1}) {
		t.Fatalf("%s; want one invoice", first)
	}
	inv := got.Data[0]
	wantID := backend.InvoiceID(srv.ManagerID, "2025-06")
	want := invoiceJSON{
		InvoiceID: wantID, FileID: inv.FileID, PeriodStart: "2025-06-01", PeriodEnd: "2025-06-30", Paid: true,
		URL: srv.RootURL + "/v2/invoices/" + wantID, Currency: "USD", Total: "4.754125", Credits: "20.00", Status: "paid",
		Lines: []invoiceLineJSON{
			{Product: "messaging", Description: "Usage charges: messaging", Quantity: 1, Amount: "0.004"},
			{Product: "voice", Description: "Usage charges: voice", Quantity: 2, Amount: "3.500125"},
			{Product: "adjustments", Description: "Account adjustments (charges)", Quantity: 1, Amount: "1.25"},
		},
		CreditLines: []invoiceLineJSON{
			{Product: "adjustments", Description: "Account adjustments (credits)", Quantity: 1, Amount: "20.00"},
		},
	}
	if fmt.Sprintf("%+v", inv) != fmt.Sprintf("%+v", want) {
		t.Fatalf("invoice\n %+v\nwant\n %+v", inv, want)
	}
	if _, err := uuid.Parse(inv.FileID); err != nil || inv.FileID == inv.InvoiceID {
		t.Fatalf("file_id %q", inv.FileID)
	}
	if sumLines(t, inv).String() != inv.Total {
		t.Fatalf("lines sum to %s, total %s", sumLines(t, inv), inv.Total)
	}
	if !strings.Contains(string(first.body), `"managed_account_id":null`) || strings.Contains(string(first.body), "download_url") {
		t.Fatalf("%s; own lines have a null managed_account_id, and a list has no download_url", first)
	}

	// The url serves the same invoice, identically on every call.
	detail, r1 := getInvoice(t, srv, srv.ManagerKey, wantID, "")
	_, r2 := getInvoice(t, srv, srv.ManagerKey, wantID, "action=json")
	if !bytes.Equal(r1.body, r2.body) || detail.DownloadURL != nil || fmt.Sprintf("%+v", detail) != fmt.Sprintf("%+v", want) {
		t.Fatalf("detail %s and %s; want the listed invoice without download_url", r1.body, r2.body)
	}
}

// TestInvoiceMonthBoundaryOverHTTP: an adjustment at 23:59:59.999 on January
// 31st (UTC) is January's, one at midnight is February's.
func TestInvoiceMonthBoundaryOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	adjustAt(t, srv, srv.ManagerID, "-1.00", time.Date(2025, 1, 31, 23, 59, 59, 999_000_000, time.UTC))
	adjustAt(t, srv, srv.ManagerID, "-2.00", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	srv.SetTime(time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC))
	got, r := listInvoices(t, srv, srv.ManagerKey, "sort=period_start")
	if len(got.Data) != 2 {
		t.Fatalf("%s; want January and February", r)
	}
	jan, feb := got.Data[0], got.Data[1]
	if jan.PeriodStart != "2025-01-01" || jan.PeriodEnd != "2025-01-31" || jan.Total != "1.00" ||
		feb.PeriodStart != "2025-02-01" || feb.PeriodEnd != "2025-02-28" || feb.Total != "2.00" {
		t.Fatalf("%s; want 1.00 in January and 2.00 in February", r)
	}
	// Both ended below zero: unpaid.
	if jan.Paid || jan.Status != "unpaid" || feb.Paid || feb.Status != "unpaid" {
		t.Fatalf("%s; want both unpaid", r)
	}
}

// TestInvoiceStatusOverHTTP: paid when the month ended with prepaid funds
// left, unpaid when it ended below zero, open while it lasts.
func TestInvoiceStatusOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	adjustAt(t, srv, srv.ManagerID, "10.00", time.Date(2025, 1, 5, 0, 0, 0, 0, time.UTC))
	adjustAt(t, srv, srv.ManagerID, "-4.00", time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC))
	adjustAt(t, srv, srv.ManagerID, "-8.00", time.Date(2025, 2, 6, 0, 0, 0, 0, time.UTC))
	adjustAt(t, srv, srv.ManagerID, "5.00", time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC))
	got, r := listInvoices(t, srv, srv.ManagerKey, "sort=period_start")
	type status struct {
		period string
		paid   bool
		status string
	}
	var statuses []status
	for _, inv := range got.Data {
		statuses = append(statuses, status{inv.PeriodStart, inv.Paid, inv.Status})
	}
	want := []status{{"2025-01-01", true, "paid"}, {"2025-02-01", false, "unpaid"}, {"2025-03-01", false, "open"}}
	if !slices.Equal(statuses, want) {
		t.Fatalf("%s; want %v", r, want)
	}
	// March ends at +3.00: paid from April 1st on.
	srv.SetTime(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	if got, r := listInvoices(t, srv, srv.ManagerKey, ""); got.Data[0].Status != "paid" || !got.Data[0].Paid {
		t.Fatalf("%s; March is paid once over", r)
	}
}

// TestInvoicesPagingAndSortOverHTTP: newest first by default, exact meta,
// and the contract's bounds on sort and page.
func TestInvoicesPagingAndSortOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	var months []string
	for m := time.January; m <= time.May; m++ {
		postLedger(t, srv, usageCharge(srv.ManagerID, srv.ManagerID, "voice", "0.01", time.Date(2024, m, 15, 0, 0, 0, 0, time.UTC)))
		months = append(months, fmt.Sprintf("2024-%02d-01", m))
	}
	newest := slices.Clone(months)
	slices.Reverse(newest)
	cases := []struct {
		query string
		want  []string
		meta  client.PageMeta
	}{
		{"", newest, client.PageMeta{PageNumber: 1, PageSize: 20, TotalPages: 1, TotalResults: 5}},
		{"sort=-period_start&page[size]=2", newest[:2], client.PageMeta{PageNumber: 1, PageSize: 2, TotalPages: 3, TotalResults: 5}},
		{"sort=period_start&page[size]=2&page[number]=2", months[2:4], client.PageMeta{PageNumber: 2, PageSize: 2, TotalPages: 3, TotalResults: 5}},
		{"sort=period_start&page[size]=2&page[number]=3", months[4:], client.PageMeta{PageNumber: 3, PageSize: 2, TotalPages: 3, TotalResults: 5}},
		{"page[size]=250&page[number]=2", []string{}, client.PageMeta{PageNumber: 2, PageSize: 250, TotalPages: 1, TotalResults: 5}},
	}
	for _, tc := range cases {
		got, r := listInvoices(t, srv, srv.ManagerKey, tc.query)
		if !slices.Equal(periods(got.Data), tc.want) || got.Meta != tc.meta {
			t.Errorf("%s; want %v %+v", r, tc.want, tc.meta)
		}
	}
	for query, param := range map[string]string{
		"sort=period_end": "sort", "sort=": "sort", "sort=period_start&sort=-period_start": "sort",
		"page[size]=251": "page[size]", "page[size]=0": "page[size]", "page[number]=x": "page[number]", "page[limit]=2": "page[limit]",
	} {
		call(t, srv, http.MethodGet, "/v2/invoices?"+query, srv.ManagerKey, nil).
			wantError(t, errWant{status: 400, code: "10015", parameter: param})
	}
}

// TestGetInvoiceRefusals: a malformed id is a 400 (the contract's format:
// uuid), an id that is not one of the caller's invoices a 404, and action
// must be json or link.
func TestGetInvoiceRefusals(t *testing.T) {
	srv := backendtest.Start(t)
	otherID, otherKey := srv.NewManager(t)
	at := time.Now().UTC()
	postLedger(t, srv, usageCharge(srv.ManagerID, srv.ManagerID, "voice", "1.00", at),
		usageCharge(otherID, otherID, "voice", "1.00", at))
	mine := backend.InvoiceID(srv.ManagerID, at.Format("2006-01"))
	theirs := backend.InvoiceID(otherID, at.Format("2006-01"))
	getInvoice(t, srv, otherKey, theirs, "")

	for _, id := range []string{"nope", "123", strings.ToUpper(mine[:8]) + "x" + mine[9:], strings.ReplaceAll(mine, "-", "")} {
		call(t, srv, http.MethodGet, "/v2/invoices/"+url.PathEscape(id), srv.ManagerKey, nil).
			wantError(t, errWant{status: 400, code: "10015", parameter: "id"})
	}
	for _, id := range []string{theirs, uuid.NewString(), backend.InvoiceID(srv.ManagerID, "1999-12")} {
		call(t, srv, http.MethodGet, "/v2/invoices/"+id, srv.ManagerKey, nil).wantError(t, errWant{status: 404, code: "10005"})
	}
	for _, query := range []string{"action=pdf", "action=", "action=json&action=link"} {
		call(t, srv, http.MethodGet, "/v2/invoices/"+mine+"?"+query, srv.ManagerKey, nil).
			wantError(t, errWant{status: 400, code: "10015", parameter: "action"})
	}
}

// TestRollupInvoicesOverHTTP: the manager's invoice carries a line per
// product of each rollup managed account; such an account lists no
// invoices and cannot read its manager's. A managed account with its own
// billing has its own invoices, which its manager's key does not reach.
func TestRollupInvoicesOverHTTP(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Rollup Co", "rollup_billing": true})
	own := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Own Billing Co"})
	at := time.Now().UTC()
	postLedger(t, srv,
		usageCharge(srv.ManagerID, srv.ManagerID, "voice", "1.00", at),
		usageCharge(srv.ManagerID, rollup.ID, "voice", "0.25", at),
		usageCharge(srv.ManagerID, rollup.ID, "voice", "0.50", at),
		usageCharge(srv.ManagerID, rollup.ID, "messaging", "0.005", at),
	)
	srv.Adjust(t, own.ID, "-3.00")

	got, r := listInvoices(t, srv, srv.ManagerKey, "")
	if len(got.Data) != 1 {
		t.Fatalf("%s; want one invoice", r)
	}
	inv := got.Data[0]
	type line struct {
		product, managed, amount string
		quantity                 int
	}
	var lines []line
	for _, l := range inv.Lines {
		managed := ""
		if l.ManagedAccountID != nil {
			managed = *l.ManagedAccountID
		}
		lines = append(lines, line{l.Product, managed, l.Amount, l.Quantity})
	}
	want := []line{{"voice", "", "1.00", 1}, {"messaging", rollup.ID, "0.005", 1}, {"voice", rollup.ID, "0.75", 2}}
	if !slices.Equal(lines, want) || inv.Total != "1.755" || sumLines(t, inv).String() != inv.Total {
		t.Fatalf("%s; want lines %+v totalling 1.755", r, want)
	}

	empty, r := listInvoices(t, srv, rollup.APIKey, "")
	if len(empty.Data) != 0 || empty.Meta.TotalResults != 0 || empty.Meta.TotalPages != 0 {
		t.Fatalf("%s; a rollup managed account has no invoices", r)
	}
	call(t, srv, http.MethodGet, "/v2/invoices/"+inv.InvoiceID, rollup.APIKey, nil).wantError(t, errWant{status: 404, code: "10005"})

	owned, r := listInvoices(t, srv, own.APIKey, "")
	if len(owned.Data) != 1 || owned.Data[0].Total != "3.00" || owned.Data[0].InvoiceID != backend.InvoiceID(own.ID, at.Format("2006-01")) {
		t.Fatalf("%s; the managed account's own invoice", r)
	}
	call(t, srv, http.MethodGet, "/v2/invoices/"+owned.Data[0].InvoiceID, srv.ManagerKey, nil).wantError(t, errWant{status: 404, code: "10005"})
}

// fetchDocument gets a document link (a full URL on the backend) with the
// given Authorization header (none when empty), checking what every answer
// must have: a request id, HTML when it succeeds, the JSON error envelope
// when it does not.
func fetchDocument(t *testing.T, srv *backendtest.Server, link, authorization string) *apiResponse {
	t.Helper()
	path, ok := strings.CutPrefix(link, srv.RootURL)
	if !ok {
		t.Fatalf("link %q is not on the backend %s", link, srv.RootURL)
	}
	status, header, body := srv.DoAuthorization(t, http.MethodGet, path, authorization, nil)
	r := &apiResponse{method: http.MethodGet, path: path, status: status, header: header, body: body}
	if status != http.StatusOK {
		return checkAnswer(t, r)
	}
	if header.Get("X-Request-Id") == "" || header.Get("Content-Type") != "text/html; charset=utf-8" ||
		!strings.Contains(header.Get("Content-Security-Policy"), "default-src 'none'") || header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("%s; headers %v: want an HTML document with a request id, a restrictive CSP and no referrer", r, header)
	}
	return r
}

// downloadURL asks for an invoice with action=link and returns its signed link.
func downloadURL(t *testing.T, srv *backendtest.Server, key, id string) string {
	t.Helper()
	inv, r := getInvoice(t, srv, key, id, "action=link")
	if inv.DownloadURL == nil {
		t.Fatalf("%s; want a download_url", r)
	}
	return *inv.DownloadURL
}

// withQuery returns link with one query parameter replaced.
func withQuery(t *testing.T, link, name, value string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse %q: %v", link, err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestInvoiceDocumentLink: action=link signs a link that serves a readable
// HTML document without an API key for 15 minutes; a changed link, or one
// past its time, is a 403.
func TestInvoiceDocumentLink(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Docs <&> Co"})
	at := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	srv.SetTime(time.Date(2025, 4, 2, 10, 0, 0, 0, time.UTC))
	postLedger(t, srv,
		usageCharge(managed.ID, managed.ID, "voice", "12.345678", at),
		usageCharge(managed.ID, managed.ID, "voice", "1.00", at.AddDate(0, -1, 0)),
	)
	march := backend.InvoiceID(managed.ID, "2025-03")
	february := backend.InvoiceID(managed.ID, "2025-02")
	link := downloadURL(t, srv, managed.APIKey, march)
	u, err := url.Parse(link)
	if err != nil || u.Scheme+"://"+u.Host != srv.RootURL || u.Path != "/documents/invoices/"+march {
		t.Fatalf("download_url %q (%v): want %s/documents/invoices/%s?…", link, err, srv.RootURL, march)
	}
	if exp := u.Query().Get("expires"); exp != fmt.Sprint(srv.Now().Add(15*time.Minute).Unix()) {
		t.Fatalf("expires %s, want 15 minutes from now", exp)
	}

	r := fetchDocument(t, srv, link, "")
	r.wantStatus(t, http.StatusOK)
	page := string(r.body)
	for _, want := range []string{
		`<html lang="en">`, "<title>", "<caption>", `scope="col"`, march, "Docs &lt;&amp;&gt; Co",
		"March 2025", "2025-03-01", "2025-03-31", "12.345678", "Usage charges: voice", "Unpaid",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the document lacks %q:\n%s", want, page)
		}
	}
	if text := html.UnescapeString(page); !strings.Contains(text, managed.Email) || !strings.Contains(text, managed.ID) {
		t.Errorf("the document does not name the account %s (%s)", managed.Email, managed.ID)
	}
	if strings.Contains(page, "<&>") || strings.Contains(page, "<script") {
		t.Errorf("the document holds unescaped input or a script:\n%s", page)
	}
	// The same document whatever key comes along, or none.
	if again := fetchDocument(t, srv, link, "Bearer "+srv.ManagerKey); !bytes.Equal(again.body, r.body) {
		t.Errorf("the document differs when a key is sent")
	}

	// The manager's invoice of April, whose link's signature is tried on March's.
	postLedger(t, srv, usageCharge(srv.ManagerID, srv.ManagerID, "voice", "1.00", srv.Now()))
	refused := map[string]string{
		"another invoice of the account":   strings.Replace(link, march, february, 1),
		"another account":                  withQuery(t, link, "account_id", srv.ManagerID),
		"a later expiry":                   withQuery(t, link, "expires", fmt.Sprint(srv.Now().Add(time.Hour).Unix())),
		"a changed signature":              withQuery(t, link, "signature", strings.ToUpper(u.Query().Get("signature"))),
		"no signature":                     withQuery(t, link, "signature", ""),
		"no query":                         srv.RootURL + "/documents/invoices/" + march,
		"a signature of another link":      withQuery(t, link, "signature", signatureOf(t, downloadURL(t, srv, srv.ManagerKey, backend.InvoiceID(srv.ManagerID, "2025-04")))),
		"an expiry that is not a number":   withQuery(t, link, "expires", "soon"),
		"a malformed invoice id in a link": strings.Replace(link, march, "nope", 1),
	}
	for name, bad := range refused {
		r := fetchDocument(t, srv, bad, "")
		if r.status != http.StatusForbidden {
			t.Errorf("%s: %s; want 403", name, r)
			continue
		}
		r.wantError(t, errWant{status: 403, code: "10010"})
	}

	srv.AdvanceTime(15*time.Minute - time.Second)
	fetchDocument(t, srv, link, "").wantStatus(t, http.StatusOK)
	srv.AdvanceTime(time.Second)
	expired := fetchDocument(t, srv, link, "")
	expired.wantError(t, errWant{status: 403, code: "10010"})
	if !strings.Contains(expired.detail(t), "expired") {
		t.Errorf("%s; the detail says the link expired", expired)
	}
	// A fresh link works again.
	fetchDocument(t, srv, downloadURL(t, srv, managed.APIKey, march), "").wantStatus(t, http.StatusOK)
}

func signatureOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse %q: %v", link, err)
	}
	return u.Query().Get("signature")
}

// TestInvoicesWithManyEntries: 20,000 ledger entries over a year still give
// exactly the right invoices (the store sums them in SQL).
func TestInvoicesWithManyEntries(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Busy Co", "rollup_billing": true})
	const n = 20_000
	totals := map[string]backend.Money{}
	credits := map[string]backend.Money{}
	entries := make([]*backend.LedgerEntry, 0, n)
	for i := range n {
		at := time.Date(2024, time.Month(1+i%12), 1+i%28, i%24, i%60, 0, 0, time.UTC)
		month := at.Format("2006-01")
		amount := backend.Money(1 + i%9973) // sub-cent: micro-units
		switch i % 10 {
		case 0:
			entries = append(entries, &backend.LedgerEntry{AccountID: srv.ManagerID, SubjectID: srv.ManagerID,
				Kind: backend.LedgerTopUp, Amount: amount * 10, CreatedAt: at})
			credits[month] += amount * 10
		case 1, 2, 3:
			entries = append(entries, &backend.LedgerEntry{AccountID: srv.ManagerID, SubjectID: rollup.ID,
				Kind: backend.LedgerUsage, Amount: -amount, Reference: backend.UsageReference("messaging"), CreatedAt: at})
			totals[month] += amount
		default:
			entries = append(entries, &backend.LedgerEntry{AccountID: srv.ManagerID, SubjectID: srv.ManagerID,
				Kind: backend.LedgerUsage, Amount: -amount, Reference: backend.UsageReference("voice"), CreatedAt: at})
			totals[month] += amount
		}
	}
	postLedger(t, srv, entries...)

	got, r := listInvoices(t, srv, srv.ManagerKey, "sort=period_start&page[size]=250")
	if len(got.Data) != 12 || got.Meta.TotalResults != 12 {
		t.Fatalf("%s; want 12 invoices", r)
	}
	for _, inv := range got.Data {
		month := strings.TrimSuffix(inv.PeriodStart, "-01")
		if inv.Total != totals[month].String() || inv.Credits != credits[month].String() || sumLines(t, inv) != totals[month] ||
			sumOf(t, inv.CreditLines) != credits[month] {
			t.Errorf("%s: total %s credits %s lines %s; want %s and %s", month, inv.Total, inv.Credits, sumLines(t, inv), totals[month], credits[month])
		}
		if len(inv.Lines) != 2 {
			t.Errorf("%s: lines %+v, want voice for the manager and messaging for the managed account", month, inv.Lines)
		}
	}
}

// Helpers of the tenancy matrix's invoice rows. Every enabled account of the
// matrix's world got one adjustment this month, so it has exactly one
// invoice: this month's.

// currentInvoiceID is the id of who's invoice for the current month.
func currentInvoiceID(w *tenancyWorld, who caller) string {
	return backend.InvoiceID(w.accountIDs[who], w.srv.Now().UTC().Format("2006-01"))
}

func invoicePath(owner caller) func(w *tenancyWorld) string {
	return func(w *tenancyWorld) string { return "/v2/invoices/" + currentInvoiceID(w, owner) }
}

// invoiceOf is the expectation of an endpoint on one of owner's invoices:
// invoices are the caller's own, so even the owner's manager gets 404 (it
// acts as the managed account, with its key, to reach them).
func invoiceOf(owner caller) expectation { return keyOf(owner) }

// checkInvoice checks that an answer is owner's current invoice.
func checkInvoice(owner caller) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
	return func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
		t.Helper()
		var got single[invoiceJSON]
		r.decode(t, &got)
		if got.Data.InvoiceID != currentInvoiceID(w, owner) {
			t.Fatalf("%s; want the invoice of %s", r, owner)
		}
	}
}

// everyCaller expects status of every caller: a signed link does not look
// at the key that comes with it.
func everyCaller(status int) expectation {
	e := expectation{}
	for _, c := range allCallers {
		e[c] = status
	}
	return e
}

// authorizationOf is the Authorization header who sends.
func authorizationOf(w *tenancyWorld, who caller) string {
	switch key := w.keys[who]; {
	case who == asMalformedHeader:
		return "Token " + key
	case key == "":
		return ""
	default:
		return "Bearer " + key
	}
}

// documentLink is a signed link to owner's current invoice, as owner gets it.
func documentLink(owner caller) func(t *testing.T, w *tenancyWorld) string {
	return func(t *testing.T, w *tenancyWorld) string {
		t.Helper()
		return downloadURL(t, w.srv, w.keys[owner], currentInvoiceID(w, owner))
	}
}

// documentLinkSwapped is signer's link pointed at victim's invoice: its
// signature does not cover that invoice.
func documentLinkSwapped(signer, victim caller) func(t *testing.T, w *tenancyWorld) string {
	return func(t *testing.T, w *tenancyWorld) string {
		t.Helper()
		link := documentLink(signer)(t, w)
		link = strings.Replace(link, currentInvoiceID(w, signer), currentInvoiceID(w, victim), 1)
		return withQuery(t, link, "account_id", w.accountIDs[victim])
	}
}

// TestContractValidatesInvoices proves that the validation the invoice tests
// rely on can fail: each body here breaks the contract's Invoice or
// InvoiceDetail, while our answer's shape, extensions included, passes.
func TestContractValidatesInvoices(t *testing.T) {
	c := loadContract(t)
	jsonHeader := http.Header{"Content-Type": []string{"application/json"}}
	const id = "48eff763-ea80-4345-b688-78249eb165a8"
	valid := `{"invoice_id":"` + id + `","file_id":"454ea3b0-9eaa-4fa9-992e-6d9f31c0a37e","period_start":"2023-11-01",` +
		`"period_end":"2023-11-30","paid":true,"url":"http://127.0.0.1:1/v2/invoices/` + id + `","currency":"USD",` +
		`"total":"1.50","credits":"0.00","status":"paid","lines":[{"product":"voice","description":"Usage charges: voice",` +
		`"managed_account_id":null,"quantity":1,"amount":"1.50"}]`
	listOf := func(item string) string {
		return `{"data":[` + item + `],"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}}`
	}
	if err := c.validate(http.MethodGet, "/v2/invoices", 200, jsonHeader, []byte(listOf(valid+"}"))); err != nil {
		t.Fatalf("a valid invoice list was refused: %v", err)
	}
	detail := `{"data":` + valid + `,"download_url":"http://127.0.0.1:1/documents/invoices/` + id + `?expires=1"}}`
	if err := c.validate(http.MethodGet, "/v2/invoices/"+id+"?action=link", 200, jsonHeader, []byte(detail)); err != nil {
		t.Fatalf("a valid invoice detail was refused: %v", err)
	}
	cases := []struct{ name, path, body string }{
		{"paid as a string", "/v2/invoices", listOf(strings.Replace(valid, `"paid":true`, `"paid":"true"`, 1) + "}")},
		{"invoice_id as a number", "/v2/invoices", listOf(strings.Replace(valid, `"invoice_id":"`+id+`"`, `"invoice_id":1`, 1) + "}")},
		{"data as an object", "/v2/invoices", `{"data":{},"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}`},
		{"meta with a string total", "/v2/invoices", `{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":"0"}}`},
		{"download_url as a number", "/v2/invoices/" + id, `{"data":` + valid + `,"download_url":5}}`},
		{"period_end as a number", "/v2/invoices/" + id, `{"data":` + strings.Replace(valid, `"period_end":"2023-11-30"`, `"period_end":30`, 1) + `}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.validate(http.MethodGet, tc.path, 200, jsonHeader, []byte(tc.body))
			if err == nil {
				t.Fatalf("the validator accepted a body that breaks the contract: %s", tc.body)
			}
			if errors.Is(err, errNotInContract) {
				t.Fatalf("the contract has no operation for GET %s", tc.path)
			}
		})
	}
}
