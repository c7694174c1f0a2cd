package pricing_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

var (
	smsUS        = rate{"messaging", "outbound", "SMS", "US", "0.0035"}
	smsUSCheaper = rate{"messaging", "outbound", "SMS", "US", "0.003"}
	voiceAny     = rate{"voice", "outbound", "", "*", "0.012"}
	wirelessAny  = rate{"wireless", "", "", "*", "0.000125"}
)

func known(attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(pricingAddr, tfjsonpath.New(attr), v)
}

// TestAccManagedAccountPricing_lifecycle sets custom rates, imports them,
// changes them in place, sets them again after they were removed behind
// Terraform's back, moves them to another account, keeps them while custom
// pricing is turned off, and checks through the API that destroy returns the
// account to inheritance.
func TestAccManagedAccountPricing_lifecycle(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	first := newManagedAccount(t, srv, "Custom Rates Co", true)
	second := newManagedAccount(t, srv, "Other Custom Rates Co", true)
	effectiveFrom := statecheck.CompareValue(compare.ValuesDiffer())

	initial := pricingConfig(srv, first.ID, smsUS, voiceAny)
	updated := pricingConfig(srv, first.ID, smsUSCheaper, voiceAny, wirelessAny)
	moved := pricingConfig(srv, second.ID, smsUSCheaper, voiceAny, wirelessAny)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(manager),
		Steps: []resource.TestStep{
			{
				Config:           initial,
				ConfigPlanChecks: acctest.ExpectAction(pricingAddr, plancheck.ResourceActionCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("id", knownvalue.StringExact(first.ID)),
					known("managed_account_id", knownvalue.StringExact(first.ID)),
					known("rates", rateSet(smsUS, voiceAny)),
					known("effective_from", knownvalue.NotNull()),
					effectiveFrom.AddStateValue(pricingAddr, tfjsonpath.New("effective_from")),
				},
				Check: apiRates(manager, first.ID, smsUS, voiceAny),
			},
			acctest.EmptyPlan(initial),
			{
				ResourceName:      pricingAddr,
				ImportState:       true,
				ImportStateVerify: true,
			},
			{
				ResourceName:    pricingAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
			},
			{
				Config:           updated,
				ConfigPlanChecks: acctest.ExpectAction(pricingAddr, plancheck.ResourceActionUpdate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("id", knownvalue.StringExact(first.ID)),
					known("rates", rateSet(smsUSCheaper, voiceAny, wirelessAny)),
					effectiveFrom.AddStateValue(pricingAddr, tfjsonpath.New("effective_from")),
				},
				Check: apiRates(manager, first.ID, smsUSCheaper, voiceAny, wirelessAny),
			},
			acctest.EmptyPlan(updated),
			{
				// Returned to inheritance behind Terraform's back: the
				// configured rates are set again.
				PreConfig: func() {
					if _, err := manager.SetManagedAccountPricing(context.Background(), first.ID, nil); err != nil {
						t.Fatalf("reset the rates behind Terraform's back: %v", err)
					}
					if err := compareAPIRates(manager, first.ID, nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pricingAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(pricingAddr, tfjsonpath.New("rates"), rateSet(smsUSCheaper, voiceAny, wirelessAny)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					effectiveFrom.AddStateValue(pricingAddr, tfjsonpath.New("effective_from")),
				},
				Check: apiRates(manager, first.ID, smsUSCheaper, voiceAny, wirelessAny),
			},
			acctest.EmptyPlan(updated),
			{
				Config:           moved,
				ConfigPlanChecks: acctest.ExpectAction(pricingAddr, plancheck.ResourceActionDestroyBeforeCreate),
				ConfigStateChecks: []statecheck.StateCheck{
					known("id", knownvalue.StringExact(second.ID)),
					known("rates", rateSet(smsUSCheaper, voiceAny, wirelessAny)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					apiRates(manager, first.ID),
					apiRates(manager, second.ID, smsUSCheaper, voiceAny, wirelessAny),
				),
			},
			acctest.EmptyPlan(moved),
			{
				// With custom pricing turned off the rates stay (they return
				// when it is allowed again) and nothing is planned; the read
				// warns that they do not apply.
				PreConfig: func() {
					off := false
					if _, err := manager.UpdateManagedAccount(context.Background(), second.ID,
						client.UpdateManagedAccountRequest{ManagedAccountAllowCustomPricing: &off}); err != nil {
						t.Fatalf("turn custom pricing off: %v", err)
					}
				},
				Config:           moved,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccManagedAccountPricing_accountGone cancels the managed account
// behind Terraform's back: the next refresh drops the rates from the state
// and plans them again; destroy accepts the account's absence.
func TestAccManagedAccountPricing_accountGone(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := newManagedAccount(t, srv, "Short Lived Co", true)
	config := pricingConfig(srv, account.ID, wirelessAny)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(manager),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check:  apiRates(manager, account.ID, wirelessAny),
			},
			acctest.EmptyPlan(config),
			{
				PreConfig:          func() { srv.CancelAccount(t, account.ID) },
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pricingAddr, plancheck.ResourceActionCreate),
				}},
			},
		},
	})
}

