package managedaccount_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const resourceType = "telnyx_managed_account"

// uniqueEmail returns an email no other test uses: emails are unique across
// the whole backend.
func uniqueEmail(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s-%s@example.com", prefix, hex.EncodeToString(b))
}

// checkAccount fetches the account from the API and runs check on it: the
// API, not the state, is the truth.
func checkAccount(c *client.Client, id *string, check func(*client.ManagedAccount) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		a, err := c.GetManagedAccount(context.Background(), *id)
		if err != nil {
			return fmt.Errorf("get managed account %s: %w", *id, err)
		}
		return check(a)
	}
}

func statusIs(want string) func(*client.ManagedAccount) error {
	return func(a *client.ManagedAccount) error {
		if a.Status == nil || *a.Status != want {
			return fmt.Errorf("account %s has status %v, want %q", a.ID, deref(a.Status), want)
		}
		return nil
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// checkDestroyed asks the API about every managed account that was in the
// state before destroy: each must still exist (accounts cannot be deleted)
// with the status the deletion policy leaves.
func checkDestroyed(c *client.Client, wantStatus string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		n := 0
		for _, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			n++
			a, err := c.GetManagedAccount(context.Background(), rs.Primary.ID)
			if err != nil {
				return fmt.Errorf("after destroy, get managed account %s: %w", rs.Primary.ID, err)
			}
			if err := statusIs(wantStatus)(a); err != nil {
				return fmt.Errorf("after destroy: %w", err)
			}
		}
		if n == 0 {
			return fmt.Errorf("no %s was in the state before destroy", resourceType)
		}
		return nil
	}
}

// passwordAbsent is a state and plan check that the write-only password
// appears nowhere, in any derived form.
func passwordAbsent(password string) interface {
	statecheck.StateCheck
	plancheck.PlanCheck
} {
	return acctest.SecretsAbsent(func() []acctest.Secret {
		return []acctest.Secret{{Name: "the write-only password", Value: password}}
	})
}

// credentialsAbsent is a state and plan check that no key or token of srv's
// accounts appears, in any derived form (see accountSecrets).
func credentialsAbsent(t *testing.T, srv *backendtest.Server) interface {
	statecheck.StateCheck
	plancheck.PlanCheck
} {
	return acctest.SecretsAbsent(func() []acctest.Secret { return accountSecrets(t, srv) })
}

// importHoldsNoCredentials checks what an import step read: no key or token
// of srv's accounts in any imported object.
func importHoldsNoCredentials(t *testing.T, srv *backendtest.Server) resource.ImportStateCheckFunc {
	return func(states []*terraform.InstanceState) error {
		if len(states) == 0 {
			return fmt.Errorf("nothing was imported")
		}
		raw, err := json.Marshal(states)
		if err != nil {
			return err
		}
		if found := acctest.FindSecrets(raw, accountSecrets(t, srv)); len(found) != 0 {
			return fmt.Errorf("the imported state holds %s", strings.Join(found, ", "))
		}
		return nil
	}
}
