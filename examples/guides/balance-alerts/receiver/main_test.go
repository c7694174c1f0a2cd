package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReceiver: the guide's receiver accepts a webhook signed as Telnyx
// signs them, once per event id, and refuses a changed body, another key's
// signature and an old timestamp.
func TestReceiver(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	var handled []string
	rc := &receiver{publicKey: pub, now: func() time.Time { return now }, seen: map[string]bool{},
		handle: func(ev event) { handled = append(handled, ev.Data.EventType+" "+ev.Data.ID) }}
	const body = `{"data":{"event_type":"account.balance_below_threshold","id":"ev-1","occurred_at":"2026-12-06T09:00:00.000Z",` +
		`"payload":{"balance":"9.99","threshold_amount":"10.00"},"record_type":"event"},"meta":{"attempt":1}}`
	post := func(key ed25519.PrivateKey, at time.Time, signed, sent string) int {
		ts := strconv.FormatInt(at.Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(sent))
		req.Header.Set("telnyx-timestamp", ts)
		req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(ts+"|"+signed))))
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, c := range []struct {
		name         string
		key          ed25519.PrivateKey
		at           time.Time
		signed, sent string
		want         int
	}{
		{"signed", priv, now, body, body, http.StatusOK},
		{"a retry of it", priv, now.Add(-time.Minute), body, body, http.StatusOK},
		{"a changed body", priv, now, body, strings.Replace(body, "9.99", "0.01", 1), http.StatusUnauthorized},
		{"another key", otherKey, now, body, body, http.StatusUnauthorized},
		{"six minutes old", priv, now.Add(-6 * time.Minute), body, body, http.StatusUnauthorized},
	} {
		if got := post(c.key, c.at, c.signed, c.sent); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	if len(handled) != 1 || handled[0] != "account.balance_below_threshold ev-1" {
		t.Fatalf("handled %q, want the event once", handled)
	}
}
