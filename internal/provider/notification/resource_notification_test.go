package notification_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAccNotification_lifecycle wires a managed account's balance alert
// (profile, webhook channel, setting) through managed_account_id and walks
// it through create (checked through the API as the managed account, and
// invisible to the manager's own key), an empty second plan, import of each
// resource, in-place updates of the profile and channel and the
// replacement of the setting (the API cannot change one), drift when all
// three are deleted outside Terraform, and destroy checked through the API.
func TestAccNotification_lifecycle(t *testing.T) {
	srv := backendtest.Start(t)
	customer := acctest.NewManagedAccount(t, srv, "Alerted Co")
	c := owner(t, srv, customer.ID)
	manager := srv.Client(t, srv.ManagerKey)
	created := alert{accountID: customer.ID, name: "Billing alerts", url: "http://127.0.0.1:9/hook", amount: "10.00"}.config(srv)
	updated := alert{accountID: customer.ID, name: "Billing alerts (ops)", url: "http://127.0.0.1:9/hook2", amount: "25.50"}.config(srv)
	var profileID, channelID, settingID, firstSettingID string

	checkAPI := func(name, url, amount string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			ctx := context.Background()
			p, err := c.GetNotificationProfile(ctx, profileID)
			if err != nil || p.Name != name {
				return fmt.Errorf("profile %s through the API: %+v, %w; want the name %q", profileID, p, acctest.OrNoError(err), name)
			}
			ch, err := c.GetNotificationChannel(ctx, channelID)
			if err != nil || ch.ChannelTypeID != "webhook" || ch.ChannelDestination != url || ch.NotificationProfileID != profileID {
				return fmt.Errorf("channel %s through the API: %+v, %w; want a webhook to %s in %s", channelID, ch, acctest.OrNoError(err), url, profileID)
			}
			st, err := c.GetNotificationSetting(ctx, settingID)
			if err != nil || st.NotificationEventConditionID != backend.ConditionBalanceBelow || st.NotificationChannelID != channelID ||
				st.NotificationProfileID != profileID || st.AssociatedRecordTypeValue != customer.ID ||
				len(st.Parameters) != 1 || st.Parameters[0] != (client.NotificationSettingParameter{Name: "amount", Value: amount}) {
				return fmt.Errorf("setting %s through the API: %+v, %w; want the balance below %s on %s", settingID, st, acctest.OrNoError(err), amount, channelID)
			}
			// The alert is the managed account's: the manager's own key
			// does not see it.
			if _, err := manager.GetNotificationSetting(ctx, settingID); !client.IsNotFound(err) {
				return fmt.Errorf("the manager's own key reads the managed account's setting: %w", acctest.OrNoError(err))
			}
			return nil
		}
	}
	capture := resource.ComposeTestCheckFunc(
		acctest.CaptureAttr(profileAddr, "id", &profileID),
		acctest.CaptureAttr(channelAddr, "id", &channelID),
		acctest.CaptureAttr(settingAddr, "id", &settingID),
	)
	importStep := func(addr string) resource.TestStep {
		return resource.TestStep{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: importID(addr)}
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: created,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(settingAddr, tfjsonpath.New("status"), knownvalue.StringExact("enabled")),
					statecheck.ExpectKnownValue(settingAddr, tfjsonpath.New("associated_record_type_value"), knownvalue.StringExact(customer.ID)),
					statecheck.ExpectKnownValue(settingAddr, tfjsonpath.New("notification_event_condition_id"), knownvalue.StringExact(backend.ConditionBalanceBelow)),
					statecheck.ExpectKnownValue(channelAddr, tfjsonpath.New("created_at"), knownvalue.NotNull()),
				},
				Check: resource.ComposeTestCheckFunc(capture, acctest.CaptureAttr(settingAddr, "id", &firstSettingID),
					checkAPI("Billing alerts", "http://127.0.0.1:9/hook", "10.00")),
			},
			acctest.EmptyPlan(created),
			importStep(profileAddr),
			importStep(channelAddr),
			importStep(settingAddr),
			{
				ResourceName:  settingAddr,
				ImportState:   true,
				ImportStateId: "a/b/c",
				ExpectError:   acctest.ErrorMatching("Invalid import identifier", `"a/b/c" is not a notification setting identifier`),
			},
			{
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(profileAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(channelAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(settingAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeTestCheckFunc(capture,
					resource.TestCheckResourceAttrPtr(profileAddr, "id", &profileID),
					resource.TestCheckResourceAttrPtr(channelAddr, "id", &channelID),
					checkAPI("Billing alerts (ops)", "http://127.0.0.1:9/hook2", "25.50"),
					func(*terraform.State) error {
						if _, err := c.GetNotificationSetting(context.Background(), firstSettingID); !client.IsNotFound(err) {
							return fmt.Errorf("the replaced setting %s: want a 404, got %w", firstSettingID, acctest.OrNoError(err))
						}
						return nil
					}),
			},
			acctest.EmptyPlan(updated),
			{
				// All three deleted behind Terraform's back: the refresh
				// finds them gone and the plan creates them again.
				PreConfig: func() {
					ctx := context.Background()
					if _, err := c.DeleteNotificationSetting(ctx, settingID); err != nil {
						t.Fatal(err)
					}
					if _, err := c.DeleteNotificationChannel(ctx, channelID); err != nil {
						t.Fatal(err)
					}
					if _, err := c.DeleteNotificationProfile(ctx, profileID); err != nil {
						t.Fatal(err)
					}
				},
				Config: updated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(profileAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(channelAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(settingAddr, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeTestCheckFunc(capture, checkAPI("Billing alerts (ops)", "http://127.0.0.1:9/hook2", "25.50")),
			},
			acctest.EmptyPlan(updated),
		},
	})
}

// TestAccNotification_ownAccount: without managed_account_id the alert is
// the provider's own account's, imported by its bare id.
func TestAccNotification_ownAccount(t *testing.T) {
	srv := backendtest.Start(t)
	// A condition without parameters, given an empty map: the state keeps
	// the configuration's empty map, not the API's nothing.
	config := alert{name: "Mine", url: "http://127.0.0.1:9/mine", amount: "5"}.config(srv) + fmt.Sprintf(`
resource "telnyx_notification_setting" "disabled" {
  notification_event_condition_id = %q
  notification_profile_id         = telnyx_notification_profile.test.id
  parameters                      = {}
}
`, backend.ConditionAccountDisabled)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(settingAddr, tfjsonpath.New("managed_account_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(settingAddr, tfjsonpath.New("associated_record_type_value"), knownvalue.StringExact(srv.ManagerID)),
					statecheck.ExpectKnownValue(settingAddr, tfjsonpath.New("parameters"), knownvalue.MapExact(map[string]knownvalue.Check{
						"amount": knownvalue.StringExact("5"),
					})),
					statecheck.ExpectKnownValue("telnyx_notification_setting.disabled", tfjsonpath.New("parameters"), knownvalue.MapSizeExact(0)),
					statecheck.ExpectKnownValue("telnyx_notification_setting.disabled", tfjsonpath.New("notification_channel_id"), knownvalue.Null()),
				},
			},
			acctest.EmptyPlan(config),
			{ResourceName: settingAddr, ImportState: true, ImportStateVerify: true, ImportStateIdFunc: importID(settingAddr)},
			{ResourceName: channelAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateIdFunc: importID(channelAddr)},
		},
	})
}

