package billing_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccPaymentMethodsDataSource lists a managed account's cards, through
// the data source's managed_account_id and through a provider acting as the
// account: newest first, the default named, no secret anywhere. The manager,
// without cards, lists none.
func TestAccPaymentMethodsDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Two Cards Co", false)
	asAccount := srv.Client(t, account.APIKey)
	first := addCard(t, asAccount, testCard, "First Card", nil)
	// Cards created in the same millisecond would list in either order.
	srv.AdvanceTime(time.Second)
	second := addCard(t, asAccount, "5555555555554444", "Second Card", nil)
	const byID, aliased, manager = "data.telnyx_payment_methods.by_id", "data.telnyx_payment_methods.aliased", "data.telnyx_payment_methods.manager"
	config := acctest.ProviderConfig(srv, srv.ManagerKey) +
		acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), account.ID) + fmt.Sprintf(`
data "telnyx_payment_methods" "by_id" {
  managed_account_id = %q
}

data "telnyx_payment_methods" "aliased" {
  provider = telnyxalias
}

data "telnyx_payment_methods" "manager" {}
`, account.ID)
	method := func(addr string, i int, attr string, v knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("payment_methods").AtSliceIndex(i).AtMapKey(attr), v)
	}
	var checks []statecheck.StateCheck
	for _, addr := range []string{byID, aliased} {
		checks = append(checks,
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("payment_methods"), knownvalue.ListSizeExact(2)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("default_payment_method_id"), knownvalue.StringExact(first.ID)),
			method(addr, 0, "id", knownvalue.StringExact(second.ID)),
			method(addr, 0, "brand", knownvalue.StringExact("mastercard")),
			method(addr, 0, "last4", knownvalue.StringExact("4444")),
			method(addr, 0, "default", knownvalue.Bool(false)),
			method(addr, 1, "id", knownvalue.StringExact(first.ID)),
			method(addr, 1, "type", knownvalue.StringExact("card")),
			method(addr, 1, "brand", knownvalue.StringExact("visa")),
			method(addr, 1, "last4", knownvalue.StringExact("4242")),
			method(addr, 1, "exp_month", knownvalue.Int64Exact(12)),
			method(addr, 1, "exp_year", knownvalue.Int64Exact(int64(expiryYear))),
			method(addr, 1, "fingerprint", knownvalue.StringExact(first.Card.Fingerprint)),
			method(addr, 1, "default", knownvalue.Bool(true)),
			method(addr, 1, "created_at", knownvalue.StringExact(first.CreatedAt)),
			method(addr, 1, "billing_details", knownvalue.ObjectExact(map[string]knownvalue.Check{
				"name": knownvalue.StringExact("First Card"), "postal_code": knownvalue.StringExact(""),
				"country": knownvalue.StringExact("US"),
			})),
		)
	}
	checks = append(checks,
		statecheck.ExpectKnownValue(manager, tfjsonpath.New("payment_methods"), knownvalue.ListSizeExact(0)),
		statecheck.ExpectKnownValue(manager, tfjsonpath.New("default_payment_method_id"), knownvalue.Null()),
		// The id digests the query's arguments: pinned, so that an unchanged
		// query keeps its id from one release to the next.
		statecheck.ExpectKnownValue(manager, tfjsonpath.New("id"), knownvalue.StringExact("494e231c9673560fd2a0d8a34563fdd7")),
		secretsAbsent(testCard, "5555555555554444"),
	)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
		},
	})
}

// TestAccPaymentMethodsDataSource_rollup: a managed account with rollup
// billing has no payment methods of its own, and the API's reason reaches
// the user.
func TestAccPaymentMethodsDataSource_rollup(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := newManagedAccount(t, srv, "Rollup Co", true)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
data "telnyx_payment_methods" "test" {
  managed_account_id = %q
}
`, rollup.ID),
				ExpectError: acctest.ErrorMatching("Unable to list the payment methods of the managed account "+rollup.ID,
					"The Telnyx API answered: This account uses rollup billing: its manager pays its charges."),
			},
		},
	})
}
