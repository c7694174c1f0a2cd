package managedaccount_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// byID filters the results of a query down to the account id.
func byID(id string) queryfilter.QueryFilter {
	return queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"id": knownvalue.StringExact(id)})
}

// TestAccManagedAccountList finds a manager's accounts with terraform query:
// every account that is not cancelled, each with its identity, its display
// name and (with include_resource) the state an import reads; the status,
// email and organization name filters, applied by the API; limit; and a
// filter the API would refuse, refused before any call.
func TestAccManagedAccountList(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	// Another manager's accounts are never listed.
	_, otherKey := srv.NewManager(t)
	if _, err := srv.Client(t, otherKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Listed Elsewhere"}); err != nil {
		t.Fatal(err)
	}
	create := func(name, email string, rollup bool) *client.ManagedAccount {
		t.Helper()
		a, err := manager.CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{
			BusinessName: name, Email: &email, RollupBilling: &rollup,
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	acme := create("Acme Telecom", uniqueEmail(t, "ops-acme"), false)
	globex := create("Globex Voice", uniqueEmail(t, "billing-globex"), true)
	paused := create("Acme Paused", uniqueEmail(t, "paused"), false)
	if _, err := manager.DisableManagedAccount(context.Background(), paused.ID); err != nil {
		t.Fatal(err)
	}
	gone := create("Acme Gone", uniqueEmail(t, "gone"), false)
	srv.CancelAccount(t, gone.ID)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.QueryVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_managed_account", "  include_resource = true", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_managed_account.found", 3),
					querycheck.ExpectIdentity("telnyx_managed_account.found", map[string]knownvalue.Check{"id": knownvalue.StringExact(acme.ID)}),
					querycheck.ExpectIdentity("telnyx_managed_account.found", map[string]knownvalue.Check{"id": knownvalue.StringExact(globex.ID)}),
					querycheck.ExpectIdentity("telnyx_managed_account.found", map[string]knownvalue.Check{"id": knownvalue.StringExact(paused.ID)}),
					querycheck.ExpectResourceDisplayName("telnyx_managed_account.found", byID(acme.ID),
						knownvalue.StringExact("Acme Telecom ("+acme.Email+")")),
					querycheck.ExpectResourceKnownValues("telnyx_managed_account.found", byID(globex.ID), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(globex.ID)},
						{Path: tfjsonpath.New("business_name"), KnownValue: knownvalue.StringExact("Globex Voice")},
						{Path: tfjsonpath.New("email"), KnownValue: knownvalue.StringExact(globex.Email)},
						{Path: tfjsonpath.New("rollup_billing"), KnownValue: knownvalue.Bool(true)},
						{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(true)},
						{Path: tfjsonpath.New("deletion_policy"), KnownValue: knownvalue.StringExact("disable")},
						{Path: tfjsonpath.New("global_channel_limit"), KnownValue: knownvalue.Int64Exact(0)},
						{Path: tfjsonpath.New("manager_account_id"), KnownValue: knownvalue.StringExact(srv.ManagerID)},
						{Path: tfjsonpath.New("password_wo"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectResourceKnownValues("telnyx_managed_account.found", byID(paused.ID), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(false)},
					}),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_managed_account", "", `    status = "disabled"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_managed_account.found", 1),
					querycheck.ExpectIdentity("telnyx_managed_account.found", map[string]knownvalue.Check{"id": knownvalue.StringExact(paused.ID)}),
				},
			},
			{
				Query: true,
				Config: acctest.QueryConfig(srv, "telnyx_managed_account", "", `
    status                     = "enabled"
    organization_name_contains = "ACME"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_managed_account.found", 1),
					querycheck.ExpectIdentity("telnyx_managed_account.found", map[string]knownvalue.Check{"id": knownvalue.StringExact(acme.ID)}),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_managed_account", "", `    email_contains = "billing-globex"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_managed_account.found", 1),
					querycheck.ExpectIdentity("telnyx_managed_account.found", map[string]knownvalue.Check{"id": knownvalue.StringExact(globex.ID)}),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_managed_account", "  limit = 2", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_managed_account.found", 2),
				},
			},
			{
				Query:       true,
				Config:      acctest.QueryConfig(srv, "telnyx_managed_account", "", `    email_contains = "ab"`),
				ExpectError: acctest.ErrorMatching("email_contains", "string length must be at least 3"),
			},
			{
				Query:       true,
				Config:      acctest.QueryConfig(srv, "telnyx_managed_account", "", `    status = "cancelled"`),
				ExpectError: acctest.ErrorMatching("status", `value must be one of: ["enabled" "disabled"]`),
			},
		},
	})
}
