package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
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
	if opts.RateLimit != 0 || opts.RateBurst != 200 || opts.AuthFailureRateLimit != 1 || opts.AuthFailureBurst != 3 || opts.MaxConcurrentRequests != 7 ||
		opts.MaxHeaderBytes != 8192 {
		t.Fatalf("options %+v do not carry the limits", opts)
	}
	srv := l.httpServer(http.NotFoundHandler())
	// net/http's own limit sits above the handler's, which answers in the
	// envelope (TestOversizedHeadersAre431).
	if srv.ReadHeaderTimeout != time.Second || srv.WriteTimeout != 5*time.Second || srv.MaxHeaderBytes != 8192+4096 ||
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

// TestOversizedHeadersAre431: a header block of --max-header-bytes is
// served; one byte more is a 431 in the error envelope, up to 8 KiB beyond
// the limit (all that net/http reads); beyond that net/http answers the 431
// itself, in plain text, as the README says.
func TestOversizedHeadersAre431(t *testing.T) {
	const limit = 4096
	r := startServe(t, &app{}, "--data-dir", filepath.Join(t.TempDir(), "data"), "--max-header-bytes", strconv.Itoa(limit))
	addr := strings.TrimPrefix(r.url, "http://")
	cases := []struct {
		size     int
		status   int
		envelope bool
	}{
		{limit, http.StatusOK, false},
		{limit + 1, http.StatusRequestHeaderFieldsTooLarge, true},
		{limit + 8<<10, http.StatusRequestHeaderFieldsTooLarge, true},
		{limit + 8<<10 + 1, http.StatusRequestHeaderFieldsTooLarge, false}, // net/http's own answer
	}
	for _, tc := range cases {
		resp := sendHeaderBlock(t, addr, tc.size)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatalf("header block of %d bytes: read the answer: %v", tc.size, err)
		}
		if resp.StatusCode != tc.status {
			t.Fatalf("header block of %d bytes: status %d %s, want %d", tc.size, resp.StatusCode, body, tc.status)
		}
		if !tc.envelope {
			continue
		}
		var env struct {
			Errors []client.ErrorObject `json:"errors"`
		}
		if err := json.Unmarshal(body, &env); err != nil || len(env.Errors) != 1 || env.Errors[0].Code != "10015" ||
			resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("header block of %d bytes: %s %q, want the error envelope with code 10015 and a request id", tc.size, resp.Header, body)
		}
		if want := fmt.Sprintf("at most %d bytes", limit); !strings.Contains(env.Errors[0].Detail, want) {
			t.Fatalf("header block of %d bytes: detail %q does not say %q", tc.size, env.Errors[0].Detail, want)
		}
	}
}

// sendHeaderBlock sends, on a new connection, a GET /healthz whose request
// line and header fields take exactly size bytes, and reads the answer.
func sendHeaderBlock(t *testing.T, addr string, size int) *http.Response {
	t.Helper()
	head := "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Padding: "
	const end = "\r\n\r\n"
	pad := size - len(head) - len(end)
	if pad < 1 {
		t.Fatalf("a header block of %d bytes is too short to pad", size)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, head+strings.Repeat("p", pad)+end); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("header block of %d bytes: %v", size, err)
	}
	return resp
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
