package portal_test

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// apiCreate makes an object through the API as key and returns its id.
func apiCreate(t *testing.T, srv *backendtest.Server, key, path string, body map[string]any) string {
	t.Helper()
	status, _, raw := srv.Do(t, http.MethodPost, path, key, body)
	if status != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, status, raw)
	}
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	return created.Data.ID
}

// TestNotificationsPage: an account's notifications page shows its
// settings with where each notifies, its recent deliveries with status,
// attempts and the last error, and the public key that verifies its
// webhooks; the same to its manager acting as it; with no price.
func TestNotificationsPage(t *testing.T) {
	w := newWorld(t, backendtest.Options{Deliveries: &backendtest.Deliveries{Worker: backend.DeliveryOptions{
		MaxAttempts: 2, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, PollInterval: 20 * time.Millisecond,
	}}})
	rcv := backendtest.NewReceiver(t)
	rcv.Answer = func(int) int { return http.StatusBadGateway }
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	profile := apiCreate(t, w.srv, acme.APIKey, "/v2/notification_profiles", map[string]any{"name": "Finance team"})
	for typ, dest := range map[string]string{"email": "finance@example.com", "webhook": rcv.URL + "/alerts"} {
		apiCreate(t, w.srv, acme.APIKey, "/v2/notification_channels", map[string]any{
			"notification_profile_id": profile, "channel_type_id": typ, "channel_destination": dest,
		})
	}
	apiCreate(t, w.srv, acme.APIKey, "/v2/notification_settings", map[string]any{
		"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": profile,
		"parameters": []map[string]any{{"name": "amount", "value": "25.00"}},
	})
	apiCreate(t, w.srv, acme.APIKey, "/v2/notification_settings", map[string]any{
		"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": profile,
	})
	w.srv.Adjust(t, acme.ID, "25.01")
	w.ingestUsage(t, acme.ID, 0) // its charges take it below 25.00
	rcv.WaitFor(t, 2)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		failed, _, err := w.srv.Service.ListDeliveries(t.Context(), backend.DeliveryQuery{
			AccountID: acme.ID, Status: backend.DeliveryFailed, Page: backend.Page{Number: 1, Size: 1},
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(failed) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the webhook did not fail in time")
		}
	}

	check := func(t *testing.T, b *browser) {
		t.Helper()
		p := b.get("/portal/accounts/"+acme.ID+"/notifications").wantStatus(t, http.StatusOK)
		p.wantContains(t, "<h1>Notifications</h1>",
			"balance below threshold", "amount 25.00", "account disabled", "Finance team",
			"Email finance@example.com", "Webhook "+rcv.URL+"/alerts",
			`status-delivered">delivered`, `status-failed">failed`, "answered 502",
			`href="/portal/accounts/`+acme.ID+`/notifications" aria-current="page"`)
		if leaks := priceLeaks(p.body); len(leaks) > 0 {
			t.Errorf("the notifications page shows price words %q", leaks)
		}
		// The key, whole (html/template escapes + and = in an attribute).
		if key := `value="` + w.srv.Service.WebhookPublicKey() + `"`; !strings.Contains(html.UnescapeString(p.body), key) {
			t.Errorf("the page does not show the public key %s", key)
		}
		// The failed webhook: two attempts.
		if !strings.Contains(p.body, `<td data-label="Attempts" class="num">2</td>`) {
			t.Errorf("no delivery shows its 2 attempts:\n%s", p.body)
		}
	}
	t.Run("its own user", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		b.signIn(acme.Email, acme.Password)
		check(t, b)
	})
	t.Run("its manager acting as it", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		list := b.signIn(w.managerEmail, w.managerPassword)
		b.follow(b.submit(list, "/portal/managed-accounts/"+acme.ID+"/log-in-as", nil)).wantStatus(t, http.StatusOK)
		check(t, b)
	})
	t.Run("the manager's own page is its own", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		b.signIn(w.managerEmail, w.managerPassword)
		p := b.get("/portal/accounts/"+w.srv.ManagerID+"/notifications").wantStatus(t, http.StatusOK)
		p.wantContains(t, "No notification settings yet.", "Nothing was notified yet.")
		if strings.Contains(p.body, "finance@example.com") {
			t.Error("the manager's own page shows its managed account's channels")
		}
	})
	// Another managed account of the same manager asks for Acme's page by
	// its id: it sees nothing of it.
	beta := w.createManaged(t, w.srv.ManagerKey, "Beta Rockets", testPassword)
	t.Run("another managed account's user", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		b.signIn(beta.Email, beta.Password)
		p := b.get("/portal/accounts/" + acme.ID + "/notifications")
		if p.status == http.StatusOK || strings.Contains(p.body, "finance@example.com") || strings.Contains(p.body, rcv.URL) {
			t.Fatalf("%s shows Acme's notifications to Beta:\n%s", p, p.body)
		}
	})
}
