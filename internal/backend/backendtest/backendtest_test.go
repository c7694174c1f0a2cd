package backendtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// TestHarness exercises every helper the way the client and provider tests use them.
func TestHarness(t *testing.T) {
	srv := backendtest.Start(t)
	u, err := url.Parse(srv.RootURL)
	if err != nil || u.Hostname() != "127.0.0.1" || srv.URL != srv.RootURL+"/v2" {
		t.Fatalf("RootURL %q, URL %q: want a loopback root and the /v2 base URL", srv.RootURL, srv.URL)
	}
	if srv.ManagerID == "" || !strings.HasPrefix(srv.ManagerKey, "KEY") || srv.OperatorKey == "" || srv.Service == nil {
		t.Fatalf("incomplete server: %+v", *srv)
	}
	if strings.Contains(srv.String(), srv.ManagerKey) || strings.Contains(srv.String(), srv.OperatorKey) {
		t.Fatal("String() shows a key")
	}

	manager := srv.Client(t, srv.ManagerKey)
	srv.Adjust(t, srv.ManagerID, "12.34")
	bal, err := manager.GetBalance(t.Context())
	if err != nil || bal.Balance != "12.34" {
		t.Fatalf("balance %+v, %v", bal, err)
	}

	otherID, otherKey := srv.NewManager(t)
	if otherID == srv.ManagerID || otherKey == srv.ManagerKey {
		t.Fatal("NewManager returned the first manager")
	}
	a, err := srv.Client(t, otherKey).CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Harnessed"})
	if err != nil || a.ManagerAccountID != otherID {
		t.Fatalf("create as the second manager: %+v, %v", a, err)
	}

	status, body := srv.Operator(t, http.MethodGet, "/reference/accounts/"+a.ID, nil)
	if status != http.StatusOK || !strings.Contains(string(body), a.ID) {
		t.Fatalf("Operator: %d %s", status, body)
	}
	if status, _ := srv.Operator(t, http.MethodPost, "/reference/accounts", `{"email":`); status != http.StatusBadRequest {
		t.Fatalf("a raw malformed body answered %d, want 400", status)
	}

	srv.CancelAccount(t, otherID)
	_, err = srv.Client(t, otherKey).GetBalance(t.Context())
	if client.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("a cancelled manager's key: %v, want 401", err)
	}
}
