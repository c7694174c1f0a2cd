package notification_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccNotification_delivered: the alert Terraform wires works end to
// end. Once the managed account's balance crosses the setting's amount
// through usage, the channel's receiver gets one webhook, of that account
// and setting, whose Ed25519 signature over "<telnyx-timestamp>|<body>"
// verifies with the public key the operator API answers (crypto/ed25519
// here, not the backend's code).
func TestAccNotification_delivered(t *testing.T) {
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: &backendtest.Deliveries{}})
	rcv := backendtest.NewReceiver(t)
	customer := acctest.NewManagedAccount(t, srv, "Delivered Co")
	config := alert{accountID: customer.ID, name: "Alerts", url: rcv.URL + "/alerts", amount: "5.00"}.config(srv)
	var settingID string
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv),
		Steps: []resource.TestStep{{
			Config: config,
			Check: resource.ComposeTestCheckFunc(acctest.CaptureAttr(settingAddr, "id", &settingID), func(*terraform.State) error {
				// At the threshold, then one message part below it.
				srv.Adjust(t, customer.ID, "5.00")
				srv.IngestUsage(t, []map[string]any{{
					"id": "delivered-1", "account_id": customer.ID, "product": "messaging",
					"occurred_at": srv.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
					"direction":   "outbound", "message_type": "SMS", "country_iso": "US", "parts": 1,
				}})
				got := rcv.WaitFor(t, 1)
				rcv.QuietFor(t, 1, 200*time.Millisecond)
				return checkWebhook(t, srv, got[0], customer.ID, settingID)
			}),
		}},
	})
}

// checkWebhook verifies a webhook's signature with the backend's public key
// and checks that it is the balance alert of setting on account.
func checkWebhook(t *testing.T, srv *backendtest.Server, w backendtest.Received, account, setting string) error {
	status, body := srv.Operator(t, http.MethodGet, "/reference/webhook_signing_key", nil)
	var key struct {
		Data struct {
			PublicKey string `json:"public_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &key); status != http.StatusOK || err != nil {
		return fmt.Errorf("GET /reference/webhook_signing_key: %d %s", status, body)
	}
	pub, err := base64.StdEncoding.DecodeString(key.Data.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("the public key %q is not the base64 of 32 bytes", key.Data.PublicKey)
	}
	sig, err := base64.StdEncoding.DecodeString(w.Header.Get("telnyx-signature-ed25519"))
	if err != nil {
		return fmt.Errorf("telnyx-signature-ed25519 is not base64: %w", err)
	}
	msg := append([]byte(w.Header.Get("telnyx-timestamp")+"|"), w.Body...)
	if !ed25519.Verify(pub, msg, sig) {
		return fmt.Errorf("the webhook's signature does not verify: %s", w.Body)
	}
	var env struct {
		Data struct {
			EventType string            `json:"event_type"`
			Payload   map[string]string `json:"payload"`
		} `json:"data"`
	}
	if err := json.Unmarshal(w.Body, &env); err != nil {
		return fmt.Errorf("the webhook is not the envelope: %w: %s", err, w.Body)
	}
	p := env.Data.Payload
	if env.Data.EventType != "account.balance_below_threshold" || p["account_id"] != account ||
		p["notification_setting_id"] != setting || p["threshold_amount"] != "5.00" {
		return fmt.Errorf("webhook %s, want the balance alert of setting %s on %s", w.Body, setting, account)
	}
	return nil
}
