package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/webhook"
)

// webhookEnvelopeJSON is Telnyx's webhook envelope, as a receiver reads it.
type webhookEnvelopeJSON struct {
	Data struct {
		EventType  string         `json:"event_type"`
		ID         string         `json:"id"`
		OccurredAt string         `json:"occurred_at"`
		Payload    map[string]any `json:"payload"`
		RecordType string         `json:"record_type"`
	} `json:"data"`
	Meta struct {
		Attempt     int    `json:"attempt"`
		DeliveredTo string `json:"delivered_to"`
	} `json:"meta"`
}

// verifyTelnyxSignature checks a webhook as the official SDKs do, written
// here again with crypto/ed25519 rather than the backend's code: the
// base64 public key (TELNYX_PUBLIC_KEY) verifies the base64
// telnyx-signature-ed25519 over telnyx-timestamp, "|" and the raw body, and
// the timestamp is within the tolerance (300 s) of now.
func verifyTelnyxSignature(t *testing.T, publicKey string, w backendtest.Received) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(publicKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		t.Fatalf("the public key %q is not base64 of 32 bytes (%v)", publicKey, err)
	}
	signature, err := base64.StdEncoding.DecodeString(w.Header.Get("telnyx-signature-ed25519"))
	if err != nil {
		t.Fatalf("telnyx-signature-ed25519 %q is not base64: %v", w.Header.Get("telnyx-signature-ed25519"), err)
	}
	timestamp := w.Header.Get("telnyx-timestamp")
	seconds, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		t.Fatalf("telnyx-timestamp %q is not Unix seconds: %v", timestamp, err)
	}
	if skew := time.Since(time.Unix(seconds, 0)); skew > 300*time.Second || skew < -300*time.Second {
		t.Fatalf("telnyx-timestamp %s is %s away from now", timestamp, skew)
	}
	if !ed25519.Verify(ed25519.PublicKey(key), []byte(timestamp+"|"+string(w.Body)), signature) {
		t.Fatalf("the signature does not verify: timestamp %s, body %s", timestamp, w.Body)
	}
	// Any other byte would not verify.
	if ed25519.Verify(ed25519.PublicKey(key), []byte(timestamp+"|"+string(w.Body)+" "), signature) {
		t.Fatal("the signature verifies a body it was not made for")
	}
}

// validateWebhook checks a webhook (headers and body) against the
// operation of openapi.yaml's webhooks that documents it.
func validateWebhook(t *testing.T, w backendtest.Received) {
	t.Helper()
	doc, _ := loadOpenAPI(t)
	item := doc.Webhooks["notification"]
	if item == nil || item.Post == nil {
		t.Fatal("openapi.yaml documents no webhooks.notification.post")
	}
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/notification", bytes.NewReader(w.Body))
	req.Header = w.Header.Clone()
	err := openapi3filter.ValidateRequest(t.Context(), &openapi3filter.RequestValidationInput{
		Request: req,
		Route:   &routers.Route{Spec: doc, Path: "/notification", PathItem: item, Method: http.MethodPost, Operation: item.Post},
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
	if err != nil {
		t.Errorf("the webhook breaks openapi.yaml: %v\n%s", err, w.Body)
	}
}

// fastDeliveries is a worker that retries within milliseconds.
func fastDeliveries(maxAttempts int) *backendtest.Deliveries {
	return &backendtest.Deliveries{Worker: backend.DeliveryOptions{
		MaxAttempts: maxAttempts, RetryWaitMin: 20 * time.Millisecond, RetryWaitMax: 100 * time.Millisecond,
		Timeout: 2 * time.Second, PollInterval: 20 * time.Millisecond,
	}}
}

// outcomeCounter counts the worker's attempts by outcome, as package
// metrics does.
type outcomeCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *outcomeCounter) WebhookDelivery(outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[outcome]++
}

// want waits (the count follows the receiver's answer) until the counts are
// want, and fails if they do not become it.
func (c *outcomeCounter) want(t *testing.T, want map[string]int) {
	t.Helper()
	var got map[string]int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c.mu.Lock()
		got = maps.Clone(c.n)
		c.mu.Unlock()
		if maps.Equal(got, want) {
			return
		}
	}
	t.Errorf("attempts by outcome %v, want %v", got, want)
}

// hookedAccount is a managed account whose balance setting notifies a
// webhook channel to url, funded with funds.
func hookedAccount(t *testing.T, srv *backendtest.Server, url, threshold, funds string, body map[string]any) (managedAccount, string) {
	t.Helper()
	a := createManaged(t, srv, srv.ManagerKey, body)
	profile := createNotificationProfile(t, srv, a.APIKey, "Webhooks")
	createNotificationChannel(t, srv, a.APIKey, profile, "webhook", url)
	setting := createNotificationSetting(t, srv, a.APIKey, balanceSetting(profile, threshold))
	adjust(t, srv, a.ID, funds)
	return a, setting
}

