package main

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// notificationRequests: the managed account's balance alert goes out as a
// signed webhook, so the webhook signing key is in use. The key is derived
// from the server secret (SECURITY.md, "The keyed schemes"), never stored,
// logged or answered: its seed and its private key are canaries, derived
// here again from the scheme's description.
func (c *canaryBackend) notificationRequests(t *testing.T) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(c.serverSecret))
	mac.Write([]byte("telnyx-reference-backend/webhook-signing-ed25519"))
	seed := mac.Sum(nil)
	private := ed25519.NewKeyFromSeed(seed)
	c.add("webhook signing key seed", string(seed))
	c.add("webhook signing private key", string(private))
	// The positive control: the served public key is this key's, so the
	// canaries are the real key.
	var key struct {
		PublicKey string `json:"public_key"`
	}
	c.api(t, http.StatusOK, http.MethodGet, "/reference/webhook_signing_key", c.operatorKey, "", "", &key)
	public, ok := private.Public().(ed25519.PublicKey)
	if !ok || key.PublicKey != base64.StdEncoding.EncodeToString(public) {
		t.Fatalf("the served public key %s is not the one derived from the server secret", key.PublicKey)
	}

	// The threshold is just above the balance that the earlier requests
	// left: the adjustment below crosses it.
	var balance struct{ Balance string }
	c.api(t, http.StatusOK, http.MethodGet, "/v2/balance", c.managedKey, "", "", &balance)
	b, err := backend.ParseMoney(balance.Balance)
	if err != nil {
		t.Fatal(err)
	}
	const cent = backend.MicrosPerUnit / 100
	threshold := b - b%cent + cent // above it by a cent at most

	rcv := backendtest.NewReceiver(t)
	var profile, setting struct{ ID string }
	c.api(t, http.StatusOK, http.MethodPost, "/v2/notification_profiles", c.managedKey, `{"name":"Canary alerts"}`, "", &profile)
	c.api(t, http.StatusOK, http.MethodPost, "/v2/notification_channels", c.managedKey,
		`{"notification_profile_id":"`+profile.ID+`","channel_type_id":"webhook","channel_destination":"`+rcv.URL+`/alerts"}`, "", nil)
	c.api(t, http.StatusOK, http.MethodPost, "/v2/notification_settings", c.managedKey,
		`{"notification_profile_id":"`+profile.ID+`","notification_event_condition_id":"`+backend.ConditionBalanceBelow+
			`","parameters":[{"name":"amount","value":"`+threshold.String()+`"}]}`, "", &setting)
	for _, amount := range []string{"0.01", "-0.02"} {
		c.api(t, http.StatusCreated, http.MethodPost, "/reference/accounts/"+c.managedID+"/adjustments", c.operatorKey,
			`{"amount":"`+amount+`","description":"canary alert"}`, "", nil)
	}
	got := rcv.WaitFor(t, 1)[0]
	signature, err := base64.StdEncoding.DecodeString(got.Header.Get("telnyx-signature-ed25519"))
	if err != nil || !ed25519.Verify(public, []byte(got.Header.Get("telnyx-timestamp")+"|"+string(got.Body)), signature) {
		t.Fatalf("the webhook's signature does not verify (%v)", err)
	}
	c.api(t, http.StatusOK, http.MethodGet, "/reference/notifications?filter[account_id]="+c.managedID, c.operatorKey, "", "", nil)
}
