package backend

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Notification profiles, channels and settings (DESIGN 3.8): what an account
// wants to be told, and where. Every method acts on the caller's own
// account; a manager wires a managed account's alerts with that account's
// key, as for every other account-scoped object. Another account's object
// is ENOTFOUND on its own path, and EINVALID (at the field) when a body
// names it.

// NotificationProfile is a named collection of channels.
type NotificationProfile struct {
	ID        string
	AccountID string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NotificationChannel is where a profile's notifications go: a webhook URL,
// an email address or a phone number (SMS).
type NotificationChannel struct {
	ID          string
	AccountID   string
	ProfileID   string
	Type        ChannelType
	Destination string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// NotificationSetting asks for the notifications of a condition, to a
// profile's channels (every one the condition supports, or only ChannelID).
type NotificationSetting struct {
	ID        string
	AccountID string
	// LedgerAccountID is the account whose ledger holds the balance the
	// setting's account sees: the manager's under rollup billing (which
	// never changes), the account's own otherwise.
	LedgerAccountID string
	ConditionID     string
	ProfileID       string
	ChannelID       string // empty: every channel of the profile
	Parameters      []SettingParameter
	// Threshold is the balance condition's amount, parsed; zero otherwise.
	Threshold Money
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SettingParameter is a parameter of a setting, as given.
type SettingParameter struct {
	Name  string
	Value string
}

// Setting statuses (the contract's enum): a setting takes effect when it is
// created, and is gone once deleted.
const (
	SettingEnabled = "enabled"
	SettingDeleted = "deleted"
)

// Limits of an account's notification objects.
const (
	MaxNotificationProfilesPerAccount = 50
	MaxNotificationChannelsPerAccount = 100
	MaxNotificationSettingsPerAccount = 100
	maxSettingParameters              = 10
	maxParameterLen                   = 255
)

// ChannelQuery selects a page of an account's channels. Empty fields do not
// filter.
type ChannelQuery struct {
	Type      ChannelType
	ProfileID string
	Page      Page
}

// SettingQuery selects a page of an account's settings. Empty fields do not
// filter; MatchNone matches nothing (a filter no setting can match).
type SettingQuery struct {
	ProfileID, ChannelID, ConditionID string
	MatchNone                         bool
	Page                              Page
}

// SetNotifications is an account's notification profiles, channels and
// settings (Tx.Claim): their limits, and a profile or channel deleted only
// when nothing refers to it.
const SetNotifications Set = "notifications"

// NotificationStore is the part of Tx that keeps notifications
// (DESIGN 3.8). Its reads of one object return ENOTFOUND when it does not
// exist; lists are newest first, ties broken on ID.
type NotificationStore interface {
	InsertNotificationProfile(ctx context.Context, p *NotificationProfile) error
	GetNotificationProfile(ctx context.Context, id string) (*NotificationProfile, error)
	ListNotificationProfiles(ctx context.Context, accountID string, page Page) ([]*NotificationProfile, int, error)
	CountNotificationProfiles(ctx context.Context, accountID string) (int, error)
	// UpdateNotificationProfile writes Name and UpdatedAt.
	UpdateNotificationProfile(ctx context.Context, p *NotificationProfile) error
	DeleteNotificationProfile(ctx context.Context, id string) error

	InsertNotificationChannel(ctx context.Context, c *NotificationChannel) error
	GetNotificationChannel(ctx context.Context, id string) (*NotificationChannel, error)
	ListNotificationChannels(ctx context.Context, accountID string, q ChannelQuery) ([]*NotificationChannel, int, error)
	CountNotificationChannels(ctx context.Context, accountID string) (int, error)
	// ProfileChannels returns every channel of a profile, oldest first.
	ProfileChannels(ctx context.Context, profileID string) ([]*NotificationChannel, error)
	// UpdateNotificationChannel writes Type, Destination and UpdatedAt.
	UpdateNotificationChannel(ctx context.Context, c *NotificationChannel) error
	DeleteNotificationChannel(ctx context.Context, id string) error

	InsertNotificationSetting(ctx context.Context, st *NotificationSetting) error
	GetNotificationSetting(ctx context.Context, id string) (*NotificationSetting, error)
	ListNotificationSettings(ctx context.Context, accountID string, q SettingQuery) ([]*NotificationSetting, int, error)
	CountNotificationSettings(ctx context.Context, accountID string) (int, error)
	// CountSettingsUsing counts the settings whose profile is profileID or
	// whose channel is channelID (either may be empty: it then matches none).
	CountSettingsUsing(ctx context.Context, profileID, channelID string) (int, error)
	DeleteNotificationSetting(ctx context.Context, id string) error
	// ConditionSettings returns, oldest first, the settings of a condition
	// whose account is accountID, or, when byLedger, whose LedgerAccountID is.
	ConditionSettings(ctx context.Context, conditionID, accountID string, byLedger bool) ([]*NotificationSetting, error)

	NotificationDeliveries // notification_events.go
}

// notificationState is what the Service keeps for notifications.
type notificationState struct {
	opts atomic.Pointer[NotificationOptions]
	// wake, when a delivery worker runs, tells it that deliveries were
	// made (notification_delivery.go).
	wake atomic.Pointer[chan struct{}]
}

// wakeWorker tells the delivery worker, if one runs, to look for work soon.
func (n *notificationState) wakeWorker() {
	if w := n.wake.Load(); w != nil {
		select {
		case *w <- struct{}{}:
		default: // already told
		}
	}
}

// ProfileInput is the body of a profile's create or update.
type ProfileInput struct {
	Name *string
}

// ChannelInput is the body of a channel's create or update; nil fields are
// not given.
type ChannelInput struct {
	ProfileID   *string
	Type        *string
	Destination *string
}

// SettingInput is the body of a setting's create.
type SettingInput struct {
	ConditionID *string
	ProfileID   *string
	ChannelID   *string
	Parameters  *[]SettingParameterInput
}

// SettingParameterInput is one parameter of a SettingInput.
type SettingParameterInput struct {
	Name  *string
	Value *string
}

// ownProfile loads one of the caller's profiles; ENOTFOUND otherwise.
func ownProfile(ctx context.Context, tx Tx, c *Caller, id string) (*NotificationProfile, error) {
	p, err := tx.GetNotificationProfile(ctx, id)
	if ErrorKind(err) == ENOTFOUND || (err == nil && p.AccountID != c.Account.ID) {
		return nil, NotFound("Notification profile")
	}
	return p, err
}

func ownChannel(ctx context.Context, tx Tx, c *Caller, id string) (*NotificationChannel, error) {
	ch, err := tx.GetNotificationChannel(ctx, id)
	if ErrorKind(err) == ENOTFOUND || (err == nil && ch.AccountID != c.Account.ID) {
		return nil, NotFound("Notification channel")
	}
	return ch, err
}

func ownSetting(ctx context.Context, tx Tx, c *Caller, id string) (*NotificationSetting, error) {
	st, err := tx.GetNotificationSetting(ctx, id)
	if ErrorKind(err) == ENOTFOUND || (err == nil && st.AccountID != c.Account.ID) {
		return nil, NotFound("Notification setting")
	}
	return st, err
}

// referencedProfile loads the caller's profile a body names at pointer: a
// missing or another account's profile is EINVALID there.
func referencedProfile(ctx context.Context, tx Tx, c *Caller, pointer, id string) (*NotificationProfile, error) {
	p, err := ownProfile(ctx, tx, c, id)
	if ErrorKind(err) == ENOTFOUND {
		return nil, InvalidField(pointer, "No notification profile of this account has the id %q.", id)
	}
	return p, err
}

// CreateNotificationProfile adds a profile to the caller's account. Returns
// EINVALID for a bad name or when the account has
// MaxNotificationProfilesPerAccount.
func (s *Service) CreateNotificationProfile(ctx context.Context, c *Caller, in ProfileInput) (*NotificationProfile, error) {
	name, err := validateName("/name", in.Name)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	p := &NotificationProfile{ID: newID(), AccountID: c.Account.ID, Name: name, CreatedAt: now, UpdatedAt: now}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.Claim(ctx, SetNotifications, c.Account.ID); err != nil {
			return err
		}
		n, err := tx.CountNotificationProfiles(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		if n >= MaxNotificationProfilesPerAccount {
			return InvalidField("/", "This account already has %d notification profiles, the most it may have; delete one first.", MaxNotificationProfilesPerAccount)
		}
		if err := tx.InsertNotificationProfile(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, c.Account.ID, "notification_profile.create", map[string]any{"notification_profile_id": p.ID, "name": p.Name})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ListNotificationProfiles returns a page of the caller's profiles, newest
// first. Returns EBADREQUEST for a bad page.
func (s *Service) ListNotificationProfiles(ctx context.Context, c *Caller, page Page) ([]*NotificationProfile, PageMeta, error) {
	if err := validatePage(&page); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		list  []*NotificationProfile
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		list, total, err = tx.ListNotificationProfiles(ctx, c.Account.ID, page)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(page, total), nil
}

// GetNotificationProfile returns one of the caller's profiles; ENOTFOUND
// otherwise.
func (s *Service) GetNotificationProfile(ctx context.Context, c *Caller, id string) (*NotificationProfile, error) {
	var p *NotificationProfile
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		p, err = ownProfile(ctx, tx, c, id)
		return err
	})
	return p, err
}

// UpdateNotificationProfile renames one of the caller's profiles. Returns
// ENOTFOUND when it is not the caller's, EINVALID for a bad name.
func (s *Service) UpdateNotificationProfile(ctx context.Context, c *Caller, id string, in ProfileInput) (*NotificationProfile, error) {
	var name string
	if in.Name != nil {
		var err error
		if name, err = validateName("/name", in.Name); err != nil {
			return nil, err
		}
	}
	var out *NotificationProfile
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		p, err := ownProfile(ctx, tx, c, id)
		if err != nil {
			return err
		}
		out = p
		if in.Name == nil || name == p.Name {
			return nil
		}
		changes := map[string]any{"notification_profile_id": p.ID, "name": map[string]any{"old": p.Name, "new": name}}
		p.Name, p.UpdatedAt = name, s.timestamp()
		if err := tx.UpdateNotificationProfile(ctx, p); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, c.Account.ID, "notification_profile.update", changes)
	})
	return out, err
}

