package managedaccount_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccManagedAccountDataSource looks one account up by id and by email,
// and sees its balance change after an operator adjustment.
func TestAccManagedAccountDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	email := uniqueEmail(t, "lookup")
	var id string
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_managed_account" "test" {
  business_name = "Lookup Co"
  email         = %q
}

data "telnyx_managed_account" "by_id" {
  id = telnyx_managed_account.test.id
}

data "telnyx_managed_account" "by_email" {
  email = telnyx_managed_account.test.email
}
`, email)
	const byID, byEmail = "data.telnyx_managed_account.by_id", "data.telnyx_managed_account.by_email"

	// as checks that both data sources have attr as the resource has its own.
	as := func(attr, own string) resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			resource.TestCheckResourceAttrPair(byID, attr, testAddr, own),
			resource.TestCheckResourceAttrPair(byEmail, attr, testAddr, own),
		)
	}
	same := func(attr string) resource.TestCheckFunc { return as(attr, attr) }
	balance := func(addr, field, want string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("balance").AtMapKey(field), knownvalue.StringExact(want))
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(testAddr, "id", &id),
					same("id"), same("email"), same("manager_account_id"), same("rollup_billing"),
					same("managed_account_allow_custom_pricing"), same("global_channel_limit"), same("created_at"),
					// What the resource does not repeat.
					as("organization_name", "business_name"), as("api_user", "email"),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(byEmail, tfjsonpath.New("organization_name"), knownvalue.StringExact("Lookup Co")),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("status"), knownvalue.StringExact("enabled")),
					statecheck.ExpectKnownValue(byEmail, tfjsonpath.New("status"), knownvalue.StringExact("enabled")),
					known("enabled", knownvalue.Bool(true)),
					credentialsAbsent(t, srv),
					statecheck.ExpectKnownValue(byID, tfjsonpath.New("updated_at"), knownvalue.NotNull()),
					balance(byID, "balance", "0.00"),
					balance(byID, "currency", "USD"),
				},
			},
			{
				PreConfig: func() { srv.Adjust(t, id, "12.345") },
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					balance(byID, "balance", "12.345"),
					balance(byID, "credit_limit", "0.00"),
					balance(byID, "available_credit", "12.345"),
					balance(byEmail, "balance", "12.345"),
				},
			},
		},
	})
}

// TestAccManagedAccountDataSource_errors covers a lookup that finds nothing
// and a lookup that asks for two keys at once.
func TestAccManagedAccountDataSource_errors(t *testing.T) {
	srv := backendtest.Start(t)
	_, otherKey := srv.NewManager(t)
	theirs, err := srv.Client(t, otherKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Not Yours"})
	if err != nil {
		t.Fatalf("create another manager's account: %v", err)
	}
	provider := acctest.ProviderConfig(srv, srv.ManagerKey)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider + `data "telnyx_managed_account" "x" { email = "nobody-here@example.com" }`,
				ExpectError: acctest.ErrorMatching("Managed account not found", `no managed account with the email "nobody-here@example.com"`),
			},
			{
				// Another manager's account id is not found, as if it did not exist.
				Config:      provider + fmt.Sprintf(`data "telnyx_managed_account" "x" { id = %q }`, theirs.ID),
				ExpectError: acctest.ErrorMatching("Unable to read the managed account "+theirs.ID, "Check the id", "404 Not Found"),
			},
			{
				Config:      provider + `data "telnyx_managed_account" "x" { email = "nobody-here" }`,
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid email", `"nobody-here" is not an email address`),
			},
			{
				Config:      provider + `data "telnyx_managed_account" "x" {}`,
				ExpectError: acctest.ErrorMatching("Missing Attribute Configuration", "Exactly one of these attributes must be configured: [id,email]"),
			},
			{
				Config:      provider + `data "telnyx_managed_account" "x" {` + "\n" + `  id = "a"` + "\n" + `  email = "b@example.com"` + "\n}",
				ExpectError: acctest.ErrorMatching("Invalid Attribute Combination", "Exactly one of these attributes must be configured: [id,email]"),
			},
		},
	})
}
