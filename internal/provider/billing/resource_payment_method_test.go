package billing_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/config"
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

const cardAddr = "telnyx_payment_method.test"

var (
	fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
	// Write-only arguments need Terraform 1.11.
	writeOnlyVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}
)

// card is the body of a telnyx_payment_method.
type card struct {
	number, cvc        string
	version            int
	month, year        int
	name, postal, iso2 string
	extra              string // more arguments, written as they are
}

func defaultCard() card {
	return card{number: testCard, cvc: testCVC, version: 1, month: 12, year: expiryYear, name: "Ada Lovelace", iso2: "US"}
}

func (c card) hcl(name string) string {
	postal := ""
	if c.postal != "" {
		postal = fmt.Sprintf("    postal_code = %q\n", c.postal)
	}
	return fmt.Sprintf(`
resource "telnyx_payment_method" %q {
  card_number_wo  = %q
  card_cvc_wo     = %q
  card_wo_version = %d
  exp_month       = %d
  exp_year        = %d
  billing_details = {
    name    = %q
%s    country = %q
  }
%s
}
`, name, c.number, c.cvc, c.version, c.month, c.year, c.name, postal, c.iso2, c.extra)
}

// cardConfig is the default provider, acting as the manager, and one
// telnyx_payment_method named test.
func cardConfig(srv *backendtest.Server, c card) string {
	return acctest.ProviderConfig(srv, srv.ManagerKey) + c.hcl("test")
}

func cardIs(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(cardAddr, tfjsonpath.New(attr), v)
}

