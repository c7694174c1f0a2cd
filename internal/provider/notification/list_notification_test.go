package notification_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// notificationSet is what TestAccNotificationList finds: on the manager's
// own account, a profile with an email channel and a setting without
// parameters; on a managed account, a profile with a webhook channel and a
// balance setting (an amount of "5", read back as given),
// and an empty profile.
type notificationSet struct {
	account                                   *client.ManagedAccount
	ownProfile, customerProfile, emptyProfile *client.NotificationProfile
	ownChannel, customerChannel               *client.NotificationChannel
	ownSetting, customerSetting               *client.NotificationSetting
}

func newNotificationSet(t *testing.T, srv *backendtest.Server) notificationSet {
	t.Helper()
	ctx := context.Background()
	s := notificationSet{account: acctest.NewManagedAccount(t, srv, "Listed Alerts Co")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	manager, customer := srv.Client(t, srv.ManagerKey), owner(t, srv, s.account.ID)
	s.ownProfile, err = manager.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "Own alerts"})
	must(err)
	s.ownChannel, err = manager.CreateNotificationChannel(ctx, client.NotificationChannelRequest{
		NotificationProfileID: s.ownProfile.ID, ChannelTypeID: client.ChannelTypeEmail, ChannelDestination: "ops@example.com",
	})
	must(err)
	s.ownSetting, err = manager.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{
		NotificationEventConditionID: backend.ConditionAccountDisabled, NotificationProfileID: s.ownProfile.ID,
	})
	must(err)
	s.customerProfile, err = customer.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "Customer alerts"})
	must(err)
	s.emptyProfile, err = customer.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "Empty"})
	must(err)
	s.customerChannel, err = customer.CreateNotificationChannel(ctx, client.NotificationChannelRequest{
		NotificationProfileID: s.customerProfile.ID, ChannelTypeID: client.ChannelTypeWebhook, ChannelDestination: "http://127.0.0.1:9/hook",
	})
	must(err)
	s.customerSetting, err = customer.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{
		NotificationEventConditionID: backend.ConditionBalanceBelow, NotificationProfileID: s.customerProfile.ID,
		NotificationChannelID: s.customerChannel.ID, Parameters: []client.NotificationSettingParameter{{Name: "amount", Value: "5"}},
	})
	must(err)
	return s
}

