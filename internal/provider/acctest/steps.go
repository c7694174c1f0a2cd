package acctest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// EmptyPlan is the step that follows every apply: the same configuration
// must plan nothing.
func EmptyPlan(config string) resource.TestStep {
	return resource.TestStep{
		Config:           config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
	}
}

// ExpectAction checks, before apply, that the plan does action to addr.
func ExpectAction(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

// CaptureAttr copies an attribute of a resource in state into *dst, for
// later steps that act on the object behind Terraform's back.
func CaptureAttr(addr, attr string, dst *string) resource.TestCheckFunc {
	return resource.TestCheckResourceAttrWith(addr, attr, func(v string) error {
		*dst = v
		return nil
	})
}

// OwnerClient returns a client of srv acting as managedAccountID, or as the
// manager when it is empty.
func OwnerClient(t *testing.T, srv *backendtest.Server, managedAccountID string) (*client.Client, error) {
	manager := srv.Client(t, srv.ManagerKey)
	if managedAccountID == "" {
		return manager, nil
	}
	a, err := manager.GetManagedAccount(context.Background(), managedAccountID)
	if err != nil {
		return nil, fmt.Errorf("get managed account %s: %w", managedAccountID, err)
	}
	return manager.WithAPIKey(a.APIKey), nil
}

// OrNoError stands in for a nil error in a message that quotes what a call
// returned.
func OrNoError(err error) error {
	if err == nil {
		return errors.New("no error")
	}
	return err
}

// ExpectAccountScopedIdentity checks the identity of an object that lives
// on an account: managedAccountID (empty: null, for the provider's own
// account) and the object's id, the same as in its state.
func ExpectAccountScopedIdentity(addr, managedAccountID string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectIdentity(addr, AccountScopedIdentity(managedAccountID, knownvalue.NotNull())),
		statecheck.ExpectIdentityValueMatchesState(addr, tfjsonpath.New("id")),
	}
}

// AccountScopedIdentity is the identity of an object of the managed account
// managedAccountID (empty: null, for the provider's own account) whose id
// passes id.
func AccountScopedIdentity(managedAccountID string, id knownvalue.Check) map[string]knownvalue.Check {
	var account knownvalue.Check = knownvalue.Null()
	if managedAccountID != "" {
		account = knownvalue.StringExact(managedAccountID)
	}
	return map[string]knownvalue.Check{"managed_account_id": account, "id": id}
}

// TriggeredAction is an action block of actionType named "test", with config
// as the body of its config block and provider, when not empty, as its
// provider, and a terraform_data whose action_trigger runs it on create and
// update. The trigger's input is config, so that each step that changes the
// config runs the action again, even after a failed run left the trigger
// created.
func TriggeredAction(actionType, provider, config string) string {
	providerArg := ""
	if provider != "" {
		providerArg = "  provider = " + provider + "\n\n"
	}
	return fmt.Sprintf(`
action %[1]q "test" {
%[2]s  config {
%[3]s
  }
}

resource "terraform_data" "trigger" {
  input = %[3]q

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.%[1]s.test]
    }
  }
}
`, actionType, providerArg, config)
}

// NewManagedAccount creates a managed account of srv's manager through the
// API and returns it with its primary key, failing the test otherwise.
func NewManagedAccount(t *testing.T, srv *backendtest.Server, name string) *client.ManagedAccount {
	t.Helper()
	a, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: name})
	if err != nil {
		t.Fatalf("create managed account %q: %v", name, err)
	}
	if a.APIKey == "" {
		t.Fatalf("managed account %s was created without a primary key", a.ID)
	}
	return a
}
