package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// testNotifications runs the conformance tests of backend.NotificationStore,
// each on a new store of its own (open): deliveries of one would be due in
// another.
func testNotifications(t *testing.T, open func(t *testing.T) backend.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s backend.Store)
	}{
		{"ProfilesRoundTripAndList", testNotificationProfiles},
		{"ChannelsRoundTripFilterAndList", testNotificationChannels},
		{"SettingsRoundTripFilterAndFind", testNotificationSettings},
		{"NotFoundKinds", testNotificationNotFound},
		{"ProfileLimitHoldsUnderRacingCreates", testNotificationProfileLimitUnderRacingCreates},
		{"ChannelLimitHoldsUnderRacingCreates", testNotificationChannelLimitUnderRacingCreates},
		{"SettingLimitHoldsUnderRacingCreates", testNotificationSettingLimitUnderRacingCreates},
		{"NotificationsRoundTripAndList", testNotificationDeliveries},
		{"DueDeliveriesAreLeasedOnce", testClaimDueDeliveries},
		{"ConcurrentClaimsNeverShareADelivery", testConcurrentDeliveryClaims},
		{"ClaimsShareOutAccounts", testFairDeliveryClaims},
		{"ClaimsCountAnAccountsLeasedDeliveries", testFairClaimsCountLeases},
		{"AttemptsNeedTheLease", testRecordDeliveryAttempt},
		{"PurgeTakesOnlyFinishedOldNotifications", testPurgeNotifications},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close store: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

func (f *fixture) profile(accountID, name string) *backend.NotificationProfile {
	at := f.tick()
	p := &backend.NotificationProfile{ID: uuid.NewString(), AccountID: accountID, Name: name, CreatedAt: at, UpdatedAt: at}
	f.write(func(tx backend.Tx) error { return tx.InsertNotificationProfile(f.ctx, p) })
	return p
}

func (f *fixture) channel(p *backend.NotificationProfile, t backend.ChannelType, dest string) *backend.NotificationChannel {
	at := f.tick()
	c := &backend.NotificationChannel{ID: uuid.NewString(), AccountID: p.AccountID, ProfileID: p.ID, Type: t, Destination: dest, CreatedAt: at, UpdatedAt: at}
	f.write(func(tx backend.Tx) error { return tx.InsertNotificationChannel(f.ctx, c) })
	return c
}

func (f *fixture) setting(accountID, ledgerID, condition string, p *backend.NotificationProfile, channelID string, params ...backend.SettingParameter) *backend.NotificationSetting {
	at := f.tick()
	st := &backend.NotificationSetting{
		ID: uuid.NewString(), AccountID: accountID, LedgerAccountID: ledgerID, ConditionID: condition, ProfileID: p.ID,
		ChannelID: channelID, Parameters: params, Threshold: backend.Money(-1_250_000), CreatedAt: at, UpdatedAt: at.Add(7 * time.Millisecond),
	}
	if st.Parameters == nil {
		st.Parameters = []backend.SettingParameter{}
	}
	f.write(func(tx backend.Tx) error { return tx.InsertNotificationSetting(f.ctx, st) })
	return st
}

func sameProfile(a, b *backend.NotificationProfile) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.Name == b.Name && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func sameChannel(a, b *backend.NotificationChannel) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.ProfileID == b.ProfileID && a.Type == b.Type &&
		a.Destination == b.Destination && a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func objectIDs[T any](list []*T, id func(*T) string) []string {
	out := []string{}
	for _, o := range list {
		out = append(out, id(o))
	}
	return out
}

func testNotificationProfiles(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a, b := f.manager("profiles-a@example.com"), f.manager("profiles-b@example.com")
	p1 := f.profile(a.ID, "First")
	p2 := f.profile(a.ID, "Second ✓")
	f.profile(b.ID, "Theirs")
	f.read(func(tx backend.Tx) error {
		got, err := tx.GetNotificationProfile(f.ctx, p2.ID)
		if err != nil {
			return err
		}
		if !sameProfile(got, p2) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("read back %+v, want %+v in UTC", got, p2)
		}
		list, total, err := tx.ListNotificationProfiles(f.ctx, a.ID, backend.Page{Number: 1, Size: 1})
		if err != nil {
			return err
		}
		if total != 2 || len(list) != 1 || list[0].ID != p2.ID {
			t.Errorf("page 1 of 1: %d %v, want the newest of two", total, objectIDs(list, func(p *backend.NotificationProfile) string { return p.ID }))
		}
		n, err := tx.CountNotificationProfiles(f.ctx, a.ID)
		if n != 2 || err != nil {
			t.Errorf("count %d, %v", n, err)
		}
		return nil
	})
	p1.Name, p1.UpdatedAt = "Renamed", f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateNotificationProfile(f.ctx, p1) })
	f.write(func(tx backend.Tx) error { return tx.DeleteNotificationProfile(f.ctx, p2.ID) })
	f.read(func(tx backend.Tx) error {
		got, err := tx.GetNotificationProfile(f.ctx, p1.ID)
		if err != nil || !sameProfile(got, p1) {
			t.Errorf("after the update %+v (%v), want %+v", got, err, p1)
		}
		_, err = tx.GetNotificationProfile(f.ctx, p2.ID)
		wantKind(t, err, backend.ENOTFOUND)
		return nil
	})
}

