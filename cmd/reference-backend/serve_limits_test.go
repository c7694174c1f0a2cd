package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

func TestServerLimitDefaultsAndOverrides(t *testing.T) {
	cfg, err := parseServeConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := serverLimits{
		readHeaderTimeout: 10 * time.Second, readTimeout: 30 * time.Second, writeTimeout: 60 * time.Second,
		idleTimeout: 120 * time.Second, shutdownTimeout: 30 * time.Second, maxHeaderBytes: 64 << 10,
		rateLimit: 100, rateBurst: 200, authFailureRateLimit: 1, authFailureBurst: 10, maxConcurrentRequests: 512,
	}
	if cfg.limits != want {
		t.Fatalf("defaults %+v\nwant     %+v", cfg.limits, want)
	}

	env := map[string]string{"REFERENCE_BACKEND_RATE_LIMIT": "2.5", "REFERENCE_BACKEND_WRITE_TIMEOUT": "5s",
		"REFERENCE_BACKEND_MAX_CONCURRENT_REQUESTS": "7"}
	cfg, err = parseServeConfig([]string{"--rate-limit", "0", "--read-header-timeout", "1s", "--max-header-bytes", "8192",
		"--auth-failure-burst", "3"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.limits
	if l.rateLimit != 0 || l.writeTimeout != 5*time.Second || l.maxConcurrentRequests != 7 || l.readHeaderTimeout != time.Second ||
		l.maxHeaderBytes != 8192 || l.authFailureBurst != 3 {
		t.Fatalf("flags over environment: %+v", l)
	}
	var opts httpapi.Options
	l.apply(&opts)
	if opts.RateLimit != 0 || opts.RateBurst != 200 || opts.AuthFailureRateLimit != 1 || opts.AuthFailureBurst != 3 || opts.MaxConcurrentRequests != 7 {
		t.Fatalf("options %+v do not carry the limits", opts)
	}
	srv := l.httpServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout != time.Second || srv.WriteTimeout != 5*time.Second || srv.MaxHeaderBytes != 8192 ||
		srv.ReadTimeout != 30*time.Second || srv.IdleTimeout != 120*time.Second {
		t.Fatalf("http.Server does not carry the limits: %+v", srv)
	}
}

func TestServerLimitsRefuseNonsense(t *testing.T) {
	for _, args := range [][]string{
		{"--read-timeout", "0s"}, // 0 would mean no timeout at all
		{"--write-timeout", "-1s"},
		{"--idle-timeout", "soon"},
		{"--shutdown-timeout", "0"},
		{"--read-header-timeout", "1m", "--read-timeout", "30s"},
		{"--max-header-bytes", "100"},
		{"--max-header-bytes", "lots"},
		{"--rate-limit", "-1"},
		{"--rate-limit", "NaN"},
		{"--auth-failure-rate-limit", "+Inf"},
		{"--rate-burst", "-3"},
		{"--max-concurrent-requests", "1.5"},
	} {
		if _, err := parseServeConfig(args, func(string) string { return "" }, io.Discard); err == nil ||
			!strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
			t.Errorf("%v: error %v, want one naming the flag", args, err)
		}
	}
}

// TestSlowHeadersAreCutOff: a client that never finishes its headers loses
// its connection after --read-header-timeout, instead of holding it open.
func TestSlowHeadersAreCutOff(t *testing.T) {
	r := startServe(t, &app{}, "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--read-header-timeout", "200ms", "--read-timeout", "1s")
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	// A safety net far beyond the timeout, so that a server without one
	// fails the test rather than hanging it.
	if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(conn)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		t.Fatal("the server kept a connection with unfinished headers open")
	}
}

// TestOversizedHeadersAre431: headers over --max-header-bytes are refused.
func TestOversizedHeadersAre431(t *testing.T) {
	r := startServe(t, &app{}, "--data-dir", filepath.Join(t.TempDir(), "data"), "--max-header-bytes", "4096")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/healthz", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("p", 16<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}

// TestServeRateLimitsKeys: the rate flags reach the API.
func TestServeRateLimitsKeys(t *testing.T) {
	const key = "KEYrate-limited-manager-0001"
	r := startServe(t, &app{}, "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--bootstrap-manager-key", key, "--bootstrap-manager-email", "rate@example.com",
		"--rate-limit", "0.01", "--rate-burst", "2")
	status := func() (int, http.Header) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, r.url+"/v2/balance", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header
	}
	for range 2 {
		if code, h := status(); code != http.StatusOK || h.Get("X-Ratelimit-Limit") != "2" {
			t.Fatalf("within the burst: %d (limit %q), want 200 with X-Ratelimit-Limit 2", code, h.Get("X-Ratelimit-Limit"))
		}
	}
	if code, h := status(); code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("beyond the burst: %d (Retry-After %q), want 429 with Retry-After", code, h.Get("Retry-After"))
	}
}
