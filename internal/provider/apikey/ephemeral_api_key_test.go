package apikey_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

func echoed(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue("echo.key", tfjsonpath.New("data").AtMapKey(attr), v)
}

// expiresWithin checks that an RFC 3339 time lies between now+ttl-slack and
// now+ttl, as seen when the check runs (after the key was opened).
func expiresWithin(value *string, ttl, slack time.Duration) error {
	at, err := time.Parse(time.RFC3339, *value)
	if err != nil {
		return fmt.Errorf("expires_at %q: %w", *value, err)
	}
	if until := time.Until(at); until > ttl || until < ttl-slack {
		return fmt.Errorf("expires_at %s is %s away, want about %s", *value, until.Round(time.Second), ttl)
	}
	return nil
}

// TestAccAPIKeyEphemeral_feedsAnotherProvider opens an ephemeral key of a
// managed account and configures a second provider with it
// (acctest.AliasProviderName, standing in for an aliased provider block):
// that provider reads the managed account's balance. The echo provider
// exposes the ephemeral values to the test, which checks that the key was
// revoked when the run ended and that no key of the account is left.
func TestAccAPIKeyEphemeral_feedsAnotherProvider(t *testing.T) {
	srv := backendtest.Start(t)
	account := acctest.NewManagedAccount(t, srv, "Ephemeral Co")
	srv.Adjust(t, account.ID, "6.10")
	asAccount := srv.Client(t, account.APIKey)
	var secret, expiresAt string

	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
ephemeral "telnyx_api_key" "session" {
  managed_account_id = %q
}
`, account.ID) + acctest.AliasProviderConfig(srv, "ephemeral.telnyx_api_key.session.secret", "") + `
data "telnyx_balance" "account" {
  provider = telnyxalias
}

provider "echo" {
  data = ephemeral.telnyx_api_key.session
}

resource "echo" "key" {}
`

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.telnyx_balance.account", tfjsonpath.New("balance"), knownvalue.StringExact("6.10")),
					echoed("secret", knownvalue.StringRegexp(secretPattern)),
					echoed("secret", captured{&secret}),
					echoed("expires_at", captured{&expiresAt}),
					echoed("id", knownvalue.NotNull()),
					echoed("managed_account_id", knownvalue.StringExact(account.ID)),
					echoed("ttl", knownvalue.StringExact("15m")),
					echoed("description", knownvalue.StringExact("Ephemeral key (Terraform)")),
					then(func() error { return expiresWithin(&expiresAt, 15*time.Minute, 2*time.Minute) }),
					// Closed at the end of the apply: already revoked.
					then(func() error { return refused(t, srv, secret, "revoked") }),
				},
			},
			acctest.EmptyPlan(config),
		},
	})

	// Every run (plan, apply, refresh, destroy) opened a key and closed it.
	if keys := activeKeys(t, asAccount); len(keys) != 0 {
		t.Fatalf("the managed account still has %d keys after the test, want none: %+v", len(keys), keys)
	}
	if keys := activeKeys(t, srv.Client(t, srv.ManagerKey)); len(keys) != 0 {
		t.Fatalf("the manager has %d keys, want none: the ephemeral key belongs to the managed account", len(keys))
	}
}

// TestAccAPIKeyEphemeral_providerActingAsAccount opens an ephemeral key
// through a provider that acts as a managed account (no managed_account_id
// on the ephemeral resource), with its own ttl and description.
func TestAccAPIKeyEphemeral_providerActingAsAccount(t *testing.T) {
	srv := backendtest.Start(t)
	account := acctest.NewManagedAccount(t, srv, "Acting Ephemeral Co")
	asAccount := srv.Client(t, account.APIKey)
	var secret, expiresAt string

	config := acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), account.ID) + `
ephemeral "telnyx_api_key" "session" {
  provider    = telnyxalias
  description = "nightly job"
  ttl         = "2m"
}

provider "echo" {
  data = ephemeral.telnyx_api_key.session
}

resource "echo" "key" {}
`

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				Config: `
ephemeral "telnyx_api_key" "bad" {
  provider = telnyxalias
  ttl      = "30s"
}
` + acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), account.ID),
				ExpectError: regexp.MustCompile(`"30s" is not a duration of at least 1m0s`),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					echoed("secret", captured{&secret}),
					echoed("expires_at", captured{&expiresAt}),
					echoed("managed_account_id", knownvalue.Null()),
					echoed("ttl", knownvalue.StringExact("2m")),
					echoed("description", knownvalue.StringExact("nightly job")),
					then(func() error { return expiresWithin(&expiresAt, 2*time.Minute, time.Minute) }),
					then(func() error { return refused(t, srv, secret, "revoked") }),
				},
			},
			acctest.EmptyPlan(config),
		},
	})

	if keys := activeKeys(t, asAccount); len(keys) != 0 {
		t.Fatalf("the managed account still has %d keys after the test, want none: %+v", len(keys), keys)
	}
}
