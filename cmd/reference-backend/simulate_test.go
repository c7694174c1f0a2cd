package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// runSimulateCommand runs `reference-backend simulate-usage args…` in-process
// and returns its exit code and output.
func runSimulateCommand(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(&out, &errOut, func(k string) string { return env[k] })
	code = a.run(t.Context(), append([]string{"simulate-usage"}, args...))
	return code, out.String(), errOut.String()
}

// reportTotals is the count of a manager's managed accounts' usage of a
// product, and the number of accounts that have some, over days.
func reportTotals(t *testing.T, srv *backendtest.Server, product, start, end string) (count int64, accounts int) {
	t.Helper()
	path := "/v2/usage_reports?product=" + product + "&dimensions=currency&metrics=count&managed_accounts=true&page[size]=5000" +
		"&start_date=" + start + "T00:00:00Z&end_date=" + end + "T00:00:00Z"
	status, _, body := srv.Do(t, http.MethodGet, path, srv.ManagerKey, nil)
	if status != http.StatusOK {
		t.Fatalf("report: %d %s", status, body)
	}
	var got struct {
		Data []struct {
			Count int64 `json:"count"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	for _, row := range got.Data {
		count += row.Count
	}
	return count, len(got.Data)
}

// TestSimulateUsageThroughTheOperatorAPI: the command sends exactly
// accounts × days × events-per-day events of every product for a manager's
// managed accounts; running it again with the same seed sends the same
// events, all duplicates; another seed sends new ones.
func TestSimulateUsageThroughTheOperatorAPI(t *testing.T) {
	srv := backendtest.Start(t)
	for i := range 8 {
		status, _, body := srv.Do(t, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{"business_name": fmt.Sprintf("Sim %d", i)})
		if status != http.StatusOK {
			t.Fatalf("create managed account: %d %s", status, body)
		}
	}
	start := srv.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	end := start.AddDate(0, 0, 3)
	args := []string{"--url", srv.RootURL, "--all-managed-of", srv.ManagerID, "--days", "3", "--events-per-day", "30",
		"--seed", "7", "--batch-size", "100", "--start-date", start.Format(time.DateOnly)}
	env := map[string]string{"REFERENCE_BACKEND_OPERATOR_KEY": srv.OperatorKey}

	code, stdout, stderr := runSimulateCommand(t, env, args...)
	if code != 0 || !strings.Contains(stdout, "720 events sent for 8 accounts over 3 days") || !strings.Contains(stdout, "720 accepted, 0 duplicates") {
		t.Fatalf("first run: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	var total int64
	products := 0
	for _, product := range []string{"messaging", "voice", "wireless"} {
		count, _ := reportTotals(t, srv, product, start.Format(time.DateOnly), end.Format(time.DateOnly))
		total += count
		if count > 0 {
			products++
		}
	}
	// Which products an account uses depends on its (random) id; most use
	// messaging and voice.
	if total != 720 || products < 2 {
		t.Fatalf("the reports count %d events of %d products, want 720 of a mix", total, products)
	}

	code, stdout, stderr = runSimulateCommand(t, env, args...)
	if code != 0 || !strings.Contains(stdout, "0 accepted, 720 duplicates") {
		t.Fatalf("second run: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	args[len(args)-5] = "8" // --seed
	code, stdout, stderr = runSimulateCommand(t, env, args...)
	if code != 0 || !strings.Contains(stdout, "720 accepted, 0 duplicates") {
		t.Fatalf("another seed: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// TestSimulateUsageForChosenAccounts: --accounts takes any accounts, a
// manager's own included, with the key from the flag.
func TestSimulateUsageForChosenAccounts(t *testing.T) {
	srv := backendtest.Start(t)
	otherID, _ := srv.NewManager(t)
	code, stdout, stderr := runSimulateCommand(t, nil, "--url", srv.RootURL+"/", "--operator-key", srv.OperatorKey,
		"--accounts", srv.ManagerID+", "+otherID, "--days", "1", "--events-per-day", "25")
	if code != 0 || !strings.Contains(stdout, "50 events sent for 2 accounts over 1 days") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// TestSimulateUsageRefusals: bad flags exit 2 saying why, before anything is
// sent; a failure of the backend exits 1 with its detail.
func TestSimulateUsageRefusals(t *testing.T) {
	srv := backendtest.Start(t)
	base := []string{"--url", srv.RootURL, "--operator-key", srv.OperatorKey}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--accounts", "a"}, 2, "--operator-key"},
		{append(base[:2:2], "--operator-key", "k"), 2, "either --accounts or --all-managed-of"},
		{append(base, "--accounts", "a", "--all-managed-of", "m"), 2, "either --accounts or --all-managed-of"},
		{append(base, "--accounts", "a", "--batch-size", "10001"), 2, "--batch-size"},
		{append(base, "--accounts", "a", "--days", "0"), 2, "--days"},
		{append(base, "--accounts", "a", "--events-per-day", "0"), 2, "--events-per-day"},
		{append(base, "--accounts", "a", "--start-date", tomorrow), 2, "before today"},
		{append(base, "--accounts", "a", "--start-date", "01/02/2025"), 2, "--start-date"},
		{[]string{"--url", "ftp://x", "--operator-key", "k", "--accounts", "a"}, 2, "--url"},
		{append(base, "--accounts", "a", "extra"), 2, "unexpected argument"},
		{append(base, "--all-managed-of", "00000000-0000-0000-0000-000000000000"), 1, "answered 404"},
		{append(base, "--accounts", "no-such-account", "--days", "1", "--events-per-day", "1"), 1, "answered 422"},
		{[]string{"--url", srv.RootURL, "--operator-key", "wrong-operator-key", "--accounts", "a", "--days", "1"}, 1, "answered 401"},
	} {
		code, _, stderr := runSimulateCommand(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	if code, _, stderr := runSimulateCommand(t, nil, "--help"); code != 0 || !strings.Contains(stderr, "all-managed-of") {
		t.Errorf("--help exits %d: %s", code, stderr)
	}
}