// TestWebhookEndToEnd: usage drives a managed account's balance below its
// threshold; the receiver gets exactly one webhook, in Telnyx's envelope,
// whose signature verifies with the backend's public key by an independent
// implementation of the scheme, and which carries no price; the delivery is
// recorded delivered after one attempt.
func TestWebhookEndToEnd(t *testing.T) {
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: fastDeliveries(5)})
	rcv := backendtest.NewReceiver(t)
	url := rcv.URL + "/telnyx/alerts?token=abc"
	a, setting := hookedAccount(t, srv, url, "5.00", "6.00", map[string]any{"business_name": "Hooked"})
	at := srv.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	var events []map[string]any
	for range 3 { // 3 × 2 parts of US SMS at the list price: 6.00 → below 5.00
		events = append(events, usageEvent(uuid.NewString(), a.ID, "messaging", at,
			map[string]any{"direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": 2}))
	}
	adjust(t, srv, a.ID, "-1.00") // 5.00: at the threshold
	srv.IngestUsage(t, events)

	got := rcv.WaitFor(t, 1)
	rcv.QuietFor(t, 1, 300*time.Millisecond)
	w := got[0]
	// The key as the operator API gives it to a receiver.
	verifyTelnyxSignature(t, webhookSigningKey(t, srv), w)
	validateWebhook(t, w)
	if ct := w.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var env webhookEnvelopeJSON
	if err := json.Unmarshal(w.Body, &env); err != nil {
		t.Fatalf("the body is not the envelope: %v: %s", err, w.Body)
	}
	deliveries := deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)
	if len(deliveries) != 1 {
		t.Fatalf("%d deliveries, want 1", len(deliveries))
	}
	d := deliveries[0]
	if env.Data.EventType != backend.EventTypeBalanceBelow || env.Data.ID != d.NotificationID || env.Data.RecordType != "event" ||
		!timestampPattern.MatchString(env.Data.OccurredAt) || env.Meta.Attempt != 1 || env.Meta.DeliveredTo != url {
		t.Errorf("envelope %+v", env)
	}
	p := env.Data.Payload
	if p["account_id"] != a.ID || p["notification_setting_id"] != setting || p["threshold_amount"] != "5.00" || p["currency"] != "USD" {
		t.Errorf("payload %v", p)
	}
	if balance, _ := p["balance"].(string); balance == "" || balance >= "5.00" {
		t.Errorf("payload balance %q, want below the threshold", p["balance"])
	}
	if leaks := priceLeaks(t, "application/json", w.Body); len(leaks) > 0 {
		t.Errorf("the webhook shows a price: %v in %s", leaks, w.Body)
	}
	if d.Status != backend.DeliveryDelivered || d.Attempts != 1 || d.DeliveredAt == nil || len(d.AttemptLog) != 1 ||
		d.AttemptLog[0].Status != 200 || d.AttemptLog[0].Error != "" || d.LeaseOwner != "" {
		t.Errorf("delivery %+v, attempts %+v", d, d.AttemptLog)
	}
}

// TestWebhookRetries: a receiver that answers 500 twice gets the third
// attempt, which it answers 204; each attempt is signed, says its number,
// and carries the same data.id; every attempt is recorded.
func TestWebhookRetries(t *testing.T) {
	deliveries, outcomes := fastDeliveries(5), &outcomeCounter{}
	deliveries.Worker.Metrics = outcomes
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: deliveries})
	rcv := backendtest.NewReceiver(t)
	rcv.Answer = func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	}
	a, _ := hookedAccount(t, srv, rcv.URL+"/hooks", "5.00", "6.00", map[string]any{"business_name": "Retried"})
	adjust(t, srv, a.ID, "-2.00")
	got := rcv.WaitFor(t, 3)
	rcv.QuietFor(t, 3, 300*time.Millisecond)
	var id string
	for i, w := range got {
		verifyTelnyxSignature(t, srv.Service.WebhookPublicKey(), w)
		validateWebhook(t, w)
		var env webhookEnvelopeJSON
		if err := json.Unmarshal(w.Body, &env); err != nil {
			t.Fatal(err)
		}
		if env.Meta.Attempt != i+1 || (id != "" && env.Data.ID != id) {
			t.Errorf("attempt %d: %+v", i+1, env)
		}
		id = env.Data.ID
	}
	d := deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)[0]
	if d.Status != backend.DeliveryDelivered || d.Attempts != 3 || len(d.AttemptLog) != 3 || d.LastStatus != 204 {
		t.Fatalf("delivery %+v", d)
	}
	for i, want := range []struct {
		status int
		err    string
	}{{500, "answered 500"}, {500, "answered 500"}, {204, ""}} {
		if l := d.AttemptLog[i]; l.Number != i+1 || l.Status != want.status || l.Error != want.err {
			t.Errorf("attempt %d recorded as %+v", i+1, l)
		}
	}
	outcomes.want(t, map[string]int{backend.AttemptFailed: 2, backend.AttemptDelivered: 1})
	if !d.AttemptLog[1].At.After(d.AttemptLog[0].At) || !d.AttemptLog[2].At.After(d.AttemptLog[1].At) {
		t.Errorf("attempts not in order: %+v %+v %+v", d.AttemptLog[0], d.AttemptLog[1], d.AttemptLog[2])
	}
}

