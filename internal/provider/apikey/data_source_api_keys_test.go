package apikey_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// entry is what the data source must list for k.
func entry(k *client.APIKey, status string) knownvalue.Check {
	var expires knownvalue.Check = knownvalue.Null()
	if k.ExpiresAt != nil {
		expires = knownvalue.StringExact(*k.ExpiresAt)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":           knownvalue.StringExact(k.ID),
		"description":  knownvalue.StringExact(k.Description),
		"tags":         stringSet(k.Tags...),
		"status":       knownvalue.StringExact(status),
		"masked_key":   knownvalue.StringExact(k.MaskedKey),
		"expires_at":   expires,
		"last_used_at": knownvalue.Null(),
		"created_at":   knownvalue.StringExact(k.CreatedAt),
	})
}

// TestAccAPIKeysDataSource lists the manager's keys (all, and only the
// disabled ones) and a managed account's, newest first, without secrets.
func TestAccAPIKeysDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := acctest.NewManagedAccount(t, srv, "Listed Co")
	asAccount := srv.Client(t, account.APIKey)

	alpha, beta := "alpha", "beta"
	in := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	// Created a few milliseconds apart, so that "newest first" is one order.
	first := createKey(t, manager, client.CreateAPIKeyRequest{Description: &alpha, Tags: []string{"a", "b"}})
	time.Sleep(5 * time.Millisecond)
	second := createKey(t, manager, client.CreateAPIKeyRequest{Description: &beta})
	time.Sleep(5 * time.Millisecond)
	third := createKey(t, manager, client.CreateAPIKeyRequest{ExpiresAt: &in})
	disabled := client.APIKeyStatusDisabled
	if _, err := manager.UpdateAPIKey(t.Context(), second.ID, client.UpdateAPIKeyRequest{Status: &disabled}); err != nil {
		t.Fatal(err)
	}
	accountKey := createKey(t, asAccount, client.CreateAPIKeyRequest{Description: &alpha})
	revoked := createKey(t, manager, client.CreateAPIKeyRequest{})
	if _, err := manager.RevokeAPIKey(t.Context(), revoked.ID); err != nil {
		t.Fatal(err)
	}

	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
data "telnyx_api_keys" "all" {}

data "telnyx_api_keys" "disabled" {
  status = "disabled"
}

data "telnyx_api_keys" "account" {
  managed_account_id = %q
}
`, account.ID)
	list := func(name string, entries ...knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue("data.telnyx_api_keys."+name, tfjsonpath.New("api_keys"), knownvalue.ListExact(entries))
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(srv, srv.ManagerKey) + `
data "telnyx_api_keys" "bad" {
  status = "revoked"
}
`,
				ExpectError: acctest.ErrorMatching("status", `value must be one of: ["active" "disabled" "expired"]`),
			},
			{
				Config: acctest.ProviderConfig(srv, srv.ManagerKey) + `
data "telnyx_api_keys" "bad" {
  managed_account_id = "00000000-0000-4000-8000-000000000000"
}
`,
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account", "Managed account not found"),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					// The revoked key and the primary keys are not listed.
					list("all", entry(third, "active"), entry(second, "disabled"), entry(first, "active")),
					list("disabled", entry(second, "disabled")),
					list("account", entry(accountKey, "active")),
					// The id digests the query's arguments: pinned, so that an unchanged
					// query keeps its id from one release to the next.
					statecheck.ExpectKnownValue("data.telnyx_api_keys.all", tfjsonpath.New("id"), knownvalue.StringExact("e3ddb45146bb9e1c792b5ac47582c876")),
					acctest.SecretsAbsent(func() []acctest.Secret {
						return []acctest.Secret{
							{Name: "the first key", Value: first.APIKey}, {Name: "the second key", Value: second.APIKey},
							{Name: "the third key", Value: third.APIKey}, {Name: "the account's key", Value: accountKey.APIKey},
						}
					}),
				},
			},
			acctest.EmptyPlan(config),
		},
	})
}
