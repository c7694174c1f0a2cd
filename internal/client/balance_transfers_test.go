package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

const balanceTransferBody = `{"record_type":"balance_transfer","id":"bt-%d","managed_account_id":"ma/1","manager_account_id":"mgr-1",` +
	`"amount":"10.00","currency":"USD","description":"Welcome credit","created_at":"2026-01-01T00:00:00.000Z"}`

func TestCreateBalanceTransferPostsTheAmountOnce(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":`+fmt.Sprintf(balanceTransferBody, 1)+`}`), ok(`{"data":`+fmt.Sprintf(balanceTransferBody, 2)+`}`))
	c := rec.client(t, nil)
	got, err := c.CreateBalanceTransfer(context.Background(), "ma/1", client.CreateBalanceTransferRequest{Amount: "10.00", Description: "Welcome credit"})
	if err != nil {
		t.Fatal(err)
	}
	want := client.BalanceTransfer{
		RecordType: "balance_transfer", ID: "bt-1", ManagedAccountID: "ma/1", ManagerAccountID: "mgr-1",
		Amount: "10.00", Currency: "USD", Description: "Welcome credit", CreatedAt: "2026-01-01T00:00:00.000Z",
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("transfer = %+v\nwant       %+v", *got, want)
	}
	// Without a description, none is sent.
	if _, err := c.CreateBalanceTransfer(context.Background(), "ma/1", client.CreateBalanceTransferRequest{Amount: "0.01"}); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.URL.EscapedPath() != "/v2/managed_accounts/ma%2F1/balance_transfers" || r.Header.Get("Idempotency-Key") == "" {
			t.Fatalf("request %d = %s %s (Idempotency-Key %q)", i, r.Method, r.URL.EscapedPath(), r.Header.Get("Idempotency-Key"))
		}
	}
	if reqs[0].Header.Get("Idempotency-Key") == reqs[1].Header.Get("Idempotency-Key") {
		t.Fatal("two transfers were sent with one Idempotency-Key: the second would replay the first")
	}
	assertJSON(t, rec.bodies[0], `{"amount":"10.00","description":"Welcome credit"}`)
	assertJSON(t, rec.bodies[1], `{"amount":"0.01"}`)
}

func TestAllBalanceTransfersReadsEveryPage(t *testing.T) {
	const total, size = 3, 2
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page[number]"))
		if err != nil {
			page = 1
		}
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(balanceTransferBody, i+1))
		}
		_, _ = fmt.Fprintf(w, `{"data":[%s],"meta":{"page_number":%d,"page_size":%d,"total_pages":2,"total_results":%d}}`,
			strings.Join(items, ","), page, size, total)
	})
	var ids []string
	for bt, err := range rec.client(t, nil).AllBalanceTransfers(context.Background(), "ma/1", client.ListBalanceTransfersOptions{PageSize: size}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, bt.ID)
	}
	if want := []string{"bt-1", "bt-2", "bt-3"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("transfers %v, want %v", ids, want)
	}
	for i, r := range rec.requests() {
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.EscapedPath() != "/v2/managed_accounts/ma%2F1/balance_transfers" ||
			q.Get("page[size]") != "2" || q.Get("page[number]") != strconv.Itoa(i+1) {
			t.Errorf("request %d = %s %s?%s", i, r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
		}
	}
}

// TestBalanceTransferAgainstTheBackend: a transfer whose answer is lost is
// retried with its key and moves the money once; a refusal is an *Error
// that names the field.
func TestBalanceTransferAgainstTheBackend(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Adjust(t, srv.ManagerID, "25.00")
	transport := &losingTransport{next: http.DefaultTransport}
	c, err := client.New(client.Config{
		BaseURL: srv.URL, APIKey: srv.ManagerKey, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		HTTPClient: &http.Client{Transport: transport},
	})
	if err != nil {
		t.Fatal(err)
	}
	managed, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Funded by the client"})
	if err != nil {
		t.Fatal(err)
	}
	bt, err := c.CreateBalanceTransfer(t.Context(), managed.ID, client.CreateBalanceTransferRequest{Amount: "10.00", Description: "Welcome credit"})
	if err != nil {
		t.Fatal(err)
	}
	if bt.ManagedAccountID != managed.ID || bt.ManagerAccountID != srv.ManagerID || bt.Amount != "10.00" || bt.Description != "Welcome credit" {
		t.Fatalf("transfer %+v", bt)
	}
	listed, meta, err := c.ListBalanceTransfers(t.Context(), managed.ID, client.ListBalanceTransfersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if meta.TotalResults != 1 || len(listed) != 1 || listed[0] != *bt {
		t.Fatalf("transfers %+v (%+v), want only %+v", listed, meta, *bt)
	}
	balance, err := c.WithAPIKey(managed.APIKey).GetBalance(t.Context())
	if err != nil || balance.Balance != "10.00" {
		t.Fatalf("the managed account's balance %+v, %v; want 10.00", balance, err)
	}
	if len(transport.keys) != 2 || transport.keys[0] == "" || transport.keys[0] != transport.keys[1] {
		t.Fatalf("POSTs sent with Idempotency-Keys %q, want the transfer and its retry with one key", transport.keys)
	}

	_, err = c.CreateBalanceTransfer(t.Context(), managed.ID, client.CreateBalanceTransferRequest{Amount: "15.01"})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity || len(apiErr.Errors) == 0 ||
		apiErr.Errors[0].Source == nil || apiErr.Errors[0].Source.Pointer != "/amount" {
		t.Fatalf("a transfer beyond the available balance: %v, want a 422 at /amount", err)
	}
}
