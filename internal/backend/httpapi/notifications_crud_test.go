package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// notificationProfileOut is the contract's NotificationProfile.
type notificationProfileOut struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// notificationChannelOut is the contract's NotificationChannel.
type notificationChannelOut struct {
	ID                    string `json:"id"`
	ChannelTypeID         string `json:"channel_type_id"`
	ChannelDestination    string `json:"channel_destination"`
	NotificationProfileID string `json:"notification_profile_id"`
	CreatedAt             string `json:"created_at"`
	UpdatedAt             string `json:"updated_at"`
}

// notificationSettingOut is the contract's NotificationSetting.
type notificationSettingOut struct {
	ID                           string  `json:"id"`
	NotificationEventConditionID string  `json:"notification_event_condition_id"`
	NotificationProfileID        string  `json:"notification_profile_id"`
	NotificationChannelID        *string `json:"notification_channel_id"`
	AssociatedRecordType         string  `json:"associated_record_type"`
	AssociatedRecordTypeValue    string  `json:"associated_record_type_value"`
	Status                       string  `json:"status"`
	Parameters                   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"parameters"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// createNotificationProfile creates a profile as key and returns its id.
func createNotificationProfile(t *testing.T, srv *backendtest.Server, key, name string) string {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/notification_profiles", key, map[string]any{"name": name})
	r.wantStatus(t, http.StatusOK)
	var got single[notificationProfileOut]
	r.decode(t, &got)
	return got.Data.ID
}

// createNotificationChannel creates a channel as key and returns its id.
func createNotificationChannel(t *testing.T, srv *backendtest.Server, key, profileID, channelType, destination string) string {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/notification_channels", key, map[string]any{
		"notification_profile_id": profileID, "channel_type_id": channelType, "channel_destination": destination,
	})
	r.wantStatus(t, http.StatusOK)
	var got single[notificationChannelOut]
	r.decode(t, &got)
	return got.Data.ID
}

// createNotificationSetting creates a setting as key and returns its id.
func createNotificationSetting(t *testing.T, srv *backendtest.Server, key string, body map[string]any) string {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/notification_settings", key, body)
	r.wantStatus(t, http.StatusOK)
	var got single[notificationSettingOut]
	r.decode(t, &got)
	return got.Data.ID
}

// balanceSetting is the body of a balance setting of threshold on profile.
func balanceSetting(profileID, threshold string) map[string]any {
	return map[string]any{
		"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": profileID,
		"parameters": []any{map[string]any{"name": "amount", "value": threshold}},
	}
}

// totals counts an account's notification objects and audit events, to
// show that a refused request wrote nothing.
func notificationTotals(t *testing.T, srv *backendtest.Server, key string) [4]int {
	t.Helper()
	var out [4]int
	for i, path := range []string{"/v2/notification_profiles", "/v2/notification_channels", "/v2/notification_settings"} {
		r := call(t, srv, http.MethodGet, path, key, nil)
		r.wantStatus(t, http.StatusOK)
		var l list[struct{}]
		r.decode(t, &l)
		out[i] = l.Meta.TotalResults
	}
	status, body := srv.Operator(t, http.MethodGet, "/reference/audit_events?page[size]=1", nil)
	if status != http.StatusOK {
		t.Fatalf("audit log: %d %s", status, body)
	}
	var events list[struct{}]
	(&apiResponse{status: status, body: body}).decode(t, &events)
	out[3] = events.Meta.TotalResults
	return out
}

