package client_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// TestNotificationRequests: each call's method, path (ids escaped), query
// and body are the contract's, and every POST carries its own
// Idempotency-Key.
func TestNotificationRequests(t *testing.T) {
	const empty = `{"data":{}}`
	rec := newRecorder(t, ok(empty), ok(empty), ok(empty), ok(`{"data":[],"meta":{}}`), ok(empty), ok(empty))
	c := rec.client(t, nil)
	ctx := t.Context()
	calls := []func() error{
		func() error {
			_, err := c.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{
				NotificationEventConditionID: "cond", NotificationProfileID: "p/1",
				Parameters: []client.NotificationSettingParameter{{Name: "amount", Value: "10.00"}},
			})
			return err
		},
		func() error {
			_, err := c.CreateNotificationChannel(ctx, client.NotificationChannelRequest{
				ChannelTypeID: "webhook", ChannelDestination: "https://example.com/hook", NotificationProfileID: "p/1",
			})
			return err
		},
		func() error {
			_, err := c.UpdateNotificationChannel(ctx, "ch/1", client.NotificationChannelRequest{ChannelTypeID: "email", ChannelDestination: "a@example.com"})
			return err
		},
		func() error {
			_, _, err := c.ListNotificationSettings(ctx, client.ListNotificationSettingsOptions{NotificationProfileID: "p/1", PageSize: 5})
			return err
		},
		func() error {
			_, err := c.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "Ops"})
			return err
		},
		func() error { _, err := c.DeleteNotificationSetting(ctx, "st/1"); return err },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	reqs := rec.requests()
	want := []struct{ method, path, query string }{
		{http.MethodPost, "/v2/notification_settings", ""},
		{http.MethodPost, "/v2/notification_channels", ""},
		{http.MethodPatch, "/v2/notification_channels/ch%2F1", ""},
		{http.MethodGet, "/v2/notification_settings", "filter%5Bnotification_profile_id%5D%5Beq%5D=p%2F1&page%5Bsize%5D=5"},
		{http.MethodPost, "/v2/notification_profiles", ""},
		{http.MethodDelete, "/v2/notification_settings/st%2F1", ""},
	}
	for i, w := range want {
		r := reqs[i]
		if r.Method != w.method || r.URL.EscapedPath() != w.path || r.URL.RawQuery != w.query {
			t.Errorf("request %d = %s %s?%s, want %s %s?%s", i, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, w.method, w.path, w.query)
		}
	}
	keys := map[string]bool{}
	for _, i := range []int{0, 1, 4} {
		k := reqs[i].Header.Get("Idempotency-Key")
		if k == "" || keys[k] {
			t.Fatalf("POST %d has Idempotency-Key %q (seen before: %v)", i, k, keys[k])
		}
		keys[k] = true
	}
	assertJSON(t, rec.bodies[0], `{"notification_event_condition_id":"cond","notification_profile_id":"p/1","parameters":[{"name":"amount","value":"10.00"}]}`)
	assertJSON(t, rec.bodies[1], `{"channel_type_id":"webhook","channel_destination":"https://example.com/hook","notification_profile_id":"p/1"}`)
	assertJSON(t, rec.bodies[2], `{"channel_type_id":"email","channel_destination":"a@example.com"}`)
	assertJSON(t, rec.bodies[4], `{"name":"Ops"}`)
}

