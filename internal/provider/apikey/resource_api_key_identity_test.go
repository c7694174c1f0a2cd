package apikey_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccAPIKey_identity checks the identity of a key of the provider's own
// account (no managed_account_id) and of a managed account's key (with
// it), that import blocks by identity adopt both with no change planned,
// and that an identity naming the wrong account, or an empty
// managed_account_id, is refused.
func TestAccAPIKey_identity(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	customer := acctest.NewManagedAccount(t, srv, "Identity Keys Co")
	const ownAddr, customerAddr = "telnyx_api_key.own", "telnyx_api_key.customer"
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_api_key" "own" {
  description = "own"
}

resource "telnyx_api_key" "customer" {
  managed_account_id = %q
  description        = "customer"
}
`, customer.ID)
	// A key made outside Terraform, for the imports that must fail.
	loose := createKey(t, manager, client.CreateAPIKeyRequest{})
	importAs := func(identity string) string {
		return config + fmt.Sprintf(`
import {
  to       = telnyx_api_key.adopted
  identity = %s
}

resource "telnyx_api_key" "adopted" {}
`, identity)
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.IdentityVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: append(acctest.ExpectAccountScopedIdentity(ownAddr, ""),
					acctest.ExpectAccountScopedIdentity(customerAddr, customer.ID)...),
			},
			{ResourceName: ownAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{ResourceName: customerAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{
				// The manager's own key is no key of the managed account.
				Config:      importAs(fmt.Sprintf(`{ managed_account_id = %q, id = %q }`, customer.ID, loose.ID)),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Cannot import non-existent remote object"),
			},
			{
				Config:      importAs(fmt.Sprintf(`{ managed_account_id = "", id = %q }`, loose.ID)),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid import identity", "managed_account_id is empty"),
			},
			{
				Config:      importAs(`{ managed_account_id = "00000000-0000-4000-8000-000000000000", id = "x" }`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Cannot import non-existent remote object"),
			},
		},
	})
}
