package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/webhook"
)

// names is a resolver of fixed answers; any other name does not resolve.
type names map[string][]netip.Addr

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if addrs, ok := n[host]; ok {
		return addrs, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// receiver counts the requests it gets, answering with answer.
func receiver(t *testing.T, answer http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if answer != nil {
			answer(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func portOf(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

func send(t *testing.T, s *webhook.Sender, rawURL string) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Send(ctx, backend.WebhookRequest{URL: rawURL, Body: []byte(`{}`), Timestamp: "1", Signature: "x"})
}

// TestSenderRefusesPrivateDestinations: whatever form the URL gives an
// address in (a literal, IPv4-mapped IPv6, a zone, a name of any shape
// that resolves to it, a name with a loopback and a private address), the
// sender connects only to addresses the policy allows. The receiver
// listens on loopback, so that a connection that slipped through (0.0.0.0
// reaches the host's own listeners on Linux) would be seen.
func TestSenderRefusesPrivateDestinations(t *testing.T) {
	rcv, hits := receiver(t, nil)
	port := portOf(t, rcv)
	resolver := names{
		"metadata.example":    addrs("169.254.169.254"),
		"inside.example":      addrs("10.1.2.3"),
		"mapped.example":      addrs("::ffff:10.1.2.3"),
		"ula.example":         addrs("fd00:ec2::254"),
		"2130706433":          addrs("10.0.0.1"), // a resolver that reads decimal IPv4 forms
		"0x7f.1":              addrs("192.168.0.1"),
		"unspecified.example": addrs("0.0.0.0"),
	}
	s := webhook.New(webhook.Options{Resolver: resolver})
	for _, raw := range []string{
		"http://10.0.0.1:" + port + "/", "http://192.168.1.1:" + port + "/", "http://172.16.0.1:" + port + "/",
		"http://169.254.169.254/latest/meta-data", "http://100.64.0.1:" + port + "/",
		"http://[::ffff:10.0.0.1]:" + port + "/", "http://[fc00::1]:" + port + "/", "http://[fe80::1%25lo]:" + port + "/",
		"http://[64:ff9b::a00:1]:" + port + "/",
		"http://0.0.0.0:" + port + "/", "http://[::]:" + port + "/", "http://224.0.0.1:" + port + "/",
		"http://metadata.example:" + port + "/", "http://inside.example:" + port + "/", "http://mapped.example:" + port + "/",
		"http://ula.example:" + port + "/", "http://2130706433:" + port + "/", "http://0x7f.1:" + port + "/",
		"http://unspecified.example:" + port + "/",
	} {
		status, err := send(t, s, raw)
		if status != 0 || err == nil || !strings.Contains(err.Error(), "destination refused") {
			t.Errorf("%s: answered %d, %v; want refused", raw, status, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("a refused destination reached the loopback receiver %d times", n)
	}

	// A name with a private and a loopback address reaches the loopback one
	// only; with the flag, private addresses are reachable (here, none
	// listens: the connection fails rather than being refused).
	s = webhook.New(webhook.Options{Resolver: names{"mixed.example": addrs("10.255.255.1", "127.0.0.1")}})
	if status, err := send(t, s, "http://mixed.example:"+port+"/"); status != http.StatusOK || err != nil || hits.Load() != 1 {
		t.Fatalf("a name with a loopback address: answered %d, %v, %d requests", status, err, hits.Load())
	}
	s = webhook.New(webhook.Options{AllowPrivateDestinations: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Send(ctx, backend.WebhookRequest{URL: "http://0.0.0.0:" + port + "/"}); err == nil || !strings.Contains(err.Error(), "destination refused") {
		t.Errorf("0.0.0.0 with the flag: %v, want refused whatever the flag", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("0.0.0.0 reached the receiver")
	}
}

// TestSenderDoesNotFollowRedirects: a receiver's 3xx is its answer; the
// sender goes neither to a private address nor anywhere else it points.
func TestSenderDoesNotFollowRedirects(t *testing.T) {
	target, targetHits := receiver(t, nil)
	for _, to := range []string{"http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", target.URL + "/elsewhere"} {
		for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			rcv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) })
			status, err := send(t, webhook.New(webhook.Options{}), rcv.URL)
			if status != code || err != nil {
				t.Errorf("a %d to %s: answered %d, %v; want the %d itself", code, to, status, err, code)
			}
		}
	}
	if n := targetHits.Load(); n != 0 {
		t.Fatalf("a redirect was followed %d times", n)
	}
}

// TestSenderAttemptIsBounded: a receiver that never answers, or that
// answers a body without end, holds an attempt only until its context
// ends, not the sender.
func TestSenderAttemptIsBounded(t *testing.T) {
	release := make(chan struct{})
	hang, _ := receiver(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	drip, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := w.Write([]byte(strings.Repeat("x", 1024))); err != nil {
				return
			}
			if err := http.NewResponseController(w).Flush(); err != nil {
				return
			}
			select {
			case <-release:
				return
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	t.Cleanup(func() { close(release) }) // before the servers close
	s := webhook.New(webhook.Options{})
	for _, u := range []string{hang.URL, drip.URL} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		status, err := s.Send(ctx, backend.WebhookRequest{URL: u, Body: []byte(`{}`)})
		cancel()
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s: an attempt took %s past its 200ms context", u, took)
		}
		if u == hang.URL && (err == nil || !errors.Is(err, context.DeadlineExceeded)) {
			t.Errorf("a receiver that never answers: %d, %v; want a timeout", status, err)
		}
	}
}

// TestSenderErrorsNameNoAddress: an attempt's error is shown to the
// account (the portal's notifications page): it must not tell what a name
// resolves to, or the backend would answer DNS questions about the
// operator's network.
func TestSenderErrorsNameNoAddress(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	port := portOf(t, closed)
	closed.Close()
	s := webhook.New(webhook.Options{Resolver: names{
		"inside.example": addrs("10.98.76.54"),
		"closed.example": addrs("127.0.0.1"),
	}})
	for _, raw := range []string{"http://inside.example/", "http://closed.example:" + port + "/"} {
		_, err := send(t, s, raw)
		if err == nil {
			t.Fatalf("%s: no error", raw)
		}
		for _, leak := range []string{"10.98.76.54", "127.0.0.1"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: the error %q names %s", raw, err, leak)
			}
		}
	}
}

// TestSenderRefusesLoopbackWhenTold: with RefuseLoopbackDestinations (the
// operator's --notification-refuse-loopback-destinations), no form of a
// loopback address reaches the host's own listeners.
func TestSenderRefusesLoopbackWhenTold(t *testing.T) {
	rcv, hits := receiver(t, nil)
	port := portOf(t, rcv)
	s := webhook.New(webhook.Options{RefuseLoopbackDestinations: true, AllowPrivateDestinations: true, Resolver: names{
		"localhost": addrs("127.0.0.1", "::1"), "mapped.example": addrs("::ffff:127.0.0.1"),
	}})
	for _, raw := range []string{
		rcv.URL, "http://127.1.2.3:" + port + "/", "http://[::1]:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/",
		"http://[64:ff9b::7f00:1]:" + port + "/", "http://localhost:" + port + "/", "http://mapped.example:" + port + "/",
	} {
		if status, err := send(t, s, raw); status != 0 || err == nil || !strings.Contains(err.Error(), "destination refused") {
			t.Errorf("%s: answered %d, %v; want refused", raw, status, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("a loopback destination was reached %d times", n)
	}
}