func testNotificationChannels(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.manager("channels@example.com")
	p, q := f.profile(a.ID, "P"), f.profile(a.ID, "Q")
	hook := f.channel(p, backend.ChannelWebhook, "https://example.com/hooks?x=1")
	mail := f.channel(p, backend.ChannelEmail, "ops@example.com")
	sms := f.channel(q, backend.ChannelSMS, "+13125550000")
	id := func(c *backend.NotificationChannel) string { return c.ID }
	f.read(func(tx backend.Tx) error {
		got, err := tx.GetNotificationChannel(f.ctx, hook.ID)
		if err != nil || !sameChannel(got, hook) {
			t.Errorf("read back %+v (%v), want %+v", got, err, hook)
		}
		for _, tc := range []struct {
			q    backend.ChannelQuery
			want []string
		}{
			{backend.ChannelQuery{}, []string{sms.ID, mail.ID, hook.ID}},
			{backend.ChannelQuery{Type: backend.ChannelEmail}, []string{mail.ID}},
			{backend.ChannelQuery{ProfileID: p.ID}, []string{mail.ID, hook.ID}},
			{backend.ChannelQuery{ProfileID: q.ID, Type: backend.ChannelWebhook}, []string{}},
		} {
			tc.q.Page = backend.Page{Number: 1, Size: 10}
			list, total, err := tx.ListNotificationChannels(f.ctx, a.ID, tc.q)
			if err != nil {
				return err
			}
			if got := objectIDs(list, id); !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("%+v: %v (%d), want %v", tc.q, got, total, tc.want)
			}
		}
		of, err := tx.ProfileChannels(f.ctx, p.ID)
		if err != nil {
			return err
		}
		if got := objectIDs(of, id); !slices.Equal(got, []string{hook.ID, mail.ID}) {
			t.Errorf("the profile's channels %v, want the oldest first", got)
		}
		n, err := tx.CountNotificationChannels(f.ctx, a.ID)
		if n != 3 || err != nil {
			t.Errorf("count %d, %v", n, err)
		}
		return nil
	})
	mail.Type, mail.Destination, mail.UpdatedAt = backend.ChannelSMS, "+442071838750", f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateNotificationChannel(f.ctx, mail) })
	f.write(func(tx backend.Tx) error { return tx.DeleteNotificationChannel(f.ctx, sms.ID) })
	f.read(func(tx backend.Tx) error {
		got, err := tx.GetNotificationChannel(f.ctx, mail.ID)
		if err != nil || !sameChannel(got, mail) {
			t.Errorf("after the update %+v (%v), want %+v", got, err, mail)
		}
		_, err = tx.GetNotificationChannel(f.ctx, sms.ID)
		wantKind(t, err, backend.ENOTFOUND)
		return nil
	})
}

