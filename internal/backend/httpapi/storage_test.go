package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// TestNoPlaintextKeyInTheDatabase scans what the store holds (the SQLite file
// and its write-ahead log, or every PostgreSQL table) for every key and
// credential a test created, in every state a key can be in: none may be
// stored in plaintext, only as hashes and sealed boxes.
func TestNoPlaintextKeyInTheDatabase(t *testing.T) {
	srv := backendtest.Start(t)
	secrets := []string{srv.ManagerKey}

	bootstrapKey := backend.NewAPIKey()
	if _, err := srv.Service.BootstrapManager(t.Context(), bootstrapKey, "bootstrap@example.com"); err != nil {
		t.Fatalf("bootstrap manager: %v", err)
	}
	wantAccepted(t, srv, bootstrapKey)
	secrets = append(secrets, bootstrapKey)

	_, otherKey := srv.NewManager(t)
	secrets = append(secrets, otherKey)
	const password = "stored-only-as-bcrypt"
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{
		"business_name": "Stored Co", "email": "stored-co@example.com", "password": password,
	})
	secrets = append(secrets, managed.APIKey, managed.APIToken, password)

	for _, owner := range []string{srv.ManagerKey, managed.APIKey, otherKey, bootstrapKey} {
		_, active := srv.CreateAPIKey(t, owner, map[string]any{"description": "positive control description"})
		wantAccepted(t, srv, active) // used, so that last_used_at is written too
		revokedID, revoked := srv.CreateAPIKey(t, owner, nil)
		srv.RevokeAPIKey(t, owner, revokedID)
		disabledID, disabled := srv.CreateAPIKey(t, owner, map[string]any{"tags": []string{"disabled"}})
		call(t, srv, http.MethodPatch, "/v2/api_keys/"+disabledID, owner, map[string]any{"status": "disabled"}).wantStatus(t, http.StatusOK)
		_, expiring := srv.CreateAPIKey(t, owner, map[string]any{"expires_at": msTime(srv.Now().Add(time.Hour))})
		secrets = append(secrets, active, revoked, disabled, expiring)
	}
	// The manager reads the managed account's sealed credentials back, which
	// must not write them anywhere in the clear.
	call(t, srv, http.MethodGet, "/v2/managed_accounts/"+managed.ID, srv.ManagerKey, nil).wantStatus(t, http.StatusOK)

	stored := srv.StoredData(t) // the SQLite file and its log, or every PostgreSQL table
	// Positive controls: what was written in the clear is found, so the scan
	// reads the data where it is (in the file or still in the log).
	for _, plain := range []string{"stored-co@example.com", "positive control description", "Stored Co"} {
		if !bytes.Contains(stored, []byte(plain)) {
			t.Fatalf("the scan does not find %q, which is stored in the clear: it does not see the data", plain)
		}
	}
	for _, secret := range secretParts(secrets) {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the database holds a secret in plaintext (%d characters, ending %q)", len(secret), secret[len(secret)-4:])
		}
	}
}
