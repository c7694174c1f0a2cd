package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

func TestNotificationFlagDefaultsAndOverrides(t *testing.T) {
	cfg, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := notificationSettings{worker: backend.DeliveryOptions{
		MaxAttempts: 5, RetryWaitMin: time.Second, RetryWaitMax: 5 * time.Minute, Timeout: 10 * time.Second, PollInterval: time.Second,
		Retention: 720 * time.Hour,
	}}
	if cfg.notifications != want {
		t.Fatalf("defaults %+v\nwant     %+v", cfg.notifications, want)
	}
	env := map[string]string{
		"REFERENCE_BACKEND_NOTIFICATION_ALLOW_PRIVATE_DESTINATIONS": "true", "REFERENCE_BACKEND_NOTIFICATION_MAX_ATTEMPTS": "9",
		"REFERENCE_BACKEND_NOTIFICATION_TIMEOUT": "3s", "REFERENCE_BACKEND_NOTIFICATION_REFUSE_LOOPBACK_DESTINATIONS": "true",
		"REFERENCE_BACKEND_NOTIFICATION_RETENTION": "24h",
	}
	cfg, err = parseServeConfig([]string{"--notification-max-attempts", "2", "--notification-retry-wait-min", "10ms",
		"--notification-retry-wait-max", "1s", "--notification-poll-interval", "250ms"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want = notificationSettings{allowPrivateDestinations: true, refuseLoopbackDestinations: true, worker: backend.DeliveryOptions{
		MaxAttempts: 2, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: time.Second, Timeout: 3 * time.Second, PollInterval: 250 * time.Millisecond,
		Retention: 24 * time.Hour,
	}}
	if cfg.notifications != want {
		t.Fatalf("flags over environment %+v\nwant %+v", cfg.notifications, want)
	}
}

// TestNotificationRetentionBounds: the retention's bounds are accepted,
// and a hair beyond them refused (TestNotificationFlagsRefuseNonsense).
func TestNotificationRetentionBounds(t *testing.T) {
	for value, want := range map[string]time.Duration{"1m": time.Minute, "87600h": 87600 * time.Hour} {
		cfg, err := parseServeConfig([]string{"--notification-retention", value}, func(string) string { return "" }, io.Discard)
		if err != nil || cfg.notifications.worker.Retention != want {
			t.Errorf("--notification-retention %s: %v, %v", value, cfg.notifications.worker.Retention, err)
		}
	}
}

func TestNotificationFlagsRefuseNonsense(t *testing.T) {
	for _, args := range [][]string{
		{"--notification-allow-private-destinations", "maybe"},
		{"--notification-refuse-loopback-destinations", "perhaps"},
		{"--notification-max-attempts", "0"},
		{"--notification-max-attempts", "101"},
		{"--notification-max-attempts", "many"},
		{"--notification-retry-wait-min", "0s"},
		{"--notification-retry-wait-max", "48h"},
		{"--notification-timeout", "-1s"},
		{"--notification-timeout", "2h"},
		{"--notification-poll-interval", "often"},
		{"--notification-retention", "59s"},
		{"--notification-retention", "87601h"},
		{"--notification-retention", "0"},
		{"--notification-retention", "forever"},
		{"--notification-retry-wait-min", "1m", "--notification-retry-wait-max", "30s"},
	} {
		if _, err := parseServeConfig(args, func(string) string { return "" }, io.Discard); err == nil ||
			!strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: error %v, want one naming the flag", args, err)
		}
	}
}

// serveCall makes a JSON request to a running serve and decodes the
// answer's data into out (when not nil); it answers the status.
func serveCall(t *testing.T, r *running, method, path, authorization string, body, out any) int {
	t.Helper()
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, r.url+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode < 300 {
		var envelope struct{ Data json.RawMessage }
		if err := json.Unmarshal(raw, &envelope); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
		if err := json.Unmarshal(envelope.Data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// TestServeDeliversWebhooks: serve runs the delivery worker (a balance
// alert reaches a webhook receiver, and the metrics count it) and applies the destination policy of
// its flag to channels.
func TestServeDeliversWebhooks(t *testing.T) {
	const (
		operatorKey  = "op-key-for-the-webhook-test"
		bootstrapKey = "KEYbootstrap-webhook-key-0001"
	)
	for _, allowPrivate := range []bool{false, true} {
		args := []string{"--data-dir", t.TempDir(), "--operator-key", operatorKey,
			"--bootstrap-manager-key", bootstrapKey, "--bootstrap-manager-email", "boot@example.com",
			"--notification-retry-wait-min", "10ms", "--notification-poll-interval", "50ms"}
		if allowPrivate {
			args = append(args, "--notification-allow-private-destinations")
			args = append(args, "true")
		}
		var (
			r          *running
			metricsURL string
		)
		if allowPrivate {
			r = startServe(t, &app{}, args...)
		} else {
			r, metricsURL = startServeWithMetrics(t, &app{}, args...)
		}
		managed, err := apiClient(t, r.url, bootstrapKey).CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Alerted"})
		if err != nil {
			t.Fatal(err)
		}
		key := "Bearer " + managed.APIKey
		var profile struct{ ID string }
		if status := serveCall(t, r, http.MethodPost, "/v2/notification_profiles", key, map[string]any{"name": "Alerts"}, &profile); status != http.StatusOK {
			t.Fatalf("create profile: %d", status)
		}
		private := serveCall(t, r, http.MethodPost, "/v2/notification_channels", key, map[string]any{
			"notification_profile_id": profile.ID, "channel_type_id": "webhook", "channel_destination": "http://10.1.2.3/hooks",
		}, nil)
		if want := map[bool]int{false: http.StatusUnprocessableEntity, true: http.StatusOK}[allowPrivate]; private != want {
			t.Fatalf("allow private %v: a channel to 10.1.2.3 answered %d, want %d", allowPrivate, private, want)
		}
		if allowPrivate {
			continue
		}
		catcher := backendtest.NewReceiver(t)
		alertBelowFive(t, r, key, profile.ID, catcher.URL+"/hooks")
		crossBelowFive(t, r, operatorKey, managed.ID)
		got := catcher.WaitFor(t, 1)[0]
		if !bytes.Contains(got.Body, []byte(`"event_type":"account.balance_below_threshold"`)) ||
			got.Header.Get("telnyx-signature-ed25519") == "" || !strings.HasPrefix(got.Header.Get("User-Agent"), "reference-backend/") {
			t.Errorf("webhook %s, headers %v", got.Body, got.Header)
		}
		// The worker counts the attempt once it has recorded it.
		delivered := map[string]string{"outcome": "delivered"}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			m, _ := scrapeMetrics(t, metricsURL)
			if got := m.value(t, "reference_backend_webhook_deliveries_total", delivered); got == 1 {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("reference_backend_webhook_deliveries_total%v = %v, want 1", delivered, got)
			}
		}
		if code := r.stop(t); code != 0 {
			t.Fatalf("serve exited with %d:\n%s", code, r.logs)
		}
		if strings.Contains(r.logs.String(), catcher.URL) {
			t.Errorf("the log holds a webhook's destination:\n%s", r.logs)
		}
	}
}

// alertBelowFive asks for the balance alert below 5.00 of the account of
// key by a webhook to url, on its profile.
func alertBelowFive(t *testing.T, r *running, key, profile, url string) {
	t.Helper()
	if status := serveCall(t, r, http.MethodPost, "/v2/notification_channels", key, map[string]any{
		"notification_profile_id": profile, "channel_type_id": "webhook", "channel_destination": url,
	}, nil); status != http.StatusOK {
		t.Fatalf("create channel: %d", status)
	}
	if status := serveCall(t, r, http.MethodPost, "/v2/notification_settings", key, map[string]any{
		"notification_profile_id": profile, "notification_event_condition_id": backend.ConditionBalanceBelow,
		"parameters": []map[string]any{{"name": "amount", "value": "5.00"}},
	}, nil); status != http.StatusOK {
		t.Fatalf("create setting: %d", status)
	}
}

// crossBelowFive funds an account with 6.00, then takes 2.00: it crosses
// 5.00 once.
func crossBelowFive(t *testing.T, r *running, operatorKey, accountID string) {
	t.Helper()
	for _, amount := range []string{"6.00", "-2.00"} {
		if status := serveCall(t, r, http.MethodPost, "/reference/accounts/"+accountID+"/adjustments", "Bearer "+operatorKey,
			map[string]any{"amount": amount, "description": "test"}, nil); status != http.StatusCreated {
			t.Fatalf("adjust by %s: %d", amount, status)
		}
	}
}