// TestNotificationsAgainstTheBackend: a manager wires a managed account's
// balance alert with that account's key; the catalogue pages; the API's
// refusals are *Errors at the field; deletes leave nothing behind.
func TestNotificationsAgainstTheBackend(t *testing.T) {
	srv := backendtest.Start(t)
	ctx := t.Context()
	mgr := srv.Client(t, srv.ManagerKey)
	managed, err := mgr.CreateManagedAccount(ctx, client.CreateManagedAccountRequest{BusinessName: "Alerted"})
	if err != nil {
		t.Fatal(err)
	}
	c := mgr.WithAPIKey(managed.APIKey)

	var balanceBelow *client.NotificationEventCondition
	n := 0
	for cond, err := range c.AllNotificationEventConditions(ctx, client.ListNotificationEventConditionsOptions{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if cond.Name == "balance below threshold" {
			balanceBelow = &cond
		}
	}
	if n < 3 || balanceBelow == nil || len(balanceBelow.Parameters) != 1 || balanceBelow.Parameters[0].Name != "amount" {
		t.Fatalf("%d conditions, balance below threshold %+v", n, balanceBelow)
	}

	profile, err := c.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	if profile, err = c.UpdateNotificationProfile(ctx, profile.ID, client.NotificationProfileRequest{Name: "Billing alerts"}); err != nil || profile.Name != "Billing alerts" {
		t.Fatalf("renamed profile %+v, %v", profile, err)
	}
	channel, err := c.CreateNotificationChannel(ctx, client.NotificationChannelRequest{
		ChannelTypeID: client.ChannelTypeWebhook, ChannelDestination: "http://127.0.0.1:9/hook", NotificationProfileID: profile.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	setting, err := c.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{
		NotificationEventConditionID: balanceBelow.ID, NotificationProfileID: profile.ID, NotificationChannelID: channel.ID,
		Parameters: []client.NotificationSettingParameter{{Name: "amount", Value: "10.00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if setting.AssociatedRecordTypeValue != managed.ID || setting.Status != "enabled" || setting.NotificationChannelID != channel.ID ||
		len(setting.Parameters) != 1 || setting.Parameters[0].Value != "10.00" {
		t.Fatalf("setting %+v", setting)
	}
	listed, meta, err := c.ListNotificationSettings(ctx, client.ListNotificationSettingsOptions{NotificationChannelID: channel.ID})
	if err != nil || meta.TotalResults != 1 || listed[0].ID != setting.ID {
		t.Fatalf("settings of the channel %+v (%+v), %v", listed, meta, err)
	}
	// The manager's own key does not see the managed account's objects.
	if _, err := mgr.GetNotificationSetting(ctx, setting.ID); !client.IsNotFound(err) {
		t.Fatalf("the manager read its managed account's setting: %v", err)
	}

	mgrProfile, err := mgr.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: "The manager's"})
	if err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name    string
		call    func() error
		pointer string
	}{
		{"an unknown condition", func() error {
			_, err := c.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{NotificationEventConditionID: "no-such-condition", NotificationProfileID: profile.ID})
			return err
		}, "/notification_event_condition_id"},
		{"a URL that is not http(s)", func() error {
			_, err := c.CreateNotificationChannel(ctx, client.NotificationChannelRequest{ChannelTypeID: "webhook", ChannelDestination: "ftp://127.0.0.1/hook", NotificationProfileID: profile.ID})
			return err
		}, "/channel_destination"},
		{"another account's channel", func() error {
			_, err := mgr.CreateNotificationSetting(ctx, client.CreateNotificationSettingRequest{
				NotificationEventConditionID: balanceBelow.ID, NotificationProfileID: mgrProfile.ID, NotificationChannelID: channel.ID,
				Parameters: []client.NotificationSettingParameter{{Name: "amount", Value: "1.00"}},
			})
			return err
		}, "/notification_channel_id"},
	}
	for _, r := range refusals {
		var apiErr *client.Error
		err := r.call()
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity || len(apiErr.Errors) == 0 ||
			apiErr.Errors[0].Source == nil || apiErr.Errors[0].Source.Pointer != r.pointer {
			t.Errorf("%s: %v, want a 422 at %s", r.name, err, r.pointer)
		}
	}

	if _, err := c.DeleteNotificationSetting(ctx, setting.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteNotificationChannel(ctx, channel.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteNotificationProfile(ctx, profile.ID); err != nil {
		t.Fatal(err)
	}
	for p, err := range c.AllNotificationProfiles(ctx, client.ListNotificationProfilesOptions{}) {
		t.Fatalf("a profile left after its delete: %+v, %v", p, err)
	}
	for ch, err := range c.AllNotificationChannels(ctx, client.ListNotificationChannelsOptions{}) {
		t.Fatalf("a channel left after its delete: %+v, %v", ch, err)
	}
}
