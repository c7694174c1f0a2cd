package pricing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const (
	resourceType = "telnyx_managed_account_pricing"
	pricingAddr  = "telnyx_managed_account_pricing.test"
)

// rate is one element of rates, written in HCL by hcl.
type rate struct {
	product, direction, messageType, country, value string
}

func (r rate) hcl() string {
	var b strings.Builder
	fmt.Fprintf(&b, "    {\n      product     = %q\n", r.product)
	if r.direction != "" {
		fmt.Fprintf(&b, "      direction   = %q\n", r.direction)
	}
	if r.messageType != "" {
		fmt.Fprintf(&b, "      message_type = %q\n", r.messageType)
	}
	fmt.Fprintf(&b, "      country_iso = %q\n      rate        = %q\n    },\n", r.country, r.value)
	return b.String()
}

// check is what the state must hold for r: null for the key fields it leaves out.
func (r rate) check() knownvalue.Check {
	optional := func(s string) knownvalue.Check {
		if s == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(s)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"product":      knownvalue.StringExact(r.product),
		"direction":    optional(r.direction),
		"message_type": optional(r.messageType),
		"country_iso":  knownvalue.StringExact(r.country),
		"rate":         knownvalue.StringExact(r.value),
	})
}

func rateSet(rates ...rate) knownvalue.Check {
	checks := make([]knownvalue.Check, len(rates))
	for i, r := range rates {
		checks[i] = r.check()
	}
	return knownvalue.SetExact(checks)
}

// pricingConfig is the provider acting as the manager and one
// telnyx_managed_account_pricing of accountID with rates.
func pricingConfig(srv *backendtest.Server, accountID string, rates ...rate) string {
	var b strings.Builder
	for _, r := range rates {
		b.WriteString(r.hcl())
	}
	return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_managed_account_pricing" "test" {
  managed_account_id = %q
  rates = [
%s  ]
}
`, accountID, b.String())
}

// newManagedAccount creates a managed account of srv's manager through the
// API, allowing custom pricing or not.
func newManagedAccount(t *testing.T, srv *backendtest.Server, name string, allowCustomPricing bool) *client.ManagedAccount {
	t.Helper()
	a, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{
		BusinessName: name, ManagedAccountAllowCustomPricing: &allowCustomPricing,
	})
	if err != nil {
		t.Fatalf("create managed account %q: %v", name, err)
	}
	return a
}

// apiRates checks, through the API, that the account's custom rates in force
// are exactly want (none: it inherits).
func apiRates(c *client.Client, accountID string, want ...rate) resource.TestCheckFunc {
	return func(*terraform.State) error {
		return compareAPIRates(c, accountID, want)
	}
}

func compareAPIRates(c *client.Client, accountID string, want []rate) error {
	p, err := c.GetManagedAccountPricing(context.Background(), accountID)
	if err != nil {
		return fmt.Errorf("get pricing of %s: %w", accountID, err)
	}
	if p.Inherits != (len(want) == 0) {
		return fmt.Errorf("pricing of %s: inherits = %t with %d rates, want %d rates", accountID, p.Inherits, len(p.Rates), len(want))
	}
	got := map[rate]bool{}
	for _, r := range p.Rates {
		if r.Source != client.RateSourceCustom {
			return fmt.Errorf("pricing of %s: rate %+v has source %q, want custom", accountID, r, r.Source)
		}
		got[rate{r.Product, r.Direction, r.MessageType, r.CountryISO, r.Rate}] = true
	}
	for _, w := range want {
		if !got[w] {
			return fmt.Errorf("pricing of %s: the API has %+v, want %+v", accountID, p.Rates, want)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("pricing of %s: the API has %d rates, want %d", accountID, len(got), len(want))
	}
	return nil
}

// checkDestroyed asks the API about every pricing resource that was in the
// state before destroy: its account must inherit again (or be gone).
func checkDestroyed(c *client.Client) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		n := 0
		for _, rs := range s.RootModule().Resources {
			if rs.Type != resourceType {
				continue
			}
			n++
			id := rs.Primary.Attributes["managed_account_id"]
			p, err := c.GetManagedAccountPricing(context.Background(), id)
			switch {
			case client.IsNotFound(err):
			case err != nil:
				return fmt.Errorf("after destroy, get pricing of %s: %w", id, err)
			case !p.Inherits || len(p.Rates) != 0:
				return fmt.Errorf("after destroy, managed account %s still has %d custom rates (inherits %t)", id, len(p.Rates), p.Inherits)
			}
		}
		if n == 0 {
			return fmt.Errorf("no %s was in the state before destroy", resourceType)
		}
		return nil
	}
}
