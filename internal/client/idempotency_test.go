package client_test

import (
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// losingTransport delivers every request, but loses the answer of the first
// POST after the server has handled it, as a connection reset would.
type losingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	lost int
	keys []string // the Idempotency-Key of every POST sent
}

func (l *losingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err != nil || r.Method != http.MethodPost {
		return resp, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys = append(l.keys, r.Header.Get("Idempotency-Key"))
	if l.lost == 0 {
		l.lost++
		_ = resp.Body.Close()
		return nil, errors.New("connection reset after the server answered")
	}
	return resp, nil
}

// TestLostAnswerDoesNotCreateTwice: the client retries a create whose answer
// was lost with the same Idempotency-Key, and the backend replays the first
// answer instead of creating a second account.
func TestLostAnswerDoesNotCreateTwice(t *testing.T) {
	srv := backendtest.Start(t)
	transport := &losingTransport{next: http.DefaultTransport}
	c, err := client.New(client.Config{
		BaseURL: srv.URL, APIKey: srv.ManagerKey, MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		HTTPClient: &http.Client{Transport: transport},
	})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Lost Answer"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(transport.keys) != 2 || transport.keys[0] == "" || transport.keys[0] != transport.keys[1] {
		t.Fatalf("POSTs sent with Idempotency-Keys %q, want two with one key", transport.keys)
	}
	list, meta, err := c.ListManagedAccounts(t.Context(), client.ListManagedAccountsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if meta.TotalResults != 1 || len(list) != 1 || list[0].ID != created.ID {
		t.Fatalf("managed accounts after a lost answer: %d (%v), want only %s", meta.TotalResults, list, created.ID)
	}

	// The next logical create has a key of its own, and does create.
	if _, err := c.CreateManagedAccount(t.Context(), client.CreateManagedAccountRequest{BusinessName: "Lost Answer"}); err != nil {
		t.Fatalf("second create: %v", err)
	}
	if last := transport.keys[len(transport.keys)-1]; last == transport.keys[0] {
		t.Fatal("a new logical create reused the previous Idempotency-Key")
	}
	if _, meta, err := c.ListManagedAccounts(t.Context(), client.ListManagedAccountsOptions{}); err != nil || meta.TotalResults != 2 {
		t.Fatalf("managed accounts after a second create: %d, %v; want 2", meta.TotalResults, err)
	}
}
