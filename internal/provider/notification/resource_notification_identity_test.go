package notification_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccNotification_identity checks the identity of each resource of a
// managed account's alert and of a profile of the provider's own account,
// that import blocks by identity adopt each with no change planned, and
// that an identity naming another account is refused.
func TestAccNotification_identity(t *testing.T) {
	srv := backendtest.Start(t)
	customer := acctest.NewManagedAccount(t, srv, "Identity Alerts Co")
	other := acctest.NewManagedAccount(t, srv, "Another Co")
	const ownAddr = "telnyx_notification_profile.own"
	config := alert{accountID: customer.ID, name: "Alerts", url: "http://127.0.0.1:9/hook", amount: "1.00"}.config(srv) + `
resource "telnyx_notification_profile" "own" {
  name = "The manager's own"
}
`
	// A setting of the customer made outside Terraform, for the import
	// that must fail.
	ctx := context.Background()
	c := owner(t, srv, customer.ID)
	p, err := c.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "Outside Terraform"})
	if err != nil {
		t.Fatal(err)
	}
	loose, err := c.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{
		NotificationEventConditionID: backend.ConditionAccountDisabled, NotificationProfileID: p.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.IdentityVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: append(append(append(acctest.ExpectAccountScopedIdentity(ownAddr, ""),
					acctest.ExpectAccountScopedIdentity(profileAddr, customer.ID)...),
					acctest.ExpectAccountScopedIdentity(channelAddr, customer.ID)...),
					acctest.ExpectAccountScopedIdentity(settingAddr, customer.ID)...),
			},
			{ResourceName: ownAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{ResourceName: profileAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{ResourceName: channelAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{ResourceName: settingAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithResourceIdentity},
			{
				// The customer's setting is no setting of another managed
				// account.
				Config: config + fmt.Sprintf(`
import {
  to       = telnyx_notification_setting.adopted
  identity = { managed_account_id = %[1]q, id = %[2]q }
}

resource "telnyx_notification_setting" "adopted" {
  managed_account_id              = %[1]q
  notification_event_condition_id = "x"
  notification_profile_id         = "x"
}
`, other.ID, loose.ID),
				PlanOnly:    true,
				ExpectError: acctest.ErrorMatching("Cannot import non-existent remote object"),
			},
		},
	})
}
