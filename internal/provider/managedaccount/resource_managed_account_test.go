package managedaccount_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const testAddr = "telnyx_managed_account.test"

func accountConfig(srv *backendtest.Server, body string) string {
	return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_managed_account" "test" {
%s
}
`, body)
}

func known(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(testAddr, tfjsonpath.New(attr), v)
}

// TestAccManagedAccount_lifecycle walks one account through create, import,
// in-place updates, disable and enable, and replacement, with an empty plan
// after every apply.
func TestAccManagedAccount_lifecycle(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	var firstID, currentID string
	ids := statecheck.CompareValue(compare.ValuesDiffer())

	created := accountConfig(srv, `  business_name = "Acme Corp"`)
	updated := accountConfig(srv, `
  business_name                        = "Acme Corp"
  managed_account_allow_custom_pricing = true
  global_channel_limit                 = 10`)
	disabled := accountConfig(srv, `
  business_name                        = "Acme Corp"
  managed_account_allow_custom_pricing = true
  global_channel_limit                 = 10
  enabled                              = false`)
	renamed := accountConfig(srv, `
  business_name                        = "Acme Corporation"
  managed_account_allow_custom_pricing = true
  global_channel_limit                 = 10`)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config:           created,
				ConfigPlanChecks: acctest.ExpectAction(testAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(testAddr, tfjsonpath.New("id")),
					known("business_name", knownvalue.StringExact("Acme Corp")),
					known("manager_account_id", knownvalue.StringExact(srv.ManagerID)),
					// Without an email the API derives one from the manager's.
					known("email", knownvalue.StringRegexp(regexp.MustCompile(`^manager-[0-9a-f]+\+ma-[0-9a-f]+@example\.com$`))),
					known("enabled", knownvalue.Bool(true)),
					known("rollup_billing", knownvalue.Bool(false)),
					known("managed_account_allow_custom_pricing", knownvalue.Bool(false)),
					known("global_channel_limit", knownvalue.Int64Exact(0)),
					known("deletion_policy", knownvalue.StringExact("disable")),
					known("created_at", knownvalue.NotNull()),
					known("password_wo_version", knownvalue.Null()),
					credentialsAbsent(t, srv),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(testAddr, "id", &firstID),
					checkAccount(c, &firstID, statusIs("enabled")),
				),
			},
			acctest.EmptyPlan(created),
			{
				ResourceName:            testAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password_wo_version"},
				ImportStateCheck:        importHoldsNoCredentials(t, srv),
			},
			{
				Config:           updated,
				ConfigPlanChecks: acctest.ExpectAction(testAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("managed_account_allow_custom_pricing", knownvalue.Bool(true)),
					known("global_channel_limit", knownvalue.Int64Exact(10)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testAddr, "id", &firstID),
					checkAccount(c, &firstID, func(a *client.ManagedAccount) error {
						if !a.ManagedAccountAllowCustomPricing {
							return fmt.Errorf("custom pricing not allowed in the API")
						}
						if a.GlobalChannelLimit == nil || *a.GlobalChannelLimit != 10 {
							return fmt.Errorf("API global_channel_limit %v, want 10", deref(a.GlobalChannelLimit))
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(updated),
			{
				Config:           disabled,
				ConfigPlanChecks: acctest.ExpectAction(testAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("enabled", knownvalue.Bool(false)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testAddr, "id", &firstID),
					checkAccount(c, &firstID, statusIs("disabled")),
				),
			},
			acctest.EmptyPlan(disabled),
			{
				Config:           updated,
				ConfigPlanChecks: acctest.ExpectAction(testAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("enabled", knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testAddr, "id", &firstID),
					checkAccount(c, &firstID, statusIs("enabled")),
				),
			},
			acctest.EmptyPlan(updated),
			{
				Config: renamed,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAddr, plancheck.ResourceActionDestroyBeforeCreate),
					credentialsAbsent(t, srv),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					credentialsAbsent(t, srv),
					ids.AddStateValue(testAddr, tfjsonpath.New("id")),
					known("business_name", knownvalue.StringExact("Acme Corporation")),
					known("global_channel_limit", knownvalue.Int64Exact(10)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(testAddr, "id", &currentID),
					// The replaced account is disabled, not gone.
					checkAccount(c, &firstID, statusIs("disabled")),
					checkAccount(c, &currentID, statusIs("enabled")),
				),
			},
			acctest.EmptyPlan(renamed),
		},
	})
}

// TestAccManagedAccount_createWithSettings sets everything at creation: an
// explicit email, rollup billing, custom pricing, a channel allocation, and
// a disabled account; then imports it.
func TestAccManagedAccount_createWithSettings(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	email := uniqueEmail(t, "settings")
	var id string
	config := accountConfig(srv, fmt.Sprintf(`
  business_name                        = "Settings Ltd"
  email                                = %q
  rollup_billing                       = true
  managed_account_allow_custom_pricing = true
  global_channel_limit                 = 7
  enabled                              = false`, email))

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					known("email", knownvalue.StringExact(email)),
					known("rollup_billing", knownvalue.Bool(true)),
					known("managed_account_allow_custom_pricing", knownvalue.Bool(true)),
					known("global_channel_limit", knownvalue.Int64Exact(7)),
					known("enabled", knownvalue.Bool(false)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(testAddr, "id", &id),
					checkAccount(c, &id, func(a *client.ManagedAccount) error {
						if err := statusIs("disabled")(a); err != nil {
							return err
						}
						if !a.RollupBilling || !a.ManagedAccountAllowCustomPricing || a.Email != email {
							return fmt.Errorf("API account %+v does not have the configured settings", a)
						}
						if a.GlobalChannelLimit == nil || *a.GlobalChannelLimit != 7 {
							return fmt.Errorf("API global_channel_limit %v, want 7", deref(a.GlobalChannelLimit))
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(config),
			{
				ResourceName:            testAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password_wo_version"},
				ImportStateCheck:        importHoldsNoCredentials(t, srv),
			},
		},
	})
}

// TestAccManagedAccount_deletionPolicyAbandon switches the policy in place
// (no API call, nothing to replace) and checks that destroy leaves the
// account enabled.
func TestAccManagedAccount_deletionPolicyAbandon(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	first := accountConfig(srv, `  business_name = "Abandon Inc"`)
	abandon := accountConfig(srv, `
  business_name   = "Abandon Inc"
  deletion_policy = "abandon"`)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "enabled"),
		Steps: []resource.TestStep{
			{Config: first},
			{
				Config:            abandon,
				ConfigPlanChecks:  acctest.ExpectAction(testAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{known("deletion_policy", knownvalue.StringExact("abandon"))},
			},
			acctest.EmptyPlan(abandon),
		},
	})
}

// TestAccManagedAccount_passwordWriteOnly sends a password at creation and a
// new one when its version changes, and checks that neither ever reaches the
// plan or the state, while the backend holds the latest.
func TestAccManagedAccount_passwordWriteOnly(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	const firstPassword, secondPassword = "first-Pa55word!", "second-Pa55word!"
	var id string
	config := func(password string, version int) string {
		return accountConfig(srv, fmt.Sprintf(`
  business_name       = "Password Co"
  password_wo         = %q
  password_wo_version = %d`, password, version))
	}
	passwordIs := func(want, notWant string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			a, _, err := srv.Service.GetAccount(context.Background(), id)
			if err != nil {
				return err
			}
			if !srv.Secrets.CheckPassword(a.PasswordHash, want) {
				return fmt.Errorf("the backend does not hold the password %q", want)
			}
			if notWant != "" && srv.Secrets.CheckPassword(a.PasswordHash, notWant) {
				return fmt.Errorf("the backend still holds the old password")
			}
			return nil
		}
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: config(firstPassword, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{passwordAbsent(firstPassword)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					known("password_wo", knownvalue.Null()),
					known("password_wo_version", knownvalue.Int64Exact(1)),
					passwordAbsent(firstPassword),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(testAddr, "id", &id),
					resource.TestCheckNoResourceAttr(testAddr, "password_wo"),
					passwordIs(firstPassword, ""),
				),
			},
			// A new password alone changes nothing Terraform can see.
			acctest.EmptyPlan(config(secondPassword, 1)),
			{
				Config: config(secondPassword, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAddr, plancheck.ResourceActionUpdate),
						passwordAbsent(secondPassword),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					known("password_wo", knownvalue.Null()),
					known("password_wo_version", knownvalue.Int64Exact(2)),
					passwordAbsent(secondPassword),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testAddr, "id", &id),
					passwordIs(secondPassword, firstPassword),
				),
			},
			acctest.EmptyPlan(config(secondPassword, 2)),
			{
				ResourceName:            testAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password_wo_version"},
				ImportStateCheck:        importHoldsNoCredentials(t, srv),
			},
		},
	})
}

// TestAccManagedAccount_drift changes the account behind Terraform's back:
// disabled through the API, the next apply enables it again; cancelled by the
// operator (gone for its manager), the next apply creates a new one.
func TestAccManagedAccount_drift(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	var id, newID string
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	config := accountConfig(srv, `  business_name = "Drift LLC"`)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(testAddr, tfjsonpath.New("id"))},
				Check:             acctest.CaptureAttr(testAddr, "id", &id),
			},
			{
				PreConfig: func() {
					if _, err := c.DisableManagedAccount(context.Background(), id); err != nil {
						t.Fatalf("disable behind Terraform's back: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{known("enabled", knownvalue.Bool(true))},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(testAddr, "id", &id),
					checkAccount(c, &id, statusIs("enabled")),
				),
			},
			{
				PreConfig:         func() { srv.CancelAccount(t, id) },
				Config:            config,
				ConfigPlanChecks:  acctest.ExpectAction(testAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(testAddr, tfjsonpath.New("id"))},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(testAddr, "id", &newID),
					checkAccount(c, &newID, statusIs("enabled")),
				),
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccManagedAccount_apiErrors checks that the API's refusals reach the
// user with the API's own detail.
func TestAccManagedAccount_apiErrors(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	taken := uniqueEmail(t, "taken")
	if _, err := c.CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: "First Owner", Email: &taken}); err != nil {
		t.Fatalf("create the account that holds the email: %v", err)
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: accountConfig(srv, fmt.Sprintf(`
  business_name = "Second Owner"
  email         = %q`, taken)),
				// TestAccManagedAccount_emailTaken* cover this error's advice.
				ExpectError: acctest.ErrorMatching("Unable to create the managed account: its email is taken",
					"The manager's managed account", taken, "it is enabled", `business_name "First Owner" (not "Second Owner")`,
					"code 10012", "An account with this email already exists"),
			},
			{
				// The pool of a new manager is 1000 channels.
				Config: accountConfig(srv, `
  business_name        = "Greedy Co"
  global_channel_limit = 5000`),
				ExpectError: acctest.ErrorMatching("Unable to set the global channel limit of the new managed account",
					"channel_limit 5000 exceeds the 1000 channels left", "was created, and is in the state marked tainted",
					"the next apply replaces it", "terraform untaint"),
			},
			{
				// The account exists (tainted) after the failed step: it is
				// replaced, and a limit within the pool succeeds.
				Config: accountConfig(srv, `
  business_name        = "Greedy Co"
  global_channel_limit = 500`),
				ConfigPlanChecks:  acctest.ExpectAction(testAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: []statecheck.StateCheck{known("global_channel_limit", knownvalue.Int64Exact(500))},
			},
			{
				Config: accountConfig(srv, `
  business_name        = "Greedy Co"
  global_channel_limit = 1001`),
				ExpectError: acctest.ErrorMatching("Unable to update the global channel limit of the managed account",
					"exceeds the 1000 channels left"),
			},
		},
	})
}

// TestAccManagedAccount_invalidConfig checks the errors found before any API
// call.
func TestAccManagedAccount_invalidConfig(t *testing.T) {
	srv := backendtest.Start(t)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: accountConfig(srv, `
  business_name   = "Bad Policy"
  deletion_policy = "delete"`),
				ExpectError: acctest.ErrorMatching("deletion_policy", `value must be one of: ["disable" "abandon"]`),
			},
			{
				Config: accountConfig(srv, `
  business_name       = "Version Only"
  password_wo_version = 1`),
				ExpectError: acctest.ErrorMatching(`Attribute "password_wo" must be specified when "password_wo_version" is specified`),
			},
			{
				Config: accountConfig(srv, `
  business_name        = "Negative"
  global_channel_limit = -1`),
				ExpectError: acctest.ErrorMatching("global_channel_limit", "must be at least 0"),
			},
		},
	})
}

// TestAccManagedAccount_invalidEmailFailsThePlan: an email the API would
// refuse fails `terraform plan`, not the apply, and nothing is created.
func TestAccManagedAccount_invalidEmailFailsThePlan(t *testing.T) {
	srv := backendtest.Start(t)
	steps := []resource.TestStep{}
	for _, email := range []string{"not-an-email", "Ada <ada@example.com>", "ada@localhost", "ada@@example.com", " ",
		strings.Repeat("a", 250) + "@example.com"} {
		steps = append(steps, resource.TestStep{
			Config: accountConfig(srv, fmt.Sprintf(`
  business_name = "Typo Co"
  email         = %q`, email)),
			PlanOnly:    true,
			ExpectError: acctest.ErrorMatching("Invalid email", "email"),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
	list, _, err := srv.Client(t, srv.ManagerKey).ListManagedAccounts(context.Background(), client.ListManagedAccountsOptions{})
	if err != nil || len(list) != 0 {
		t.Fatalf("after the refused plans: %d managed accounts, %v", len(list), err)
	}
}

// TestAccManagedAccount_unknownEmailPassesValidation: an email known only at
// apply (from another resource) is left to the API, and a valid one applies.
func TestAccManagedAccount_unknownEmailPassesValidation(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	suffix := strings.TrimSuffix(uniqueEmail(t, "later"), "@example.com")
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "terraform_data" "suffix" {
  input = %q
}

resource "telnyx_managed_account" "test" {
  business_name = "Later Co"
  email         = "${terraform_data.suffix.output}@example.com"
}
`, suffix)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(testAddr, tfjsonpath.New("email")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{known("email", knownvalue.StringExact(suffix+"@example.com"))},
			},
			acctest.EmptyPlan(config),
		},
	})
}
