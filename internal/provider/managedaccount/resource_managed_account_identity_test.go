package managedaccount_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccManagedAccount_identity checks that an account's identity is its id
// from creation on, that an import block by identity adopts it with no
// change planned (beside the import block by string id and the terraform
// import command, which keep working), and that an identity naming no
// account, or an empty id, is refused.
func TestAccManagedAccount_identity(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	config := accountConfig(srv, fmt.Sprintf(`
  business_name = "Identity Ltd"
  email         = %q`, uniqueEmail(t, "identity")))
	importBy := func(identity string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
import {
  to       = telnyx_managed_account.adopted
  identity = %s
}

resource "telnyx_managed_account" "adopted" {
  business_name = "whatever"
}
`, identity)
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.IdentityVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState(testAddr, tfjsonpath.New("id")),
					statecheck.ExpectIdentity(testAddr, map[string]knownvalue.Check{"id": knownvalue.NotNull()}),
				},
			},
			{
				ResourceName:    testAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
			{
				ResourceName:    testAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				ResourceName:            testAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password_wo_version"},
			},
			{
				Config:      importBy(`{ id = "00000000-0000-4000-8000-000000000000" }`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Cannot import non-existent remote object"),
			},
			{
				Config:      importBy(`{ id = "" }`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid import identity", "id is empty"),
			},
		},
	})
}
