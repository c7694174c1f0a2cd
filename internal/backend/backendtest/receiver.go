package backendtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Received is one request a Receiver got.
type Received struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

// Receiver is a webhook receiver on a loopback port: it records every
// request and answers each with the status Answer gives for its number
// (from 1), 200 when Answer is nil, after Delay (when set) or when the
// sender gives up, whichever comes first.
type Receiver struct {
	URL    string
	Answer func(n int) int
	Delay  func(n int) time.Duration

	mu  sync.Mutex
	got []Received
}

// NewReceiver starts a Receiver until the test ends. Set Answer and Delay
// before the first request.
func NewReceiver(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, Received{Header: req.Header.Clone(), Body: body, At: time.Now()})
	n := len(r.got)
	r.mu.Unlock()
	if r.Delay != nil {
		select {
		case <-time.After(r.Delay(n)):
		case <-req.Context().Done():
			return
		}
	}
	status := http.StatusOK
	if r.Answer != nil {
		status = r.Answer(n)
	}
	w.WriteHeader(status)
}

// Requests returns the requests received so far, in order.
func (r *Receiver) Requests() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.got...)
}

// WaitFor waits until the receiver has got n requests and returns them; it
// fails the test if they do not come within 30 seconds.
func (r *Receiver) WaitFor(t testing.TB, n int) []Received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := r.Requests()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %d webhooks, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// QuietFor waits d, then fails the test unless the receiver has got exactly
// n requests: nothing more came.
func (r *Receiver) QuietFor(t testing.TB, n int, d time.Duration) {
	t.Helper()
	time.Sleep(d)
	if got := r.Requests(); len(got) != n {
		t.Fatalf("the receiver got %d webhooks, want exactly %d", len(got), n)
	}
}
