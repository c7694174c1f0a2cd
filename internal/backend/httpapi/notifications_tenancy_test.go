package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The Notifications API's rows of TestTenancyMatrix: profiles, channels and
// settings belong to one account, which reaches them with its own key (its
// manager too acts as it, with its key); a body that names another
// account's profile is refused at that field.

// notifyTargets are the notification objects of a tenancy world, by owner.
type notifyTargets struct {
	// profiles have a channel and a setting; spareProfiles, channels and
	// settings are the targets of deletes (recreated after each).
	profiles, spareProfiles, channels, spareChannels, settings map[caller]string
}

// notifyOwners are the accounts whose objects the rows act on.
var notifyOwners = []caller{asManager, asManaged}

// addNotifyTargets gives every enabled account a profile with an email
// channel and an account-disabled setting, and spares to delete.
func (w *tenancyWorld) addNotifyTargets(t *testing.T) {
	t.Helper()
	w.notify = &notifyTargets{
		profiles: map[caller]string{}, spareProfiles: map[caller]string{}, channels: map[caller]string{},
		spareChannels: map[caller]string{}, settings: map[caller]string{},
	}
	for _, who := range billingAccounts {
		key := w.keys[who]
		p := createNotificationProfile(t, w.srv, key, "Profile of "+string(who))
		w.notify.profiles[who] = p
		w.notify.channels[who] = createNotificationChannel(t, w.srv, key, p, "email", "ops@example.com")
		w.notify.settings[who] = createNotificationSetting(t, w.srv, key, map[string]any{
			"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": p,
		})
		w.newSpareProfile(t, who)
		w.newSpareChannel(t, who)
	}
}

func (w *tenancyWorld) newSpareProfile(t *testing.T, owner caller) {
	t.Helper()
	w.notify.spareProfiles[owner] = createNotificationProfile(t, w.srv, w.keys[owner], "Spare of "+string(owner))
}

func (w *tenancyWorld) newSpareChannel(t *testing.T, owner caller) {
	t.Helper()
	w.notify.spareChannels[owner] = createNotificationChannel(t, w.srv, w.keys[owner], w.notify.profiles[owner], "sms", "+13125550000")
}

func (w *tenancyWorld) newTargetSetting(t *testing.T, owner caller) {
	t.Helper()
	w.notify.settings[owner] = createNotificationSetting(t, w.srv, w.keys[owner], map[string]any{
		"notification_event_condition_id": backend.ConditionAccountDisabled, "notification_profile_id": w.notify.profiles[owner],
	})
}

// notifyTarget is the id of one of owner's objects, of the kind pick selects; an
// id of none before the row's setup ran (TestTenancyMatrixCoversEveryRoute
// routes the rows' paths without it).
func (w *tenancyWorld) notifyTarget(pick func(*notifyTargets) map[caller]string, owner caller) string {
	if w.notify == nil {
		return "00000000-0000-0000-0000-000000000000"
	}
	return pick(w.notify)[owner]
}

func profilesOf(n *notifyTargets) map[caller]string      { return n.profiles }
func spareProfilesOf(n *notifyTargets) map[caller]string { return n.spareProfiles }
func channelsOf(n *notifyTargets) map[caller]string      { return n.channels }
func spareChannelsOf(n *notifyTargets) map[caller]string { return n.spareChannels }
func settingsOf(n *notifyTargets) map[caller]string      { return n.settings }

// lateBody is a request body known only once the row's world exists.
type lateBody struct{ body func() any }

func (b *lateBody) MarshalJSON() ([]byte, error) { return json.Marshal(b.body()) }

// ownedBy is the expectation of a create whose body names owner's profile:
// owner creates, the other enabled accounts are refused at the field.
func ownedBy(owner caller) expectation {
	m := map[caller]int{asManager: 422, asManaged: 422, asOtherManager: 422, asOtherManaged: 422}
	m[owner] = 200
	return accountExpectation(m)
}

// checkListed checks that a list answer holds exactly the ids of accounts'
// own objects that listed gives.
func checkListed(listed func(w *tenancyWorld, owner caller) []string) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
	return func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
		t.Helper()
		var got list[struct {
			ID string `json:"id"`
		}]
		r.decode(t, &got)
		var ids []string
		for _, o := range got.Data {
			ids = append(ids, o.ID)
		}
		want := listed(w, accountOf(who))
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("%s; %s must list exactly its own %v", r, who, want)
		}
	}
}

// checkID checks that an answer is the object id.
func checkID(id func(w *tenancyWorld) string) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
	return func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
		t.Helper()
		var got single[struct {
			ID string `json:"id"`
		}]
		r.decode(t, &got)
		if got.Data.ID != id(w) {
			t.Fatalf("%s; want %s", r, id(w))
		}
	}
}