// DeleteNotificationProfile deletes one of the caller's profiles and
// returns it as it was. A profile that still has channels or settings is
// refused (EINVALID): delete those first. Returns ENOTFOUND when it is not
// the caller's.
func (s *Service) DeleteNotificationProfile(ctx context.Context, c *Caller, id string) (*NotificationProfile, error) {
	var out *NotificationProfile
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		// The rule reads what refers to the profile, against creates that
		// add to it.
		if err := tx.Claim(ctx, SetNotifications, c.Account.ID); err != nil {
			return err
		}
		p, err := ownProfile(ctx, tx, c, id)
		if err != nil {
			return err
		}
		channels, err := tx.ProfileChannels(ctx, p.ID)
		if err != nil {
			return err
		}
		settings, err := tx.CountSettingsUsing(ctx, p.ID, "")
		if err != nil {
			return err
		}
		if len(channels) > 0 || settings > 0 {
			return InvalidField("/", "This notification profile still has %d channels and %d settings: delete them first.", len(channels), settings)
		}
		if err := tx.DeleteNotificationProfile(ctx, p.ID); err != nil {
			return err
		}
		out = p
		return s.audit(ctx, tx, c, c.Account.ID, "notification_profile.delete", map[string]any{"notification_profile_id": p.ID, "name": p.Name})
	})
	return out, err
}