// TestWebhookGivesUp: a receiver that never answers 2xx (an error, a
// redirect, a timeout) is tried MaxAttempts times, then the delivery fails
// and is not tried again.
func TestWebhookGivesUp(t *testing.T) {
	deliveries, outcomes := fastDeliveries(3), &outcomeCounter{}
	deliveries.Worker.Timeout = 200 * time.Millisecond
	deliveries.Worker.Metrics = outcomes
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: deliveries})
	rcv := backendtest.NewReceiver(t)
	rcv.Answer = func(n int) int {
		if n == 2 {
			return http.StatusFound // not followed: not delivered
		}
		return http.StatusServiceUnavailable
	}
	rcv.Delay = func(n int) time.Duration {
		if n == 3 {
			return time.Second // past the attempt's timeout
		}
		return 0
	}
	a, _ := hookedAccount(t, srv, rcv.URL+"/hooks", "5.00", "6.00", map[string]any{"business_name": "Unreachable"})
	adjust(t, srv, a.ID, "-2.00")
	rcv.WaitFor(t, 3)
	deadline := time.Now().Add(10 * time.Second)
	var d *backend.NotificationDelivery
	for d = deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)[0]; d.Status == backend.DeliveryPending && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		d = deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)[0]
	}
	rcv.QuietFor(t, 3, 400*time.Millisecond)
	if d.Status != backend.DeliveryFailed || d.Attempts != 3 || len(d.AttemptLog) != 3 {
		t.Fatalf("delivery %+v, attempts %+v", d, d.AttemptLog)
	}
	if l := d.AttemptLog; l[0].Status != 503 || l[1].Status != 302 || l[1].Error != "answered 302" || l[2].Status != 0 || l[2].Error == "" {
		t.Errorf("attempts %+v %+v %+v", l[0], l[1], l[2])
	}
	outcomes.want(t, map[string]int{backend.AttemptFailed: 2, backend.AttemptAbandoned: 1})
	for _, l := range d.AttemptLog {
		// The URL may carry a token of the receiver's.
		if strings.Contains(l.Error, "/hooks") {
			t.Errorf("attempt %d's error repeats the URL: %s", l.Number, l.Error)
		}
	}
}

// switchingResolver answers one address for every name, which a test
// changes.
type switchingResolver struct{ addr atomic.Pointer[netip.Addr] }

func (r *switchingResolver) LookupNetIP(_ context.Context, _, _ string) ([]netip.Addr, error) {
	return []netip.Addr{*r.addr.Load()}, nil
}

func (r *switchingResolver) set(addr string) {
	a := netip.MustParseAddr(addr)
	r.addr.Store(&a)
}

