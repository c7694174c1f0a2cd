package backendtest_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

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

// TestHarnessKeysAndClock exercises the API-key helpers, the clock, DBPath and StoredData.
func TestHarnessKeysAndClock(t *testing.T) {
	srv := backendtest.Start(t)
	if srv.OnPostgres() {
		if srv.DBPath != "" || len(srv.StoredData(t)) == 0 {
			t.Fatalf("on PostgreSQL: DBPath %q, want none, and the stored data must not be empty", srv.DBPath)
		}
	} else if info, err := os.Stat(srv.DBPath); err != nil || info.Size() == 0 {
		t.Fatalf("DBPath %q: %v", srv.DBPath, err)
	}

	id, secret := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"description": "harness"})
	if id == "" || !strings.HasPrefix(secret, "KEY") {
		t.Fatalf("CreateAPIKey returned id %q and a secret of %d characters", id, len(secret))
	}
	if _, err := srv.Client(t, secret).GetBalance(t.Context()); err != nil {
		t.Fatalf("the new key: %v", err)
	}
	srv.RevokeAPIKey(t, srv.ManagerKey, id)
	if _, err := srv.Client(t, secret).GetBalance(t.Context()); client.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("a revoked key: %v, want 401", err)
	}

	if d := time.Until(srv.Now()); d < -time.Minute || d > time.Minute {
		t.Fatalf("the clock starts %v off real time", d)
	}
	srv.AdvanceTime(time.Hour)
	if d := time.Until(srv.Now()); d < 59*time.Minute || d > 61*time.Minute {
		t.Fatalf("after AdvanceTime(1h) the clock is %v ahead", d)
	}
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	srv.SetTime(at)
	if !srv.Now().Equal(at) {
		t.Fatalf("SetTime: Now() = %v, want %v", srv.Now(), at)
	}
	srv.AdvanceTime(time.Second)
	if !srv.Now().Equal(at.Add(time.Second)) {
		t.Fatalf("AdvanceTime on a stopped clock: Now() = %v", srv.Now())
	}
	// The backend runs on this clock: a key expiring a minute from it is
	// refused once the clock is two minutes on.
	_, expiring := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"expires_at": at.Add(time.Minute).Format(time.RFC3339)})
	if _, err := srv.Client(t, expiring).GetBalance(t.Context()); err != nil {
		t.Fatalf("a key before its expiry: %v", err)
	}
	srv.AdvanceTime(2 * time.Minute)
	if _, err := srv.Client(t, expiring).GetBalance(t.Context()); client.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("an expired key: %v, want 401", err)
	}
}
