package bench

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
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

// TestCounterReadsTheAccessLog: request lines are counted by route, other
// lines are ignored, and nothing is counted while counting is off.
func TestCounterReadsTheAccessLog(t *testing.T) {
	c := NewRequestCounter()
	lines := []string{
		`{"time":"2026-01-01T00:00:00Z","level":"INFO","msg":"reference backend listening","addr":"127.0.0.1:40000"}`,
		`{"level":"INFO","msg":"request","method":"GET","path":"/v2/managed_accounts/4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50","status":200}`,
		`{"level":"INFO","msg":"request","method":"GET","path":"/v2/managed_accounts/5b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50","status":200}`,
		`{"level":"INFO","msg":"request","method":"POST","path":"/v2/managed_accounts","status":200}`,
		`{"level":"WARN","msg":"something else","path":"/v2/x"}`,
		`{"level":"WARN","msg":"something else","note":"\"msg\":\"request\""}`,
		`not json`,
	}
	for _, l := range lines {
		c.observe([]byte(l))
	}
	before := c.Snapshot()
	want := map[string]int{"GET /v2/managed_accounts/{id}": 2, "POST /v2/managed_accounts": 1}
	if !maps.Equal(before, want) {
		t.Fatalf("counts %v, want %v", before, want)
	}
	c.SetCounting(false)
	c.observe([]byte(lines[3]))
	c.SetCounting(true)
	c.observe([]byte(lines[1]))
	if got := CountsSince(before, c.Snapshot()); !maps.Equal(got, map[string]int{"GET /v2/managed_accounts/{id}": 1}) {
		t.Fatalf("counts since %v", got)
	}
}

// TestStartBackendCountsItsRequests: the harness's backend answers, counts
// the requests of its access log by route, and keeps its log in its folder.
func TestStartBackendCountsItsRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the backend")
	}
	bin, err := proc.Build(t.Context(), t.TempDir(), "reference-backend", proc.BackendPackage)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "backend")
	b, err := StartBackend(t.Context(), bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Stop()
	_, key, err := b.NewManager(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if ids, err := b.NewManagedAccounts(t.Context(), key, 2); err != nil || len(ids) != 2 {
		t.Fatalf("NewManagedAccounts = %v, %v", ids, err)
	}
	// The start's probe of /healthz is counted too.
	want := map[string]int{"GET /healthz": 1, "POST /reference/accounts": 1, "POST /v2/managed_accounts": 2}
	if got := b.Counts(); !maps.Equal(got, want) {
		t.Errorf("counts %v, want %v", got, want)
	}
	b.Stop()
	log, err := os.ReadFile(filepath.Join(dir, "backend.log"))
	if err != nil || strings.Count(string(log), `"msg":"request"`) != 4 {
		t.Errorf("backend.log (%v):\n%s", err, log)
	}
}
