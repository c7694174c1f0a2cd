package billing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// identityVersions: the cards need write-only arguments (1.11) and the
// identity (1.12).
var identityVersions = append([]tfversion.TerraformVersionCheck{}, append(writeOnlyVersions, acctest.IdentityVersions...)...)

// TestAccPaymentMethod_identity checks the identity of a card of the
// provider's own account (no managed_account_id) and of a managed account's
// card, that import blocks by identity adopt both (recording
// card_wo_version in place, as an import by id does), and that an identity
// naming the wrong account is refused.
func TestAccPaymentMethod_identity(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := newManagedAccount(t, srv, "Identity Cards Co", false)
	const ownAddr, customerAddr = "telnyx_payment_method.own", "telnyx_payment_method.customer"
	customerCard := defaultCard()
	customerCard.extra = fmt.Sprintf("  managed_account_id = %q", account.ID)
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + defaultCard().hcl("own") + customerCard.hcl("customer")
	loose := addCard(t, manager, testCard, "Loose Card", nil)
	importAs := func(identity string) string {
		return config + fmt.Sprintf(`
import {
  to       = telnyx_payment_method.adopted
  identity = %s
}
`, identity) + defaultCard().hcl("adopted")
	}
	recordsVersion := func(addr string) resource.ImportPlanChecks {
		return resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)}}
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   identityVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: append(acctest.ExpectAccountScopedIdentity(ownAddr, ""),
					acctest.ExpectAccountScopedIdentity(customerAddr, account.ID)...),
			},
			{
				ResourceName: ownAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true, ImportPlanChecks: recordsVersion(ownAddr),
			},
			{
				ResourceName: customerAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true, ImportPlanChecks: recordsVersion(customerAddr),
			},
			{
				// The manager's own card is no card of the managed account.
				Config:      importAs(fmt.Sprintf(`{ managed_account_id = %q, id = %q }`, account.ID, loose.ID)),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Cannot import non-existent remote object"),
			},
			{
				Config:      importAs(fmt.Sprintf(`{ managed_account_id = "", id = %q }`, loose.ID)),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid import identity", "managed_account_id is empty"),
			},
		},
	})
}

// TestAccAutoRecharge_identity checks the identity of the provider's own
// preferences and of a managed account's, that an import block by the full
// identity adopts each, that one naming the account alone (or nothing, for
// the provider's own account) does too and fills in the preferences' id,
// and that an id that is not the account's is refused.
func TestAccAutoRecharge_identity(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := newManagedAccount(t, srv, "Identity Recharge Co", false)
	asAccount := srv.Client(t, account.APIKey)
	addCard(t, manager, testCard, "Manager Card", nil)
	addCard(t, asAccount, testCard, "Account Card", nil)
	// The preferences exist (with the API's defaults) before they are set.
	ownPrefs, err := manager.GetAutoRechargePref(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	accountPrefs, err := asAccount.GetAutoRechargePref(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const ownAddr, customerAddr = "telnyx_auto_recharge.own", "telnyx_auto_recharge.customer"
	prefs := `
  threshold_amount = "5.00"
  recharge_amount  = "25.00"`
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_auto_recharge" "own" {
%[1]s
}

resource "telnyx_auto_recharge" "customer" {
  managed_account_id = %[2]q
%[1]s
}
`, prefs, account.ID)
	adopt := func(name, identity, accountID string) string {
		arg := ""
		if accountID != "" {
			arg = fmt.Sprintf("  managed_account_id = %q", accountID)
		}
		return fmt.Sprintf(`
import {
  to       = telnyx_auto_recharge.%[1]s
  identity = %[2]s
}

resource "telnyx_auto_recharge" %[1]q {
%[3]s
%[4]s
}
`, name, identity, arg, prefs)
	}
	byAccount := config +
		adopt("own_by_account", `{}`, "") +
		adopt("customer_by_account", fmt.Sprintf(`{ managed_account_id = %q }`, account.ID), account.ID)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.IdentityVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAutoRechargeOff(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: append(acctest.ExpectAccountScopedIdentity(ownAddr, ""),
					acctest.ExpectAccountScopedIdentity(customerAddr, account.ID)...),
			},
			{ResourceName: ownAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{ResourceName: customerAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{
				// The manager's preferences are not the managed account's.
				Config:   config + adopt("wrong", fmt.Sprintf(`{ managed_account_id = %q, id = %q }`, account.ID, ownPrefs.ID), account.ID),
				PlanOnly: true,
				ExpectError: acctest.ErrorMatching("Invalid import identity",
					fmt.Sprintf("The auto-recharge preferences %s are not those of managed account %s, which are %s", ownPrefs.ID, account.ID, accountPrefs.ID)),
			},
			{
				Config:   config + adopt("wrong", fmt.Sprintf(`{ id = %q }`, accountPrefs.ID), ""),
				PlanOnly: true,
				ExpectError: acctest.ErrorMatching("Invalid import identity",
					fmt.Sprintf("are not those of the provider's own account, which are %s", ownPrefs.ID)),
			},
			{
				Config: byAccount,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity("telnyx_auto_recharge.own_by_account", map[string]knownvalue.Check{
						"managed_account_id": knownvalue.Null(),
						"id":                 knownvalue.StringExact(ownPrefs.ID),
					}),
					statecheck.ExpectIdentity("telnyx_auto_recharge.customer_by_account", map[string]knownvalue.Check{
						"managed_account_id": knownvalue.StringExact(account.ID),
						"id":                 knownvalue.StringExact(accountPrefs.ID),
					}),
				},
			},
		},
	})
}