// channelType reads a channel_type_id: one of the contract's types that the
// catalogue can deliver to.
func channelType(v string) (ChannelType, error) {
	t := ChannelType(v)
	switch t {
	case ChannelWebhook, ChannelEmail, ChannelSMS:
		return t, nil
	case ChannelVoice:
		return "", InvalidField("/channel_type_id", "No notification condition of this backend can call a phone (voice): use webhook, email or sms.")
	}
	return "", InvalidField("/channel_type_id", "channel_type_id must be one of webhook, email, sms, not %q.", v)
}

// auditedDestination is what the audit log keeps of a destination: a
// webhook's scheme and host only, since its path or query may hold a token
// of the receiver's.
func auditedDestination(t ChannelType, destination string) string {
	if t != ChannelWebhook {
		return destination
	}
	u, err := url.Parse(destination)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host
}

// CreateNotificationChannel adds a channel to one of the caller's profiles.
// Returns EINVALID for bad input (a profile that is not the caller's, a
// destination that does not fit the type or that the destination policy
// refuses) or when the account has MaxNotificationChannelsPerAccount.
func (s *Service) CreateNotificationChannel(ctx context.Context, c *Caller, in ChannelInput) (*NotificationChannel, error) {
	if in.ProfileID == nil {
		return nil, InvalidField("/notification_profile_id", "notification_profile_id is required.")
	}
	if in.Type == nil {
		return nil, InvalidField("/channel_type_id", "channel_type_id is required.")
	}
	t, err := channelType(*in.Type)
	if err != nil {
		return nil, err
	}
	if in.Destination == nil {
		return nil, InvalidField("/channel_destination", "channel_destination is required.")
	}
	dest, err := s.validateDestination(ctx, "/channel_destination", t, *in.Destination)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	ch := &NotificationChannel{ID: newID(), AccountID: c.Account.ID, ProfileID: *in.ProfileID, Type: t, Destination: dest, CreatedAt: now, UpdatedAt: now}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.Claim(ctx, SetNotifications, c.Account.ID); err != nil {
			return err
		}
		if _, err := referencedProfile(ctx, tx, c, "/notification_profile_id", ch.ProfileID); err != nil {
			return err
		}
		n, err := tx.CountNotificationChannels(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		if n >= MaxNotificationChannelsPerAccount {
			return InvalidField("/", "This account already has %d notification channels, the most it may have; delete one first.", MaxNotificationChannelsPerAccount)
		}
		if err := tx.InsertNotificationChannel(ctx, ch); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, c.Account.ID, "notification_channel.create", map[string]any{
			"notification_channel_id": ch.ID, "notification_profile_id": ch.ProfileID,
			"channel_type_id": string(ch.Type), "channel_destination": auditedDestination(ch.Type, ch.Destination),
		})
	})
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// ListNotificationChannels returns a page of the caller's channels, newest
// first. Returns EBADREQUEST for a bad page.
func (s *Service) ListNotificationChannels(ctx context.Context, c *Caller, q ChannelQuery) ([]*NotificationChannel, PageMeta, error) {
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		list  []*NotificationChannel
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		list, total, err = tx.ListNotificationChannels(ctx, c.Account.ID, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(q.Page, total), nil
}

// GetNotificationChannel returns one of the caller's channels; ENOTFOUND
// otherwise.
func (s *Service) GetNotificationChannel(ctx context.Context, c *Caller, id string) (*NotificationChannel, error) {
	var ch *NotificationChannel
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		ch, err = ownChannel(ctx, tx, c, id)
		return err
	})
	return ch, err
}

