package managedaccount_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// ephemeralVersions: ephemeral resources need Terraform 1.10.
var ephemeralVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}

// createAccount creates a managed account of srv's manager through the API.
func createAccount(t *testing.T, srv *backendtest.Server, name string) *client.ManagedAccount {
	t.Helper()
	a, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: name})
	if err != nil {
		t.Fatalf("create managed account %q: %v", name, err)
	}
	return a
}

// echoed checks an attribute of the ephemeral value that the echo provider
// copied into the state of echo.credentials.
func echoed(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue("echo.credentials", tfjsonpath.New("data").AtMapKey(attr), v)
}

const echoCredentials = `
provider "echo" {
  data = ephemeral.telnyx_managed_account_credentials.account
}

resource "echo" "credentials" {}
`

// TestAccManagedAccountCredentials_ephemeral reads a managed account's
// credentials into an ephemeral value, configures a second provider with the
// api_key (it reads the account's balance), and checks through the echo
// provider that the values are the account's own.
func TestAccManagedAccountCredentials_ephemeral(t *testing.T) {
	srv := backendtest.Start(t)
	a := createAccount(t, srv, "Credentials Co")
	srv.Adjust(t, a.ID, "7.25")
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
ephemeral "telnyx_managed_account_credentials" "account" {
  managed_account_id = %q
}
`, a.ID) + acctest.AliasProviderConfig(srv, "ephemeral.telnyx_managed_account_credentials.account.api_key", "") + `
data "telnyx_balance" "account" {
  provider = telnyxalias
}
` + echoCredentials

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.telnyx_balance.account", tfjsonpath.New("balance"), knownvalue.StringExact("7.25")),
					echoed("managed_account_id", knownvalue.StringExact(a.ID)),
					echoed("api_key", knownvalue.StringExact(a.APIKey)),
					echoed("api_token", knownvalue.StringExact(a.APIToken)),
					echoed("api_user", knownvalue.StringExact(a.APIUser)),
				},
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccManagedAccountCredentials_providerActingAsAccount opens the
// ephemeral resource through a provider that acts as one managed account:
// the manager's key still reads another account's credentials.
func TestAccManagedAccountCredentials_providerActingAsAccount(t *testing.T) {
	srv := backendtest.Start(t)
	acting := createAccount(t, srv, "Acting Co")
	other := createAccount(t, srv, "Other Co")
	config := acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), acting.ID) + fmt.Sprintf(`
ephemeral "telnyx_managed_account_credentials" "account" {
  provider           = telnyxalias
  managed_account_id = %q
}
`, other.ID) + echoCredentials

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				echoed("api_key", knownvalue.StringExact(other.APIKey)),
				echoed("api_token", knownvalue.StringExact(other.APIToken)),
			},
		}},
	})
}

// TestAccManagedAccountCredentials_errors covers an account that is not the
// manager's, a provider whose key is not a manager's, an account created in
// the same run (its id unknown when the provider must be configured), and an
// empty id.
func TestAccManagedAccountCredentials_errors(t *testing.T) {
	srv := backendtest.Start(t)
	mine := createAccount(t, srv, "Mine Co")
	_, otherManagerKey := srv.NewManager(t)
	theirs, err := srv.Client(t, otherManagerKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Theirs Co"})
	if err != nil {
		t.Fatalf("create another manager's account: %v", err)
	}
	credentials := func(id string) string {
		return fmt.Sprintf(`
ephemeral "telnyx_managed_account_credentials" "account" {
  managed_account_id = %q
}
`, id) + echoCredentials
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				// Another manager's account is not found, as if it did not exist.
				Config:      acctest.ProviderConfig(srv, srv.ManagerKey) + credentials(theirs.ID),
				ExpectError: acctest.ErrorMatching("Unable to read the credentials of the managed account "+theirs.ID, "404 Not Found"),
			},
			{
				// A managed account's own key may not read managed accounts.
				Config:      acctest.ProviderConfig(srv, mine.APIKey) + credentials(mine.ID),
				ExpectError: acctest.ErrorMatching("Unable to read the credentials of the managed account "+mine.ID, "403 Forbidden"),
			},
			{
				Config: acctest.ProviderConfig(srv, srv.ManagerKey) + `
resource "telnyx_managed_account" "new" {
  business_name = "New Co"
}

ephemeral "telnyx_managed_account_credentials" "account" {
  managed_account_id = telnyx_managed_account.new.id
}
` + acctest.AliasProviderConfig(srv, "ephemeral.telnyx_managed_account_credentials.account.api_key", "") + `
data "telnyx_balance" "new" {
  provider = telnyxalias
}
`,
				ExpectError: acctest.ErrorMatching("Unknown provider setting", "api_key must be known during plan"),
			},
			{
				// The attribute that held the key until schema version 1 is
				// gone: a configuration that still reads it fails loudly
				// instead of configuring a provider with a null key (which
				// would fall back to TELNYX_API_KEY, the manager's).
				Config: acctest.ProviderConfig(srv, srv.ManagerKey) + `
resource "telnyx_managed_account" "new" {
  business_name = "New Co"
}
` + acctest.AliasProviderConfig(srv, "telnyx_managed_account.new.api_key", "") + `
data "telnyx_balance" "new" {
  provider = telnyxalias
}
`,
				ExpectError: acctest.ErrorMatching("Unsupported attribute", `This object has no argument, nested block, or exported attribute named "api_key"`),
			},
			{
				Config:      acctest.ProviderConfig(srv, srv.ManagerKey) + credentials(""),
				ExpectError: acctest.ErrorMatching("managed_account_id", "string length must be at least 1"),
			},
		},
	})
}
