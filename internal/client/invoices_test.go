package client_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

const invoiceJSON = `{"invoice_id":"inv-%d","file_id":"file-%d","period_start":"2026-0%d-01","period_end":"2026-0%d-28",` +
	`"paid":false,"url":"http://api.example/v2/invoices/inv-%d","currency":"USD","total":"1.75","credits":"0.00","status":"open",` +
	`"lines":[{"product":"voice","description":"Voice","managed_account_id":null,"quantity":2,"amount":"1.00"},` +
	`{"product":"messaging","description":"Messaging","managed_account_id":"ma-1","quantity":1,"amount":"0.75"}],` +
	`"credit_lines":[{"product":"balance_transfers","description":"Balance transfers received from the manager",` +
	`"managed_account_id":null,"quantity":1,"amount":"0.00"}]}`

func invoiceAt(i int) string { return fmt.Sprintf(invoiceJSON, i, i, i, i, i) }

func TestAllInvoicesSendsTheSortAndReadsEveryPage(t *testing.T) {
	const total, size = 3, 2
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page[number]"))
		if err != nil {
			page = 1
		}
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, invoiceAt(i+1))
		}
		_, _ = fmt.Fprintf(w, `{"data":[%s],"meta":{"page_number":%d,"page_size":%d,"total_pages":2,"total_results":%d}}`,
			strings.Join(items, ","), page, size, total)
	})
	var got []client.Invoice
	for inv, err := range rec.client(t, nil).AllInvoices(context.Background(),
		client.ListInvoicesOptions{Sort: client.InvoiceSortPeriodStart, PageSize: size}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, inv)
	}
	if len(got) != total {
		t.Fatalf("got %d invoices, want %d", len(got), total)
	}
	managed, quantity := "ma-1", int64(1)
	two := int64(2)
	want := client.Invoice{
		InvoiceID: "inv-1", FileID: "file-1", PeriodStart: "2026-01-01", PeriodEnd: "2026-01-28",
		URL: "http://api.example/v2/invoices/inv-1", Currency: "USD", Total: "1.75", Credits: "0.00", Status: "open",
		Lines: []client.InvoiceLine{
			{Product: "voice", Description: "Voice", Quantity: &two, Amount: "1.00"},
			{Product: "messaging", Description: "Messaging", ManagedAccountID: &managed, Quantity: &quantity, Amount: "0.75"},
		},
		CreditLines: []client.InvoiceLine{
			{Product: "balance_transfers", Description: "Balance transfers received from the manager", Quantity: &quantity, Amount: "0.00"},
		},
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("first invoice = %+v\nwant            %+v", got[0], want)
	}
	for i, r := range rec.requests() {
		q := r.URL.Query()
		if r.URL.Path != "/v2/invoices" || q.Get("sort") != "period_start" || q.Get("page[size]") != "2" || q.Get("page[number]") != strconv.Itoa(i+1) {
			t.Errorf("request %d = %s?%s", i, r.URL.Path, r.URL.RawQuery)
		}
	}
}

func TestListInvoicesWithoutOptionsSendsNoQuery(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}`))
	list, _, err := rec.client(t, nil).ListInvoices(context.Background(), client.ListInvoicesOptions{})
	if err != nil || len(list) != 0 {
		t.Fatalf("list = %v, %v", list, err)
	}
	if q := rec.requests()[0].URL.RawQuery; q != "" {
		t.Fatalf("query = %q, want none", q)
	}
}

func TestGetInvoiceSendsTheAction(t *testing.T) {
	withLink := strings.Replace(invoiceAt(1), `"status":"open"`,
		`"status":"open","download_url":"http://api.example/documents/invoices/inv-1?account_id=a&expires=1&signature=s"`, 1)
	tests := []struct {
		action, wantQuery, wantLink string
	}{
		{"", "", ""},
		{client.InvoiceActionJSON, "action=json", ""},
		{client.InvoiceActionLink, "action=link", "http://api.example/documents/invoices/inv-1?account_id=a&expires=1&signature=s"},
	}
	for _, tt := range tests {
		t.Run("action="+tt.action, func(t *testing.T) {
			body := invoiceAt(1)
			if tt.wantLink != "" {
				body = withLink
			}
			rec := newRecorder(t, ok(`{"data":`+body+`}`))
			inv, err := rec.client(t, nil).GetInvoice(context.Background(), "inv/1", tt.action)
			if err != nil {
				t.Fatal(err)
			}
			if inv.DownloadURL != tt.wantLink || inv.Total != "1.75" || len(inv.Lines) != 2 {
				t.Fatalf("invoice = %+v", inv)
			}
			r := rec.requests()[0]
			if r.Method != http.MethodGet || r.URL.EscapedPath() != "/v2/invoices/inv%2F1" || r.URL.RawQuery != tt.wantQuery {
				t.Fatalf("request = %s %s?%s", r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
			}
		})
	}
}

func TestGetInvoiceOfAnotherAccountIsNotFound(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusNotFound, "10005", "Resource not found", "Invoice not found."))
	if _, err := rec.client(t, nil).GetInvoice(context.Background(), "inv-1", ""); !client.IsNotFound(err) {
		t.Fatalf("err = %v, want the 404", err)
	}
}