// UpdateNotificationChannel changes a channel's type and destination, which
// are checked together. A channel stays in its profile: another
// notification_profile_id is refused (create a channel there instead).
// Returns ENOTFOUND when the channel is not the caller's, EINVALID for bad
// input.
func (s *Service) UpdateNotificationChannel(ctx context.Context, c *Caller, id string, in ChannelInput) (*NotificationChannel, error) {
	// The destination is checked (its host resolved) before the write
	// transaction, which must not wait on the network.
	current, err := s.GetNotificationChannel(ctx, c, id)
	if err != nil {
		return nil, err
	}
	checkedType, checkedDest, changed, err := channelUpdate(current, in)
	if err != nil {
		return nil, err
	}
	if changed {
		if checkedDest, err = s.validateDestination(ctx, "/channel_destination", checkedType, checkedDest); err != nil {
			return nil, err
		}
	}
	var out *NotificationChannel
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		ch, err := ownChannel(ctx, tx, c, id)
		if err != nil {
			return err
		}
		t, dest, changed, err := channelUpdate(ch, in)
		if err != nil {
			return err
		}
		out = ch
		if !changed {
			return nil
		}
		if t != checkedType || dest != checkedDest {
			// Changed since the check (a concurrent update): check again.
			if dest, err = s.validateDestination(ctx, "/channel_destination", t, dest); err != nil {
				return err
			}
		}
		changes := map[string]any{"notification_channel_id": ch.ID}
		if t != ch.Type {
			changes["channel_type_id"] = map[string]any{"old": string(ch.Type), "new": string(t)}
		}
		changes["channel_destination"] = map[string]any{"old": auditedDestination(ch.Type, ch.Destination), "new": auditedDestination(t, dest)}
		ch.Type, ch.Destination, ch.UpdatedAt = t, dest, s.timestamp()
		if err := tx.UpdateNotificationChannel(ctx, ch); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, c.Account.ID, "notification_channel.update", changes)
	})
	return out, err
}

