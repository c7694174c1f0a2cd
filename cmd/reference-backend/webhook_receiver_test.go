package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// runningReceiver is `reference-backend webhook-receiver` run in-process.
type runningReceiver struct {
	url         string
	out, errout *proc.SyncBuffer
	done        chan int
}

// startReceiver runs webhook-receiver on a random loopback port with args
// and env, and waits until it listens.
func startReceiver(t *testing.T, env map[string]string, args ...string) *runningReceiver {
	t.Helper()
	r := &runningReceiver{out: &proc.SyncBuffer{}, errout: &proc.SyncBuffer{}, done: make(chan int, 1)}
	addrs := make(chan string, 1)
	a := &app{stdout: r.out, stderr: r.errout, getenv: func(k string) string { return env[k] }, onListen: func(addr string) { addrs <- addr }}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { r.done <- a.run(ctx, append([]string{"webhook-receiver", "--addr", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("webhook-receiver did not stop")
		}
	})
	select {
	case addr := <-addrs:
		r.url = "http://" + addr
	case code := <-r.done:
		t.Fatalf("webhook-receiver exited with %d before listening:\n%s", code, r.errout)
	}
	return r
}

// exited waits for the receiver to exit by itself and returns its code.
func (r *runningReceiver) exited(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		r.done <- code // for the cleanup
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("webhook-receiver did not exit; stdout:\n%s\nstderr:\n%s", r.out, r.errout)
		return -1
	}
}

// events are the lines the receiver printed.
func (r *runningReceiver) events(t *testing.T) []receivedEvent {
	t.Helper()
	var events []receivedEvent
	for line := range strings.Lines(r.out.String()) {
		var e receivedEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("a line that is not an event's JSON: %q (%v)", line, err)
		}
		events = append(events, e)
	}
	return events
}

// post sends body to the receiver, signed by key at timestamp (a zero key:
// no signature headers); it answers the status.
func (r *runningReceiver) post(t *testing.T, method string, key ed25519.PrivateKey, timestamp time.Time, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, r.url+"/hooks", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != nil {
		ts := strconv.FormatInt(timestamp.Unix(), 10)
		req.Header.Set("telnyx-timestamp", ts)
		req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(ts+"|"+body))))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func webhookBodyOf(id string, attempt int) string {
	return `{"data":{"event_type":"account.balance_below_threshold","id":"` + id +
		`","occurred_at":"2026-01-02T03:04:05.000Z","payload":{"balance":"4.00"},"record_type":"event"},"meta":{"attempt":` +
		strconv.Itoa(attempt) + `,"delivered_to":"http://127.0.0.1/hooks"}}`
}

// TestWebhookReceiverVerifiesAndPrintsOnce: the receiver prints a webhook
// signed by its key once, however many times it comes, and refuses (401,
// nothing printed) a body changed after signing, another key's signature,
// a timestamp beyond 5 minutes, and a request without the headers; with
// --max-events it exits 0 after that many events.
func TestWebhookReceiverVerifiesAndPrintsOnce(t *testing.T) {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := startReceiver(t, map[string]string{"TELNYX_PUBLIC_KEY": base64.StdEncoding.EncodeToString(public)}, "--max-events", "2")
	now := time.Now()
	first := webhookBodyOf("11111111-1111-4111-8111-111111111111", 1)
	for _, c := range []struct {
		name, method string
		key          ed25519.PrivateKey
		at           time.Time
		body         string
		want         int
	}{
		{"an event", http.MethodPost, private, now, first, 200},
		{"its repeat", http.MethodPost, private, now, webhookBodyOf("11111111-1111-4111-8111-111111111111", 2), 200},
		{"another key's signature", http.MethodPost, other, now, webhookBodyOf("22222222-2222-4222-8222-222222222222", 1), 401},
		{"a timestamp 6 minutes old", http.MethodPost, private, now.Add(-6 * time.Minute), webhookBodyOf("33333333-3333-4333-8333-333333333333", 1), 401},
		{"a timestamp 6 minutes ahead", http.MethodPost, private, now.Add(6 * time.Minute), webhookBodyOf("33333333-3333-4333-8333-333333333333", 1), 401},
		{"no signature", http.MethodPost, nil, now, webhookBodyOf("44444444-4444-4444-8444-444444444444", 1), 401},
		{"a GET", http.MethodGet, private, now, "", 405},
	} {
		if got := r.post(t, c.method, c.key, c.at, c.body); got != c.want {
			t.Errorf("%s: answered %d, want %d", c.name, got, c.want)
		}
	}
	// A body changed after it was signed.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, r.url+"/hooks", strings.NewReader(strings.Replace(first, "4.00", "400.00", 1)))
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("telnyx-timestamp", ts)
	req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(private, []byte(ts+"|"+first))))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a changed body: %v %v, want 401", resp, err)
	} else {
		_ = resp.Body.Close()
	}
	// A signature made over another timestamp (a capture replayed with a
	// fresh telnyx-timestamp, both within the tolerance).
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodPost, r.url+"/hooks", strings.NewReader(first))
	signedAt := strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)
	req.Header.Set("telnyx-timestamp", ts)
	req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(private, []byte(signedAt+"|"+first))))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a signature over another timestamp: %v %v, want 401", resp, err)
	} else {
		_ = resp.Body.Close()
	}
	if got := r.events(t); len(got) != 1 || got[0].ID != "11111111-1111-4111-8111-111111111111" || got[0].Attempt != 1 ||
		got[0].EventType != "account.balance_below_threshold" || string(got[0].Payload) != `{"balance":"4.00"}` {
		t.Fatalf("printed %+v, want the first event once", got)
	}
	if r.post(t, http.MethodPost, private, now, webhookBodyOf("55555555-5555-4555-8555-555555555555", 1)) != 200 {
		t.Fatal("the second event was refused")
	}
	if code := r.exited(t); code != 0 {
		t.Fatalf("exited %d after --max-events, want 0:\n%s", code, r.errout)
	}
	if got := r.events(t); len(got) != 2 || got[1].ID != "55555555-5555-4555-8555-555555555555" {
		t.Fatalf("printed %+v", got)
	}
	if strings.Count(r.errout.String(), "refused") != 6 {
		t.Errorf("stderr should note each of the 6 refusals of a signature:\n%s", r.errout)
	}
}

