package billing_test

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccPaymentMethodList finds cards with terraform query: the manager's
// own, each with its identity, display name and the state an import reads
// (no card number or CVC: the API never shows them); a managed account's
// through managed_account_id; and the API's refusal for an account under
// rollup billing, which has no cards.
func TestAccPaymentMethodList(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	first := addCard(t, manager, testCard, "Ada Lovelace", nil)
	second := addCard(t, manager, "5555555555554444", "Ada King", nil)
	account := newManagedAccount(t, srv, "Listed Cards Co", false)
	accountCard := addCard(t, srv.Client(t, account.APIKey), testCard, "Card Holder", nil)
	rollup := newManagedAccount(t, srv, "Rollup Cards Co", true)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.QueryVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_payment_method", "  include_resource = true", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_payment_method.found", 2),
					querycheck.ExpectIdentity("telnyx_payment_method.found", acctest.AccountScopedIdentity("", knownvalue.StringExact(first.ID))),
					querycheck.ExpectIdentity("telnyx_payment_method.found", acctest.AccountScopedIdentity("", knownvalue.StringExact(second.ID))),
					querycheck.ExpectResourceDisplayName("telnyx_payment_method.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(first.ID))),
						knownvalue.StringExact(fmt.Sprintf("visa ending in 4242, expires 12/%d (default)", expiryYear))),
					querycheck.ExpectResourceDisplayName("telnyx_payment_method.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(second.ID))),
						knownvalue.StringExact(fmt.Sprintf("mastercard ending in 4444, expires 12/%d", expiryYear))),
					querycheck.ExpectResourceKnownValues("telnyx_payment_method.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(first.ID))), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(first.ID)},
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("card_number_wo"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("card_cvc_wo"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("card_wo_version"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("exp_month"), KnownValue: knownvalue.Int64Exact(12)},
						{Path: tfjsonpath.New("exp_year"), KnownValue: knownvalue.Int64Exact(int64(expiryYear))},
						{Path: tfjsonpath.New("billing_details"), KnownValue: knownvalue.ObjectExact(map[string]knownvalue.Check{
							"name": knownvalue.StringExact("Ada Lovelace"), "postal_code": knownvalue.StringExact(""), "country": knownvalue.StringExact("US"),
						})},
						{Path: tfjsonpath.New("default"), KnownValue: knownvalue.Bool(true)},
						{Path: tfjsonpath.New("brand"), KnownValue: knownvalue.StringExact("visa")},
						{Path: tfjsonpath.New("last4"), KnownValue: knownvalue.StringExact("4242")},
						{Path: tfjsonpath.New("fingerprint"), KnownValue: knownvalue.StringExact(first.Card.Fingerprint)},
					}),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_payment_method", "", fmt.Sprintf(`    managed_account_id = %q`, account.ID)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_payment_method.found", 1),
					querycheck.ExpectIdentity("telnyx_payment_method.found", acctest.AccountScopedIdentity(account.ID, knownvalue.StringExact(accountCard.ID))),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_payment_method", "", fmt.Sprintf(`    managed_account_id = %q`, rollup.ID)),
				ExpectError: acctest.ErrorMatching("Unable to list payment methods",
					"The Telnyx API answered: This account uses rollup billing: its manager pays its charges."),
			},
		},
	})
}