func testNotificationSettings(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("settings@example.com")
	managed := f.managed(m, "settings-managed@example.com", "Managed")
	p := f.profile(managed.ID, "P")
	c := f.channel(p, backend.ChannelEmail, "a@example.com")
	amount := backend.SettingParameter{Name: "amount", Value: "10 \"quoted\" ✓"}
	balance := f.setting(managed.ID, m.ID, backend.ConditionBalanceBelow, p, "", amount)
	declined := f.setting(managed.ID, managed.ID, backend.ConditionPaymentDeclined, p, c.ID)
	mp := f.profile(m.ID, "M")
	own := f.setting(m.ID, m.ID, backend.ConditionBalanceBelow, mp, "")
	id := func(st *backend.NotificationSetting) string { return st.ID }
	f.read(func(tx backend.Tx) error {
		got, err := tx.GetNotificationSetting(f.ctx, balance.ID)
		if err != nil {
			return err
		}
		if got.ID != balance.ID || got.LedgerAccountID != m.ID || got.ChannelID != "" || got.Threshold != balance.Threshold ||
			!slices.Equal(got.Parameters, balance.Parameters) || !got.CreatedAt.Equal(balance.CreatedAt) || !got.UpdatedAt.Equal(balance.UpdatedAt) {
			t.Errorf("read back %+v, want %+v", got, balance)
		}
		got, err = tx.GetNotificationSetting(f.ctx, declined.ID)
		if err != nil || got.ChannelID != c.ID || got.Parameters == nil || len(got.Parameters) != 0 {
			t.Errorf("read back %+v (%v): want the channel and no parameters", got, err)
		}
		for _, tc := range []struct {
			q    backend.SettingQuery
			want []string
		}{
			{backend.SettingQuery{}, []string{declined.ID, balance.ID}},
			{backend.SettingQuery{ChannelID: c.ID}, []string{declined.ID}},
			{backend.SettingQuery{ConditionID: backend.ConditionBalanceBelow}, []string{balance.ID}},
			{backend.SettingQuery{ProfileID: p.ID, ConditionID: backend.ConditionAccountDisabled}, []string{}},
			{backend.SettingQuery{MatchNone: true}, []string{}},
		} {
			tc.q.Page = backend.Page{Number: 1, Size: 10}
			list, total, err := tx.ListNotificationSettings(f.ctx, managed.ID, tc.q)
			if err != nil {
				return err
			}
			if got := objectIDs(list, id); !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("%+v: %v (%d), want %v", tc.q, got, total, tc.want)
			}
		}
		for _, tc := range []struct {
			profileID, channelID string
			want                 int
		}{{p.ID, "", 2}, {"", c.ID, 1}, {"", "", 0}, {mp.ID, c.ID, 2}} {
			if n, err := tx.CountSettingsUsing(f.ctx, tc.profileID, tc.channelID); n != tc.want || err != nil {
				t.Errorf("settings using %q or %q: %d (%v), want %d", tc.profileID, tc.channelID, n, err, tc.want)
			}
		}
		byLedger, err := tx.ConditionSettings(f.ctx, backend.ConditionBalanceBelow, m.ID, true)
		if err != nil {
			return err
		}
		if got := objectIDs(byLedger, id); !slices.Equal(got, []string{balance.ID, own.ID}) {
			t.Errorf("balance settings on the manager's ledger: %v, want both, oldest first", got)
		}
		byAccount, err := tx.ConditionSettings(f.ctx, backend.ConditionBalanceBelow, m.ID, false)
		if err != nil {
			return err
		}
		if got := objectIDs(byAccount, id); !slices.Equal(got, []string{own.ID}) {
			t.Errorf("the manager's own balance settings: %v", got)
		}
		return nil
	})
	f.write(func(tx backend.Tx) error { return tx.DeleteNotificationSetting(f.ctx, balance.ID) })
	f.read(func(tx backend.Tx) error {
		_, err := tx.GetNotificationSetting(f.ctx, balance.ID)
		wantKind(t, err, backend.ENOTFOUND)
		n, err := tx.CountNotificationSettings(f.ctx, managed.ID)
		if n != 1 || err != nil {
			t.Errorf("count %d, %v", n, err)
		}
		return nil
	})
}

func testNotificationNotFound(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	missing := uuid.NewString()
	for name, call := range map[string]func(tx backend.Tx) error{
		"get profile":    func(tx backend.Tx) error { _, err := tx.GetNotificationProfile(f.ctx, missing); return err },
		"get channel":    func(tx backend.Tx) error { _, err := tx.GetNotificationChannel(f.ctx, missing); return err },
		"get setting":    func(tx backend.Tx) error { _, err := tx.GetNotificationSetting(f.ctx, missing); return err },
		"get unstorable": func(tx backend.Tx) error { _, err := tx.GetNotificationProfile(f.ctx, "a\x00b"); return err },
		"update profile": func(tx backend.Tx) error {
			return tx.UpdateNotificationProfile(f.ctx, &backend.NotificationProfile{ID: missing, UpdatedAt: f.tick()})
		},
		"update channel": func(tx backend.Tx) error {
			return tx.UpdateNotificationChannel(f.ctx, &backend.NotificationChannel{ID: missing, UpdatedAt: f.tick()})
		},
		"delete profile":  func(tx backend.Tx) error { return tx.DeleteNotificationProfile(f.ctx, missing) },
		"delete channel":  func(tx backend.Tx) error { return tx.DeleteNotificationChannel(f.ctx, missing) },
		"delete setting":  func(tx backend.Tx) error { return tx.DeleteNotificationSetting(f.ctx, missing) },
		"delete unstored": func(tx backend.Tx) error { return tx.DeleteNotificationSetting(f.ctx, "\xff") },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.WriteTx(f.ctx, call), backend.ENOTFOUND) })
	}
}

// The rules over an account's notification objects, raced through the
// Service as claims.go races the others: each stands for the
// Claim(SetNotifications) of one limit.

func (tx slowSetsTx) CountNotificationProfiles(ctx context.Context, accountID string) (int, error) {
	return slow(tx.Tx.CountNotificationProfiles(ctx, accountID))
}

func (tx slowSetsTx) CountNotificationChannels(ctx context.Context, accountID string) (int, error) {
	return slow(tx.Tx.CountNotificationChannels(ctx, accountID))
}

