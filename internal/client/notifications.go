package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// The Telnyx Notifications API (/v2/notification_*): the catalogue of
// conditions an account can be notified of, and the calling account's
// profiles, channels and settings. Everything is the calling account's: a
// manager wires a managed account's notifications with a client of that
// account's key (WithAPIKey).

// Channel types of the contract (channel_type_id).
const (
	ChannelTypeWebhook = "webhook"
	ChannelTypeEmail   = "email"
	ChannelTypeSMS     = "sms"
	ChannelTypeVoice   = "voice"
)

// NotificationEventCondition is a condition an account can be notified of:
// an entry of the read-only catalogue.
type NotificationEventCondition struct {
	ID                    string                       `json:"id"`
	Name                  string                       `json:"name"`
	Description           string                       `json:"description"`
	AssociatedRecordType  string                       `json:"associated_record_type"`
	Asynchronous          bool                         `json:"asynchronous"`
	AllowMultipleChannels bool                         `json:"allow_multiple_channels"`
	Enabled               bool                         `json:"enabled"`
	NotificationEventID   string                       `json:"notification_event_id"`
	Parameters            []NotificationConditionParam `json:"parameters"`
	SupportedChannels     []string                     `json:"supported_channels"`
	CreatedAt             string                       `json:"created_at"`
	UpdatedAt             string                       `json:"updated_at"`
}

// NotificationConditionParam is a parameter a setting of a condition gives.
type NotificationConditionParam struct {
	Name     string `json:"name"`
	DataType string `json:"data_type"`
	Optional bool   `json:"optional"`
}

// NotificationProfile is a named collection of channels.
type NotificationProfile struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// NotificationChannel is where a profile's notifications go: a webhook URL,
// an email address or a phone number.
type NotificationChannel struct {
	ID                    string `json:"id"`
	ChannelTypeID         string `json:"channel_type_id"`
	ChannelDestination    string `json:"channel_destination"`
	NotificationProfileID string `json:"notification_profile_id"`
	CreatedAt             string `json:"created_at"`
	UpdatedAt             string `json:"updated_at"`
}

// NotificationSetting asks for a condition's notifications, to a profile's
// channels or to one of them.
type NotificationSetting struct {
	ID                           string                         `json:"id"`
	NotificationEventConditionID string                         `json:"notification_event_condition_id"`
	NotificationProfileID        string                         `json:"notification_profile_id"`
	NotificationChannelID        string                         `json:"notification_channel_id"`
	AssociatedRecordType         string                         `json:"associated_record_type"`
	AssociatedRecordTypeValue    string                         `json:"associated_record_type_value"`
	Status                       string                         `json:"status"`
	Parameters                   []NotificationSettingParameter `json:"parameters"`
	CreatedAt                    string                         `json:"created_at"`
	UpdatedAt                    string                         `json:"updated_at"`
}

// NotificationSettingParameter is a parameter of a setting; Value is a
// string on the wire whatever its data type (an amount is "10.00").
type NotificationSettingParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// NotificationProfileRequest is the body of a profile's create or update.
type NotificationProfileRequest struct {
	Name string `json:"name"`
}

// NotificationChannelRequest is the body of a channel's create or update;
// empty fields are not sent. A channel cannot move to another profile: an
// update leaves NotificationProfileID empty.
type NotificationChannelRequest struct {
	ChannelTypeID         string `json:"channel_type_id,omitempty"`
	ChannelDestination    string `json:"channel_destination,omitempty"`
	NotificationProfileID string `json:"notification_profile_id,omitempty"`
}

// CreateNotificationSettingRequest is the body of a setting's create. An
// empty NotificationChannelID notifies every channel of the profile that
// the condition supports.
type CreateNotificationSettingRequest struct {
	NotificationEventConditionID string                         `json:"notification_event_condition_id"`
	NotificationProfileID        string                         `json:"notification_profile_id"`
	NotificationChannelID        string                         `json:"notification_channel_id,omitempty"`
	Parameters                   []NotificationSettingParameter `json:"parameters,omitempty"`
}

// ListNotificationEventConditionsOptions filter and page the catalogue.
// Empty fields are not sent.
type ListNotificationEventConditionsOptions struct {
	AssociatedRecordType string // filter[associated_record_type][eq]: account or phone_number
	PageNumber           int
	PageSize             int
}

func (o ListNotificationEventConditionsOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	if o.AssociatedRecordType != "" {
		v.Set("filter[associated_record_type][eq]", o.AssociatedRecordType)
	}
	return v
}

// ListNotificationProfilesOptions page the profile list.
type ListNotificationProfilesOptions struct {
	PageNumber int
	PageSize   int
}

func (o ListNotificationProfilesOptions) values() url.Values {
	return pageValues(o.PageNumber, o.PageSize)
}

// ListNotificationChannelsOptions filter and page the channel list. Empty
// fields are not sent.
type ListNotificationChannelsOptions struct {
	ChannelTypeID         string // filter[channel_type_id][eq]
	NotificationProfileID string // filter[notification_profile_id][eq]
	PageNumber            int
	PageSize              int
}

func (o ListNotificationChannelsOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	if o.ChannelTypeID != "" {
		v.Set("filter[channel_type_id][eq]", o.ChannelTypeID)
	}
	if o.NotificationProfileID != "" {
		v.Set("filter[notification_profile_id][eq]", o.NotificationProfileID)
	}
	return v
}

// ListNotificationSettingsOptions filter and page the setting list. Empty
// fields are not sent.
type ListNotificationSettingsOptions struct {
	NotificationProfileID        string // filter[notification_profile_id][eq]
	NotificationChannelID        string // filter[notification_channel][eq]
	NotificationEventConditionID string // filter[notification_event_condition_id][eq]
	PageNumber                   int
	PageSize                     int
}

