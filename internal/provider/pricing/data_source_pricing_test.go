package pricing_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const pricingDataAddr = "data.telnyx_pricing.manager"

// TestAccPricingDataSource reads the manager's effective rates after the
// operator committed it to a rate: that rate shows as committed, every other
// key at its list price; a managed account is refused with the API's detail.
func TestAccPricingDataSource(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	account := newManagedAccount(t, srv, "Priceless Co", false)

	status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/rates", map[string]any{
		"rates": []map[string]string{
			{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "US", "rate": "0.0031"},
		},
	})
	if status != http.StatusOK {
		t.Fatalf("operator committed rates: status %d: %s", status, body)
	}
	effective, err := manager.GetPricing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(effective) < 2 {
		t.Fatalf("the manager has %d effective rates, want the whole price book", len(effective))
	}
	// The data source lists exactly what the API answers, in its order.
	all := make([]knownvalue.Check, len(effective))
	for i, r := range effective {
		all[i] = effectiveRateCheck(r)
	}

	config := acctest.ProviderConfig(srv, srv.ManagerKey) + `
data "telnyx_pricing" "manager" {}
`
	asAccount := acctest.ProviderConfig(srv, srv.ManagerKey) + acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), account.ID) + `
data "telnyx_pricing" "as_account" {
  provider = telnyxalias
}
`

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(pricingDataAddr, tfjsonpath.New("rates"), knownvalue.ListExact(all)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					hasRate(map[string]string{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "US",
						"rate": "0.0031", "unit": "part", "source": "committed"}),
					hasRate(map[string]string{"product": "voice", "direction": "outbound", "country_iso": "US",
						"rate": "0.005", "unit": "minute", "source": "list"}),
					hasRate(map[string]string{"product": "wireless", "country_iso": "US", "unit": "MB", "source": "list"}),
				),
			},
			{
				Config:      asAccount,
				ExpectError: acctest.ErrorMatching("Unable to read the pricing", "The Telnyx API answered: Pricing is only visible to manager accounts."),
			},
		},
	})
}

func effectiveRateCheck(r client.Rate) knownvalue.Check {
	optional := func(s string) knownvalue.Check {
		if s == "" {
			return knownvalue.Null()
		}
		return knownvalue.StringExact(s)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"product":        knownvalue.StringExact(r.Product),
		"direction":      optional(r.Direction),
		"message_type":   optional(r.MessageType),
		"country_iso":    knownvalue.StringExact(r.CountryISO),
		"rate":           knownvalue.StringExact(r.Rate),
		"unit":           knownvalue.StringExact(r.Unit),
		"source":         knownvalue.StringExact(r.Source),
		"effective_from": knownvalue.StringExact(r.EffectiveFrom),
	})
}

// hasRate checks that exactly one rate of the data source has every
// attribute of want, and none of the key fields want leaves out.
func hasRate(want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[pricingDataAddr]
		if !ok {
			return fmt.Errorf("%s is not in the state", pricingDataAddr)
		}
		attrs := rs.Primary.Attributes
		matches := 0
		for i := 0; ; i++ {
			prefix := fmt.Sprintf("rates.%d.", i)
			if _, ok := attrs[prefix+"product"]; !ok {
				break
			}
			match := true
			for _, k := range []string{"product", "direction", "message_type", "country_iso", "rate", "unit", "source"} {
				if w, set := want[k]; set && attrs[prefix+k] != w {
					match = false
				}
			}
			for _, k := range []string{"direction", "message_type"} {
				if _, set := want[k]; !set && attrs[prefix+k] != "" {
					match = false
				}
			}
			if match {
				matches++
				if attrs[prefix+"effective_from"] == "" {
					return fmt.Errorf("rate %v has no effective_from", want)
				}
			}
		}
		if matches != 1 {
			return fmt.Errorf("%d rates match %v, want 1", matches, want)
		}
		return nil
	}
}