// channelUpdate applies an update's body to ch: the type and destination
// it would have, and whether they change. Another profile is refused.
func channelUpdate(ch *NotificationChannel, in ChannelInput) (ChannelType, string, bool, error) {
	if in.ProfileID != nil && *in.ProfileID != ch.ProfileID {
		return "", "", false, InvalidField("/notification_profile_id", "A channel cannot move to another profile: create a channel in that profile instead.")
	}
	t, dest := ch.Type, ch.Destination
	if in.Type != nil {
		var err error
		if t, err = channelType(*in.Type); err != nil {
			return "", "", false, err
		}
	}
	if in.Destination != nil {
		dest = *in.Destination
	}
	return t, dest, t != ch.Type || dest != ch.Destination, nil
}

// DeleteNotificationChannel deletes one of the caller's channels and
// returns it as it was. A channel that a setting names is refused
// (EINVALID): delete the setting first. Notifications already made for the
// channel are still delivered. Returns ENOTFOUND when it is not the
// caller's.
func (s *Service) DeleteNotificationChannel(ctx context.Context, c *Caller, id string) (*NotificationChannel, error) {
	var out *NotificationChannel
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.Claim(ctx, SetNotifications, c.Account.ID); err != nil {
			return err
		}
		ch, err := ownChannel(ctx, tx, c, id)
		if err != nil {
			return err
		}
		n, err := tx.CountSettingsUsing(ctx, "", ch.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return InvalidField("/", "%d notification settings name this channel: delete them first.", n)
		}
		if err := tx.DeleteNotificationChannel(ctx, ch.ID); err != nil {
			return err
		}
		out = ch
		return s.audit(ctx, tx, c, c.Account.ID, "notification_channel.delete", map[string]any{
			"notification_channel_id": ch.ID, "notification_profile_id": ch.ProfileID, "channel_type_id": string(ch.Type),
		})
	})
	return out, err
}