func (tx slowSetsTx) CountNotificationSettings(ctx context.Context, accountID string) (int, error) {
	return slow(tx.Tx.CountNotificationSettings(ctx, accountID))
}

// raceToLimit makes limit-3 objects with create, one after another, then
// races racers more: exactly 3 of them pass.
func raceToLimit(t *testing.T, what string, limit int, create func(i int) error) {
	t.Helper()
	for i := range limit - 3 {
		if err := create(i); err != nil {
			t.Fatalf("%s %d: %v", what, i, err)
		}
	}
	wantPassed(t, what, race(racers, func(i int) error { return create(limit + i) }), 3, "/")
}

// Claim(SetNotifications) in CreateNotificationProfile.
func testNotificationProfileLimitUnderRacingCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	c := e.manager(backend.CreateManagerInput{})
	raceToLimit(t, "profiles", backend.MaxNotificationProfilesPerAccount, func(i int) error {
		_, err := e.svc.CreateNotificationProfile(e.ctx, c, backend.ProfileInput{Name: ptr(fmt.Sprintf("Profile %d", i))})
		return err
	})
}

// Claim(SetNotifications) in CreateNotificationChannel.
func testNotificationChannelLimitUnderRacingCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	c := e.manager(backend.CreateManagerInput{})
	p, err := e.svc.CreateNotificationProfile(e.ctx, c, backend.ProfileInput{Name: ptr("Channels")})
	if err != nil {
		t.Fatal(err)
	}
	raceToLimit(t, "channels", backend.MaxNotificationChannelsPerAccount, func(i int) error {
		_, err := e.svc.CreateNotificationChannel(e.ctx, c, backend.ChannelInput{
			ProfileID: &p.ID, Type: ptr(string(backend.ChannelEmail)), Destination: ptr(fmt.Sprintf("finance%d@example.com", i)),
		})
		return err
	})
}

// Claim(SetNotifications) in CreateNotificationSetting.
func testNotificationSettingLimitUnderRacingCreates(t *testing.T, s backend.Store) {
	e := newService(t, s)
	c := e.manager(backend.CreateManagerInput{})
	p, err := e.svc.CreateNotificationProfile(e.ctx, c, backend.ProfileInput{Name: ptr("Settings")})
	if err != nil {
		t.Fatal(err)
	}
	raceToLimit(t, "settings", backend.MaxNotificationSettingsPerAccount, func(i int) error {
		_, err := e.svc.CreateNotificationSetting(e.ctx, c, backend.SettingInput{
			ConditionID: ptr(backend.ConditionBalanceBelow), ProfileID: &p.ID,
			Parameters: &[]backend.SettingParameterInput{{Name: ptr("amount"), Value: ptr(fmt.Sprintf("%d.00", i+1))}},
		})
		return err
	})
}

// notification stores a notification of accountID with one delivery per
// channel type given: webhooks pending and due at due, others delivered
// with their first attempt.
func (f *fixture) notification(accountID string, due time.Time, types ...backend.ChannelType) (*backend.Notification, []*backend.NotificationDelivery) {
	at := f.tick()
	n := &backend.Notification{ID: uuid.NewString(), AccountID: accountID, SettingID: uuid.NewString(), ConditionID: backend.ConditionBalanceBelow,
		EventType: backend.EventTypeBalanceBelow, Payload: `{"balance":"4.50","note":"\u00e9 ✓"}`, OccurredAt: at}
	var deliveries []*backend.NotificationDelivery
	for i, t := range types {
		d := &backend.NotificationDelivery{ID: uuid.NewString(), NotificationID: n.ID, AccountID: accountID, ChannelID: uuid.NewString(),
			ChannelType: t, Destination: fmt.Sprintf("dest-%d", i), Status: backend.DeliveryPending, NextAttemptAt: due, CreatedAt: at, UpdatedAt: at,
			AttemptLog: []*backend.DeliveryAttempt{}}
		if t != backend.ChannelWebhook {
			delivered := at
			d.Subject, d.Message, d.Status, d.Attempts, d.DeliveredAt = "Subject", "Message ✓", backend.DeliveryDelivered, 1, &delivered
			d.AttemptLog = []*backend.DeliveryAttempt{{DeliveryID: d.ID, Number: 1, At: at}}
		}
		deliveries = append(deliveries, d)
	}
	f.write(func(tx backend.Tx) error { return tx.InsertNotification(f.ctx, n, deliveries) })
	return n, deliveries
}

func (f *fixture) deliveries(q backend.DeliveryQuery) ([]*backend.NotificationDelivery, int) {
	if q.Page.Size == 0 {
		q.Page = backend.Page{Number: 1, Size: 100}
	}
	var (
		list  []*backend.NotificationDelivery
		total int
	)
	f.read(func(tx backend.Tx) error {
		var err error
		list, total, err = tx.ListNotificationDeliveries(f.ctx, q)
		return err
	})
	return list, total
}