// TestAccNotification_refused: the API's refusals reach the user as errors
// that name the field, and leave nothing behind: an unknown condition, a
// channel of another account (the manager's, for the managed account's
// setting), a webhook URL that is not http(s), an amount that is not one.
func TestAccNotification_refused(t *testing.T) {
	srv := backendtest.Start(t)
	customer := acctest.NewManagedAccount(t, srv, "Refused Co")
	c := owner(t, srv, customer.ID)
	ctx := context.Background()
	manager := srv.Client(t, srv.ManagerKey)
	mgrProfile, err := manager.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "The manager's"})
	if err != nil {
		t.Fatal(err)
	}
	mgrChannel, err := manager.CreateNotificationChannel(ctx, client.NotificationChannelRequest{
		ChannelTypeID: "email", ChannelDestination: "ops@example.com", NotificationProfileID: mgrProfile.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	profile := acctest.ProviderConfig(srv, srv.ManagerKey) + fmt.Sprintf(`
resource "telnyx_notification_profile" "test" {
  managed_account_id = %q
  name               = "Refusals"
}
`, customer.ID)
	setting := func(body string) string {
		return profile + fmt.Sprintf(`
resource "telnyx_notification_setting" "bad" {
  managed_account_id      = %q
  notification_profile_id = telnyx_notification_profile.test.id
%s
}
`, customer.ID, body)
	}
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(t, srv),
		Steps: []resource.TestStep{
			{Config: profile},
			{
				Config: setting(`  notification_event_condition_id = "00000000-0000-4000-8000-000000000000"`),
				ExpectError: acctest.ErrorMatching("Unable to create the notification setting of the managed account",
					"No notification event condition has the id", "/notification_event_condition_id"),
			},
			{
				Config: setting(fmt.Sprintf(`  notification_event_condition_id = %q
  notification_channel_id         = %q`, backend.ConditionAccountDisabled, mgrChannel.ID)),
				ExpectError: acctest.ErrorMatching("No notification channel of this account has the id", "/notification_channel_id"),
			},
			{
				Config: setting(fmt.Sprintf(`  notification_event_condition_id = %q
  parameters = { amount = "ten dollars" }`, backend.ConditionBalanceBelow)),
				ExpectError: acctest.ErrorMatching("must be an amount of money", "/parameters/0/value"),
			},
			{
				Config: profile + fmt.Sprintf(`
resource "telnyx_notification_channel" "bad" {
  managed_account_id      = %q
  notification_profile_id = telnyx_notification_profile.test.id
  channel_type_id         = "webhook"
  channel_destination     = "ftp://127.0.0.1/hook"
}
`, customer.ID),
				ExpectError: acctest.ErrorMatching("Unable to create the notification channel", "must be an http or https URL", "/channel_destination"),
			},
			{
				// Nothing of the refused requests was written.
				Config: profile,
				Check: func(*terraform.State) error {
					channels, meta, err := c.ListNotificationChannels(ctx, client.ListNotificationChannelsOptions{})
					if err != nil || meta.TotalResults != 0 {
						return fmt.Errorf("the managed account's channels after the refusals: %+v, %w; want none", channels, acctest.OrNoError(err))
					}
					settings, meta, err := c.ListNotificationSettings(ctx, client.ListNotificationSettingsOptions{})
					if err != nil || meta.TotalResults != 0 {
						return fmt.Errorf("the managed account's settings after the refusals: %+v, %w; want none", settings, acctest.OrNoError(err))
					}
					return nil
				},
			},
		},
	})
}

// TestAccNotification_managedAccountGone: when the managed account of an
// alert is cancelled outside Terraform, the refresh finds its profile,
// channel and setting gone with it and forgets them: removing them from the
// configuration then plans nothing to delete (the API could not act as the
// account any more).
func TestAccNotification_managedAccountGone(t *testing.T) {
	srv := backendtest.Start(t)
	customer := acctest.NewManagedAccount(t, srv, "Cancelled Co")
	config := alert{accountID: customer.ID, name: "Alerts", url: "http://127.0.0.1:9/hook", amount: "1.00"}.config(srv)
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig:        func() { srv.CancelAccount(t, customer.ID) },
				Config:           acctest.ProviderConfig(srv, srv.ManagerKey),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: func(s *terraform.State) error {
					if n := len(s.RootModule().Resources); n != 0 {
						return fmt.Errorf("%d resources left in the state, want none", n)
					}
					return nil
				},
			},
		},
	})
}