// settingParameters checks a setting's parameters against its condition:
// each of the condition's parameters given once (unless optional), no
// other, each value of its data type. It returns them as given, and the
// balance condition's threshold.
func settingParameters(cond *NotificationEventCondition, in *[]SettingParameterInput) ([]SettingParameter, Money, error) {
	var given []SettingParameterInput
	if in != nil {
		given = *in
	}
	if len(given) > maxSettingParameters {
		return nil, 0, InvalidField("/parameters", "parameters may hold at most %d entries.", maxSettingParameters)
	}
	out := make([]SettingParameter, 0, len(given))
	seen := map[string]bool{}
	var threshold Money
	for i, p := range given {
		at := "/parameters/" + strconv.Itoa(i)
		if p.Name == nil {
			return nil, 0, InvalidField(at+"/name", "name is required.")
		}
		if p.Value == nil {
			return nil, 0, InvalidField(at+"/value", "value is required.")
		}
		name, value := *p.Name, *p.Value
		var spec *ConditionParameter
		for j := range cond.Parameters {
			if cond.Parameters[j].Name == name {
				spec = &cond.Parameters[j]
			}
		}
		switch {
		case spec == nil && len(cond.Parameters) == 0:
			return nil, 0, InvalidField(at+"/name", "The condition %q takes no parameter.", cond.Name)
		case spec == nil:
			return nil, 0, InvalidField(at+"/name", "The condition %q has no parameter %q; its parameters are %s.", cond.Name, truncate(name), parameterNames(cond))
		case seen[name]:
			return nil, 0, InvalidField(at+"/name", "The parameter %q is given twice.", name)
		}
		seen[name] = true
		if utf8.RuneCountInString(value) > maxParameterLen {
			return nil, 0, InvalidField(at+"/value", "value must be at most %d characters.", maxParameterLen)
		}
		if spec.DataType == "decimal" {
			m, err := ParseMoney(value)
			if err != nil || !m.WithinMaxAmount() {
				return nil, 0, InvalidField(at+"/value", "%s must be an amount of money from -%s to %s, such as \"10.00\".", name, MaxAmount, MaxAmount)
			}
			if name == ParameterAmount {
				threshold = m
			}
		}
		out = append(out, SettingParameter{Name: name, Value: value})
	}
	for _, spec := range cond.Parameters {
		if !spec.Optional && !seen[spec.Name] {
			return nil, 0, InvalidField("/parameters", "The condition %q needs the parameter %q.", cond.Name, spec.Name)
		}
	}
	return out, threshold, nil
}

func parameterNames(cond *NotificationEventCondition) string {
	names := make([]string, len(cond.Parameters))
	for i, p := range cond.Parameters {
		names[i] = strconv.Quote(p.Name)
	}
	return strings.Join(names, ", ")
}

// truncate shortens text quoted back in an error.
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= 64 {
		return s
	}
	return string([]rune(s)[:64]) + "…"
}

