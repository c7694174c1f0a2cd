package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// testNotifications runs the conformance tests of backend.NotificationStore.
func testNotifications(t *testing.T, s backend.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s backend.Store)
	}{
		{"ProfilesRoundTripAndList", testNotificationProfiles},
		{"ChannelsRoundTripFilterAndList", testNotificationChannels},
		{"SettingsRoundTripFilterAndFind", testNotificationSettings},
		{"NotFoundKinds", testNotificationNotFound},
		{"ClaimTwiceAndNested", testClaimNotifications},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s) })
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

// testClaimNotifications: a claim may be made twice in a transaction and
// inside a nested one (rolled back or not), and leaves the data as it was.
func testClaimNotifications(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	a := f.manager("claims@example.com")
	f.write(func(tx backend.Tx) error {
		for range 2 {
			if err := tx.ClaimNotifications(f.ctx, a.ID); err != nil {
				return err
			}
		}
		rolledBack := tx.Nested(f.ctx, func(tx backend.Tx) error {
			if err := tx.ClaimNotifications(f.ctx, a.ID); err != nil {
				return err
			}
			return backend.Errorf(backend.EINVALID, "roll this back")
		})
		wantKind(t, rolledBack, backend.EINVALID)
		if err := tx.Nested(f.ctx, func(tx backend.Tx) error { return tx.ClaimNotifications(f.ctx, a.ID) }); err != nil {
			return err
		}
		return tx.ClaimNotifications(f.ctx, a.ID)
	})
	f.profile(a.ID, "After the claims")
}