func (f *fixture) claim(now, until time.Time, owner string, limit int) []*backend.NotificationDelivery {
	var out []*backend.NotificationDelivery
	f.write(func(tx backend.Tx) error {
		var err error
		out, err = tx.ClaimDueDeliveries(f.ctx, now, until, owner, limit)
		return err
	})
	return out
}

func deliveryIDs(list []*backend.NotificationDelivery) []string {
	return objectIDs(list, func(d *backend.NotificationDelivery) string { return d.ID })
}

func testNotificationDeliveries(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a, b := f.manager("deliveries-a@example.com"), f.manager("deliveries-b@example.com")
	n, ds := f.notification(a.ID, f.tick(), backend.ChannelWebhook, backend.ChannelEmail)
	_, theirs := f.notification(b.ID, f.tick(), backend.ChannelSMS)
	list, total := f.deliveries(backend.DeliveryQuery{AccountID: a.ID})
	if total != 2 || len(list) != 2 {
		t.Fatalf("a's deliveries: %d (%v)", total, deliveryIDs(list))
	}
	byID := map[string]*backend.NotificationDelivery{}
	for _, d := range list {
		byID[d.ID] = d
	}
	for _, want := range ds {
		got := byID[want.ID]
		if got == nil || got.Notification == nil || got.Notification.ID != n.ID || got.Notification.Payload != n.Payload ||
			!got.Notification.OccurredAt.Equal(n.OccurredAt) || got.Notification.EventType != n.EventType || got.Notification.SettingID != n.SettingID {
			t.Fatalf("delivery %s read back %+v with %+v", want.ID, got, got.Notification)
		}
		if got.ChannelType != want.ChannelType || got.Destination != want.Destination || got.Status != want.Status || got.Attempts != want.Attempts ||
			got.Subject != want.Subject || got.Message != want.Message || !got.NextAttemptAt.Equal(want.NextAttemptAt) ||
			(got.DeliveredAt == nil) != (want.DeliveredAt == nil) || len(got.AttemptLog) != len(want.AttemptLog) || got.LeaseUntil != nil {
			t.Errorf("delivery read back %+v, want %+v", got, want)
		}
	}
	if got, _ := f.deliveries(backend.DeliveryQuery{ChannelType: backend.ChannelSMS}); !slices.Equal(deliveryIDs(got), []string{theirs[0].ID}) {
		t.Errorf("the SMS deliveries: %v", deliveryIDs(got))
	}
	if got, total := f.deliveries(backend.DeliveryQuery{Status: backend.DeliveryPending}); total != 1 || got[0].ID != ds[0].ID {
		t.Errorf("the pending deliveries: %v", deliveryIDs(got))
	}
	if got, total := f.deliveries(backend.DeliveryQuery{Page: backend.Page{Number: 2, Size: 2}}); total != 3 || len(got) != 1 || got[0].ID == theirs[0].ID {
		t.Errorf("page 2 of 2, newest first: %v of %d", deliveryIDs(got), total)
	}
	if got, total := f.deliveries(backend.DeliveryQuery{AccountID: "\x00"}); total != 0 || len(got) != 0 {
		t.Errorf("an unstorable filter matched %v", deliveryIDs(got))
	}
}

func testClaimDueDeliveries(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.manager("claims-due@example.com")
	now := f.tick()
	_, early := f.notification(a.ID, now.Add(-2*time.Second), backend.ChannelWebhook, backend.ChannelEmail)
	_, late := f.notification(a.ID, now.Add(-time.Second), backend.ChannelWebhook)
	_, future := f.notification(a.ID, now.Add(time.Hour), backend.ChannelWebhook)
	lease := now.Add(30 * time.Second)
	first := f.claim(now, lease, "one", 1)
	if got := deliveryIDs(first); !slices.Equal(got, []string{early[0].ID}) {
		t.Fatalf("the first claim took %v, want the longest due webhook %s", got, early[0].ID)
	}
	if d := first[0]; d.LeaseOwner != "one" || d.LeaseUntil == nil || !d.LeaseUntil.Equal(lease) || d.Notification == nil {
		t.Errorf("claimed %+v", d)
	}
	if got := deliveryIDs(f.claim(now, lease, "two", 10)); !slices.Equal(got, []string{late[0].ID}) {
		t.Fatalf("the second claim took %v, want only the other due webhook", got)
	}
	if got := f.claim(now.Add(29*time.Second), lease, "three", 10); len(got) != 0 {
		t.Fatalf("leased deliveries were claimed again before their lease ended: %v", deliveryIDs(got))
	}
	if got := deliveryIDs(f.claim(lease, lease.Add(time.Minute), "three", 10)); !slices.Equal(got, []string{early[0].ID, late[0].ID}) {
		t.Fatalf("once the leases ended the claim took %v", got)
	}
	// Once due, the future one comes last; the others' leases have ended.
	if got := deliveryIDs(f.claim(now.Add(2*time.Hour), now.Add(3*time.Hour), "four", 10)); !slices.Equal(got, []string{early[0].ID, late[0].ID, future[0].ID}) {
		t.Fatalf("at last the claim took %v", got)
	}
}

