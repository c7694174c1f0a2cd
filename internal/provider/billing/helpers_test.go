package billing_test

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// Public test cards: testCard succeeds on charge, declinedCard is declined.
// testCVC is unusual enough to be looked for in a state or a log.
const (
	testCard     = "4242424242424242"
	declinedCard = "4000000000000002"
	testCVC      = "987"
	luhnInvalid  = "4242424242424241"
	amexCard     = "378282246310005"
)

const (
	paymentMethodType = "telnyx_payment_method"
	autoRechargeType  = "telnyx_auto_recharge"
)

// expiryYear is a year in which a card created today has not expired.
var expiryYear = time.Now().UTC().Year() + 3

// newManagedAccount creates a managed account of srv's manager through the
// API and returns it with its primary key.
func newManagedAccount(t *testing.T, srv *backendtest.Server, name string, rollup bool) *client.ManagedAccount {
	t.Helper()
	a, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{
		BusinessName: name, RollupBilling: &rollup,
	})
	if err != nil {
		t.Fatalf("create managed account %q: %v", name, err)
	}
	if a.APIKey == "" {
		t.Fatalf("managed account %s was created without a primary key", a.ID)
	}
	return a
}

// addCard creates a card through the API as c, failing the test otherwise.
func addCard(t *testing.T, c *client.Client, number, name string, def *bool) *client.PaymentMethod {
	t.Helper()
	pm, err := c.CreatePaymentMethod(context.Background(), client.CreatePaymentMethodRequest{
		Type:           client.PaymentMethodTypeCard,
		Card:           client.NewCard{Number: number, ExpMonth: 12, ExpYear: int64(expiryYear), CVC: testCVC},
		BillingDetails: client.BillingDetails{Name: name, Country: "US"},
		Default:        def,
	})
	if err != nil {
		t.Fatalf("create a card: %v", err)
	}
	return pm
}

// checkPaymentMethod fetches a payment method through the API as c and runs
// check on it: the API, not the state, is the truth.
func checkPaymentMethod(c *client.Client, id *string, check func(*client.PaymentMethod) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		pm, err := c.GetPaymentMethod(context.Background(), *id)
		if err != nil {
			return fmt.Errorf("get payment method %s: %w", *id, err)
		}
		return check(pm)
	}
}

// paymentMethodGone checks that the API no longer has the payment method.
func paymentMethodGone(c *client.Client, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if _, err := c.GetPaymentMethod(context.Background(), *id); !client.IsNotFound(err) {
			return fmt.Errorf("payment method %s: want a 404, got: %w", *id, acctest.OrNoError(err))
		}
		return nil
	}
}

// checkPaymentMethodsDestroyed asks the API about every payment method that
// was in the state before destroy, through the account that owns it (its
// managed_account_id, else the manager): each must be gone.
func checkPaymentMethodsDestroyed(t *testing.T, srv *backendtest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		n := 0
		for _, rs := range s.RootModule().Resources {
			if rs.Type != paymentMethodType {
				continue
			}
			n++
			c, err := acctest.OwnerClient(t, srv, rs.Primary.Attributes["managed_account_id"])
			if err != nil {
				return fmt.Errorf("after destroy: %w", err)
			}
			id := rs.Primary.ID
			if err := paymentMethodGone(c, &id)(s); err != nil {
				return fmt.Errorf("after destroy: %w", err)
			}
		}
		if n == 0 {
			return fmt.Errorf("no %s was in the state before destroy", paymentMethodType)
		}
		return nil
	}
}

// checkAutoRechargeOff asks the API, through the account of every
// telnyx_auto_recharge that was in the state before destroy (its
// managed_account_id, else owner), that auto-recharge is off.
func checkAutoRechargeOff(t *testing.T, srv *backendtest.Server, owner *client.Client) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		n := 0
		for _, rs := range s.RootModule().Resources {
			if rs.Type != autoRechargeType {
				continue
			}
			n++
			c := owner
			if id := rs.Primary.Attributes["managed_account_id"]; id != "" {
				var err error
				if c, err = acctest.OwnerClient(t, srv, id); err != nil {
					return fmt.Errorf("after destroy: %w", err)
				}
			}
			p, err := c.GetAutoRechargePref(context.Background())
			if err != nil {
				return fmt.Errorf("after destroy, get auto-recharge preferences: %w", err)
			}
			if p.Enabled || p.ID != rs.Primary.ID {
				return fmt.Errorf("after destroy, auto-recharge preferences = %+v, want %s disabled", p, rs.Primary.ID)
			}
		}
		if n == 0 {
			return fmt.Errorf("no %s was in the state before destroy", autoRechargeType)
		}
		return nil
	}
}

// secretsAbsent is a state and plan check that no card secret appears, in
// any derived form, in the state or in the values of a plan (see
// acctest.SecretsAbsent). Messages number the secrets rather than quote them.
func secretsAbsent(values ...string) interface {
	statecheck.StateCheck
	plancheck.PlanCheck
} {
	secrets := make([]acctest.Secret, len(values))
	for i, v := range values {
		secrets[i] = acctest.Secret{Name: fmt.Sprintf("card secret #%d (%d characters)", i+1, len(v)), Value: v}
	}
	return acctest.SecretsAbsent(func() []acctest.Secret { return secrets })
}

// sumAmounts adds decimal strings exactly.
func sumAmounts(amounts ...string) (*big.Rat, error) {
	sum := new(big.Rat)
	for _, a := range amounts {
		r, ok := new(big.Rat).SetString(a)
		if !ok {
			return nil, fmt.Errorf("%q is not a decimal amount", a)
		}
		sum.Add(sum, r)
	}
	return sum, nil
}