// TestAccNotificationList finds the notification profiles, channels and
// settings with terraform query: the manager's own, each with its identity,
// display name and the state an import reads; a managed account's through
// managed_account_id; the notification_profile_id filter; limit; and the
// errors.
func TestAccNotificationList(t *testing.T) {
	srv := backendtest.Start(t)
	s := newNotificationSet(t, srv)
	account := fmt.Sprintf(`    managed_account_id = %q`, s.account.ID)
	own := func(id string) map[string]knownvalue.Check {
		return acctest.AccountScopedIdentity("", knownvalue.StringExact(id))
	}
	customer := func(id string) map[string]knownvalue.Check {
		return acctest.AccountScopedIdentity(s.account.ID, knownvalue.StringExact(id))
	}
	const profiles, channels, settings = "telnyx_notification_profile.found", "telnyx_notification_channel.found", "telnyx_notification_setting.found"

	resource.ParallelTest(t, resource.TestCase{
		TerraformVersionChecks:   acctest.QueryVersions,
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_notification_profile", "  include_resource = true", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(profiles, 1),
					querycheck.ExpectIdentity(profiles, own(s.ownProfile.ID)),
					querycheck.ExpectResourceDisplayName(profiles, queryfilter.ByResourceIdentity(own(s.ownProfile.ID)), knownvalue.StringExact("Own alerts")),
					querycheck.ExpectResourceKnownValues(profiles, queryfilter.ByResourceIdentity(own(s.ownProfile.ID)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(s.ownProfile.ID)},
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Own alerts")},
						{Path: tfjsonpath.New("created_at"), KnownValue: knownvalue.StringExact(s.ownProfile.CreatedAt)},
						{Path: tfjsonpath.New("timeouts"), KnownValue: knownvalue.Null()},
					}),
				},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_notification_profile", "  include_resource = true", account),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(profiles, 2),
					querycheck.ExpectIdentity(profiles, customer(s.customerProfile.ID)),
					querycheck.ExpectIdentity(profiles, customer(s.emptyProfile.ID)),
					querycheck.ExpectResourceKnownValues(profiles, queryfilter.ByResourceIdentity(customer(s.emptyProfile.ID)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.StringExact(s.account.ID)},
						{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("Empty")},
					}),
				},
			},
			{
				Query:             true,
				Config:            acctest.QueryConfig(srv, "telnyx_notification_profile", "  limit = 1", account),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength(profiles, 1)},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_notification_channel", "  include_resource = true", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(channels, 1),
					querycheck.ExpectIdentity(channels, own(s.ownChannel.ID)),
					querycheck.ExpectResourceDisplayName(channels, queryfilter.ByResourceIdentity(own(s.ownChannel.ID)), knownvalue.StringExact("email to ops@example.com")),
					querycheck.ExpectResourceKnownValues(channels, queryfilter.ByResourceIdentity(own(s.ownChannel.ID)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(s.ownChannel.ID)},
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("notification_profile_id"), KnownValue: knownvalue.StringExact(s.ownProfile.ID)},
						{Path: tfjsonpath.New("channel_type_id"), KnownValue: knownvalue.StringExact("email")},
						{Path: tfjsonpath.New("channel_destination"), KnownValue: knownvalue.StringExact("ops@example.com")},
						{Path: tfjsonpath.New("created_at"), KnownValue: knownvalue.StringExact(s.ownChannel.CreatedAt)},
					}),
				},
			},
			{
				Query: true,
				Config: acctest.QueryConfig(srv, "telnyx_notification_channel", "  include_resource = true",
					account+fmt.Sprintf("\n    notification_profile_id = %q", s.customerProfile.ID)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(channels, 1),
					querycheck.ExpectIdentity(channels, customer(s.customerChannel.ID)),
					querycheck.ExpectResourceDisplayName(channels, queryfilter.ByResourceIdentity(customer(s.customerChannel.ID)), knownvalue.StringExact("webhook to http://127.0.0.1:9/hook")),
					querycheck.ExpectResourceKnownValues(channels, queryfilter.ByResourceIdentity(customer(s.customerChannel.ID)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.StringExact(s.account.ID)},
						{Path: tfjsonpath.New("notification_profile_id"), KnownValue: knownvalue.StringExact(s.customerProfile.ID)},
					}),
				},
			},
			{
				Query:             true,
				Config:            acctest.QueryConfig(srv, "telnyx_notification_channel", "", account+fmt.Sprintf("\n    notification_profile_id = %q", s.emptyProfile.ID)),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength(channels, 0)},
			},
			{
				Query:  true,
				Config: acctest.QueryConfig(srv, "telnyx_notification_setting", "  include_resource = true", ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(settings, 1),
					querycheck.ExpectIdentity(settings, own(s.ownSetting.ID)),
					querycheck.ExpectResourceDisplayName(settings, queryfilter.ByResourceIdentity(own(s.ownSetting.ID)), knownvalue.StringExact(backend.ConditionAccountDisabled)),
					querycheck.ExpectResourceKnownValues(settings, queryfilter.ByResourceIdentity(own(s.ownSetting.ID)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(s.ownSetting.ID)},
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("notification_event_condition_id"), KnownValue: knownvalue.StringExact(backend.ConditionAccountDisabled)},
						{Path: tfjsonpath.New("notification_profile_id"), KnownValue: knownvalue.StringExact(s.ownProfile.ID)},
						{Path: tfjsonpath.New("notification_channel_id"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("parameters"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("enabled")},
						{Path: tfjsonpath.New("created_at"), KnownValue: knownvalue.StringExact(s.ownSetting.CreatedAt)},
					}),
				},
			},
			{
				Query: true,
				Config: acctest.QueryConfig(srv, "telnyx_notification_setting", "  include_resource = true",
					account+fmt.Sprintf("\n    notification_profile_id = %q", s.customerProfile.ID)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength(settings, 1),
					querycheck.ExpectIdentity(settings, customer(s.customerSetting.ID)),
					querycheck.ExpectResourceDisplayName(settings, queryfilter.ByResourceIdentity(customer(s.customerSetting.ID)),
						knownvalue.StringExact(backend.ConditionBalanceBelow+" (amount = 5)")),
					querycheck.ExpectResourceKnownValues(settings, queryfilter.ByResourceIdentity(customer(s.customerSetting.ID)), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("managed_account_id"), KnownValue: knownvalue.StringExact(s.account.ID)},
						{Path: tfjsonpath.New("notification_channel_id"), KnownValue: knownvalue.StringExact(s.customerChannel.ID)},
						{Path: tfjsonpath.New("parameters"), KnownValue: knownvalue.MapExact(map[string]knownvalue.Check{"amount": knownvalue.StringExact("5")})},
						{Path: tfjsonpath.New("associated_record_type_value"), KnownValue: knownvalue.StringExact(s.account.ID)},
					}),
				},
			},
			{
				Query:       true,
				Config:      acctest.QueryConfig(srv, "telnyx_notification_setting", "", `    managed_account_id = "00000000-0000-4000-8000-000000000000"`),
				ExpectError: acctest.ErrorMatching("Unable to act as the managed account 00000000-0000-4000-8000-000000000000", "Managed account not found"),
			},
			{
				Query:       true,
				Config:      acctest.QueryConfig(srv, "telnyx_notification_channel", "", `    notification_profile_id = ""`),
				ExpectError: acctest.ErrorMatching("notification_profile_id", "string length must be at least 1"),
			},
		},
	})
}

