package httpapi

import (
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// holdSlowRequests returns s's concurrency limit around a handler that holds
// every request to /v2/slow, with two of them held inside it until release,
// which waits for them to end, is called.
func holdSlowRequests(s *server, limit int) (h http.Handler, release func()) {
	inside, released := make(chan struct{}), make(chan struct{})
	h = s.withConcurrencyLimit(limit, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/slow" {
			inside <- struct{}{}
			<-released
		}
		writeJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	}))
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v2/slow", nil)) })
		<-inside
	}
	return h, func() { close(released); wg.Wait() }
}

func TestRequestsBeyondTheConcurrencyCapAre503(t *testing.T) {
	h, release := holdSlowRequests(&server{logger: slog.New(slog.DiscardHandler)}, 2)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/balance", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("a third request at a cap of 2: %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	var env errorDocument
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || len(env.Errors) != 1 || env.Errors[0].Code != "10007" {
		t.Fatalf("503 body %s is not the error envelope (%v)", rec.Body, err)
	}
	// The probes are never refused.
	for _, probe := range []string{"/healthz", "/readyz"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, probe, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s at the cap: %d, want 200", probe, rec.Code)
		}
	}

	release()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/balance", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("after the slow requests ended: %d, want 200", rec.Code)
	}
}

// TestConcurrencyCapAdmitsExactlyItsLimitAtOnce: of 200 requests at once,
// exactly the cap's worth are served while the rest are refused, and the
// slots come back when they end, wave after wave.
func TestConcurrencyCapAdmitsExactlyItsLimitAtOnce(t *testing.T) {
	const limit, n = 16, 200
	s := &server{logger: slog.New(slog.DiscardHandler)}
	inside := make(chan struct{}, n)
	var release chan struct{}
	h := s.withConcurrencyLimit(limit, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inside <- struct{}{}
		<-release
		writeJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	}))
	for wave := range 3 {
		release = make(chan struct{})
		start, finished := make(chan struct{}), make(chan int, n)
		for range n {
			go func() {
				<-start
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/balance", nil))
				finished <- rec.Code
			}()
		}
		close(start)
		// Every request is either inside, held there, or refused and done.
		served, refused := 0, 0
		for served+refused < n {
			select {
			case <-inside:
				served++
			case code := <-finished:
				if code != http.StatusServiceUnavailable {
					t.Fatalf("wave %d: a request ended with %d while the served ones were held, want 503", wave, code)
				}
				refused++
			}
		}
		if served != limit {
			t.Fatalf("wave %d: %d of %d requests at once were served, want exactly %d", wave, served, n, limit)
		}
		close(release)
		for range limit {
			if code := <-finished; code != http.StatusOK {
				t.Fatalf("wave %d: a served request ended with %d, want 200", wave, code)
			}
		}
	}
}

// TestOperatorKeyComparison: the operator key is compared as a digest, in
// constant time, so a key that shares a prefix or a length with the real one
// fares exactly as any other wrong key.
func TestOperatorKeyComparison(t *testing.T) {
	digest := sha256.Sum256([]byte("operator-key-0123456789"))
	srv := &server{operatorKeyDigest: digest[:]}
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"operator-key-0123456789", true},
		{"operator-key-012345678", false},  // a prefix
		{"operator-key-0123456780", false}, // same length, last character
		{"operator-key-01234567890", false},
		{"", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/reference/price_book", nil)
		if tc.key != "" {
			r.Header.Set("Authorization", "Bearer "+tc.key)
		}
		if err := srv.checkOperatorKey(r); (err == nil) != tc.ok {
			t.Errorf("checkOperatorKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
	}
}

// TestConcurrencyIsMeasured: the metrics count the requests in flight as the
// cap does (the probes apart) and the requests it refuses; without a cap
// they still count the requests in flight.
func TestConcurrencyIsMeasured(t *testing.T) {
	for _, limit := range []int{2, 0} {
		rec := &MetricsRecorder{}
		h, release := holdSlowRequests(&server{logger: slog.New(slog.DiscardHandler), metrics: rec}, limit)
		for _, path := range []string{"/healthz", "/readyz", "/v2/balance"} {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
		}
		if now, _ := rec.InFlight(); now != 2 {
			t.Errorf("cap %d: %d requests in flight while 2 are held, want 2", limit, now)
		}
		wantRefused := 0
		if limit > 0 {
			wantRefused = 1 // the third, /v2/balance
		}
		if got := rec.Count("refused at cap"); got != wantRefused {
			t.Errorf("cap %d: %d refused at the cap, want %d", limit, got, wantRefused)
		}
		release()
		now, peak := rec.InFlight()
		wantPeak := 2 // at the cap, /v2/balance was refused
		if limit == 0 {
			wantPeak = 3 // without one, it ran beside the 2 held
		}
		if now != 0 || peak != wantPeak {
			t.Errorf("cap %d: after the requests ended %d in flight (peak %d), want 0 (peak %d)", limit, now, peak, wantPeak)
		}
	}
}