// TestNotificationProfiles: a profile is created, read, listed newest first,
// renamed and deleted, in the contract's shape.
func TestNotificationProfiles(t *testing.T) {
	srv := backendtest.Start(t)
	key := srv.ManagerKey
	first := createNotificationProfile(t, srv, key, "  Finance  ")
	srv.AdvanceTime(time.Millisecond)
	second := createNotificationProfile(t, srv, key, "Operations")

	r := call(t, srv, http.MethodGet, "/v2/notification_profiles/"+first, key, nil)
	r.wantStatus(t, http.StatusOK)
	var got single[notificationProfileOut]
	r.decode(t, &got)
	if got.Data.Name != "Finance" || !timestampPattern.MatchString(got.Data.CreatedAt) || got.Data.UpdatedAt != got.Data.CreatedAt {
		t.Fatalf("%s; want the trimmed name and its times", r)
	}

	r = call(t, srv, http.MethodGet, "/v2/notification_profiles?page[size]=1", key, nil)
	r.wantStatus(t, http.StatusOK)
	var page list[notificationProfileOut]
	r.decode(t, &page)
	if len(page.Data) != 1 || page.Data[0].ID != second || page.Meta.TotalResults != 2 || page.Meta.TotalPages != 2 {
		t.Fatalf("%s; want the newest of two", r)
	}

	srv.AdvanceTime(time.Millisecond)
	r = call(t, srv, http.MethodPatch, "/v2/notification_profiles/"+first, key, map[string]any{"name": "Treasury"})
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Data.Name != "Treasury" || got.Data.UpdatedAt == got.Data.CreatedAt {
		t.Fatalf("%s; want the new name and a later updated_at", r)
	}
	r = call(t, srv, http.MethodDelete, "/v2/notification_profiles/"+first, key, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Data.ID != first || got.Data.Name != "Treasury" {
		t.Fatalf("%s; want the deleted profile as it was", r)
	}
	call(t, srv, http.MethodGet, "/v2/notification_profiles/"+first, key, nil).wantError(t, errWant{status: 404, code: "10005"})
	call(t, srv, http.MethodDelete, "/v2/notification_profiles/"+first, key, nil).wantError(t, errWant{status: 404, code: "10005"})
	call(t, srv, http.MethodPatch, "/v2/notification_profiles/"+first, key, map[string]any{"name": "x"}).wantError(t, errWant{status: 404, code: "10005"})

	for name, tc := range map[string]struct {
		body    any
		pointer string
	}{
		"no name":        {map[string]any{}, "/name"},
		"a blank name":   {map[string]any{"name": "   "}, "/name"},
		"a long name":    {map[string]any{"name": strings.Repeat("n", 256)}, "/name"},
		"a numeric name": {map[string]any{"name": 5}, "/name"},
		"a read-only id": {map[string]any{"name": "x", "id": second}, "/id"},
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			before := notificationTotals(t, srv, key)
			call(t, srv, http.MethodPost, "/v2/notification_profiles", key, tc.body).wantError(t, errWant{status: 422, code: "10004", pointer: tc.pointer})
			if after := notificationTotals(t, srv, key); after != before {
				t.Fatalf("a refused create wrote something: %v, then %v", before, after)
			}
		})
	}
}

