package apikey_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

var secretPattern = regexp.MustCompile(`^KEY[0-9A-F]{32}_[A-Za-z0-9_-]{43}$`)

func known(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(keyAddr, tfjsonpath.New(attr), v)
}

func stringSet(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.SetExact(checks)
}

// TestAccAPIKey_lifecycle walks a key of the manager's own account through
// create, import (both ways), in-place updates of description, tags and
// enabled, and back to the defaults, with an empty plan after every apply
// and the revocation checked through the API after destroy.
func TestAccAPIKey_lifecycle(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	var id, secret string

	created := keyConfig(srv, `
  description = "CI deploys"
  tags        = ["ci", "deploy"]`)
	updated := keyConfig(srv, `
  description = "CI deploys, paused"
  tags        = ["ci"]
  enabled     = false`)
	defaults := keyConfig(srv, ``)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config:           created,
				ConfigPlanChecks: acctest.ExpectAction(keyAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("description", knownvalue.StringExact("CI deploys")),
					known("tags", stringSet("ci", "deploy")),
					known("enabled", knownvalue.Bool(true)),
					known("status", knownvalue.StringExact("active")),
					known("expires_at", knownvalue.Null()),
					known("managed_account_id", knownvalue.Null()),
					known("rotation_triggers", knownvalue.Null()),
					known("created_at", knownvalue.NotNull()),
					known("secret", knownvalue.StringRegexp(secretPattern)),
					statecheck.ExpectSensitiveValue(keyAddr, tfjsonpath.New("secret")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "id", &id),
					acctest.CaptureAttr(keyAddr, "secret", &secret),
					resource.TestCheckResourceAttrWith(keyAddr, "masked_key", func(v string) error {
						if v != "KEY…"+secret[len(secret)-4:] {
							return fmt.Errorf("masked_key %q does not end with the secret's last four characters", v)
						}
						return nil
					}),
					// The key acts as the account that created it: the manager.
					keyActsAs(t, srv, &secret, "", true),
					checkAPIKey(manager, &id, func(k *client.APIKey) error {
						if k.Description != "CI deploys" || !sameStrings(k.Tags, "ci", "deploy") || k.Status != "active" {
							return fmt.Errorf("API key = %+v", k)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(created),
			{
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
			},
			{
				// An import block plans no change: every default matches
				// what the API reports for a key imported without a secret.
				ResourceName:    keyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				ResourceName:  keyAddr,
				ImportState:   true,
				ImportStateId: "a/b/c",
				ExpectError:   acctest.ErrorMatching("Invalid import identifier", `"a/b/c" is not an API key identifier`),
			},
			{
				Config:           updated,
				ConfigPlanChecks: acctest.ExpectAction(keyAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("description", knownvalue.StringExact("CI deploys, paused")),
					known("tags", stringSet("ci")),
					known("enabled", knownvalue.Bool(false)),
					known("status", knownvalue.StringExact("disabled")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(keyAddr, "id", &id),
					resource.TestCheckResourceAttrPtr(keyAddr, "secret", &secret),
					keyRefused(t, srv, &secret, "disabled"),
				),
			},
			acctest.EmptyPlan(updated),
			{
				Config:           defaults,
				ConfigPlanChecks: acctest.ExpectAction(keyAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("description", knownvalue.StringExact("")),
					known("tags", knownvalue.SetSizeExact(0)),
					known("enabled", knownvalue.Bool(true)),
					known("status", knownvalue.StringExact("active")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(keyAddr, "id", &id),
					keyActsAs(t, srv, &secret, "", true),
					checkAPIKey(manager, &id, func(k *client.APIKey) error {
						if k.Description != "" || len(k.Tags) != 0 {
							return fmt.Errorf("API key kept description %q and tags %v", k.Description, k.Tags)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(defaults),
		},
	})
}

func sameStrings(got []string, want ...string) bool {
	g := slices.Clone(got)
	slices.Sort(g)
	slices.Sort(want)
	return slices.Equal(g, want)
}

// TestAccAPIKey_rotation rotates a key through rotation_triggers with
// create_before_destroy: the new key exists before the old one is revoked
// (the order of the API calls is recorded by a proxy), the new key works,
// and the old one is refused afterwards.
func TestAccAPIKey_rotation(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	baseURL, log := recordingProxy(t, srv)
	var oldID, oldSecret, newSecret string
	mark := 0
	ids := statecheck.CompareValue(compare.ValuesDiffer())

	config := func(rotated string) string {
		return fmt.Sprintf(`
provider "telnyx" {
  base_url    = %q
  api_key     = %q
  max_retries = 0
}

resource "telnyx_api_key" "test" {
  description = "rotated monthly"
  rotation_triggers = {
    rotated = %q
  }

  lifecycle {
    create_before_destroy = true
  }
}
`, baseURL, srv.ManagerKey, rotated)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config("2026-01"),
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(keyAddr, tfjsonpath.New("id")),
					known("rotation_triggers", knownvalue.MapExact(map[string]knownvalue.Check{"rotated": knownvalue.StringExact("2026-01")})),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "id", &oldID),
					acctest.CaptureAttr(keyAddr, "secret", &oldSecret),
					keyActsAs(t, srv, &oldSecret, "", true),
				),
			},
			acctest.EmptyPlan(config("2026-01")),
			{
				PreConfig: func() { mark = log.len() },
				Config:    config("2026-02"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreateBeforeDestroy),
					plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("secret")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(keyAddr, tfjsonpath.New("id")),
					known("rotation_triggers", knownvalue.MapExact(map[string]knownvalue.Check{"rotated": knownvalue.StringExact("2026-02")})),
					known("description", knownvalue.StringExact("rotated monthly")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "secret", &newSecret),
					keyActsAs(t, srv, &newSecret, "", true),
					keyRefused(t, srv, &oldSecret, "revoked"),
					func(*terraform.State) error {
						calls := log.since(mark)
						created := slices.Index(calls, "POST /v2/api_keys")
						revoked := slices.Index(calls, "DELETE /v2/api_keys/"+oldID)
						if created < 0 || revoked < 0 || created > revoked {
							return fmt.Errorf("want the new key created before the old one is revoked; API calls: %s", strings.Join(calls, ", "))
						}
						return nil
					},
				),
			},
			acctest.EmptyPlan(config("2026-02")),
		},
	})
}

// TestAccAPIKey_drift changes the key behind Terraform's back: revoked, the
// next plan creates a new one; disabled, the next plan enables it again.
func TestAccAPIKey_drift(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	var firstID, secondID, secret string
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	config := keyConfig(srv, `  description = "drifting"`)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(keyAddr, tfjsonpath.New("id"))},
				Check:             acctest.CaptureAttr(keyAddr, "id", &firstID),
			},
			{
				PreConfig: func() {
					if _, err := manager.RevokeAPIKey(context.Background(), firstID); err != nil {
						t.Fatalf("revoke behind Terraform's back: %v", err)
					}
				},
				Config:            config,
				ConfigPlanChecks:  acctest.ExpectAction(keyAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(keyAddr, tfjsonpath.New("id"))},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "id", &secondID),
					acctest.CaptureAttr(keyAddr, "secret", &secret),
					keyActsAs(t, srv, &secret, "", true),
				),
			},
			acctest.EmptyPlan(config),
			{
				PreConfig: func() {
					disabled := client.APIKeyStatusDisabled
					if _, err := manager.UpdateAPIKey(context.Background(), secondID, client.UpdateAPIKeyRequest{Status: &disabled}); err != nil {
						t.Fatalf("disable behind Terraform's back: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(keyAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{known("status", knownvalue.StringExact("active"))},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(keyAddr, "id", &secondID),
					keyActsAs(t, srv, &secret, "", true),
				),
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccAPIKey_expiresAt writes expires_at with an offset: the API answers
// the same instant in UTC with milliseconds, and neither that form, nor an
// import, nor the configuration rewritten in the API's form plans a change;
// another instant replaces the key.
func TestAccAPIKey_expiresAt(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	instant := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	withOffset := instant.In(time.FixedZone("", 2*60*60)).Format(time.RFC3339)
	apiForm := instant.UTC().Format("2006-01-02T15:04:05.000Z")
	later := instant.Add(time.Hour).UTC().Format(time.RFC3339)
	var id string
	config := func(expiresAt string) string {
		return keyConfig(srv, fmt.Sprintf(`
  description = "expiring"
  expires_at  = %q`, expiresAt))
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config:            config(withOffset),
				ConfigStateChecks: []statecheck.StateCheck{known("expires_at", knownvalue.StringExact(withOffset))},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "id", &id),
					checkAPIKey(manager, &id, func(k *client.APIKey) error {
						if k.ExpiresAt == nil || *k.ExpiresAt != apiForm {
							return fmt.Errorf("API expires_at = %v, want %s", k.ExpiresAt, apiForm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(config(withOffset)),
			{
				ResourceName:    keyAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			acctest.EmptyPlan(config(apiForm)),
			{
				Config:            config(later),
				ConfigPlanChecks:  acctest.ExpectAction(keyAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: []statecheck.StateCheck{known("expires_at", knownvalue.StringExact(later))},
				Check: resource.ComposeAggregateTestCheckFunc(
					// The first key was revoked by the replacement.
					func(*terraform.State) error {
						if _, err := manager.GetAPIKey(context.Background(), id); !client.IsNotFound(err) {
							return fmt.Errorf("the replaced key: want a 404, got: %w", acctest.OrNoError(err))
						}
						return nil
					},
				),
			},
			acctest.EmptyPlan(config(later)),
		},
	})
}

// TestAccAPIKey_expiredKeyIsDropped lets a key expire (the backend's clock is
// moved past its expiry, no waiting): the next refresh removes it from the
// state, and the plan creates it again.
func TestAccAPIKey_expiredKeyIsDropped(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	expiresAt := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var secret string
	config := keyConfig(srv, fmt.Sprintf(`  expires_at = %q`, expiresAt.Format(time.RFC3339)))

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  acctest.CaptureAttr(keyAddr, "secret", &secret),
			},
			acctest.EmptyPlan(config),
			{
				PreConfig: func() {
					srv.AdvanceTime(2 * time.Hour)
					if err := refused(t, srv, secret, "expired"); err != nil {
						t.Fatalf("the key should have expired: %v", err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(keyAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccAPIKey_providerActsAsManagedAccount creates a key through a provider
// configured with managed_account_id (acctest.AliasProviderName stands in for
// an aliased provider block): the key belongs to and authenticates as the
// managed account, which the manager's key does not see.
func TestAccAPIKey_providerActsAsManagedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := acctest.NewManagedAccount(t, srv, "Aliased Co")
	srv.Adjust(t, account.ID, "4.20")
	asAccount := srv.Client(t, account.APIKey)
	var id, secret string

	config := func(description string) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) +
			acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), account.ID) + fmt.Sprintf(`
resource "telnyx_api_key" "test" {
  provider    = telnyxalias
  description = %q
}

data "telnyx_balance" "account" {
  provider = telnyxalias
}
`, description)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, asAccount),
		Steps: []resource.TestStep{
			{
				Config: config("integration"),
				ConfigStateChecks: []statecheck.StateCheck{
					known("managed_account_id", knownvalue.Null()),
					statecheck.ExpectKnownValue("data.telnyx_balance.account", tfjsonpath.New("balance"), knownvalue.StringExact("4.20")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "id", &id),
					acctest.CaptureAttr(keyAddr, "secret", &secret),
					keyActsAs(t, srv, &secret, "4.20", false),
					checkAPIKey(asAccount, &id, func(k *client.APIKey) error {
						if k.Description != "integration" {
							return fmt.Errorf("API description %q", k.Description)
						}
						return nil
					}),
					func(*terraform.State) error {
						if _, err := manager.GetAPIKey(context.Background(), id); !client.IsNotFound(err) {
							return fmt.Errorf("the manager's own keys include the managed account's key: %w", acctest.OrNoError(err))
						}
						return nil
					},
				),
			},
			acctest.EmptyPlan(config("integration")),
			{
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
			},
			{
				Config:            config("integration v2"),
				ConfigPlanChecks:  acctest.ExpectAction(keyAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{known("description", knownvalue.StringExact("integration v2"))},
				Check:             resource.TestCheckResourceAttrPtr(keyAddr, "id", &id),
			},
			acctest.EmptyPlan(config("integration v2")),
		},
	})
}

// TestAccAPIKey_resourceManagedAccountID gives the key its own
// managed_account_id, from a managed account created in the same
// configuration (unknown until it exists), with the default provider: the
// key belongs to that account; it imports as <managed_account_id>/<key_id>
// but not as a key of the manager.
func TestAccAPIKey_resourceManagedAccountID(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	var id, accountID, secret string
	config := func(enabled bool) string {
		return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_managed_account" "customer" {
  business_name = "Own Attribute Co"
  # Left enabled on destroy, so that the key's revocation can be checked
  # through the account afterwards.
  deletion_policy = "abandon"
}

resource "telnyx_api_key" "test" {
  managed_account_id = telnyx_managed_account.customer.id
  description        = "customer key"
  enabled            = %t
}
`, enabled)
	}
	importID := func(*terraform.State) (string, error) { return accountID + "/" + id, nil }

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(keyAddr, "id", &id),
					acctest.CaptureAttr(keyAddr, "secret", &secret),
					acctest.CaptureAttr("telnyx_managed_account.customer", "id", &accountID),
					resource.TestCheckResourceAttrPair(keyAddr, "managed_account_id", "telnyx_managed_account.customer", "id"),
					keyActsAs(t, srv, &secret, "0.00", false),
					func(*terraform.State) error {
						if _, err := manager.GetAPIKey(context.Background(), id); !client.IsNotFound(err) {
							return fmt.Errorf("the manager's own keys include the managed account's key: %w", acctest.OrNoError(err))
						}
						c, err := acctest.OwnerClient(t, srv, accountID)
						if err != nil {
							return err
						}
						_, err = c.GetAPIKey(context.Background(), id)
						return err
					},
				),
			},
			acctest.EmptyPlan(config(true)),
			{
				ResourceName:            keyAddr,
				ImportState:             true,
				ImportStateIdFunc:       importID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret"},
			},
			{
				ResourceName:      keyAddr,
				ImportState:       true,
				ImportStateKind:   resource.ImportBlockWithID,
				ImportStateIdFunc: importID,
			},
			{
				// Without the account, the id names no key of the manager.
				ResourceName:      keyAddr,
				ImportState:       true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return id, nil },
				ExpectError:       regexp.MustCompile(`Cannot import non-existent remote object`),
			},
			{
				Config:            config(false),
				ConfigPlanChecks:  acctest.ExpectAction(keyAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{known("status", knownvalue.StringExact("disabled"))},
				Check:             keyRefused(t, srv, &secret, "disabled"),
			},
			acctest.EmptyPlan(config(false)),
		},
	})
}

// TestAccAPIKey_expiresAtKnownAtApply: an expires_at known only at apply
// (from another resource) is left to the API, and a future one applies.
func TestAccAPIKey_expiresAtKnownAtApply(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	expiresAt := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "terraform_data" "expiry" {
  input = %q
}

resource "telnyx_api_key" "test" {
  expires_at = terraform_data.expiry.output
}
`, expiresAt)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(keyAddr, tfjsonpath.New("expires_at")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{known("expires_at", knownvalue.StringExact(expiresAt))},
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccAPIKey_pastExpiryInStateStillPlans: expires_at is checked against
// the clock only when a key is to be created with it. A key made while the
// backend's clock stood two days back, with an expires_at that has passed
// by this machine's clock, is adopted and destroyed; rotating it (a new key
// with the same expires_at) fails the plan.
func TestAccAPIKey_pastExpiryInStateStillPlans(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	now := time.Now().UTC().Truncate(time.Second)
	srv.SetTime(now.Add(-48 * time.Hour))
	expiresAt := now.Add(-24 * time.Hour).Format(time.RFC3339)
	id, _ := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"expires_at": expiresAt})
	config := keyConfig(srv, fmt.Sprintf("  expires_at = %q", expiresAt))
	adopt := config + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", keyAddr, id)
	// An imported key has no rotation_triggers: adding them rotates it.
	rotated := keyConfig(srv, fmt.Sprintf("  expires_at        = %q\n  rotation_triggers = { v = \"2\" }", expiresAt))

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config:            adopt,
				ConfigStateChecks: []statecheck.StateCheck{known("id", knownvalue.StringExact(id)), known("status", knownvalue.StringExact("active"))},
			},
			acctest.EmptyPlan(config),
			{
				Config:      rotated,
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("expires_at is in the past", "expires_at "+expiresAt+" has passed"),
			},
		},
	})
}