// TestAccNotificationList_generateConfig adopts a notification set made
// outside Terraform, run by the terraform binary itself: terraform query
// -generate-config-out writes a resource and an import block by identity
// for every profile, channel and setting of the manager's own account and
// of a managed account; the plan imports them all and changes nothing (the
// setting's replace-only parameters included); after the apply, the plan
// is empty.
func TestAccNotificationList_generateConfig(t *testing.T) {
	acctest.SkipUnlessCLI(t, acctest.QueryVersions)
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	s := newNotificationSet(t, srv)
	tf.Setenv("TELNYX_BASE_URL", srv.URL)
	tf.Setenv("TELNYX_API_KEY", srv.ManagerKey)
	tf.WriteFile("main.tf", acctest.ProviderFromEnv)
	var query string
	for _, typ := range []string{"telnyx_notification_profile", "telnyx_notification_channel", "telnyx_notification_setting"} {
		query += fmt.Sprintf(`
list %[1]q "own" {
  provider         = telnyx
  include_resource = true
}

list %[1]q "customer" {
  provider         = telnyx
  include_resource = true
  config {
    managed_account_id = %[2]q
  }
}
`, typ, s.account.ID)
	}
	tf.WriteFile("alerts.tfquery.hcl", query)
	out := string(tf.Must("query", "-generate-config-out=generated.tf"))
	generated := string(tf.ReadFile("generated.tf"))
	for _, id := range []string{s.ownProfile.ID, s.customerProfile.ID, s.emptyProfile.ID, s.ownChannel.ID, s.customerChannel.ID, s.ownSetting.ID, s.customerSetting.ID} {
		if !regexp.MustCompile(`\bid\s*=\s*"` + regexp.QuoteMeta(id) + `"`).MatchString(generated) {
			t.Errorf("generated.tf does not import %s\nquery output:\n%s\ngenerated.tf:\n%s", id, out, generated)
		}
	}
	if t.Failed() {
		return
	}
	const objects = 7
	plan := string(tf.Must("plan"))
	want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", objects)
	if !strings.Contains(plan, want) {
		t.Fatalf("the plan does not say %q:\n%s\ngenerated.tf:\n%s", want, plan, generated)
	}
	tf.Must("apply", "-auto-approve")
	tf.ExpectEmptyPlan()
}
