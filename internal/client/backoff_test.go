package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfterParsesSecondsAndHTTPDates(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   time.Duration
		ok     bool
	}{
		{"absent", "", 0, false},
		{"one second", "1", time.Second, true},
		{"zero", "0", 0, true},
		{"negative is ignored", "-3", 0, false},
		{"garbage is ignored", "soon", 0, false},
		{"date in the past waits nothing", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retryAfter(tt.header)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("retryAfter(%q) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}

	// An HTTP date in the future gives the time left until then: positive and
	// no more than the distance written in the header.
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	got, ok := retryAfter(future)
	if !ok || got <= 0 || got > time.Hour {
		t.Fatalf("retryAfter(%q) = %v, %v; want a positive wait up to 1h", future, got, ok)
	}
}

func TestBackoffPrefersRetryAfterUpToTheMaximumWait(t *testing.T) {
	withRetryAfter := func(v string) *http.Response {
		return &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {v}}}
	}
	if got := backoff(time.Millisecond, time.Minute, 0, withRetryAfter("1")); got != time.Second {
		t.Fatalf("Retry-After: 1 gave a wait of %v, want 1s", got)
	}
	// A server asking for an hour must not stall Terraform for an hour.
	if got := backoff(time.Millisecond, 30*time.Second, 0, withRetryAfter("3600")); got != 30*time.Second {
		t.Fatalf("Retry-After: 3600 gave a wait of %v, want the 30s maximum", got)
	}
}

func TestBackoffIsExponentialWithJitterWithinBounds(t *testing.T) {
	minWait, maxWait := 10*time.Millisecond, 200*time.Millisecond
	for attempt := range 8 {
		ceil := min(minWait<<attempt, maxWait)
		for range 50 {
			got := backoff(minWait, maxWait, attempt, &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}})
			if got < minWait || got > ceil {
				t.Fatalf("attempt %d: wait %v outside [%v, %v]", attempt, got, minWait, ceil)
			}
		}
	}
	// Huge attempt numbers must not overflow into a zero or negative wait.
	if got := backoff(minWait, maxWait, 100, nil); got < minWait || got > maxWait {
		t.Fatalf("attempt 100: wait %v outside [%v, %v]", got, minWait, maxWait)
	}
}

// TestRetryWaitsComeFromRetryAfter drives a real client through 429 then 503
// then 200 and records the waits the client chose, so the test needs no clock.
func TestRetryWaitsComeFromRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			_, _ = w.Write([]byte(`{"data":{"record_type":"balance","balance":"1.00","currency":"USD"}}`))
		}
	}))
	t.Cleanup(srv.Close)

	c, err := New(Config{BaseURL: srv.URL, APIKey: "KEYtest0000000000", MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	chosen := c.http.Backoff
	c.http.Backoff = func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		waits = append(waits, chosen(minWait, maxWait, attempt, resp))
		return 0 // the choice is what is under test; sleeping it adds nothing
	}

	if _, err := c.GetBalance(context.Background()); err != nil {
		t.Fatalf("GetBalance: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("server saw %d attempts, want 3", n)
	}
	if len(waits) != 2 {
		t.Fatalf("client waited %d times, want 2: %v", len(waits), waits)
	}
	if waits[0] != time.Second {
		t.Errorf("wait after the 429 was %v, want the 1s of Retry-After", waits[0])
	}
	// After attempt index 1 the exponential ceiling is 2*min.
	if waits[1] < time.Millisecond || waits[1] > 2*time.Millisecond {
		t.Errorf("wait after the 503 was %v, want a jittered backoff in [1ms, 2ms]", waits[1])
	}
}
