package notification_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

const (
	profileAddr = "telnyx_notification_profile.test"
	channelAddr = "telnyx_notification_channel.test"
	settingAddr = "telnyx_notification_setting.test"
)

// alert is a balance alert's arguments: a profile, a webhook channel and a
// balance-below setting on that channel, all on the managed account
// accountID ("" for the provider's own account).
type alert struct {
	accountID, name, url, amount string
}

// config is the provider acting as srv's manager and the alert, its
// condition found by name through the data source.
func (a alert) config(srv *backendtest.Server) string {
	account := ""
	if a.accountID != "" {
		account = fmt.Sprintf("managed_account_id = %q", a.accountID)
	}
	return acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
data "telnyx_notification_event_conditions" "balance" {
  name = "balance below threshold"
}

resource "telnyx_notification_profile" "test" {
  %[1]s
  name = %[2]q
}

resource "telnyx_notification_channel" "test" {
  %[1]s
  notification_profile_id = telnyx_notification_profile.test.id
  channel_type_id         = "webhook"
  channel_destination     = %[3]q
}

resource "telnyx_notification_setting" "test" {
  %[1]s
  notification_event_condition_id = data.telnyx_notification_event_conditions.balance.conditions[0].id
  notification_profile_id         = telnyx_notification_profile.test.id
  notification_channel_id         = telnyx_notification_channel.test.id
  parameters = {
    amount = %[4]q
  }
}
`, account, a.name, a.url, a.amount)
}

// owner is a client of srv acting as accountID ("" for the manager).
func owner(t *testing.T, srv *backendtest.Server, accountID string) *client.Client {
	t.Helper()
	c, err := acctest.OwnerClient(t, srv, accountID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkDestroyed asks the API, as the account that owned it, about every
// notification object that was in the state before destroy: each must be
// gone (404).
func checkDestroyed(t *testing.T, srv *backendtest.Server) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			c, err := acctest.OwnerClient(t, srv, rs.Primary.Attributes["managed_account_id"])
			if err != nil {
				return fmt.Errorf("after destroy: %w", err)
			}
			id, ctx := rs.Primary.ID, context.Background()
			switch rs.Type {
			case "telnyx_notification_profile":
				_, err = c.GetNotificationProfile(ctx, id)
			case "telnyx_notification_channel":
				_, err = c.GetNotificationChannel(ctx, id)
			case "telnyx_notification_setting":
				_, err = c.GetNotificationSetting(ctx, id)
			default:
				continue
			}
			if !client.IsNotFound(err) {
				return fmt.Errorf("after destroy, %s %s: want a 404, got %w", rs.Type, id, acctest.OrNoError(err))
			}
		}
		return nil
	}
}

// importID is the import identifier of the resource at addr:
// <managed_account_id>/<id>, or <id> for the provider's own account.
func importID(addr string) resource.ImportStateIdFunc {
	return func(s *terraform.State) (string, error) {
		rs, ok := s.RootModule().Resources[addr]
		if !ok {
			return "", fmt.Errorf("%s is not in the state", addr)
		}
		if a := rs.Primary.Attributes["managed_account_id"]; a != "" {
			return a + "/" + rs.Primary.ID, nil
		}
		return rs.Primary.ID, nil
	}
}
