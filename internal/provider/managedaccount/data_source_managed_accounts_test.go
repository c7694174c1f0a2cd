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

// pagedAccounts is more than one page of 250, the page size the data
// source asks for.
const pagedAccounts = 260

// TestAccManagedAccountsDataSource reads more than one page and applies
// every kind of filter. The manager has 260 "Paging Co" accounts and four
// "Other Org" accounts: one enabled, two disabled, one cancelled.
func TestAccManagedAccountsDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	// Seeding takes a few hundred calls: only when the test runs.
	seed := func() {
		c := srv.Client(t, srv.ManagerKey)
		ctx := context.Background()
		create := func(name, email string) string {
			a, err := c.CreateManagedAccount(ctx, client.CreateManagedAccountRequest{BusinessName: name, Email: &email})
			if err != nil {
				t.Fatalf("create %s: %v", email, err)
			}
			return a.ID
		}
		for i := range pagedAccounts {
			create(fmt.Sprintf("Paging Co %03d", i), fmt.Sprintf("paging-%03d@example.com", i))
		}
		var others []string
		for i := range 4 {
			others = append(others, create(fmt.Sprintf("Other Org %d", i), fmt.Sprintf("other-%d@example.net", i)))
		}
		for _, id := range others[1:3] {
			if _, err := c.DisableManagedAccount(ctx, id); err != nil {
				t.Fatalf("disable %s: %v", id, err)
			}
		}
		srv.CancelAccount(t, others[3])
	}

	config := acctest.ProviderConfig(srv, srv.ManagerKey) + `
data "telnyx_managed_accounts" "all" {}

data "telnyx_managed_accounts" "paging" {
  organization_name_contains = "paging co"
}

data "telnyx_managed_accounts" "one" {
  email_eq = "paging-007@example.com"
}

data "telnyx_managed_accounts" "sorted" {
  email_contains = "paging-"
  sort           = "-email"
}

data "telnyx_managed_accounts" "disabled" {
  status = "disabled"
}

data "telnyx_managed_accounts" "others_with_cancelled" {
  email_contains             = "@example.net"
  include_cancelled_accounts = true
  sort                       = "email"
}

data "telnyx_managed_accounts" "org_eq" {
  organization_name_eq = "Other Org 0"
}
`
	list := func(name string) string { return "data.telnyx_managed_accounts." + name }
	size := func(name string, n int) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(list(name), tfjsonpath.New("managed_accounts"), knownvalue.ListSizeExact(n))
	}
	entry := func(name string, i int, attr string, want knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(list(name), tfjsonpath.New("managed_accounts").AtSliceIndex(i).AtMapKey(attr), want)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t); seed() },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					size("all", pagedAccounts+3),
					size("paging", pagedAccounts),
					size("one", 1),
					entry("one", 0, "organization_name", knownvalue.StringExact("Paging Co 007")),
					entry("one", 0, "manager_account_id", knownvalue.StringExact(srv.ManagerID)),
					entry("one", 0, "status", knownvalue.StringExact("enabled")),
					entry("one", 0, "rollup_billing", knownvalue.Bool(false)),
					size("sorted", pagedAccounts),
					entry("sorted", 0, "email", knownvalue.StringExact(fmt.Sprintf("paging-%03d@example.com", pagedAccounts-1))),
					entry("sorted", pagedAccounts-1, "email", knownvalue.StringExact("paging-000@example.com")),
					size("disabled", 2),
					entry("disabled", 0, "status", knownvalue.StringExact("disabled")),
					size("others_with_cancelled", 4),
					entry("others_with_cancelled", 3, "email", knownvalue.StringExact("other-3@example.net")),
					entry("others_with_cancelled", 3, "status", knownvalue.StringExact("cancelled")),
					size("org_eq", 1),
					entry("org_eq", 0, "email", knownvalue.StringExact("other-0@example.net")),
					// The id digests the query's arguments: pinned, so that an unchanged
					// query keeps its id from one release to the next.
					statecheck.ExpectKnownValue(list("all"), tfjsonpath.New("id"), knownvalue.StringExact("a631cebdb8876743d5b31970b9e0cb88")),
				},
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccManagedAccountsDataSource_invalidFilters checks the filters the
// provider refuses before calling the API.
func TestAccManagedAccountsDataSource_invalidFilters(t *testing.T) {
	srv := backendtest.Start(t)
	provider := acctest.ProviderConfig(srv, srv.ManagerKey)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      provider + `data "telnyx_managed_accounts" "x" { email_contains = "ab" }`,
				ExpectError: acctest.ErrorMatching("email_contains", "at least 3"),
			},
			{
				Config:      provider + `data "telnyx_managed_accounts" "x" { organization_name_contains = "xy" }`,
				ExpectError: acctest.ErrorMatching("organization_name_contains", "at least 3"),
			},
			{
				Config:      provider + `data "telnyx_managed_accounts" "x" { status = "gone" }`,
				ExpectError: acctest.ErrorMatching("status", "value must be one of"),
			},
			{
				Config:      provider + `data "telnyx_managed_accounts" "x" { sort = "name" }`,
				ExpectError: acctest.ErrorMatching("sort", "value must be one of"),
			},
		},
	})
}