// testFairDeliveryClaims: an account with many webhooks due long ago does
// not hold back another's: a claim takes the oldest due of each account
// before the second oldest of any, and so on, the longest due first among
// equals.
func testFairDeliveryClaims(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	busy, quiet := f.manager("claims-busy@example.com"), f.manager("claims-quiet@example.com")
	now := f.tick()
	var many []*backend.NotificationDelivery
	for i := range 10 {
		_, ds := f.notification(busy.ID, now.Add(time.Duration(i-20)*time.Second), backend.ChannelWebhook)
		many = append(many, ds...)
	}
	_, one := f.notification(quiet.ID, now.Add(-time.Second), backend.ChannelWebhook)
	if got := f.claim(now, now.Add(time.Minute), "worker", 2); !slices.Equal(sortedIDs(got), sortedIDs(many[:1], one)) {
		t.Fatalf("a claim of 2 took %v, want the busy account's oldest and the quiet account's %s", deliveryIDs(got), one[0].ID)
	}
	if got := f.claim(now, now.Add(time.Minute), "worker", 20); !slices.Equal(deliveryIDs(got), deliveryIDs(many[1:])) {
		t.Fatalf("the next claim took %v, want the rest, oldest first: %v", deliveryIDs(got), deliveryIDs(many[1:]))
	}
}

// testFairClaimsCountLeases: a worker claims as slots free up, one at a
// time; an account's deliveries in flight count against it, whatever their
// due time (a retry is due later than webhooks made since), so another
// account's is claimed next, not the busy one's next oldest.
func testFairClaimsCountLeases(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	busy, quiet := f.manager("leases-busy@example.com"), f.manager("leases-quiet@example.com")
	now := f.tick()
	lease := now.Add(time.Minute)
	_, retry := f.notification(busy.ID, now.Add(-20*time.Second), backend.ChannelWebhook)
	if got := f.claim(now, lease, "slot-0", 1); !slices.Equal(deliveryIDs(got), deliveryIDs(retry)) {
		t.Fatalf("the first claim took %v", deliveryIDs(got))
	}
	var many []*backend.NotificationDelivery
	for i := range 3 {
		_, ds := f.notification(busy.ID, now.Add(time.Duration(i-30)*time.Second), backend.ChannelWebhook)
		many = append(many, ds...)
	}
	_, one := f.notification(quiet.ID, now.Add(-25*time.Second), backend.ChannelWebhook)
	for i, want := range [][]*backend.NotificationDelivery{one, many[:1], many[1:2]} {
		if got := deliveryIDs(f.claim(now, lease, fmt.Sprintf("slot-%d", i+1), 1)); !slices.Equal(got, deliveryIDs(want)) {
			t.Fatalf("claim %d took %v, want %v", i+2, got, deliveryIDs(want))
		}
	}
	// Once the leases end, the longest due of each account come first.
	if got := deliveryIDs(f.claim(lease, lease.Add(time.Minute), "late", 2)); !slices.Equal(got, deliveryIDs([]*backend.NotificationDelivery{many[0], one[0]})) {
		t.Fatalf("after the leases ended the claim took %v, want %v", got, deliveryIDs([]*backend.NotificationDelivery{many[0], one[0]}))
	}
}