func notificationEndpoints(endpoints map[string]endpoint) {
	setup := func(t *testing.T, w *tenancyWorld) { w.addNotifyTargets(t) }
	checkCatalogue := func(t *testing.T, _ *tenancyWorld, _ caller, r *apiResponse) {
		var got list[conditionJSON]
		r.decode(t, &got)
		if len(got.Data) != 3 {
			t.Fatalf("%s; want the whole catalogue", r)
		}
	}
	endpoints["notification event conditions"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/notification_event_conditions"), want: anyAccount, check: checkCatalogue,
	}
	endpoints["notification events"] = endpoint{method: http.MethodGet, path: fixedPath("/v2/notification_events"), want: anyAccount}
	endpoints["operator: notifications"] = endpoint{
		method: http.MethodGet, path: fixedPath("/reference/notifications?page[size]=250"), want: operatorOnly(200),
	}
	endpoints["operator: webhook signing key"] = endpoint{
		method: http.MethodGet, path: fixedPath("/reference/webhook_signing_key"), want: operatorOnly(200),
	}

	endpoints["list notification profiles"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/notification_profiles"), want: anyAccount, setup: setup,
		check: checkListed(func(w *tenancyWorld, owner caller) []string {
			return []string{w.notify.profiles[owner], w.notify.spareProfiles[owner]}
		}),
	}
	endpoints["create notification profile"] = endpoint{
		method: http.MethodPost, path: fixedPath("/v2/notification_profiles"), body: map[string]any{"name": "Matrix"}, want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			var got single[notificationProfileOut]
			r.decode(t, &got)
			call(t, w.srv, http.MethodGet, "/v2/notification_profiles/"+got.Data.ID, w.keys[accountOf(who)], nil).wantStatus(t, http.StatusOK)
		},
	}
	endpoints["list notification channels"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/notification_channels"), want: anyAccount, setup: setup,
		check: checkListed(func(w *tenancyWorld, owner caller) []string {
			return []string{w.notify.channels[owner], w.notify.spareChannels[owner]}
		}),
	}
	endpoints["list notification settings"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/notification_settings"), want: anyAccount, setup: setup,
		check: checkListed(func(w *tenancyWorld, owner caller) []string { return []string{w.notify.settings[owner]} }),
	}
	for _, owner := range notifyOwners {
		var world *tenancyWorld // the row's world, once its setup ran
		rowSetup := func(t *testing.T, w *tenancyWorld) { world = w; setup(t, w) }
		of := " of the " + string(owner)
		profile := func(w *tenancyWorld) string { return "/v2/notification_profiles/" + w.notifyTarget(profilesOf, owner) }
		channel := func(w *tenancyWorld) string { return "/v2/notification_channels/" + w.notifyTarget(channelsOf, owner) }
		setting := func(w *tenancyWorld) string { return "/v2/notification_settings/" + w.notifyTarget(settingsOf, owner) }
		endpoints["retrieve notification profile"+of] = endpoint{method: http.MethodGet, path: profile, want: keyOf(owner), setup: setup,
			check: checkID(func(w *tenancyWorld) string { return w.notify.profiles[owner] })}
		endpoints["update notification profile"+of] = endpoint{method: http.MethodPatch, path: profile, want: keyOf(owner), setup: setup,
			body: map[string]any{"name": "Renamed by the matrix"}}
		endpoints["delete notification profile"+of] = endpoint{method: http.MethodDelete, want: keyOf(owner), setup: setup,
			path: func(w *tenancyWorld) string {
				return "/v2/notification_profiles/" + w.notifyTarget(spareProfilesOf, owner)
			},
			after: func(t *testing.T, w *tenancyWorld) { w.newSpareProfile(t, owner) }}
		endpoints["create notification channel in the profile"+of] = endpoint{
			method: http.MethodPost, path: fixedPath("/v2/notification_channels"), want: ownedBy(owner), setup: rowSetup,
			pointer: "/notification_profile_id",
			body: &lateBody{func() any {
				return map[string]any{"notification_profile_id": world.notify.profiles[owner], "channel_type_id": "email", "channel_destination": "matrix@example.com"}
			}},
		}
		endpoints["retrieve notification channel"+of] = endpoint{method: http.MethodGet, path: channel, want: keyOf(owner), setup: setup,
			check: checkID(func(w *tenancyWorld) string { return w.notify.channels[owner] })}
		endpoints["update notification channel"+of] = endpoint{method: http.MethodPatch, path: channel, want: keyOf(owner), setup: setup,
			body: map[string]any{"channel_destination": "renamed@example.com"}}
		endpoints["delete notification channel"+of] = endpoint{method: http.MethodDelete, want: keyOf(owner), setup: setup,
			path: func(w *tenancyWorld) string {
				return "/v2/notification_channels/" + w.notifyTarget(spareChannelsOf, owner)
			},
			after: func(t *testing.T, w *tenancyWorld) { w.newSpareChannel(t, owner) }}
		endpoints["create notification setting in the profile"+of] = endpoint{
			method: http.MethodPost, path: fixedPath("/v2/notification_settings"), want: ownedBy(owner), setup: rowSetup,
			pointer: "/notification_profile_id",
			body: &lateBody{func() any {
				return map[string]any{"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": world.notify.profiles[owner],
					"parameters": []any{map[string]any{"name": "amount", "value": "5.00"}}}
			}},
		}
		endpoints["retrieve notification setting"+of] = endpoint{method: http.MethodGet, path: setting, want: keyOf(owner), setup: setup,
			check: checkID(func(w *tenancyWorld) string { return w.notify.settings[owner] })}
		endpoints["delete notification setting"+of] = endpoint{method: http.MethodDelete, path: setting, want: keyOf(owner), setup: setup,
			after: func(t *testing.T, w *tenancyWorld) { w.newTargetSetting(t, owner) }}
	}
}