// TestNotificationChannels: each deliverable type is created with its kind
// of destination, listed by type and profile, changed (type and destination
// checked together, never another profile) and deleted; a channel that a
// setting names, and a profile with channels, cannot be deleted.
func TestNotificationChannels(t *testing.T) {
	srv := backendtest.Start(t)
	key := srv.ManagerKey
	profile := createNotificationProfile(t, srv, key, "Ops")
	other := createNotificationProfile(t, srv, key, "Other")
	hook := createNotificationChannel(t, srv, key, profile, "webhook", "http://127.0.0.1:9/hooks?token=abc")
	mail := createNotificationChannel(t, srv, key, profile, "email", "ops@example.com")
	sms := createNotificationChannel(t, srv, key, other, "sms", "+13125550000")

	r := call(t, srv, http.MethodGet, "/v2/notification_channels/"+hook, key, nil)
	r.wantStatus(t, http.StatusOK)
	var got single[notificationChannelOut]
	r.decode(t, &got)
	if got.Data.ChannelTypeID != "webhook" || got.Data.ChannelDestination != "http://127.0.0.1:9/hooks?token=abc" || got.Data.NotificationProfileID != profile {
		t.Fatalf("%s", r)
	}
	for query, want := range map[string][]string{
		"":                                   {sms, mail, hook},
		"?filter[channel_type_id][eq]=email": {mail},
		"?filter[channel_type_id][eq]=voice": nil,
		"?filter[notification_profile_id][eq]=" + other:                                            {sms},
		"?filter[notification_profile_id][eq]=" + profile + "&filter[channel_type_id][eq]=webhook": {hook},
	} {
		r := call(t, srv, http.MethodGet, "/v2/notification_channels"+query, key, nil)
		r.wantStatus(t, http.StatusOK)
		var l list[notificationChannelOut]
		r.decode(t, &l)
		var ids []string
		for _, c := range l.Data {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, want) || l.Meta.TotalResults != len(want) {
			t.Errorf("%s; want %v", r, want)
		}
	}
	call(t, srv, http.MethodGet, "/v2/notification_channels?filter[status][eq]=enabled", key, nil).
		wantError(t, errWant{status: 400, code: "10015", parameter: "filter[status][eq]"})
	call(t, srv, http.MethodGet, "/v2/notification_channels?filter[channel_type_id][eq]=pager", key, nil).
		wantError(t, errWant{status: 400, code: "10015", parameter: "filter[channel_type_id][eq]"})

	t.Run("update", func(t *testing.T) {
		r := call(t, srv, http.MethodPatch, "/v2/notification_channels/"+mail, key, map[string]any{"channel_destination": "finance@example.com"})
		r.wantStatus(t, http.StatusOK)
		r.decode(t, &got)
		if got.Data.ChannelDestination != "finance@example.com" || got.Data.ChannelTypeID != "email" {
			t.Fatalf("%s", r)
		}
		// A type that does not fit the destination, alone, is refused at the destination.
		call(t, srv, http.MethodPatch, "/v2/notification_channels/"+mail, key, map[string]any{"channel_type_id": "sms"}).
			wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_destination"})
		r = call(t, srv, http.MethodPatch, "/v2/notification_channels/"+mail, key, map[string]any{"channel_type_id": "sms", "channel_destination": "+442071838750"})
		r.wantStatus(t, http.StatusOK)
		r.decode(t, &got)
		if got.Data.ChannelTypeID != "sms" || got.Data.ChannelDestination != "+442071838750" {
			t.Fatalf("%s", r)
		}
		call(t, srv, http.MethodPatch, "/v2/notification_channels/"+mail, key, map[string]any{"notification_profile_id": other}).
			wantError(t, errWant{status: 422, code: "10004", pointer: "/notification_profile_id"})
		// Its own profile again is no change.
		call(t, srv, http.MethodPatch, "/v2/notification_channels/"+mail, key, map[string]any{"notification_profile_id": profile}).wantStatus(t, http.StatusOK)
	})

	t.Run("references hold", func(t *testing.T) {
		setting := createNotificationSetting(t, srv, key, map[string]any{
			"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": other, "notification_channel_id": sms,
		})
		call(t, srv, http.MethodDelete, "/v2/notification_channels/"+sms, key, nil).wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
		call(t, srv, http.MethodDelete, "/v2/notification_profiles/"+other, key, nil).wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
		call(t, srv, http.MethodDelete, "/v2/notification_settings/"+setting, key, nil).wantStatus(t, http.StatusOK)
		call(t, srv, http.MethodDelete, "/v2/notification_profiles/"+other, key, nil).wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
		r := call(t, srv, http.MethodDelete, "/v2/notification_channels/"+sms, key, nil)
		r.wantStatus(t, http.StatusOK)
		r.decode(t, &got)
		if got.Data.ID != sms || got.Data.ChannelDestination != "+13125550000" {
			t.Fatalf("%s; want the deleted channel as it was", r)
		}
		call(t, srv, http.MethodDelete, "/v2/notification_profiles/"+other, key, nil).wantStatus(t, http.StatusOK)
		call(t, srv, http.MethodGet, "/v2/notification_channels/"+sms, key, nil).wantError(t, errWant{status: 404, code: "10005"})
	})
}

