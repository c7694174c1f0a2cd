package backendtest

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// BcryptHash matches a bcrypt hash in its own form ($2a$, $2b$, $2x$ or $2y$,
// the cost, then 53 characters of salt and hash): a password hash in the
// clear, which tests look for in what the backend stores.
var BcryptHash = regexp.MustCompile(`\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}`)

// LegacyPasswordAccount stores in store a manager account with a password as
// a release before sealing did: its bcrypt hash in the clear (at the
// cheapest cost). Each of earlier was its password before, stored and
// replaced in turn, so that their plain hashes lie in the store's free space
// or dead row versions.
func LegacyPasswordAccount(t testing.TB, store backend.Store, email, password string, earlier ...string) *backend.Account {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	a := &backend.Account{ID: uuid.NewString(), Email: email, OrganizationName: "Legacy Co", Status: backend.StatusEnabled,
		CreatedAt: now, UpdatedAt: now}
	for i, pw := range append(earlier, password) {
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		a.PasswordHash = string(hash)
		err = store.WriteTx(ctx, func(tx backend.Tx) error {
			if i == 0 {
				return tx.InsertAccount(ctx, a)
			}
			return tx.UpdateAccount(ctx, a)
		})
		if err != nil {
			t.Fatalf("backendtest: store a legacy account: %v", err)
		}
	}
	return a
}