// TestAccPaymentMethod_lifecycle walks a card of the manager's own account
// through create, import (both ways), in-place updates of the expiry and the
// billing details, and a new card through card_wo_version, with an empty
// plan after every apply and the deletion checked through the API.
func TestAccPaymentMethod_lifecycle(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	var id, secondID string
	ids := statecheck.CompareValue(compare.ValuesDiffer())

	created := defaultCard()
	updated := created
	updated.month, updated.year, updated.name, updated.postal, updated.iso2 = 6, expiryYear+1, "Ada King", "EC1A 1BB", "GB"
	replaced := updated
	replaced.number, replaced.cvc, replaced.version = "5555 5555 5555 4444", "654", 2

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config:           cardConfig(srv, created),
				ConfigPlanChecks: acctest.ExpectAction(cardAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(cardAddr, tfjsonpath.New("id")),
					cardIs("brand", knownvalue.StringExact("visa")),
					cardIs("last4", knownvalue.StringExact("4242")),
					cardIs("fingerprint", knownvalue.StringRegexp(fingerprintPattern)),
					cardIs("exp_month", knownvalue.Int64Exact(12)),
					cardIs("exp_year", knownvalue.Int64Exact(int64(expiryYear))),
					cardIs("billing_details", knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("Ada Lovelace"), "postal_code": knownvalue.StringExact(""),
						"country": knownvalue.StringExact("US"),
					})),
					// The account's first card is its default, although the
					// configuration does not say.
					cardIs("default", knownvalue.Bool(true)),
					cardIs("managed_account_id", knownvalue.Null()),
					cardIs("card_number_wo", knownvalue.Null()),
					cardIs("card_cvc_wo", knownvalue.Null()),
					cardIs("card_wo_version", knownvalue.Int64Exact(1)),
					cardIs("created_at", knownvalue.NotNull()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(cardAddr, "id", &id),
					checkPaymentMethod(manager, &id, func(pm *client.PaymentMethod) error {
						if pm.Card.Last4 != "4242" || pm.Card.ExpMonth != 12 || !pm.Default || pm.BillingDetails.Name != "Ada Lovelace" {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(cardConfig(srv, created)),
			{
				ResourceName:      cardAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// The API never shows the card again: the write-only inputs
				// and their version cannot be imported.
				ImportStateVerifyIgnore: []string{"card_wo_version", "card_number_wo", "card_cvc_wo"},
			},
			{
				// Through an import block, card_wo_version is recorded in
				// place: the imported card is not replaced.
				ResourceName:       cardAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(cardAddr, plancheck.ResourceActionUpdate),
				}},
			},
			{
				ResourceName:  cardAddr,
				ImportState:   true,
				ImportStateId: "a/b/c",
				ExpectError:   acctest.ErrorMatching("Invalid import identifier", `"a/b/c" is not a payment method identifier`),
			},
			{
				Config:           cardConfig(srv, updated),
				ConfigPlanChecks: acctest.ExpectAction(cardAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					cardIs("exp_month", knownvalue.Int64Exact(6)),
					cardIs("exp_year", knownvalue.Int64Exact(int64(expiryYear+1))),
					cardIs("billing_details", knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("Ada King"), "postal_code": knownvalue.StringExact("EC1A 1BB"),
						"country": knownvalue.StringExact("GB"),
					})),
					cardIs("last4", knownvalue.StringExact("4242")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(cardAddr, "id", &id),
					checkPaymentMethod(manager, &id, func(pm *client.PaymentMethod) error {
						want := client.BillingDetails{Name: "Ada King", PostalCode: "EC1A 1BB", Country: "GB"}
						if pm.Card.ExpMonth != 6 || pm.Card.ExpYear != int64(expiryYear+1) || pm.BillingDetails != want {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(cardConfig(srv, updated)),
			{
				// A new number alone changes nothing Terraform can see.
				Config:           cardConfig(srv, card{number: "5555555555554444", cvc: "654", version: 1, month: 6, year: expiryYear + 1, name: "Ada King", postal: "EC1A 1BB", iso2: "GB"}),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           cardConfig(srv, replaced),
				ConfigPlanChecks: acctest.ExpectAction(cardAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					ids.AddStateValue(cardAddr, tfjsonpath.New("id")),
					cardIs("brand", knownvalue.StringExact("mastercard")),
					cardIs("last4", knownvalue.StringExact("4444")),
					cardIs("card_wo_version", knownvalue.Int64Exact(2)),
					cardIs("default", knownvalue.Bool(true)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(cardAddr, "id", &secondID),
					paymentMethodGone(manager, &id),
					checkPaymentMethod(manager, &secondID, func(pm *client.PaymentMethod) error {
						if pm.Card.Brand != "mastercard" || pm.Card.ExpMonth != 6 {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(cardConfig(srv, replaced)),
		},
	})
}

// TestAccPaymentMethod_default moves the default between two cards: the
// first card is the default without asking, a second one with default =
// true takes it over (the first then reads false without a diff), setting
// default = true on the first takes it back, and default = false on the
// default card is refused with the API's reason.
func TestAccPaymentMethod_default(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	var firstID, secondID string
	const first, second = "telnyx_payment_method.first", "telnyx_payment_method.second"
	config := func(firstExtra, secondExtra string) string {
		a, b := defaultCard(), defaultCard()
		a.extra = firstExtra
		b.number, b.name, b.extra = "5555555555554444", "Second Card", secondExtra+"\n  depends_on = [telnyx_payment_method.first]"
		return acctest.ProviderConfig(srv, srv.ManagerKey) + a.hcl("first") + b.hcl("second")
	}
	defaultIs := func(id *string, want bool) resource.TestCheckFunc {
		return checkPaymentMethod(manager, id, func(pm *client.PaymentMethod) error {
			if pm.Default != want {
				return fmt.Errorf("API payment method %s has default %t, want %t", pm.ID, pm.Default, want)
			}
			return nil
		})
	}
	isDefault := func(addr string, want bool) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New("default"), knownvalue.Bool(want))
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: config("", "  default = true"),
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(first, "id", &firstID),
					acctest.CaptureAttr(second, "id", &secondID),
					defaultIs(&firstID, false),
					defaultIs(&secondID, true),
				),
			},
			{
				// The refresh sees the first card lose the default: with
				// default not set, that is no change.
				Config:            config("", "  default = true"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{isDefault(first, false), isDefault(second, true)},
			},
			{
				Config: config("  default = true", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(first, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(second, plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{isDefault(first, true)},
				Check:             resource.ComposeAggregateTestCheckFunc(defaultIs(&firstID, true), defaultIs(&secondID, false)),
			},
			{
				Config:            config("  default = true", ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{isDefault(first, true), isDefault(second, false)},
			},
			{
				// A card that is not the default may say so.
				Config:            config("  default = true", "  default = false"),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{isDefault(second, false)},
			},
			{
				Config: config("  default = false", ""),
				ExpectError: acctest.ErrorMatching("Unable to update the payment method",
					"The Telnyx API answered: This is the default payment method: set another method as default instead.", "/default"),
			},
		},
	})
}

// TestAccPaymentMethod_drift changes the card behind Terraform's back:
// deleted, the next apply creates it again; its expiry and billing details
// changed, the next apply writes the configured ones back.
func TestAccPaymentMethod_drift(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	var firstID, secondID string
	ids := statecheck.CompareValue(compare.ValuesDiffer())
	config := cardConfig(srv, defaultCard())

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(cardAddr, tfjsonpath.New("id"))},
				Check:             acctest.CaptureAttr(cardAddr, "id", &firstID),
			},
			{
				PreConfig: func() {
					if _, err := manager.DeletePaymentMethod(context.Background(), firstID); err != nil {
						t.Fatalf("delete behind Terraform's back: %v", err)
					}
				},
				Config:            config,
				ConfigPlanChecks:  acctest.ExpectAction(cardAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{ids.AddStateValue(cardAddr, tfjsonpath.New("id"))},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(cardAddr, "id", &secondID),
					checkPaymentMethod(manager, &secondID, func(pm *client.PaymentMethod) error {
						if pm.Card.Last4 != "4242" || !pm.Default {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(config),
			{
				PreConfig: func() {
					month := int64(1)
					if _, err := manager.UpdatePaymentMethod(context.Background(), secondID, client.UpdatePaymentMethodRequest{
						Card:           &client.CardExpiry{ExpMonth: &month},
						BillingDetails: &client.BillingDetails{Name: "Someone Else", PostalCode: "1000", Country: "BE"},
					}); err != nil {
						t.Fatalf("update behind Terraform's back: %v", err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(cardAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(cardAddr, tfjsonpath.New("exp_month"), knownvalue.Int64Exact(12)),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(cardAddr, "id", &secondID),
					checkPaymentMethod(manager, &secondID, func(pm *client.PaymentMethod) error {
						want := client.BillingDetails{Name: "Ada Lovelace", Country: "US"}
						if pm.Card.ExpMonth != 12 || pm.BillingDetails != want {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccPaymentMethod_managedAccount adds a card to a managed account
// through the resource's managed_account_id: the card is the account's, not
// the manager's; it imports as <managed_account_id>/<id> but not as a card of
// the manager; and it updates in place as the account.
func TestAccPaymentMethod_managedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := newManagedAccount(t, srv, "Card Holder Co", false)
	asAccount := srv.Client(t, account.APIKey)
	var id string
	config := func(name string) string {
		c := defaultCard()
		c.name = name
		c.extra = fmt.Sprintf("  managed_account_id = %q", account.ID)
		return cardConfig(srv, c)
	}
	importID := func(*terraform.State) (string, error) { return account.ID + "/" + id, nil }

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config:            config("Card Holder"),
				ConfigStateChecks: []statecheck.StateCheck{cardIs("managed_account_id", knownvalue.StringExact(account.ID))},
				Check: resource.ComposeAggregateTestCheckFunc(
					acctest.CaptureAttr(cardAddr, "id", &id),
					checkPaymentMethod(asAccount, &id, func(pm *client.PaymentMethod) error {
						if !pm.Default || pm.BillingDetails.Name != "Card Holder" {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
					// The manager's own cards do not include it.
					paymentMethodGone(manager, &id),
				),
			},
			acctest.EmptyPlan(config("Card Holder")),
			{
				ResourceName:            cardAddr,
				ImportState:             true,
				ImportStateIdFunc:       importID,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"card_wo_version"},
			},
			{
				// Without the account, the id names no card of the manager.
				ResourceName:      cardAddr,
				ImportState:       true,
				ImportStateIdFunc: func(*terraform.State) (string, error) { return id, nil },
				ExpectError:       regexp.MustCompile(`Cannot import non-existent remote object`),
			},
			{
				Config:           config("Card Holder Renamed"),
				ConfigPlanChecks: acctest.ExpectAction(cardAddr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(cardAddr, "id", &id),
					checkPaymentMethod(asAccount, &id, func(pm *client.PaymentMethod) error {
						if pm.BillingDetails.Name != "Card Holder Renamed" {
							return fmt.Errorf("API payment method = %+v", pm)
						}
						return nil
					}),
				),
			},
			acctest.EmptyPlan(config("Card Holder Renamed")),
		},
	})
}

// TestAccPaymentMethod_invalidCardFailsThePlan: what the API would refuse of
// a card written in the configuration fails `terraform plan`: the write-only
// number and CVC are known to validation when written literally, as is the
// expiry, which is compared with the clock. Nothing is created.
func TestAccPaymentMethod_invalidCardFailsThePlan(t *testing.T) {
	srv := backendtest.Start(t)
	thisYear := time.Now().UTC().Year()
	with := func(mutate func(*card)) string {
		c := defaultCard()
		mutate(&c)
		return cardConfig(srv, c)
	}
	var steps []resource.TestStep
	for _, tc := range []struct {
		mutate func(*card)
		want   []string
	}{
		{func(c *card) { c.number = luhnInvalid }, []string{"Invalid card number", "its check digit is wrong", "Luhn"}},
		{func(c *card) { c.number = "4242 4242 4242 424x" }, []string{"Invalid card number", "digits only"}},
		{func(c *card) { c.number = "4242 4242 42" }, []string{"Invalid card number", "12 to 19 digits"}},
		{func(c *card) { c.number = "   " }, []string{"Invalid card number", "blank"}},
		{func(c *card) { c.cvc = "12" }, []string{"Invalid card CVC", "3 digits"}},
		{func(c *card) { c.cvc = "12a" }, []string{"Invalid card CVC", "3 digits"}},
		{func(c *card) { c.cvc = "1234" }, []string{"Invalid card CVC", "not an American Express card", "3 digits"}},
		{func(c *card) { c.number, c.cvc = amexCard, "123" }, []string{"Invalid card CVC", "American Express", "4 digits"}},
		{func(c *card) { c.month, c.year = 12, thisYear-1 }, []string{"Card expired", fmt.Sprintf("12/%d, has passed", thisYear-1)}},
		{func(c *card) { c.year = thisYear + 51 }, []string{"Card expiry too far ahead", "more than 50 years ahead"}},
	} {
		steps = append(steps, resource.TestStep{
			Config: with(tc.mutate), PlanOnly: true, ExpectError: acctest.ErrorMatching(tc.want...),
		})
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if list, _, err := srv.Client(t, srv.ManagerKey).ListPaymentMethods(context.Background(), client.ListPaymentMethodsOptions{}); err != nil || len(list) != 0 {
		t.Fatalf("after the refused plans: %d payment methods, %v", len(list), err)
	}
}

// TestAccPaymentMethod_validationWaitsForUnknownValues: a card number from a
// variable is known to validation and checked at plan time; values known
// only at apply (from another resource) are left to the API, and valid ones
// apply, with nothing planned after.
func TestAccPaymentMethod_validationWaitsForUnknownValues(t *testing.T) {
	srv := backendtest.Start(t)
	fromVariable := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
variable "card_number" {
  type      = string
  ephemeral = true
}

resource "telnyx_payment_method" "test" {
  card_number_wo  = var.card_number
  card_cvc_wo     = %q
  card_wo_version = 1
  exp_month       = 12
  exp_year        = %d
  billing_details = {
    name    = "Ada Lovelace"
    country = "US"
  }
}
`, testCVC, expiryYear)
	fromResource := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "terraform_data" "card" {
  input = {
    number = %q
    year   = %d
  }
}

resource "telnyx_payment_method" "test" {
  card_number_wo  = terraform_data.card.output.number
  card_cvc_wo     = %q
  card_wo_version = 1
  exp_month       = 12
  exp_year        = terraform_data.card.output.year
  billing_details = {
    name    = "Ada Lovelace"
    country = "US"
  }
}
`, testCard, expiryYear, testCVC)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config:          fromVariable,
				ConfigVariables: config.Variables{"card_number": config.StringVariable(luhnInvalid)},
				PlanOnly:        true,
				ExpectError:     acctest.ErrorMatching("Invalid card number", "its check digit is wrong"),
			},
			{
				Config: fromResource,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(cardAddr, tfjsonpath.New("exp_year")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					cardIs("last4", knownvalue.StringExact(testCard[len(testCard)-4:])),
					cardIs("exp_year", knownvalue.Int64Exact(int64(expiryYear))),
				},
			},
			acctest.EmptyPlan(fromResource),
		},
	})
}

// TestAccPaymentMethod_expiredCardInStateStillPlans: the expiry is checked
// against the clock only when it is to be sent. A card that has expired
// since it was made (made here while the backend's clock stood two years
// back) is adopted, plans nothing more, and is destroyed; replacing it, or
// giving it another expiry in the past, fails the plan.
func TestAccPaymentMethod_expiredCardInStateStillPlans(t *testing.T) {
	srv := backendtest.Start(t)
	lastYear := time.Now().UTC().Year() - 1
	srv.SetTime(time.Date(lastYear-1, time.June, 1, 0, 0, 0, 0, time.UTC))
	pm, err := srv.Client(t, srv.ManagerKey).CreatePaymentMethod(context.Background(), client.CreatePaymentMethodRequest{
		Type:           client.PaymentMethodTypeCard,
		Card:           client.NewCard{Number: testCard, CVC: testCVC, ExpMonth: 12, ExpYear: int64(lastYear)},
		BillingDetails: client.BillingDetails{Name: "Ada Lovelace", Country: "US"},
	})
	if err != nil {
		t.Fatalf("create the card that expires at the end of %d: %v", lastYear, err)
	}
	srv.SetTime(time.Time{})
	expired := func(mutate func(*card)) string {
		c := defaultCard()
		c.month, c.year = 12, lastYear
		mutate(&c)
		return cardConfig(srv, c)
	}
	adopt := expired(func(*card) {}) + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", cardAddr, pm.ID)

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config:            adopt,
				ConfigStateChecks: []statecheck.StateCheck{cardIs("id", knownvalue.StringExact(pm.ID)), cardIs("exp_year", knownvalue.Int64Exact(int64(lastYear)))},
			},
			acctest.EmptyPlan(expired(func(*card) {})),
			{
				Config:      expired(func(c *card) { c.version = 2 }),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Card expired", fmt.Sprintf("12/%d, has passed", lastYear)),
			},
			{
				Config:      expired(func(c *card) { c.month = 11 }),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Card expired", fmt.Sprintf("11/%d, has passed", lastYear)),
			},
		},
	})
}

// TestAccPaymentMethod_errors checks that the API's refusals and invalid
// configurations reach the user with a detail they can act on.
func TestAccPaymentMethod_errors(t *testing.T) {
	srv := backendtest.Start(t)
	rollup := newManagedAccount(t, srv, "Rollup Co", true)
	fresh := newManagedAccount(t, srv, "Fresh Co", false)
	with := func(mutate func(*card)) string {
		c := defaultCard()
		mutate(&c)
		return cardConfig(srv, c)
	}

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: with(func(c *card) { c.extra = fmt.Sprintf("  managed_account_id = %q", rollup.ID) }),
				ExpectError: acctest.ErrorMatching("Unable to create the payment method of the managed account "+rollup.ID,
					"The Telnyx API answered: This account uses rollup billing: its manager pays its charges."),
			},
			{
				Config: with(func(c *card) { c.extra = fmt.Sprintf("  managed_account_id = %q\n  default = false", fresh.ID) }),
				ExpectError: acctest.ErrorMatching("The first card is always the default",
					"the API makes its first card the default, so default = false cannot hold"),
			},
			{
				Config: with(func(c *card) { c.extra = `  managed_account_id = "00000000-0000-4000-8000-000000000000"` }),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account 00000000-0000-4000-8000-000000000000",
					"Managed account not found"),
			},
			{
				Config:      with(func(c *card) { c.iso2 = "us" }),
				ExpectError: acctest.ErrorMatching("billing_details.country", "must be an ISO 3166-1 alpha-2 country code in capitals"),
			},
			{
				Config:      with(func(c *card) { c.month = 13 }),
				ExpectError: acctest.ErrorMatching("exp_month", "value must be between 1 and 12"),
			},
		},
	})
	// Nothing was created by any of the refusals.
	for _, c := range []*client.Client{srv.Client(t, srv.ManagerKey), srv.Client(t, fresh.APIKey)} {
		list, _, err := c.ListPaymentMethods(context.Background(), client.ListPaymentMethodsOptions{})
		if err != nil || len(list) != 0 {
			t.Fatalf("after the refusals: %d payment methods, %v", len(list), err)
		}
	}
}
