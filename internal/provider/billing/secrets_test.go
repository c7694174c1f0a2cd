package billing_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccPaymentMethod_cardNeverStoredOrLogged creates, updates and replaces
// cards, of the manager and of a managed account, with the provider logging
// at DEBUG to a file, and checks that neither card number nor CVC reaches a
// plan, the state (terraform show -json, and the raw state Terraform hands to
// Check functions) or the provider's log. It sets process-wide environment
// variables, so it does not run in parallel.
func TestAccPaymentMethod_cardNeverStoredOrLogged(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "provider.log")
	t.Setenv("TF_LOG", "DEBUG")
	t.Setenv("TF_LOG_PATH", logPath)

	srv := backendtest.Start(t)
	account := newManagedAccount(t, srv, "Secret Cards Co", false)
	const secondCard, secondCVC = "5555555555554444", "654"
	numbers := []string{testCard, "4242 4242 4242 4242", secondCard}
	// In JSON, a CVC stored as a value would be quoted.
	secrets := append([]string{`"` + testCVC + `"`, `"` + secondCVC + `"`}, numbers...)

	config := func(version int, number, cvc, name string) string {
		own := defaultCard()
		own.number, own.cvc, own.version, own.name = number, cvc, version, name
		managed := own
		managed.extra = fmt.Sprintf("  managed_account_id = %q", account.ID)
		return acctest.ProviderConfig(srv, srv.ManagerKey) + own.hcl("test") + managed.hcl("managed")
	}
	noSecrets := secretsAbsent(secrets...)
	step := func(config string, action plancheck.ResourceActionType) resource.TestStep {
		return resource.TestStep{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(cardAddr, action), noSecrets,
			}},
			ConfigStateChecks: []statecheck.StateCheck{noSecrets},
			Check:             rawStateHasNoSecret(numbers, []string{testCVC, secondCVC}),
		}
	}

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkPaymentMethodsDestroyed(t, srv),
		Steps: []resource.TestStep{
			step(config(1, testCard, testCVC, "Ada Lovelace"), plancheck.ResourceActionCreate),
			step(config(1, testCard, testCVC, "Ada King"), plancheck.ResourceActionUpdate),
			step(config(2, secondCard, secondCVC, "Ada King"), plancheck.ResourceActionDestroyBeforeCreate),
		},
	})

	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("read the provider's log: %v", err)
	}
	log := string(raw)
	// The log must hold the provider's API calls, or finding no card in it
	// proves nothing.
	for _, want := range []string{"Telnyx API request", "/v2/payment_methods", "Created payment method", "Deleted payment method"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the provider's debug log (%d bytes) lacks %q: it did not capture the provider's output", len(raw), want)
		}
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the provider's debug log holds a card secret (%d characters)", len(s))
		}
	}
	// A CVC is short: look for it next to a name that would introduce it.
	for _, cvc := range []string{testCVC, secondCVC} {
		if regexp.MustCompile(`(?i)(cvc|card_cvc_wo)\W{0,8}` + cvc).MatchString(log) {
			t.Errorf("the provider's debug log holds a CVC")
		}
	}
}

// rawStateHasNoSecret checks every attribute of every resource in the raw
// state: none holds a card number, and none is a CVC.
func rawStateHasNoSecret(numbers, cvcs []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		n := 0
		for addr, rs := range s.RootModule().Resources {
			for name, value := range rs.Primary.Attributes {
				n++
				for _, number := range numbers {
					if strings.Contains(value, number) {
						return fmt.Errorf("%s.%s holds a card number", addr, name)
					}
				}
				for _, cvc := range cvcs {
					if value == cvc {
						return fmt.Errorf("%s.%s holds a CVC", addr, name)
					}
				}
			}
		}
		if n == 0 {
			return fmt.Errorf("the state has no attribute to check")
		}
		return nil
	}
}