// TestNotificationSettings: a setting of each condition is created on a
// profile, or on one of its channels, answered in the contract's shape,
// filtered and deleted.
func TestNotificationSettings(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Alerted"})
	key := managed.APIKey
	profile := createNotificationProfile(t, srv, key, "Alerts")
	channel := createNotificationChannel(t, srv, key, profile, "email", "alerts@example.com")

	r := call(t, srv, http.MethodPost, "/v2/notification_settings", key, balanceSetting(profile, "10"))
	r.wantStatus(t, http.StatusOK)
	var got single[notificationSettingOut]
	r.decode(t, &got)
	balance := got.Data
	if balance.NotificationEventConditionID != backend.ConditionBalanceBelow || balance.NotificationProfileID != profile ||
		balance.NotificationChannelID != nil || balance.AssociatedRecordType != "account" || balance.AssociatedRecordTypeValue != managed.ID ||
		balance.Status != "enabled" || len(balance.Parameters) != 1 || balance.Parameters[0].Name != "amount" || balance.Parameters[0].Value != "10" {
		t.Fatalf("%s; want the setting as given, enabled, about the account", r)
	}
	srv.AdvanceTime(time.Millisecond)
	declined := createNotificationSetting(t, srv, key, map[string]any{
		"notification_event_condition_id": backend.ConditionPaymentDeclined, "notification_profile_id": profile, "notification_channel_id": channel,
	})
	srv.AdvanceTime(time.Millisecond)
	disabled := createNotificationSetting(t, srv, key, map[string]any{
		"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": profile, "parameters": []any{},
	})
	r = call(t, srv, http.MethodGet, "/v2/notification_settings/"+declined, key, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Data.NotificationChannelID == nil || *got.Data.NotificationChannelID != channel || len(got.Data.Parameters) != 0 {
		t.Fatalf("%s; want the channel and no parameters", r)
	}
	for query, want := range map[string][]string{
		"": {disabled, declined, balance.ID},
		"?filter[notification_event_condition_id][eq]=" + backend.ConditionBalanceBelow: {balance.ID},
		"?filter[notification_channel][eq]=" + channel:                                  {declined},
		"?filter[notification_profile_id][eq]=" + profile:                               {disabled, declined, balance.ID},
		"?filter[status][eq]=enabled&filter[associated_record_type][eq]=account":        {disabled, declined, balance.ID},
		"?filter[status][eq]=deleted":                                                   nil,
		"?filter[associated_record_type][eq]=phone_number":                              nil,
		"?filter[notification_profile_id][eq]=00000000-0000-0000-0000-000000000000":     nil,
	} {
		r := call(t, srv, http.MethodGet, "/v2/notification_settings"+query, key, nil)
		r.wantStatus(t, http.StatusOK)
		var l list[notificationSettingOut]
		r.decode(t, &l)
		var ids []string
		for _, s := range l.Data {
			ids = append(ids, s.ID)
		}
		if !slices.Equal(ids, want) || l.Meta.TotalResults != len(want) {
			t.Errorf("%s; want %v", r, want)
		}
	}
	call(t, srv, http.MethodGet, "/v2/notification_settings?filter[channel_type_id][eq]=email", key, nil).
		wantError(t, errWant{status: 400, code: "10015", parameter: "filter[channel_type_id][eq]"})
	call(t, srv, http.MethodGet, "/v2/notification_settings?filter[status][eq]=on", key, nil).
		wantError(t, errWant{status: 400, code: "10015", parameter: "filter[status][eq]"})

	r = call(t, srv, http.MethodDelete, "/v2/notification_settings/"+balance.ID, key, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &got)
	if got.Data.ID != balance.ID || got.Data.Status != "deleted" {
		t.Fatalf("%s; want the setting, deleted", r)
	}
	call(t, srv, http.MethodGet, "/v2/notification_settings/"+balance.ID, key, nil).wantError(t, errWant{status: 404, code: "10005"})

	t.Run("rollup billing has no payment alerts of its own", func(t *testing.T) {
		rollup := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Rolled up", "rollup_billing": true})
		p := createNotificationProfile(t, srv, rollup.APIKey, "Rollup")
		before := notificationTotals(t, srv, rollup.APIKey)
		call(t, srv, http.MethodPost, "/v2/notification_settings", rollup.APIKey, map[string]any{
			"notification_event_condition_id": backend.ConditionPaymentDeclined, "notification_profile_id": p,
		}).wantError(t, errWant{status: 422, code: "10004", pointer: "/notification_event_condition_id"})
		if after := notificationTotals(t, srv, rollup.APIKey); after != before {
			t.Fatalf("a refused create wrote something: %v, then %v", before, after)
		}
		// Its balance is its manager's, which it sees: that alert it may have.
		createNotificationSetting(t, srv, rollup.APIKey, balanceSetting(p, "1.00"))
	})
}

// staticResolver resolves names from a table; other names do not resolve.
type staticResolver map[string][]netip.Addr

func (r staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if addrs, ok := r[host]; ok {
		return addrs, nil
	}
	return nil, errors.New("no such host")
}

// TestNotificationBadInput: every bad body is a 422 with the pointer of the
// field at fault, and writes nothing (no object, no audit event): an
// unknown condition, parameters of the wrong type, name or number, a
// channel or profile of another account, a destination that is not an
// http(s) URL, a private or link-local address without the flag (an IP, or
// a name that resolves to one), an address no host has even with it.
func TestNotificationBadInput(t *testing.T) {
	srv := backendtest.Start(t)
	srv.Service.SetNotificationOptions(backend.NotificationOptions{Resolver: staticResolver{
		"inside.example":   {netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("10.1.2.3")},
		"outside.example":  {netip.MustParseAddr("203.0.113.7")},
		"loopback.example": {netip.MustParseAddr("::1")},
	}})
	key := srv.ManagerKey
	profile := createNotificationProfile(t, srv, key, "Mine")
	second := createNotificationProfile(t, srv, key, "Second")
	channel := createNotificationChannel(t, srv, key, profile, "email", "ops@example.com")
	otherChannel := createNotificationChannel(t, srv, key, second, "email", "second@example.com")
	_, otherKey := srv.NewManager(t)
	theirProfile := createNotificationProfile(t, srv, otherKey, "Theirs")
	theirChannel := createNotificationChannel(t, srv, otherKey, theirProfile, "email", "theirs@example.com")

	hook := func(url string) map[string]any {
		return map[string]any{"notification_profile_id": profile, "channel_type_id": "webhook", "channel_destination": url}
	}
	withParams := func(params ...any) map[string]any {
		return map[string]any{"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": profile, "parameters": params}
	}
	amount := func(v any) map[string]any { return map[string]any{"name": "amount", "value": v} }
	cases := []struct {
		name, path string
		body       any
		pointer    string
	}{
		{"an unknown condition", "/v2/notification_settings", map[string]any{"notification_event_condition_id": "00000000-0000-0000-0000-000000000000", "notification_profile_id": profile}, "/notification_event_condition_id"},
		{"no condition", "/v2/notification_settings", map[string]any{"notification_profile_id": profile}, "/notification_event_condition_id"},
		{"a condition id of the wrong type", "/v2/notification_settings", map[string]any{"notification_event_condition_id": 7, "notification_profile_id": profile}, "/notification_event_condition_id"},
		{"no profile", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled}, "/notification_profile_id"},
		{"a profile of another account", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": theirProfile}, "/notification_profile_id"},
		{"a channel of another account", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": profile, "notification_channel_id": theirChannel}, "/notification_channel_id"},
		{"a channel of another profile", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": profile, "notification_channel_id": otherChannel}, "/notification_channel_id"},
		{"an amount as a number", "/v2/notification_settings", withParams(amount(10)), "/parameters/0/value"},
		{"an amount that is not one", "/v2/notification_settings", withParams(amount("ten")), "/parameters/0/value"},
		{"an amount with an exponent", "/v2/notification_settings", withParams(amount("1e3")), "/parameters/0/value"},
		{"an amount with seven decimals", "/v2/notification_settings", withParams(amount("0.0000001")), "/parameters/0/value"},
		{"an amount out of range", "/v2/notification_settings", withParams(amount("1000000000.01")), "/parameters/0/value"},
		{"an amount of 1e15", "/v2/notification_settings", withParams(amount("1000000000000000")), "/parameters/0/value"},
		{"an amount beyond an int64 of micros", "/v2/notification_settings", withParams(amount("99999999999999999999")), "/parameters/0/value"},
		{"a negative amount out of range", "/v2/notification_settings", withParams(amount("-1000000000.01")), "/parameters/0/value"},
		{"an empty amount", "/v2/notification_settings", withParams(amount("")), "/parameters/0/value"},
		{"an amount with spaces", "/v2/notification_settings", withParams(amount(" 5.00")), "/parameters/0/value"},
		{"an amount NaN", "/v2/notification_settings", withParams(amount("NaN")), "/parameters/0/value"},
		{"an amount as null", "/v2/notification_settings", withParams(amount(nil)), "/parameters/0/value"},
		{"parameters as an object", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": profile, "parameters": map[string]any{"amount": "1.00"}}, "/parameters"},
		{"no amount", "/v2/notification_settings", withParams(), "/parameters"},
		{"an amount twice", "/v2/notification_settings", withParams(amount("1.00"), amount("2.00")), "/parameters/1/name"},
		{"an unknown parameter", "/v2/notification_settings", withParams(amount("1.00"), map[string]any{"name": "phone_number", "value": "+13125550000"}), "/parameters/1/name"},
		{"a parameter without a value", "/v2/notification_settings", withParams(map[string]any{"name": "amount"}), "/parameters/0/value"},
		{"a parameter of a condition that takes none", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": profile, "parameters": []any{amount("1.00")}}, "/parameters/0/name"},
		{"a parameter member unknown", "/v2/notification_settings", withParams(map[string]any{"name": "amount", "value": "1.00", "data_type": "decimal"}), "/parameters/0/data_type"},
		{"a read-only status", "/v2/notification_settings", map[string]any{"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": profile, "status": "enabled"}, "/status"},

		{"a channel without a profile", "/v2/notification_channels", map[string]any{"channel_type_id": "email", "channel_destination": "a@example.com"}, "/notification_profile_id"},
		{"a channel in another account's profile", "/v2/notification_channels", map[string]any{"notification_profile_id": theirProfile, "channel_type_id": "email", "channel_destination": "a@example.com"}, "/notification_profile_id"},
		{"a voice channel", "/v2/notification_channels", map[string]any{"notification_profile_id": profile, "channel_type_id": "voice", "channel_destination": "+13125550000"}, "/channel_type_id"},
		{"an unknown channel type", "/v2/notification_channels", map[string]any{"notification_profile_id": profile, "channel_type_id": "pager", "channel_destination": "x"}, "/channel_type_id"},
		{"no destination", "/v2/notification_channels", map[string]any{"notification_profile_id": profile, "channel_type_id": "email"}, "/channel_destination"},
		{"an email that is not one", "/v2/notification_channels", map[string]any{"notification_profile_id": profile, "channel_type_id": "email", "channel_destination": "ops"}, "/channel_destination"},
		{"a phone number that is not E.164", "/v2/notification_channels", map[string]any{"notification_profile_id": profile, "channel_type_id": "sms", "channel_destination": "312-555-0000"}, "/channel_destination"},
		{"an ftp URL", "/v2/notification_channels", hook("ftp://example.com/hook"), "/channel_destination"},
		{"a mailto URL", "/v2/notification_channels", hook("mailto:ops@example.com"), "/channel_destination"},
		{"a relative URL", "/v2/notification_channels", hook("/hooks"), "/channel_destination"},
		{"a URL without a host", "/v2/notification_channels", hook("http:///hooks"), "/channel_destination"},
		{"a URL with credentials", "/v2/notification_channels", hook("https://user:secret@example.com/hooks"), "/channel_destination"},
		{"a URL with a fragment", "/v2/notification_channels", hook("https://example.com/hooks#x"), "/channel_destination"},
		{"a URL with a bad port", "/v2/notification_channels", hook("http://example.com:99999/hooks"), "/channel_destination"},
		{"a URL too long", "/v2/notification_channels", hook("https://example.com/" + strings.Repeat("a", 2048)), "/channel_destination"},
		{"a private IPv4 address", "/v2/notification_channels", hook("http://10.0.0.5/hooks"), "/channel_destination"},
		{"a private IPv4 address in 192.168/16", "/v2/notification_channels", hook("https://192.168.1.1:8443/hooks"), "/channel_destination"},
		{"a link-local metadata address", "/v2/notification_channels", hook("http://169.254.169.254/latest/meta-data"), "/channel_destination"},
		{"a carrier-grade NAT address", "/v2/notification_channels", hook("http://100.64.0.1/hooks"), "/channel_destination"},
		{"a private IPv6 address", "/v2/notification_channels", hook("http://[fd00::1]/hooks"), "/channel_destination"},
		{"an IPv4-mapped private address", "/v2/notification_channels", hook("http://[::ffff:10.0.0.1]/hooks"), "/channel_destination"},
		{"a NAT64 private address", "/v2/notification_channels", hook("http://[64:ff9b::a00:1]/hooks"), "/channel_destination"},
		{"a name that resolves to a private address", "/v2/notification_channels", hook("https://inside.example/hooks"), "/channel_destination"},
		{"the unspecified address", "/v2/notification_channels", hook("http://0.0.0.0:8080/hooks"), "/channel_destination"},
		{"a multicast address", "/v2/notification_channels", hook("http://224.0.0.1/hooks"), "/channel_destination"},
		{"a channel of an unknown member", "/v2/notification_channels", map[string]any{"notification_profile_id": profile, "channel_type_id": "email", "channel_destination": "a@example.com", "enabled": true}, "/enabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := notificationTotals(t, srv, key)
			call(t, srv, http.MethodPost, tc.path, key, tc.body).wantError(t, errWant{status: 422, code: "10004", pointer: tc.pointer})
			if after := notificationTotals(t, srv, key); after != before {
				t.Fatalf("a refused request wrote something: %v, then %v", before, after)
			}
		})
	}

	t.Run("an update is checked as a create", func(t *testing.T) {
		before := notificationTotals(t, srv, key)
		call(t, srv, http.MethodPatch, "/v2/notification_channels/"+channel, key, map[string]any{"channel_type_id": "webhook", "channel_destination": "http://10.0.0.5/"}).
			wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_destination"})
		call(t, srv, http.MethodPatch, "/v2/notification_channels/"+channel, key, map[string]any{"channel_type_id": "voice"}).
			wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_type_id"})
		call(t, srv, http.MethodPatch, "/v2/notification_channels/"+theirChannel, key, map[string]any{"channel_destination": "x@example.com"}).
			wantError(t, errWant{status: 404, code: "10005"})
		if after := notificationTotals(t, srv, key); after != before {
			t.Fatalf("a refused update wrote something: %v, then %v", before, after)
		}
	})

	// The answer says why a name is refused, not what it resolves to: the
	// backend must not answer DNS questions about the operator's network.
	t.Run("a refused name's address is not answered", func(t *testing.T) {
		r := call(t, srv, http.MethodPost, "/v2/notification_channels", key, hook("https://inside.example/hooks"))
		r.wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_destination"})
		if body := string(r.body); strings.Contains(body, "10.1.2.3") || !strings.Contains(body, "inside.example resolves to a private or link-local address") {
			t.Fatalf("the refusal %s names the address the name resolves to, or not why it is refused", body)
		}
	})

	// The extremes of a threshold that are amounts: each is kept exactly as given.
	t.Run("threshold extremes", func(t *testing.T) {
		for _, v := range []string{"0", "0.00", "-5.00", "0.000001", "1000000000", "-1000000000.00"} {
			r := call(t, srv, http.MethodPost, "/v2/notification_settings", key, withParams(amount(v)))
			r.wantStatus(t, http.StatusOK)
			var st single[notificationSettingOut]
			r.decode(t, &st)
			if len(st.Data.Parameters) != 1 || st.Data.Parameters[0].Value != v {
				t.Errorf("threshold %q kept as %+v", v, st.Data.Parameters)
			}
		}
	})

	t.Run("allowed destinations", func(t *testing.T) {
		for _, url := range []string{
			"http://127.0.0.1:8080/hooks", "http://[::1]/hooks", "http://localhost/hooks", "https://203.0.113.7/hooks",
			"https://outside.example/hooks", "https://loopback.example/", "https://does-not-resolve.example/hooks", "HTTPS://Example.com/Hooks?x=1",
		} {
			createNotificationChannel(t, srv, key, profile, "webhook", url)
		}
	})

	t.Run("loopback refused with the flag", func(t *testing.T) {
		srv.Service.SetNotificationOptions(backend.NotificationOptions{RefuseLoopbackDestinations: true, Resolver: staticResolver{
			"loopback.example": {netip.MustParseAddr("::1")},
		}})
		defer srv.Service.SetNotificationOptions(backend.NotificationOptions{})
		before := notificationTotals(t, srv, key)
		for _, url := range []string{"http://127.0.0.1:8080/hooks", "http://[::1]/hooks", "http://[::ffff:127.0.0.1]/", "https://loopback.example/"} {
			call(t, srv, http.MethodPost, "/v2/notification_channels", key, hook(url)).
				wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_destination"})
		}
		if after := notificationTotals(t, srv, key); after != before {
			t.Fatalf("a refused request wrote something: %v, then %v", before, after)
		}
		createNotificationChannel(t, srv, key, profile, "webhook", "https://203.0.113.7/hooks")
	})

	t.Run("private destinations with the flag", func(t *testing.T) {
		srv.Service.SetNotificationOptions(backend.NotificationOptions{AllowPrivateDestinations: true, Resolver: staticResolver{
			"inside.example": {netip.MustParseAddr("10.1.2.3")},
		}})
		defer srv.Service.SetNotificationOptions(backend.NotificationOptions{})
		for _, url := range []string{"http://10.0.0.5/hooks", "http://169.254.169.254/", "http://[fd00::1]/", "https://inside.example/hooks"} {
			createNotificationChannel(t, srv, key, profile, "webhook", url)
		}
		for _, url := range []string{"http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/", "http://240.0.0.1/"} {
			call(t, srv, http.MethodPost, "/v2/notification_channels", key, hook(url)).
				wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_destination"})
		}
	})
}

// TestNotificationAudit: every change to notification objects is in the
// audit log with its actor, as the manager's when the manager acts as the
// account with its key, and a webhook's URL is kept to its scheme and host.
func TestNotificationAudit(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Audited alerts"})
	key := managed.APIKey // the key its manager got: acting as the account
	profile := createNotificationProfile(t, srv, key, "Audited")
	call(t, srv, http.MethodPatch, "/v2/notification_profiles/"+profile, key, map[string]any{"name": "Audited again"}).wantStatus(t, http.StatusOK)
	channel := createNotificationChannel(t, srv, key, profile, "webhook", "https://hooks.example.com/T00/secret-token?sig=abc")
	call(t, srv, http.MethodPatch, "/v2/notification_channels/"+channel, key, map[string]any{"channel_destination": "https://hooks2.example.com/other-token"}).wantStatus(t, http.StatusOK)
	setting := createNotificationSetting(t, srv, key, balanceSetting(profile, "3.50"))
	call(t, srv, http.MethodDelete, "/v2/notification_settings/"+setting, key, nil).wantStatus(t, http.StatusOK)
	call(t, srv, http.MethodDelete, "/v2/notification_channels/"+channel, key, nil).wantStatus(t, http.StatusOK)
	call(t, srv, http.MethodDelete, "/v2/notification_profiles/"+profile, key, nil).wantStatus(t, http.StatusOK)
	// The manager on its own account: the owner's change.
	createNotificationProfile(t, srv, srv.ManagerKey, "The manager's own")

	for _, tc := range []struct {
		account, madeBy string
		actions         []string
	}{
		{managed.ID, "account_manager", []string{
			"notification_profile.create", "notification_profile.update", "notification_channel.create", "notification_channel.update",
			"notification_setting.create", "notification_setting.delete", "notification_channel.delete", "notification_profile.delete",
		}},
		{srv.ManagerID, "account_owner", []string{"notification_profile.create"}},
	} {
		events, _ := wholeAuditLog(t, srv, "/reference/audit_events", srv.OperatorKey, "filter[account_id]="+tc.account)
		checkAuditShape(t, events)
		var actions []string
		for _, e := range events {
			if !strings.HasPrefix(e.Action, "notification_") {
				continue
			}
			actions = append(actions, e.Action)
			if e.ChangeMadeBy != tc.madeBy || e.ActorAccountID == nil || *e.ActorAccountID != tc.account {
				t.Errorf("event %+v: want change_made_by %s by %s", e, tc.madeBy, tc.account)
			}
		}
		slices.Reverse(actions)
		if !slices.Equal(actions, tc.actions) {
			t.Errorf("audited %v on %s, want %v", actions, tc.account, tc.actions)
		}
	}
	_, bodies := wholeAuditLog(t, srv, "/reference/audit_events", srv.OperatorKey, "")
	for _, body := range bodies {
		for _, secret := range []string{"secret-token", "sig=abc", "other-token"} {
			if strings.Contains(string(body), secret) {
				t.Fatalf("the audit log keeps a webhook URL's path or query (%q): %s", secret, body)
			}
		}
		if !strings.Contains(string(body), "https://hooks.example.com") {
			t.Fatalf("the audit log does not say which host the webhook went to: %s", body)
		}
	}
}

// TestNotificationLimitsHoldUnderConcurrency: an account's profiles,
// channels and settings are bounded, and creates sent all at once past a
// bound make exactly the bound, the rest refused in the envelope at "/".
func TestNotificationLimitsHoldUnderConcurrency(t *testing.T) {
	srv := backendtest.Start(t)
	key := srv.ManagerKey
	profile := createNotificationProfile(t, srv, key, "Mine")
	burst := func(t *testing.T, path string, most, have int, body func(i int) map[string]any) {
		t.Helper()
		const extra = 8
		statuses := make(chan *apiResponse, most-have+extra)
		var wg sync.WaitGroup
		for i := range most - have + extra {
			wg.Go(func() { statuses <- raw(t, srv, http.MethodPost, path, key, body(i)) })
		}
		wg.Wait()
		close(statuses)
		made := 0
		for r := range statuses {
			switch r.status {
			case http.StatusOK:
				made++
			default:
				r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
			}
		}
		if made != most-have {
			t.Fatalf("%s: %d made at once, want %d (the account had %d of %d)", path, made, most-have, have, most)
		}
	}
	burst(t, "/v2/notification_profiles", backend.MaxNotificationProfilesPerAccount, 1, func(i int) map[string]any {
		return map[string]any{"name": "P" + strconv.Itoa(i)}
	})
	burst(t, "/v2/notification_channels", backend.MaxNotificationChannelsPerAccount, 0, func(i int) map[string]any {
		return map[string]any{"notification_profile_id": profile, "channel_type_id": "email", "channel_destination": "ops" + strconv.Itoa(i) + "@example.com"}
	})
	burst(t, "/v2/notification_settings", backend.MaxNotificationSettingsPerAccount, 0, func(i int) map[string]any {
		return balanceSetting(profile, strconv.Itoa(i)+".00")
	})
}
