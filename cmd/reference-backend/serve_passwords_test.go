package main

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// TestServeSealsThePasswordHashesOfAnEarlierRelease: serve, started on a
// database that a release before sealing wrote (each password's bcrypt hash
// in the clear, and those of replaced passwords in free space or dead row
// versions), seals the hashes before it serves. The passwords keep signing
// in, the replaced ones do not, and once it stopped no byte of the database
// (the SQLite file, its WAL and SHM; a pg_dump) is a bcrypt hash in the
// clear. Started with another server secret, signing in with the right
// password is a 401, as any wrong password, never a 500.
func TestServeSealsThePasswordHashesOfAnEarlierRelease(t *testing.T) {
	ctx := t.Context()
	dataDir := filepath.Join(t.TempDir(), "data")
	args := []string{"--data-dir", dataDir}
	var (
		store       backend.Store
		databaseURL string
		err         error
	)
	if pgtest.Enabled() {
		databaseURL = pgtest.NewDatabase(t)
		args = append(args, "--database", databaseURL)
		store, err = postgres.Open(ctx, databaseURL, postgres.Options{MaxConns: 2})
	} else {
		store, err = sqlite.Open(ctx, filepath.Join(dataDir, "reference.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	passwords := map[string]string{
		"legacy-a@example.com": "legacy password a", "legacy-b@example.com": "legacy password b", "legacy-c@example.com": "legacy password c"}
	replaced := []string{"replaced password 1", "replaced password 2"}
	backendtest.LegacyPasswordAccount(t, store, "legacy-a@example.com", passwords["legacy-a@example.com"], replaced...)
	backendtest.LegacyPasswordAccount(t, store, "legacy-b@example.com", passwords["legacy-b@example.com"])
	backendtest.LegacyPasswordAccount(t, store, "legacy-c@example.com", passwords["legacy-c@example.com"])
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	stored := func() []byte {
		if databaseURL != "" {
			return pgDump(t, databaseURL)
		}
		var all []byte
		for _, suffix := range []string{"", "-wal", "-shm"} {
			data, err := os.ReadFile(filepath.Join(dataDir, "reference.db"+suffix))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			all = append(all, data...)
		}
		return all
	}
	if backendtest.BcryptHash.Find(stored()) == nil {
		t.Fatal("the database of the earlier release holds no bcrypt hash: the scan does not see it")
	}

	secret := "server-secret-" + canaryHex(16)
	env := map[string]string{"REFERENCE_BACKEND_SERVER_SECRET": secret}
	getenv := func(k string) string { return env[k] }
	r := startServe(t, &app{getenv: getenv}, args...)
	if logs := r.logs.String(); !strings.Contains(logs, `"msg":"password hashes sealed with the server secret","accounts":3`) {
		t.Errorf("serve does not say it sealed the 3 hashes:\n%s", logs)
	}
	for email, password := range passwords {
		if status, to := portalSignInAnswer(t, r.url, email, password); to != "/portal/" {
			t.Errorf("%s does not sign in after the upgrade (%d, %q)", email, status, to)
		}
	}
	for _, password := range replaced {
		if status, _ := portalSignInAnswer(t, r.url, "legacy-a@example.com", password); status != http.StatusUnauthorized {
			t.Errorf("a replaced password answered %d, want 401", status)
		}
	}
	if code := r.stop(t); code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, r.logs)
	}
	data := stored()
	if !strings.Contains(string(data), "legacy-a@example.com") {
		t.Fatal("the database does not hold an email in the clear: the scan does not see it")
	}
	if found := backendtest.BcryptHash.FindAll(data, 3); found != nil {
		t.Errorf("after the upgrade the database holds bcrypt hashes in the clear: %q", found)
	}

	env["REFERENCE_BACKEND_SERVER_SECRET"] = "another-server-secret-" + canaryHex(16)
	other := startServe(t, &app{getenv: getenv}, args...)
	if status, to := portalSignInAnswer(t, other.url, "legacy-b@example.com", passwords["legacy-b@example.com"]); status != http.StatusUnauthorized {
		t.Errorf("under another server secret the right password answered %d (%q), want 401", status, to)
	}
	if code := other.stop(t); code != 0 {
		t.Fatalf("serve exited with %d:\n%s", code, other.logs)
	}
	if logs := other.logs.String(); strings.Contains(logs, `"level":"ERROR"`) || strings.Contains(logs, "password hashes sealed") {
		t.Errorf("under another server secret serve logged an error or sealed again:\n%s", logs)
	}
}