// testConcurrentDeliveryClaims: claims racing each other (replicas) take
// every due delivery once, between them.
func testConcurrentDeliveryClaims(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.manager("claims-race@example.com")
	now := f.tick()
	var all []string
	for range 8 {
		_, ds := f.notification(a.ID, now, backend.ChannelWebhook, backend.ChannelWebhook, backend.ChannelWebhook)
		all = append(all, deliveryIDs(ds)...)
	}
	var (
		mu      sync.Mutex
		claimed []string
		wg      sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range 6 {
		wg.Go(func() {
			<-start
			for {
				var got []*backend.NotificationDelivery
				err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
					var err error
					got, err = tx.ClaimDueDeliveries(f.ctx, now, now.Add(time.Minute), fmt.Sprintf("replica-%d", i), 2)
					return err
				})
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				claimed = append(claimed, deliveryIDs(got)...)
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	slices.Sort(claimed)
	slices.Sort(all)
	if !slices.Equal(claimed, all) {
		t.Fatalf("racing claims took %d deliveries (%v), want each of the %d once", len(claimed), claimed, len(all))
	}
}

func testRecordDeliveryAttempt(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.manager("attempts@example.com")
	now := f.tick()
	f.notification(a.ID, now, backend.ChannelWebhook)
	d := f.claim(now, now.Add(time.Minute), "owner", 1)[0]
	retry := now.Add(5 * time.Second)
	d.Attempts, d.NextAttemptAt, d.LastStatus, d.LastError, d.UpdatedAt = 1, retry, 500, "answered 500", f.tick()
	attempt := &backend.DeliveryAttempt{DeliveryID: d.ID, Number: 1, At: d.UpdatedAt, Status: 500, Error: "answered 500"}
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.RecordDeliveryAttempt(f.ctx, d, attempt, "intruder") })
	wantKind(t, err, backend.ECONFLICT)
	f.write(func(tx backend.Tx) error { return tx.RecordDeliveryAttempt(f.ctx, d, attempt, "owner") })
	// The lease is released: the retry is claimable once due, not before.
	if got := f.claim(now.Add(time.Second), now.Add(time.Minute), "next", 1); len(got) != 0 {
		t.Fatalf("claimed before its retry is due: %v", deliveryIDs(got))
	}
	d2 := f.claim(retry, retry.Add(time.Minute), "next", 1)
	if len(d2) != 1 || d2[0].Attempts != 1 || d2[0].LastStatus != 500 || d2[0].LastError != "answered 500" {
		t.Fatalf("the retry claimed %+v", d2)
	}
	delivered := f.tick()
	d = d2[0]
	d.Status, d.Attempts, d.LastStatus, d.LastError, d.DeliveredAt, d.UpdatedAt = backend.DeliveryDelivered, 2, 204, "", &delivered, delivered
	f.write(func(tx backend.Tx) error {
		return tx.RecordDeliveryAttempt(f.ctx, d, &backend.DeliveryAttempt{DeliveryID: d.ID, Number: 2, At: delivered, Status: 204}, "next")
	})
	list, _ := f.deliveries(backend.DeliveryQuery{AccountID: a.ID})
	got := list[0]
	if got.Status != backend.DeliveryDelivered || got.Attempts != 2 || got.DeliveredAt == nil || !got.DeliveredAt.Equal(delivered) ||
		got.LeaseOwner != "" || got.LeaseUntil != nil || len(got.AttemptLog) != 2 {
		t.Fatalf("after delivery %+v", got)
	}
	if l := got.AttemptLog; l[0].Number != 1 || l[0].Status != 500 || l[0].Error != "answered 500" || !l[0].At.Equal(attempt.At) ||
		l[1].Number != 2 || l[1].Status != 204 || l[1].Error != "" {
		t.Errorf("attempts %+v %+v", l[0], l[1])
	}
	if got := f.claim(delivered.Add(time.Hour), delivered.Add(2*time.Hour), "late", 5); len(got) != 0 {
		t.Fatalf("a delivered delivery was claimed: %v", deliveryIDs(got))
	}
}

// record records attempt d.Attempts+1 of d, leased by owner, made at at:
// status pending (a retry at d.NextAttemptAt), delivered or failed.
func (f *fixture) record(d *backend.NotificationDelivery, owner string, at time.Time, status backend.DeliveryStatus) {
	f.t.Helper()
	d.Status, d.Attempts, d.UpdatedAt, d.LastStatus, d.LastError = status, d.Attempts+1, at, 500, "answered 500"
	if status == backend.DeliveryDelivered {
		d.DeliveredAt, d.LastStatus, d.LastError = &at, 204, ""
	}
	f.write(func(tx backend.Tx) error {
		return tx.RecordDeliveryAttempt(f.ctx, d, &backend.DeliveryAttempt{DeliveryID: d.ID, Number: d.Attempts, At: at,
			Status: d.LastStatus, Error: d.LastError}, owner)
	})
}

func (f *fixture) purgeNotifications(before time.Time, limit int) int {
	f.t.Helper()
	var n int
	f.write(func(tx backend.Tx) error {
		var err error
		n, err = tx.PurgeNotifications(f.ctx, before, limit)
		return err
	})
	return n
}

// sortedIDs are the ids of lists' deliveries, sorted.
func sortedIDs(lists ...[]*backend.NotificationDelivery) []string {
	var ids []string
	for _, l := range lists {
		ids = append(ids, deliveryIDs(l)...)
	}
	slices.Sort(ids)
	return ids
}

// testPurgeNotifications: the purge deletes notifications whose every
// delivery finished (delivered, failed, the outbox's) before the cutoff,
// oldest first and at most the limit, with their deliveries and attempts
// (which their foreign key would not let stay alone); it keeps those with
// a delivery pending, leased or waiting for a retry, however old, and
// those finished at or after the cutoff.
func testPurgeNotifications(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.manager("purge@example.com")
	now := f.tick()
	later := now.Add(48 * time.Hour)
	f.notification(a.ID, now, backend.ChannelEmail, backend.ChannelSMS) // the outbox's
	_, deliveredOld := f.notification(a.ID, now, backend.ChannelWebhook)
	_, failedOld := f.notification(a.ID, now, backend.ChannelWebhook)
	_, pendingOld := f.notification(a.ID, later, backend.ChannelWebhook)
	_, leasedOld := f.notification(a.ID, now, backend.ChannelWebhook)
	_, retryOld := f.notification(a.ID, now, backend.ChannelWebhook)
	// A finished delivery and a pending one: the notification stays whole.
	_, mixedOld := f.notification(a.ID, later, backend.ChannelEmail, backend.ChannelWebhook)
	// Made long ago, but its last attempt was at the cutoff.
	_, finishedLate := f.notification(a.ID, now, backend.ChannelWebhook)
	claimed := map[string]*backend.NotificationDelivery{}
	for _, d := range f.claim(now, now.Add(time.Minute), "worker", 100) {
		claimed[d.ID] = d
	}
	if len(claimed) != 5 {
		t.Fatalf("claimed %d webhooks, want the 5 due", len(claimed))
	}
	at := f.tick()
	f.record(claimed[deliveredOld[0].ID], "worker", at, backend.DeliveryDelivered)
	f.record(claimed[failedOld[0].ID], "worker", at, backend.DeliveryFailed)
	claimed[retryOld[0].ID].NextAttemptAt = later
	f.record(claimed[retryOld[0].ID], "worker", at, backend.DeliveryPending)
	cutoff := f.tick().Add(24 * time.Hour)
	f.record(claimed[finishedLate[0].ID], "worker", cutoff, backend.DeliveryDelivered)
	// Its first lease ended unrecorded; leased again at the cutoff: in flight.
	if got := f.claim(cutoff, cutoff.Add(time.Hour), "replica", 100); !slices.Equal(deliveryIDs(got), deliveryIDs(leasedOld)) {
		t.Fatalf("the claim at the cutoff took %v, want %v", deliveryIDs(got), deliveryIDs(leasedOld))
	}
	f.clock = cutoff
	_, recent := f.notification(a.ID, later, backend.ChannelEmail)
	if _, total := f.deliveries(backend.DeliveryQuery{AccountID: a.ID}); total != 11 {
		t.Fatalf("%d deliveries before the purge, want 11", total)
	}

	// The limit takes the oldest first: the outbox's, then the delivered.
	if n := f.purgeNotifications(cutoff, 2); n != 2 {
		t.Fatalf("the first purge deleted %d notifications, want 2 (its limit)", n)
	}
	kept := [][]*backend.NotificationDelivery{failedOld, pendingOld, leasedOld, retryOld, mixedOld, finishedLate, recent}
	if left, total := f.deliveries(backend.DeliveryQuery{AccountID: a.ID}); !slices.Equal(sortedIDs(left), sortedIDs(kept...)) || total != 8 {
		t.Fatalf("after the first purge %v (%d) are left, want all but the two oldest finished notifications'", deliveryIDs(left), total)
	}
	if n := f.purgeNotifications(cutoff, 100); n != 1 {
		t.Fatalf("the second purge deleted %d notifications, want 1 (the failed webhook's)", n)
	}
	if n := f.purgeNotifications(cutoff, 100); n != 0 {
		t.Fatalf("a third purge deleted %d notifications, want none", n)
	}
	kept = kept[1:]
	left, _ := f.deliveries(backend.DeliveryQuery{AccountID: a.ID})
	if !slices.Equal(sortedIDs(left), sortedIDs(kept...)) {
		t.Fatalf("after the purges %v are left, want %v", sortedIDs(left), sortedIDs(kept...))
	}
	for _, d := range left {
		if d.Notification == nil || (d.ID == retryOld[0].ID && (len(d.AttemptLog) != 1 || d.Status != backend.DeliveryPending)) {
			t.Errorf("a kept delivery changed: %+v (%d attempts)", d, len(d.AttemptLog))
		}
	}
	// Long after: what finished goes, what is pending or in flight stays.
	if n := f.purgeNotifications(later.Add(1000*time.Hour), 100); n != 2 {
		t.Fatalf("the last purge deleted %d notifications, want 2 (finished late, recent)", n)
	}
	left, _ = f.deliveries(backend.DeliveryQuery{AccountID: a.ID})
	if want := sortedIDs(pendingOld, leasedOld, retryOld, mixedOld); !slices.Equal(sortedIDs(left), want) {
		t.Fatalf("at the end %v are left, want the pending ones' notifications' %v", sortedIDs(left), want)
	}
}