// TestAccAPIKey_errors checks that the API's refusals and invalid
// configurations reach the user with a detail they can act on.
func TestAccAPIKey_errors(t *testing.T) {
	srv := backendtest.Start(t)
	_, otherKey := srv.NewManager(t)
	foreign, err := srv.Client(t, otherKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "Foreign Co"})
	if err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      keyConfig(srv, `  managed_account_id = "00000000-0000-4000-8000-000000000000"`),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account 00000000-0000-4000-8000-000000000000", "The Telnyx API answered: Managed account not found"),
			},
			{
				// Another manager's account is as invisible as one that does not exist.
				Config:      keyConfig(srv, fmt.Sprintf(`  managed_account_id = %q`, foreign.ID)),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account "+foreign.ID, "Managed account not found"),
			},
			{
				Config:      keyConfig(srv, `  expires_at = "2001-01-01T00:00:00Z"`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("expires_at is in the past", "expires_at 2001-01-01T00:00:00Z has passed", "Set a time in the future"),
			},
			{
				Config:      keyConfig(srv, `  expires_at = "2001-01-01T02:00:00+02:00"`),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("expires_at is in the past"),
			},
			{
				Config:      keyConfig(srv, `  expires_at = "tomorrow"`),
				ExpectError: acctest.ErrorMatching("Invalid time", `"tomorrow" is not an RFC 3339 time`),
			},
			{
				Config:      keyConfig(srv, `  tags = ["ok", ""]`),
				ExpectError: acctest.ErrorMatching("tags", "string length must be between 1 and 64"),
			},
			{
				Config:      keyConfig(srv, `  tags = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]`),
				ExpectError: acctest.ErrorMatching("tags", "set must contain at most 10 elements"),
			},
			{
				Config:      keyConfig(srv, fmt.Sprintf(`  description = %q`, strings.Repeat("x", 256))),
				ExpectError: acctest.ErrorMatching("description", "string length must be at most 255"),
			},
		},
	})
}
