package apikey_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccAPIKeyList finds keys with terraform query: the manager's own
// (active and disabled, never revoked or expired ones, nor the account's
// primary key), each with its identity, display name and the state an
// import reads; a managed account's keys through managed_account_id; the
// status filter; limit; and the errors.
func TestAccAPIKeyList(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	ci := createKey(t, manager, client.CreateAPIKeyRequest{Description: ptr("CI deploys"), Tags: []string{"ci"}})
	paused := createKey(t, manager, client.CreateAPIKeyRequest{})
	disabled := client.APIKeyStatusDisabled
	if _, err := manager.UpdateAPIKey(context.Background(), paused.ID, client.UpdateAPIKeyRequest{Status: &disabled}); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	createKey(t, manager, client.CreateAPIKeyRequest{Description: ptr("expires"), ExpiresAt: &soon})
	srv.AdvanceTime(2 * time.Hour)
	revoked := createKey(t, manager, client.CreateAPIKeyRequest{})
	if _, err := manager.RevokeAPIKey(context.Background(), revoked.ID); err != nil {
		t.Fatal(err)
	}
	account := acctest.NewManagedAccount(t, srv, "Listed Keys Co")
	asAccount := srv.Client(t, account.APIKey)
	accountKey := createKey(t, asAccount, client.CreateAPIKeyRequest{Description: ptr("customer")})

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.QueryVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_api_key", "  include_resource = true", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_api_key.found", 2),
					querycheck.ExpectIdentity("telnyx_api_key.found", acctest.AccountScopedIdentity("", knownvalue.StringExact(ci.ID))),
					querycheck.ExpectIdentity("telnyx_api_key.found", acctest.AccountScopedIdentity("", knownvalue.StringExact(paused.ID))),
					querycheck.ExpectResourceDisplayName("telnyx_api_key.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(ci.ID))),
						knownvalue.StringExact(ci.MaskedKey+" (CI deploys)")),
					querycheck.ExpectResourceDisplayName("telnyx_api_key.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(paused.ID))),
						knownvalue.StringExact(paused.MaskedKey)),
					querycheck.ExpectResourceKnownValues("telnyx_api_key.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(ci.ID))), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(ci.ID)},
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("CI deploys")},
						{Path: tfjsonpath.New("tags"), KnownValue: knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("ci")})},
						{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(true)},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
						{Path: tfjsonpath.New("masked_key"), KnownValue: knownvalue.StringExact(ci.MaskedKey)},
						{Path: tfjsonpath.New("expires_at"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("rotation_triggers"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("secret"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectResourceKnownValues("telnyx_api_key.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity("", knownvalue.StringExact(paused.ID))), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("enabled"), KnownValue: knownvalue.Bool(false)},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("disabled")},
					}),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_api_key", "", `    status = "disabled"`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_api_key.found", 1),
					querycheck.ExpectIdentity("telnyx_api_key.found", acctest.AccountScopedIdentity("", knownvalue.StringExact(paused.ID))),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_api_key", "  include_resource = true", fmt.Sprintf(`    managed_account_id = %q`, account.ID)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("telnyx_api_key.found", 1),
					querycheck.ExpectIdentity("telnyx_api_key.found", acctest.AccountScopedIdentity(account.ID, knownvalue.StringExact(accountKey.ID))),
					querycheck.ExpectResourceKnownValues("telnyx_api_key.found", queryfilter.ByResourceIdentity(acctest.AccountScopedIdentity(account.ID, knownvalue.StringExact(accountKey.ID))), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.StringExact(account.ID)},
						{Path: tfjsonpath.New("description"), KnownValue: knownvalue.StringExact("customer")},
					}),
				},
			},
			{
				Query:             true,
				Config:            acctest.QueryConfig(srv, "telnyx_api_key", "  limit = 1", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength("telnyx_api_key.found", 1)},
			},
			{
				Query:       true,
				Config:      acctest.QueryConfig(srv, "telnyx_api_key", "", `    managed_account_id = "00000000-0000-4000-8000-000000000000"`),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account 00000000-0000-4000-8000-000000000000", "Managed account not found"),
			},
			{
				Query:       true,
				Config:      acctest.QueryConfig(srv, "telnyx_api_key", "", `    status = "expired"`),
				ExpectError: acctest.ErrorMatching("status", `value must be one of: ["active" "disabled"]`),
			},
		},
	})
}

func ptr[T any](v T) *T { return &v }