// TestAccManagedAccountPricing_errors checks that invalid rates fail during
// plan with a detail that says how to fix them, and that the API's refusals
// reach the user with the API's detail.
func TestAccManagedAccountPricing_errors(t *testing.T) {
	srv := backendtest.Start(t)
	allowed := newManagedAccount(t, srv, "Allowed Co", true)
	notAllowed := newManagedAccount(t, srv, "Inheriting Co", false)
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
				Config:      pricingConfig(srv, allowed.ID, rate{"messaging", "outbound", "SMS", "US", "0.0040"}),
				ExpectError: acctest.ErrorMatching("Rate not in canonical form", `Write the rate "0.0040" as "0.004"`),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"voice", "outbound", "", "US", "1"}),
				ExpectError: acctest.ErrorMatching("Rate not in canonical form", `Write the rate "1" as "1.00"`),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"voice", "outbound", "", "US", "-0.01"}),
				ExpectError: acctest.ErrorMatching("Invalid rate", `"-0.01" is not a rate`),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"voice", "outbound", "", "US", "0.0000001"}),
				ExpectError: acctest.ErrorMatching("Invalid rate", "up to six decimals"),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"messaging", "outbound", "", "US", "0.004"}),
				ExpectError: acctest.ErrorMatching("Missing rate key", "A messaging rate is priced per message_type: set message_type."),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"wireless", "inbound", "", "US", "0.10"}),
				ExpectError: acctest.ErrorMatching("Unexpected rate key", "wireless rates are not priced per direction: leave direction out."),
			},
			{
				Config: pricingConfig(srv, allowed.ID, rate{"voice", "outbound", "", "US", "0.01"},
					rate{"voice", "outbound", "", "US", "0.02"}),
				ExpectError: acctest.ErrorMatching("Duplicate rate", "Two rates price the same usage (voice outbound US)"),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"voice", "outbound", "", "usa", "0.01"}),
				ExpectError: acctest.ErrorMatching("country_iso", "must be an upper-case ISO 3166-1 alpha-2 country code"),
			},
			{
				Config:      pricingConfig(srv, allowed.ID, rate{"fax", "", "", "US", "0.01"}),
				ExpectError: regexp.MustCompile(`value must be one of:`),
			},
			{
				Config:      pricingConfig(srv, allowed.ID),
				ExpectError: acctest.ErrorMatching("rates", "set must contain at least 1 elements"),
			},
			{
				Config: pricingConfig(srv, notAllowed.ID, voiceAny),
				ExpectError: acctest.ErrorMatching("Unable to set the custom rates of managed account "+notAllowed.ID,
					"The Telnyx API answered: Custom pricing is not allowed for this managed account: its managed_account_allow_custom_pricing is false."),
			},
			{
				// Another manager's account is as invisible as one that does not exist.
				Config:      pricingConfig(srv, foreign.ID, voiceAny),
				ExpectError: acctest.ErrorMatching("Unable to set the custom rates of managed account "+foreign.ID, "not found"),
			},
		},
	})
}
