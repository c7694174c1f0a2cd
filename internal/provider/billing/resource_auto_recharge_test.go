package billing_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

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

const rechargeAddr = "telnyx_auto_recharge.test"

func rechargeIs(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(rechargeAddr, tfjsonpath.New(attr), v)
}

// rechargeConfig is the default provider, acting as the manager, and one
// telnyx_auto_recharge with body.
func rechargeConfig(srv *backendtest.Server, body string) string {
	return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_auto_recharge" "test" {
%s
}
`, body)
}

// checkPrefs fetches the auto-recharge preferences through the API as c and
// compares them with want (whose ID is not compared).
func checkPrefs(c *client.Client, want client.AutoRechargePref) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, err := c.GetAutoRechargePref(context.Background())
		if err != nil {
			return fmt.Errorf("get auto-recharge preferences: %w", err)
		}
		want.ID, want.RecordType = p.ID, "auto_recharge_pref"
		if *p != want {
			return fmt.Errorf("API auto-recharge preferences = %+v\nwant %+v", *p, want)
		}
		return nil
	}
}

// TestAccAutoRecharge_managedAccount manages a managed account's card and
// auto-recharge in one configuration (the card first, through depends_on):
// create, import by the account's id, in-place update, an empty plan after
// every apply, a charge that fires the recharge, and auto-recharge off after
// destroy, checked through the API.
func TestAccAutoRecharge_managedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Recharged Co", false)
	asAccount := srv.Client(t, account.APIKey)
	var prefsID string
	config := func(prefs string) string {
		c := defaultCard()
		c.extra = fmt.Sprintf("  managed_account_id = %q", account.ID)
		return acctest.ProviderConfig(srv, srv.ManagerKey) + c.hcl("card") + fmt.Sprintf(`
resource "telnyx_auto_recharge" "test" {
  managed_account_id = %q
%s

  depends_on = [telnyx_payment_method.card]
}
`, account.ID, prefs)
	}
	created := config(`
  threshold_amount = "20.00"
  recharge_amount  = "50.00"`)
	updated := config(`
  threshold_amount = "30.00"
  recharge_amount  = "50.00"
  preference       = "ach"
  invoice_enabled  = true`)
	withBalance := updated + fmt.Sprintf(`
