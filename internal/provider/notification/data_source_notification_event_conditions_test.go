package notification_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccNotificationEventConditions reads the catalogue: all of it, by
// name (the balance condition with its amount parameter and channel
// types), by record type, and a name no condition has (an empty list).
func TestAccNotificationEventConditions(t *testing.T) {
	srv := backendtest.Start(t)
	const all, byName, phone, none = "data.telnyx_notification_event_conditions.all", "data.telnyx_notification_event_conditions.balance",
		"data.telnyx_notification_event_conditions.phone", "data.telnyx_notification_event_conditions.none"
	config := acctest.ProviderConfig(srv, srv.ManagerKey) + `
data "telnyx_notification_event_conditions" "all" {}

data "telnyx_notification_event_conditions" "balance" {
  associated_record_type = "account"
  name                   = "balance below threshold"
}

data "telnyx_notification_event_conditions" "phone" {
  associated_record_type = "phone_number"
}

data "telnyx_notification_event_conditions" "none" {
  name = "no such condition"
}
`
	balance := tfjsonpath.New("conditions").AtSliceIndex(0)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(all, tfjsonpath.New("conditions"), knownvalue.ListSizeExact(3)),
				statecheck.ExpectKnownValue(byName, tfjsonpath.New("conditions"), knownvalue.ListSizeExact(1)),
				statecheck.ExpectKnownValue(byName, balance.AtMapKey("id"), knownvalue.StringExact(backend.ConditionBalanceBelow)),
				statecheck.ExpectKnownValue(byName, balance.AtMapKey("associated_record_type"), knownvalue.StringExact("account")),
				statecheck.ExpectKnownValue(byName, balance.AtMapKey("parameters"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectExact(map[string]knownvalue.Check{
						"name": knownvalue.StringExact("amount"), "data_type": knownvalue.StringExact("decimal"), "optional": knownvalue.Bool(false),
					}),
				})),
				statecheck.ExpectKnownValue(byName, balance.AtMapKey("supported_channels"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("webhook"), knownvalue.StringExact("email"), knownvalue.StringExact("sms"),
				})),
				statecheck.ExpectKnownValue(phone, tfjsonpath.New("conditions"), knownvalue.ListSizeExact(0)),
				statecheck.ExpectKnownValue(none, tfjsonpath.New("conditions"), knownvalue.ListSizeExact(0)),
			},
		}},
	})
}
