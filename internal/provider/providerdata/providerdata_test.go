package providerdata_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

const managerKey = "KEYmanager_0000"

// fakeAPI answers GET /v2/managed_accounts/{id} with a primary key derived
// from the id (404 for "missing", 503 while failing is set) and GET
// /v2/balance with 200, recording the key each balance call carried.
type fakeAPI struct {
	lookups atomic.Int64
	failing atomic.Bool

	mu        sync.Mutex
	balanceBy []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(r.URL.Path, "/v2/managed_accounts/"):
		f.lookups.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+managerKey {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"errors":[{"code":"10010","title":"Forbidden","detail":"not the manager"}]}`))
			return
		}
		// Slow enough that concurrent callers overlap.
		time.Sleep(20 * time.Millisecond)
		id := strings.TrimPrefix(r.URL.Path, "/v2/managed_accounts/")
		switch {
		case f.failing.Load():
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"errors":[{"code":"10007","title":"Service unavailable","detail":"try later"}]}`))
		case id == "missing":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors":[{"code":"10005","title":"Resource not found","detail":"Managed account not found"}]}`))
		default:
			_, _ = fmt.Fprintf(w, `{"data":{"record_type":"managed_account","id":%q,"api_key":"KEYprimary_of_%s"}}`, id, id)
		}
	case r.URL.Path == "/v2/balance":
		f.mu.Lock()
		f.balanceBy = append(f.balanceBy, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"data":{"record_type":"balance","balance":"0.00","currency":"USD"}}`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeAPI) lastBalanceKey() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.balanceBy[len(f.balanceBy)-1]
}

func newData(t *testing.T) (*providerdata.Data, *fakeAPI) {
	t.Helper()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{BaseURL: srv.URL + "/v2", APIKey: managerKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return providerdata.New(c), api
}

// keyOf returns the key c calls with, as the fake API saw it.
func keyOf(t *testing.T, api *fakeAPI, c *client.Client) string {
	t.Helper()
	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Fatalf("GetBalance: %v", err)
	}
	return api.lastBalanceKey()
}

func TestClientForResolvesOnceUnderConcurrency(t *testing.T) {
	d, api := newData(t)
	const callers = 16
	var wg sync.WaitGroup
	clients := make([]*client.Client, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			clients[i], errs[i] = d.ClientFor(context.Background(), "acct-1")
		})
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
	}
	if n := api.lookups.Load(); n != 1 {
		t.Fatalf("%d concurrent callers made %d lookups, want 1", callers, n)
	}
	if got := keyOf(t, api, clients[callers-1]); got != "KEYprimary_of_acct-1" {
		t.Fatalf("the client acts with key %q, want the managed account's primary key", got)
	}
	// Another account is looked up on its own; the first stays cached.
	other, err := d.ClientFor(context.Background(), "acct-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ClientFor(context.Background(), "acct-1"); err != nil {
		t.Fatal(err)
	}
	if n := api.lookups.Load(); n != 2 {
		t.Fatalf("lookups = %d, want 2 (one per account)", n)
	}
	if got := keyOf(t, api, other); got != "KEYprimary_of_acct-2" {
		t.Fatalf("acct-2 client acts with %q", got)
	}
	// The manager's own clients are untouched.
	if got := keyOf(t, api, d.Manager); got != managerKey {
		t.Fatalf("Manager acts with %q", got)
	}
	if got := keyOf(t, api, d.Client); got != managerKey {
		t.Fatalf("Client acts with %q before ActAs", got)
	}
}

func TestClientForEmptyIDIsTheProvidersClient(t *testing.T) {
	d, api := newData(t)
	if err := d.ActAs(context.Background(), "acct-9"); err != nil {
		t.Fatal(err)
	}
	c, err := d.ClientFor(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := keyOf(t, api, c); got != "KEYprimary_of_acct-9" {
		t.Fatalf(`ClientFor("") acts with %q, want the account the provider acts as`, got)
	}
	// A resource naming another managed account still resolves it through
	// the manager's key, not the acting account's.
	other, err := d.ClientFor(context.Background(), "acct-3")
	if err != nil {
		t.Fatal(err)
	}
	if got := keyOf(t, api, other); got != "KEYprimary_of_acct-3" {
		t.Fatalf("acct-3 client acts with %q", got)
	}
}

func TestClientForErrorsAreNotCachedAndKeepTheAPIError(t *testing.T) {
	d, api := newData(t)
	_, err := d.ClientFor(context.Background(), "missing")
	if !client.IsNotFound(err) || !strings.Contains(err.Error(), "Managed account not found") {
		t.Fatalf("err = %v, want the API's 404 in the chain", err)
	}
	api.failing.Store(true)
	if _, err := d.ClientFor(context.Background(), "acct-1"); client.StatusCode(err) != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want the 503", err)
	}
	api.failing.Store(false)
	c, err := d.ClientFor(context.Background(), "acct-1")
	if err != nil {
		t.Fatalf("after the API recovered: %v", err)
	}
	if got := keyOf(t, api, c); got != "KEYprimary_of_acct-1" {
		t.Fatalf("acts with %q", got)
	}
	if n := api.lookups.Load(); n != 3 {
		t.Fatalf("lookups = %d, want 3 (failures are retried on the next call)", n)
	}
}

func TestActAsFailsWithoutChangingTheClient(t *testing.T) {
	d, api := newData(t)
	if err := d.ActAs(context.Background(), "missing"); !client.IsNotFound(err) {
		t.Fatalf("err = %v, want the 404", err)
	}
	if got := keyOf(t, api, d.Client); got != managerKey {
		t.Fatalf("Client acts with %q after a failed ActAs", got)
	}
}
