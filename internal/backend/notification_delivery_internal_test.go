package backend

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"
)

// TestRetryWait: the wait after failed attempt n doubles from RetryWaitMin
// up to RetryWaitMax, and is drawn between half of it and all of it.
func TestRetryWait(t *testing.T) {
	o := DeliveryOptions{RetryWaitMin: time.Second, RetryWaitMax: 10 * time.Second}.withDefaults()
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			got := o.retryWait(n)
			if got < want/2 || got > want {
				t.Fatalf("retryWait(%d) = %s, want within [%s, %s]", n, got, want/2, want)
			}
			seen[got] = true
		}
		if len(seen) < 10 {
			t.Errorf("retryWait(%d) drew %d distinct waits in 200: no jitter", n, len(seen))
		}
	}
}

// TestWebhookKeyIsDerived: the signing key follows from the server secret
// alone (so every replica and every restart signs with the same key, and
// it is never stored), and differs with the secret.
func TestWebhookKeyIsDerived(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	a, err := NewSecrets(secret)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecrets(secret)
	c, _ := NewSecrets(bytes.Repeat([]byte{8}, 32))
	if !a.webhookKey.Equal(b.webhookKey) || a.webhookKey.Equal(c.webhookKey) {
		t.Fatal("the webhook key is not a function of the server secret")
	}
	sig := a.signWebhook("1700000000", []byte(`{"a":1}`))
	if sig != b.signWebhook("1700000000", []byte(`{"a":1}`)) {
		t.Error("Ed25519 signatures are deterministic, these differ")
	}
	if bytes.Contains(a.webhookKey.Seed(), a.hashKey) || bytes.Equal(a.webhookKey.Seed(), a.linkKey) {
		t.Error("the webhook key repeats another derived key")
	}
	if pub, ok := a.webhookKey.Public().(ed25519.PublicKey); !ok || !bytes.Equal(pub, a.webhookKey[ed25519.SeedSize:]) {
		t.Error("the public half is not the last 32 bytes of the private key")
	}
}
