package bench

import (
	"maps"
	"testing"
)

func TestRouteReplacesIDs(t *testing.T) {
	for path, want := range map[string]string{
		"/v2/managed_accounts/4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50":                "/v2/managed_accounts/{id}",
		"/v2/managed_accounts/4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50/actions/enable": "/v2/managed_accounts/{id}/actions/enable",
		"/v2/managed_accounts": "/v2/managed_accounts",
		"/v2/managed_accounts/allocatable_global_outbound_channels": "/v2/managed_accounts/allocatable_global_outbound_channels",
	} {
		if got := Route(path); got != want {
			t.Errorf("Route(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestCounterReadsTheAccessLog: request lines are counted by route, the
// listening address is reported once, other lines are ignored, and nothing
// is counted while counting is off.
func TestCounterReadsTheAccessLog(t *testing.T) {
	c := NewRequestCounter()
	listening := make(chan string, 1)
	lines := []string{
		`{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"reference backend listening","addr":"127.0.0.1:40000"}`,
		`{"level":"INFO","msg":"request","method":"GET","path":"/v2/managed_accounts/4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50","status":200}`,
		`{"level":"INFO","msg":"request","method":"GET","path":"/v2/managed_accounts/5b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50","status":200}`,
		`{"level":"INFO","msg":"request","method":"POST","path":"/v2/managed_accounts","status":200}`,
		`{"level":"WARN","msg":"something else","path":"/v2/x"}`,
		`not json`,
	}
	sent := 0
	for _, l := range lines {
		if c.observe([]byte(l), listening) {
			sent++
		}
	}
	if sent != 1 || <-listening != "127.0.0.1:40000" {
		t.Fatalf("the listening address was reported %d times", sent)
	}
	before := c.Snapshot()
	want := map[string]int{"GET /v2/managed_accounts/{id}": 2, "POST /v2/managed_accounts": 1}
	if !maps.Equal(before, want) {
		t.Fatalf("counts %v, want %v", before, want)
	}
	c.SetCounting(false)
	c.observe([]byte(lines[3]), nil)
	c.SetCounting(true)
	c.observe([]byte(lines[1]), nil)
	if got := CountsSince(before, c.Snapshot()); !maps.Equal(got, map[string]int{"GET /v2/managed_accounts/{id}": 1}) {
		t.Fatalf("counts since %v", got)
	}
}