// TestWebhookDestinationIsCheckedAtDelivery: a name that resolved to a
// loopback address when its channel was written, and to a private one when
// the webhook is sent (DNS rebinding), is not reached: each attempt is
// refused at the connection, and recorded.
func TestWebhookDestinationIsCheckedAtDelivery(t *testing.T) {
	resolver := &switchingResolver{}
	resolver.set("127.0.0.1")
	deliveries := fastDeliveries(2)
	deliveries.Webhooks = webhook.Options{Resolver: resolver}
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: deliveries})
	srv.Service.SetNotificationOptions(backend.NotificationOptions{Resolver: resolver})
	rcv := backendtest.NewReceiver(t)
	port := portOf(t, rcv.URL)
	a, _ := hookedAccount(t, srv, "http://hooks.rebinding.example:"+port+"/hooks", "5.00", "6.00", map[string]any{"business_name": "Rebound"})
	resolver.set("10.11.12.13")
	adjust(t, srv, a.ID, "-2.00")
	deadline := time.Now().Add(10 * time.Second)
	d := deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)[0]
	for d.Status == backend.DeliveryPending && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		d = deliveriesOf(t, srv, a.ID, backend.ChannelWebhook)[0]
	}
	if d.Status != backend.DeliveryFailed || d.Attempts != 2 || len(d.AttemptLog) != 2 {
		t.Fatalf("delivery %+v, attempts %+v", d, d.AttemptLog)
	}
	for _, l := range d.AttemptLog {
		// Refused by the policy, not merely unreachable.
		if l.Status != 0 || !strings.Contains(l.Error, "destination refused: hooks.rebinding.example resolves to a private or link-local address") || strings.Contains(l.Error, "10.11.12.13") {
			t.Errorf("attempt %+v, want refused at the connection", l)
		}
	}
	if got := rcv.Requests(); len(got) != 0 {
		t.Fatalf("a webhook reached the receiver through a private address: %d requests", len(got))
	}
	// With the address back to loopback, the next notification goes through.
	resolver.set("127.0.0.1")
	adjust(t, srv, a.ID, "10.00")
	adjust(t, srv, a.ID, "-10.00")
	rcv.WaitFor(t, 1)
}

// portOf returns the port of an httptest server's URL.
func portOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := neturl.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// hangingReceiver is a receiver that answers no request before the test
// ends (or the request's client gives up); each request it gets is
// signalled on requests, when not nil.
func hangingReceiver(t *testing.T, requests chan<- struct{}) *httptest.Server {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if requests != nil {
			requests <- struct{}{}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) }) // before hang closes
	return hang
}

// TestHangingReceiversDoNotStopOthers: an account whose receivers never
// answer, with more webhooks due than the worker sends at once, holds each
// slot for one attempt's timeout only, and the worker shares its slots out
// across accounts: another account's webhook, due later, goes out as soon
// as a slot frees, before the hanging account's others are tried (long
// before the hanging ones are given up).
func TestHangingReceiversDoNotStopOthers(t *testing.T) {
	deliveries := fastDeliveries(100)
	deliveries.Worker.Timeout = 300 * time.Millisecond
	deliveries.Worker.RetryWaitMin, deliveries.Worker.RetryWaitMax = time.Millisecond, time.Millisecond
	deliveries.Worker.Concurrency = 2
	srv := backendtest.StartWith(t, backendtest.Options{Deliveries: deliveries})
	started := make(chan struct{}, 1000) // the hanging attempts, never drained
	hang := hangingReceiver(t, started)  // after srv: released before the worker stops
	slow, _ := hookedAccount(t, srv, hang.URL+"/0", "5.00", "6.00", map[string]any{"business_name": "Slow"})
	profiles := call(t, srv, http.MethodGet, "/v2/notification_profiles", slow.APIKey, nil)
	var got list[notificationProfileOut]
	profiles.decode(t, &got)
	for i := 1; i < 6; i++ {
		createNotificationChannel(t, srv, slow.APIKey, got.Data[0].ID, "webhook", hang.URL+"/"+strconv.Itoa(i))
	}
	rcv := backendtest.NewReceiver(t)
	var hangingBefore atomic.Int64
	rcv.Answer = func(int) int {
		hangingBefore.Store(int64(len(started)))
		return http.StatusOK
	}
	fast, _ := hookedAccount(t, srv, rcv.URL+"/hooks", "5.00", "6.00", map[string]any{"business_name": "Fast"})
	adjust(t, srv, slow.ID, "-2.00") // 6 webhooks that hang, 3 times the worker's slots
	for deadline := time.Now().Add(5 * time.Second); len(started) < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the hanging webhooks were not sent")
		}
	}
	adjust(t, srv, fast.ID, "-2.00") // due after the 6, while they fill both slots
	start := time.Now()
	rcv.WaitFor(t, 1)
	// Each hanging attempt ends at 300ms: the fast webhook waits for one
	// of them, not for the 100 attempts each may have.
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the fast account's webhook took %s behind hanging receivers", took)
	}
	// Oldest due first would try all 6 hanging ones first. Fairly, the
	// first slot that frees sends it (3 if the two free at once and the
	// claim takes one of each account's; 4 leaves room for a slow runner).
	if n := hangingBefore.Load(); n > 4 {
		t.Errorf("the fast account's webhook went out after %d attempts to hanging receivers, want at most 4", n)
	}
	d := deliveriesOf(t, srv, slow.ID, backend.ChannelWebhook)
	for _, x := range d {
		for _, l := range x.AttemptLog {
			if !strings.Contains(l.Error, "deadline exceeded") {
				t.Errorf("a hanging receiver's attempt failed with %q, want a timeout", l.Error)
			}
		}
	}
}