// TestWebhookReceiverWithTheBackend: the receiver fetches the public key
// from a running backend's operator API and prints the balance alert that
// the backend's delivery worker sends it.
func TestWebhookReceiverWithTheBackend(t *testing.T) {
	const (
		operatorKey  = "op-key-for-the-receiver-test"
		bootstrapKey = "KEYbootstrap-receiver-key-0001"
	)
	srv := startServe(t, &app{}, "--data-dir", t.TempDir(), "--operator-key", operatorKey,
		"--bootstrap-manager-key", bootstrapKey, "--bootstrap-manager-email", "boot@example.com", "--notification-poll-interval", "50ms")
	r := startReceiver(t, map[string]string{"REFERENCE_BACKEND_OPERATOR_KEY": operatorKey}, "--url", srv.url, "--max-events", "1")
	managed, err := apiClient(t, srv.url, bootstrapKey).CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Received"})
	if err != nil {
		t.Fatal(err)
	}
	key := "Bearer " + managed.APIKey
	var profile struct{ ID string }
	if status := serveCall(t, srv, http.MethodPost, "/v2/notification_profiles", key, map[string]any{"name": "Alerts"}, &profile); status != http.StatusOK {
		t.Fatalf("create profile: %d", status)
	}
	alertBelowFive(t, srv, key, profile.ID, r.url+"/telnyx")
	crossBelowFive(t, srv, operatorKey, managed.ID)
	if code := r.exited(t); code != 0 {
		t.Fatalf("exited %d, want 0:\n%s", code, r.errout)
	}
	got := r.events(t)
	var payload map[string]any
	if len(got) != 1 || got[0].EventType != backend.EventTypeBalanceBelow || got[0].Attempt != 1 ||
		json.Unmarshal(got[0].Payload, &payload) != nil || payload["account_id"] != managed.ID || payload["threshold_amount"] != "5.00" {
		t.Fatalf("printed %s", r.out)
	}
}

func TestWebhookReceiverRefusesNonsense(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--public-key", "not base64"}, nil, "--public-key"},
		{[]string{"--public-key", base64.StdEncoding.EncodeToString(make([]byte, 31))}, nil, "--public-key"},
		{nil, map[string]string{"TELNYX_PUBLIC_KEY": "AAAA"}, "--public-key"},
		{nil, nil, "--operator-key"},
		{[]string{"--operator-key", "k", "--url", "ftp://example.com"}, nil, "--url"},
		{[]string{"--public-key", base64.StdEncoding.EncodeToString(make([]byte, 32)), "--max-events", "-1"}, nil, "--max-events"},
		{[]string{"--public-key", base64.StdEncoding.EncodeToString(make([]byte, 32)), "extra"}, nil, "unexpected argument"},
	} {
		var stderr bytes.Buffer
		a := &app{stdout: io.Discard, stderr: &stderr, getenv: func(k string) string { return c.env[k] }}
		if code := a.run(t.Context(), append([]string{"webhook-receiver"}, c.args...)); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v %v: exit %d, %q; want 2 naming %s", c.args, c.env, code, stderr.String(), c.want)
		}
	}
	// A wrong operator key: the key cannot be fetched.
	srv := startServe(t, &app{}, "--data-dir", t.TempDir(), "--operator-key", "the-right-operator-key")
	var stderr bytes.Buffer
	a := &app{stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }}
	if code := a.run(t.Context(), []string{"webhook-receiver", "--url", srv.url, "--operator-key", "a-wrong-key"}); code != 1 ||
		!strings.Contains(stderr.String(), "answered 401") {
		t.Errorf("a wrong operator key: exit %d, %q", code, stderr.String())
	}
}
