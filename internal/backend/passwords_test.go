package backend_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// TestPasswordsAreStoredSealed: a password set through any path (operator,
// managed account create and change, the bootstrap manager's) is stored as
// a sealed bcrypt hash: nothing in the database is a bcrypt hash in the
// clear, to be guessed against offline. It signs in; under another server
// secret it is refused as any wrong password is (EUNAUTHENTICATED, after as
// much work), never an error of another kind.
func TestPasswordsAreStoredSealed(t *testing.T) {
	srv := backendtest.Start(t)
	ctx := t.Context()
	passwords := map[string]string{} // email → password
	status, body := srv.Operator(t, http.MethodPost, "/reference/accounts", map[string]any{
		"email": "sealed-operator@example.com", "organization_name": "Sealed Operator Co", "password": "operator password"})
	if status != http.StatusCreated {
		t.Fatalf("operator create: %d %s", status, body)
	}
	passwords["sealed-operator@example.com"] = "operator password"
	status, _, body = srv.Do(t, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{
		"business_name": "Sealed Managed Co", "email": "sealed-managed@example.com", "password": "managed password"})
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("managed account create: %d %s", status, body)
	}
	var created struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Data.ID == "" {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	status, _, body = srv.Do(t, http.MethodPatch, "/v2/managed_accounts/"+created.Data.ID, srv.ManagerKey, map[string]any{"password": "changed password"})
	if status != http.StatusOK {
		t.Fatalf("managed account change: %d %s", status, body)
	}
	passwords["sealed-managed@example.com"] = "changed password"
	if err := srv.Service.SetAccountPassword(ctx, srv.ManagerID, "bootstrap password"); err != nil {
		t.Fatal(err)
	}
	manager, _, err := srv.Service.GetAccount(ctx, srv.ManagerID)
	if err != nil {
		t.Fatal(err)
	}
	passwords[manager.Email] = "bootstrap password"

	other, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	other.PasswordCost = bcrypt.MinCost
	elsewhere := backend.NewService(srv.Store, other)
	for email, password := range passwords {
		if _, _, err := srv.Service.SignIn(ctx, email, password); err != nil {
			t.Errorf("%s does not sign in: %v", email, err)
		}
		a := accountByEmail(t, srv.Store, email)
		if !strings.HasPrefix(a.PasswordHash, backend.SealedPasswordPrefix) || !srv.Secrets.CheckPassword(a.PasswordHash, password) {
			t.Errorf("%s's password is stored as %q", email, a.PasswordHash)
		}
		before := elsewhere.PasswordChecks()
		_, _, err := elsewhere.SignIn(ctx, email, password)
		if backend.ErrorKind(err) != backend.EUNAUTHENTICATED {
			t.Errorf("%s under another server secret: %v, want EUNAUTHENTICATED", email, err)
		}
		if elsewhere.PasswordChecks() != before+1 {
			t.Errorf("%s under another server secret: %d password checks, want 1", email, elsewhere.PasswordChecks()-before)
		}
	}
	if found := backendtest.BcryptHash.FindAll(srv.StoredData(t), 3); found != nil {
		t.Errorf("the database holds bcrypt hashes in the clear: %q", found)
	}
}

func accountByEmail(t *testing.T, store backend.Store, email string) *backend.Account {
	t.Helper()
	var a *backend.Account
	err := store.ReadTx(t.Context(), func(tx backend.Tx) error {
		var err error
		a, err = tx.GetAccountByEmail(t.Context(), email)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
