package pricing_test

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccManagedAccountPricing_identity checks that custom rates are named by
// their managed account, and that an import block by that identity adopts
// them with no change planned.
func TestAccManagedAccountPricing_identity(t *testing.T) {
	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Identity Rates Co", true)
	config := pricingConfig(srv, account.ID, smsUS, voiceAny)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.IdentityVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(srv.Client(t, srv.ManagerKey)),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(pricingAddr, map[string]knownvalue.Check{
						"managed_account_id": knownvalue.StringExact(account.ID),
					}),
					statecheck.ExpectIdentityValueMatchesState(pricingAddr, tfjsonpath.New("managed_account_id")),
				},
			},
			{ResourceName: pricingAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{
				Config: config + `
import {
  to       = telnyx_managed_account_pricing.adopted
  identity = { managed_account_id = "" }
}
` + strings.Replace(config[strings.Index(config, "resource "):], `"test"`, `"adopted"`, 1),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid import identity", "managed_account_id is empty"),
			},
		},
	})
}