data "telnyx_balance" "account" {
  managed_account_id = %q
}
`, account.ID)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkAutoRechargeOff(t, srv, srv.Client(t, srv.ManagerKey)),
			checkPaymentMethodsDestroyed(t, srv),
		),
		Steps: []resource.TestStep{
			{
				Config:           created,
				ConfigPlanChecks: acctest.ExpectAction(rechargeAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					rechargeIs("managed_account_id", knownvalue.StringExact(account.ID)),
					rechargeIs("enabled", knownvalue.Bool(true)),
					rechargeIs("threshold_amount", knownvalue.StringExact("20.00")),
					rechargeIs("recharge_amount", knownvalue.StringExact("50.00")),
					rechargeIs("preference", knownvalue.StringExact("credit_paypal")),
					rechargeIs("invoice_enabled", knownvalue.Bool(false)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(rechargeAddr, "id", &prefsID),
					checkPrefs(asAccount, client.AutoRechargePref{Enabled: true, Preference: "credit_paypal",
						ThresholdAmount: "20.00", RechargeAmount: "50.00"}),
				),
			},
			acctest.EmptyPlan(created),
			{
				ResourceName:      rechargeAddr,
				ImportState:       true,
				ImportStateId:     account.ID,
				ImportStateVerify: true,
			},
			{
				ResourceName:    rechargeAddr,
				ImportState:     true,
				ImportStateId:   account.ID,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config:           updated,
				ConfigPlanChecks: acctest.ExpectAction(rechargeAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					rechargeIs("threshold_amount", knownvalue.StringExact("30.00")),
					rechargeIs("preference", knownvalue.StringExact("ach")),
					rechargeIs("invoice_enabled", knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(rechargeAddr, "id", &prefsID),
					checkPrefs(asAccount, client.AutoRechargePref{Enabled: true, InvoiceEnabled: true, Preference: "ach",
						ThresholdAmount: "30.00", RechargeAmount: "50.00"}),
				),
			},
			acctest.EmptyPlan(updated),
			{
				// A charge under the threshold recharges the account: back to
				// the threshold (30.00) plus the recharge amount (50.00).
				PreConfig: func() { srv.Adjust(t, account.ID, "-12.34") },
				Config:    withBalance,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.telnyx_balance.account", tfjsonpath.New("balance"), knownvalue.StringExact("80.00")),
				},
			},
			acctest.EmptyPlan(withBalance),
		},
	})
}

// TestAccAutoRecharge_ownAccount manages the manager's own preferences:
// imported as "self", changed behind Terraform's back and written back,
// amounts that denote the API's are no change, and destroy turns
// auto-recharge off.
func TestAccAutoRecharge_ownAccount(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	addCard(t, manager, testCard, "Manager Card", nil)
	config := rechargeConfig(srv, `
  threshold_amount = "5.00"
  recharge_amount  = "25.50"`)
	want := client.AutoRechargePref{Enabled: true, Preference: "credit_paypal", ThresholdAmount: "5.00", RechargeAmount: "25.50"}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkAutoRechargeOff(t, srv, manager),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					rechargeIs("managed_account_id", knownvalue.Null()),
					rechargeIs("id", knownvalue.NotNull()),
				},
				Check: checkPrefs(manager, want),
			},
			acctest.EmptyPlan(config),
			{
				ResourceName:      rechargeAddr,
				ImportState:       true,
				ImportStateId:     "self",
				ImportStateVerify: true,
			},
			{
				ResourceName:    rechargeAddr,
				ImportState:     true,
				ImportStateId:   "self",
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				ResourceName: rechargeAddr,
				ImportState:  true,
				// An account the manager does not have has no preferences to import.
				ImportStateId: "00000000-0000-4000-8000-000000000000",
				ExpectError:   regexp.MustCompile(`Cannot import non-existent remote object`),
			},
			{
				PreConfig: func() {
					off, threshold, ach := false, "99.00", client.AutoRechargePreferenceACH
					if _, err := manager.UpdateAutoRechargePref(context.Background(), client.UpdateAutoRechargePrefRequest{
						Enabled: &off, ThresholdAmount: &threshold, Preference: &ach,
					}); err != nil {
						t.Fatalf("change the preferences behind Terraform's back: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(rechargeAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(rechargeAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
					plancheck.ExpectKnownValue(rechargeAddr, tfjsonpath.New("threshold_amount"), knownvalue.StringExact("5.00")),
				}},
				Check: checkPrefs(manager, want),
			},
			acctest.EmptyPlan(config),
			{
				Config: rechargeConfig(srv, `
  enabled          = false
  threshold_amount = "0.00"
  recharge_amount  = "0.00"`),
				ConfigPlanChecks: acctest.ExpectAction(rechargeAddr, plancheck.ResourceActionUpdate),
				Check:            checkPrefs(manager, client.AutoRechargePref{Preference: "credit_paypal", ThresholdAmount: "0.00", RechargeAmount: "0.00"}),
			},
		},
	})
}

// TestAccAutoRecharge_errors checks that the API's refusals and invalid
// configurations reach the user with a detail they can act on.
func TestAccAutoRecharge_errors(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := newManagedAccount(t, srv, "Rollup Co", true)
	withCard := newManagedAccount(t, srv, "Card Co", false)
	addCard(t, srv.Client(t, withCard.APIKey), testCard, "Card Co", nil)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// The manager has no card.
				Config: rechargeConfig(srv, `
  threshold_amount = "10.00"
  recharge_amount  = "20.00"`),
				ExpectError: acctest.ErrorMatching("Unable to set the auto-recharge preferences",
					"The Telnyx API answered: Auto-recharge charges the default payment method, and the account has none: add a card first.",
					"/enabled"),
			},
			{
				// Known from the configuration: refused by the plan.
				Config: rechargeConfig(srv, fmt.Sprintf(`
  managed_account_id = %q
  threshold_amount   = "10.00"
  recharge_amount    = "0.00"`, withCard.ID)),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid recharge amount", "recharge_amount must be more than 0.00 while auto-recharge is enabled"),
			},
			{
				Config: rechargeConfig(srv, fmt.Sprintf(`
  managed_account_id = %q
  enabled            = true
  threshold_amount   = "10.00"
  recharge_amount    = "0"`, withCard.ID)),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Invalid amount", `"0" is not an amount in dollars and cents`),
			},
			{
				// Turned off, a recharge amount of 0.00 is fine.
				Config: rechargeConfig(srv, fmt.Sprintf(`
  managed_account_id = %q
  enabled            = false
  threshold_amount   = "10.00"
  recharge_amount    = "0.00"`, withCard.ID)),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: rechargeConfig(srv, fmt.Sprintf(`
  managed_account_id = %q
  threshold_amount   = "10.00"
  recharge_amount    = "20.00"`, rollup.ID)),
				ExpectError: acctest.ErrorMatching("Unable to set the auto-recharge preferences of the managed account "+rollup.ID,
					"This account uses rollup billing: its manager pays its charges."),
			},
			{
				Config: rechargeConfig(srv, `
  threshold_amount = "10"
  recharge_amount  = "20.00"`),
				ExpectError: acctest.ErrorMatching("Invalid amount", `"10" is not an amount in dollars and cents`),
			},
			{
				Config: rechargeConfig(srv, `
  threshold_amount = "10.00"
  recharge_amount  = "-5.00"`),
				ExpectError: acctest.ErrorMatching("Invalid amount", `"-5.00" is not an amount in dollars and cents`),
			},
			{
				Config: rechargeConfig(srv, `
  threshold_amount = "10.00"
  recharge_amount  = "20.00"
  preference       = "cash"`),
				ExpectError: acctest.ErrorMatching("preference", `value must be one of`),
			},
		},
	})
}