func (o ListNotificationSettingsOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	for k, s := range map[string]string{
		"filter[notification_profile_id][eq]":         o.NotificationProfileID,
		"filter[notification_channel][eq]":            o.NotificationChannelID,
		"filter[notification_event_condition_id][eq]": o.NotificationEventConditionID,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// ListNotificationEventConditions returns one page of the catalogue, the
// same for every account.
func (c *Client) ListNotificationEventConditions(ctx context.Context, opts ListNotificationEventConditionsOptions) ([]NotificationEventCondition, PageMeta, error) {
	return list[NotificationEventCondition](ctx, c, "/notification_event_conditions", opts.values())
}

// AllNotificationEventConditions iterates over every page of the catalogue,
// starting at opts.PageNumber (default 1). It stops at the first error,
// which it yields.
func (c *Client) AllNotificationEventConditions(ctx context.Context, opts ListNotificationEventConditionsOptions) iter.Seq2[NotificationEventCondition, error] {
	return paginate(opts.PageNumber, func(page int) ([]NotificationEventCondition, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListNotificationEventConditions(ctx, o)
	})
}

func notificationProfilePath(id string) string { return "/notification_profiles/" + url.PathEscape(id) }
func notificationChannelPath(id string) string { return "/notification_channels/" + url.PathEscape(id) }
func notificationSettingPath(id string) string { return "/notification_settings/" + url.PathEscape(id) }

// CreateNotificationProfile adds a profile to the calling account.
func (c *Client) CreateNotificationProfile(ctx context.Context, req NotificationProfileRequest) (*NotificationProfile, error) {
	return send[NotificationProfile](ctx, c, http.MethodPost, "/notification_profiles", req)
}

// GetNotificationProfile retrieves one of the calling account's profiles;
// another account's is the API's 404.
func (c *Client) GetNotificationProfile(ctx context.Context, id string) (*NotificationProfile, error) {
	return get[NotificationProfile](ctx, c, notificationProfilePath(id), nil)
}

// UpdateNotificationProfile renames a profile.
func (c *Client) UpdateNotificationProfile(ctx context.Context, id string, req NotificationProfileRequest) (*NotificationProfile, error) {
	return send[NotificationProfile](ctx, c, http.MethodPatch, notificationProfilePath(id), req)
}

// DeleteNotificationProfile deletes a profile and returns it as it was. The
// API refuses (422) a profile that still has channels or settings.
func (c *Client) DeleteNotificationProfile(ctx context.Context, id string) (*NotificationProfile, error) {
	return send[NotificationProfile](ctx, c, http.MethodDelete, notificationProfilePath(id), nil)
}

// ListNotificationProfiles returns one page of the calling account's
// profiles, newest first.
func (c *Client) ListNotificationProfiles(ctx context.Context, opts ListNotificationProfilesOptions) ([]NotificationProfile, PageMeta, error) {
	return list[NotificationProfile](ctx, c, "/notification_profiles", opts.values())
}

// AllNotificationProfiles iterates over every page of the profile list,
// starting at opts.PageNumber (default 1). It stops at the first error,
// which it yields.
func (c *Client) AllNotificationProfiles(ctx context.Context, opts ListNotificationProfilesOptions) iter.Seq2[NotificationProfile, error] {
	return paginate(opts.PageNumber, func(page int) ([]NotificationProfile, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListNotificationProfiles(ctx, o)
	})
}

// CreateNotificationChannel adds a channel to one of the calling account's
// profiles. The API refuses (422) a profile of another account, and a
// destination that does not fit the type (a webhook URL that is not http or
// https, or that its destination policy refuses).
func (c *Client) CreateNotificationChannel(ctx context.Context, req NotificationChannelRequest) (*NotificationChannel, error) {
	return send[NotificationChannel](ctx, c, http.MethodPost, "/notification_channels", req)
}

// GetNotificationChannel retrieves one of the calling account's channels.
func (c *Client) GetNotificationChannel(ctx context.Context, id string) (*NotificationChannel, error) {
	return get[NotificationChannel](ctx, c, notificationChannelPath(id), nil)
}

// UpdateNotificationChannel changes a channel's type or destination.
func (c *Client) UpdateNotificationChannel(ctx context.Context, id string, req NotificationChannelRequest) (*NotificationChannel, error) {
	return send[NotificationChannel](ctx, c, http.MethodPatch, notificationChannelPath(id), req)
}

// DeleteNotificationChannel deletes a channel and returns it as it was. The
// API refuses (422) a channel that a setting names.
func (c *Client) DeleteNotificationChannel(ctx context.Context, id string) (*NotificationChannel, error) {
	return send[NotificationChannel](ctx, c, http.MethodDelete, notificationChannelPath(id), nil)
}

// ListNotificationChannels returns one page of the calling account's
// channels, newest first.
func (c *Client) ListNotificationChannels(ctx context.Context, opts ListNotificationChannelsOptions) ([]NotificationChannel, PageMeta, error) {
	return list[NotificationChannel](ctx, c, "/notification_channels", opts.values())
}

// AllNotificationChannels iterates over every page of the channel list,
// starting at opts.PageNumber (default 1). It stops at the first error,
// which it yields.
func (c *Client) AllNotificationChannels(ctx context.Context, opts ListNotificationChannelsOptions) iter.Seq2[NotificationChannel, error] {
	return paginate(opts.PageNumber, func(page int) ([]NotificationChannel, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListNotificationChannels(ctx, o)
	})
}

// CreateNotificationSetting asks for a condition's notifications on the
// calling account. The API refuses (422, at the field) an unknown
// condition, a profile or channel of another account, and parameters that
// do not fit the condition. A setting cannot be changed: replace it.
func (c *Client) CreateNotificationSetting(ctx context.Context, req CreateNotificationSettingRequest) (*NotificationSetting, error) {
	return send[NotificationSetting](ctx, c, http.MethodPost, "/notification_settings", req)
}

// GetNotificationSetting retrieves one of the calling account's settings.
func (c *Client) GetNotificationSetting(ctx context.Context, id string) (*NotificationSetting, error) {
	return get[NotificationSetting](ctx, c, notificationSettingPath(id), nil)
}

// DeleteNotificationSetting deletes a setting and returns it with status
// deleted.
func (c *Client) DeleteNotificationSetting(ctx context.Context, id string) (*NotificationSetting, error) {
	return send[NotificationSetting](ctx, c, http.MethodDelete, notificationSettingPath(id), nil)
}

// ListNotificationSettings returns one page of the calling account's
// settings, newest first.
func (c *Client) ListNotificationSettings(ctx context.Context, opts ListNotificationSettingsOptions) ([]NotificationSetting, PageMeta, error) {
	return list[NotificationSetting](ctx, c, "/notification_settings", opts.values())
}

// AllNotificationSettings iterates over every page of the setting list,
// starting at opts.PageNumber (default 1). It stops at the first error,
// which it yields.
func (c *Client) AllNotificationSettings(ctx context.Context, opts ListNotificationSettingsOptions) iter.Seq2[NotificationSetting, error] {
	return paginate(opts.PageNumber, func(page int) ([]NotificationSetting, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListNotificationSettings(ctx, o)
	})
}