// CreateNotificationSetting asks for a condition's notifications on the
// caller's account, to one of its profiles (every channel of it the
// condition supports) or to one channel of that profile. Returns EINVALID
// for bad input: an unknown condition, a profile or channel that is not
// the caller's, a channel of another profile or of a type the condition
// does not support, parameters that do not fit the condition, the payment
// condition on an account under rollup billing (its manager pays), or when
// the account has MaxNotificationSettingsPerAccount.
func (s *Service) CreateNotificationSetting(ctx context.Context, c *Caller, in SettingInput) (*NotificationSetting, error) {
	if in.ConditionID == nil {
		return nil, InvalidField("/notification_event_condition_id", "notification_event_condition_id is required.")
	}
	cond := conditionByID(*in.ConditionID)
	if cond == nil {
		return nil, InvalidField("/notification_event_condition_id", "No notification event condition has the id %q: see GET /v2/notification_event_conditions.", truncate(*in.ConditionID))
	}
	if cond.ID == ConditionPaymentDeclined && c.Account.BillingAccountID() != c.Account.ID {
		return nil, InvalidField("/notification_event_condition_id", "This account uses rollup billing: its manager pays its charges, and payment alerts are the manager's.")
	}
	if in.ProfileID == nil {
		return nil, InvalidField("/notification_profile_id", "notification_profile_id is required.")
	}
	params, threshold, err := settingParameters(cond, in.Parameters)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	st := &NotificationSetting{
		ID: newID(), AccountID: c.Account.ID, LedgerAccountID: c.Account.BillingAccountID(), ConditionID: cond.ID,
		ProfileID: *in.ProfileID, Parameters: params, Threshold: threshold, CreatedAt: now, UpdatedAt: now,
	}
	if in.ChannelID != nil {
		st.ChannelID = *in.ChannelID
	}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.Claim(ctx, SetNotifications, c.Account.ID); err != nil {
			return err
		}
		if _, err := referencedProfile(ctx, tx, c, "/notification_profile_id", st.ProfileID); err != nil {
			return err
		}
		if in.ChannelID != nil {
			ch, err := ownChannel(ctx, tx, c, st.ChannelID)
			switch {
			case ErrorKind(err) == ENOTFOUND:
				return InvalidField("/notification_channel_id", "No notification channel of this account has the id %q.", truncate(st.ChannelID))
			case err != nil:
				return err
			case ch.ProfileID != st.ProfileID:
				return InvalidField("/notification_channel_id", "This channel belongs to another notification profile than notification_profile_id.")
			case !cond.Supports(ch.Type):
				return InvalidField("/notification_channel_id", "The condition %q cannot notify through a %s channel.", cond.Name, ch.Type)
			}
		}
		n, err := tx.CountNotificationSettings(ctx, c.Account.ID)
		if err != nil {
			return err
		}
		if n >= MaxNotificationSettingsPerAccount {
			return InvalidField("/", "This account already has %d notification settings, the most it may have; delete one first.", MaxNotificationSettingsPerAccount)
		}
		if err := tx.InsertNotificationSetting(ctx, st); err != nil {
			return err
		}
		changes := map[string]any{
			"notification_setting_id": st.ID, "notification_event_condition_id": st.ConditionID,
			"notification_profile_id": st.ProfileID, "notification_channel_id": st.ChannelID, "parameters": parameterChanges(st.Parameters),
		}
		return s.audit(ctx, tx, c, c.Account.ID, "notification_setting.create", changes)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func parameterChanges(params []SettingParameter) map[string]any {
	out := map[string]any{}
	for _, p := range params {
		out[p.Name] = p.Value
	}
	return out
}

// ListNotificationSettings returns a page of the caller's settings, newest
// first. Returns EBADREQUEST for a bad page.
func (s *Service) ListNotificationSettings(ctx context.Context, c *Caller, q SettingQuery) ([]*NotificationSetting, PageMeta, error) {
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		list  = []*NotificationSetting{}
		total int
	)
	if q.MatchNone {
		return list, NewPageMeta(q.Page, 0), nil
	}
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		list, total, err = tx.ListNotificationSettings(ctx, c.Account.ID, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return list, NewPageMeta(q.Page, total), nil
}

// GetNotificationSetting returns one of the caller's settings; ENOTFOUND
// otherwise.
func (s *Service) GetNotificationSetting(ctx context.Context, c *Caller, id string) (*NotificationSetting, error) {
	var st *NotificationSetting
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		st, err = ownSetting(ctx, tx, c, id)
		return err
	})
	return st, err
}

// DeleteNotificationSetting deletes one of the caller's settings and
// returns it as it was: no notification of it is made after. Returns
// ENOTFOUND when it is not the caller's.
func (s *Service) DeleteNotificationSetting(ctx context.Context, c *Caller, id string) (*NotificationSetting, error) {
	var out *NotificationSetting
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		st, err := ownSetting(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteNotificationSetting(ctx, st.ID); err != nil {
			return err
		}
		out = st
		return s.audit(ctx, tx, c, c.Account.ID, "notification_setting.delete", map[string]any{
			"notification_setting_id": st.ID, "notification_event_condition_id": st.ConditionID,
		})
	})
	return out, err
}
