package httpapi

import (
	"net/http"
	"net/url"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The Notifications API (contract: testdata/telnyx-notifications-openapi-subset.yaml;
// DESIGN 3.8), on the caller's own account.

// notificationRoutes registers the Notifications API's routes.
func (s *server) notificationRoutes() {
	s.mux.HandleFunc("GET /v2/notification_event_conditions", s.account(s.listNotificationEventConditions))
	s.mux.HandleFunc("GET /v2/notification_events", s.account(s.listNotificationEvents))
	s.mux.HandleFunc("POST /v2/notification_profiles", s.account(s.createNotificationProfile))
	s.mux.HandleFunc("GET /v2/notification_profiles", s.account(s.listNotificationProfiles))
	s.mux.HandleFunc("GET /v2/notification_profiles/{id}", s.account(s.getNotificationProfile))
	s.mux.HandleFunc("PATCH /v2/notification_profiles/{id}", s.account(s.updateNotificationProfile))
	s.mux.HandleFunc("DELETE /v2/notification_profiles/{id}", s.account(s.deleteNotificationProfile))
	s.mux.HandleFunc("POST /v2/notification_channels", s.account(s.createNotificationChannel))
	s.mux.HandleFunc("GET /v2/notification_channels", s.account(s.listNotificationChannels))
	s.mux.HandleFunc("GET /v2/notification_channels/{id}", s.account(s.getNotificationChannel))
	s.mux.HandleFunc("PATCH /v2/notification_channels/{id}", s.account(s.updateNotificationChannel))
	s.mux.HandleFunc("DELETE /v2/notification_channels/{id}", s.account(s.deleteNotificationChannel))
	s.mux.HandleFunc("POST /v2/notification_settings", s.account(s.createNotificationSetting))
	s.mux.HandleFunc("GET /v2/notification_settings", s.account(s.listNotificationSettings))
	s.mux.HandleFunc("GET /v2/notification_settings/{id}", s.account(s.getNotificationSetting))
	s.mux.HandleFunc("DELETE /v2/notification_settings/{id}", s.account(s.deleteNotificationSetting))
	s.mux.HandleFunc("GET /reference/notifications", s.operator(s.listNotificationDeliveries))
	s.mux.HandleFunc("GET /reference/webhook_signing_key", s.operator(s.webhookSigningKey))
}

// notificationEventConditionJSON is the contract's NotificationEventCondition.
type notificationEventConditionJSON struct {
	ID                    string                   `json:"id"`
	Name                  string                   `json:"name"`
	Description           string                   `json:"description"`
	AssociatedRecordType  string                   `json:"associated_record_type"`
	Asynchronous          bool                     `json:"asynchronous"`
	AllowMultipleChannels bool                     `json:"allow_multiple_channels"`
	Enabled               bool                     `json:"enabled"`
	NotificationEventID   string                   `json:"notification_event_id"`
	Parameters            []conditionParameterJSON `json:"parameters"`
	SupportedChannels     []backend.ChannelType    `json:"supported_channels"`
	CreatedAt             string                   `json:"created_at"`
	UpdatedAt             string                   `json:"updated_at"`
}

type conditionParameterJSON struct {
	Name     string `json:"name"`
	DataType string `json:"data_type"`
	Optional bool   `json:"optional"`
}

func newNotificationEventConditionJSON(c *backend.NotificationEventCondition) notificationEventConditionJSON {
	params := make([]conditionParameterJSON, 0, len(c.Parameters))
	for _, p := range c.Parameters {
		params = append(params, conditionParameterJSON{Name: p.Name, DataType: p.DataType, Optional: p.Optional})
	}
	// A setting takes effect when it is created (asynchronous: false), and
	// without a channel it notifies every channel of its profile
	// (allow_multiple_channels: true).
	return notificationEventConditionJSON{
		ID: c.ID, Name: c.Name, Description: c.Description, AssociatedRecordType: c.AssociatedRecordType,
		Asynchronous: false, AllowMultipleChannels: true, Enabled: true, NotificationEventID: c.EventID,
		Parameters: params, SupportedChannels: c.SupportedChannels,
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.CreatedAt),
	}
}

// notificationEventJSON is the contract's NotificationEvent.
type notificationEventJSON struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	NotificationCategory string `json:"notification_category"`
	Enabled              bool   `json:"enabled"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

// Filters of the contract's notifications_FilterConsolidated, as query keys.
const (
	filterAssociatedRecordType = "filter[associated_record_type][eq]"
	filterChannelType          = "filter[channel_type_id][eq]"
	filterProfile              = "filter[notification_profile_id][eq]"
	filterChannel              = "filter[notification_channel][eq]"
	filterCondition            = "filter[notification_event_condition_id][eq]"
	filterStatus               = "filter[status][eq]"
)

// associatedRecordTypes are the values of filter[associated_record_type][eq].
var associatedRecordTypes = []string{"account", "phone_number"}

// enumParam reads a parameter that must be one of values; "" when absent.
func (q *queryParams) enumParam(name string, values []string) (string, error) {
	v, ok, err := q.str(name)
	if err != nil || !ok {
		return "", err
	}
	for _, allowed := range values {
		if v == allowed {
			return v, nil
		}
	}
	return "", backend.InvalidParameter(name, "%s must be one of %v, not %q.", name, values, v)
}

func parseConditionQuery(u *url.URL) (backend.ConditionQuery, error) {
	var q backend.ConditionQuery
	params, err := newQueryParams(u, append([]string{filterAssociatedRecordType}, pageParams...)...)
	if err != nil {
		return q, err
	}
	if q.AssociatedRecordType, err = params.enumParam(filterAssociatedRecordType, associatedRecordTypes); err != nil {
		return q, err
	}
	q.Page, err = params.page()
	return q, err
}

func (s *server) listNotificationEventConditions(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	q, err := parseConditionQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListNotificationEventConditions(r.Context(), c, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(list, meta, newNotificationEventConditionJSON))
	return nil
}

func (s *server) listNotificationEvents(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	page, err := parsePageQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListNotificationEvents(r.Context(), c, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(list, meta, func(e *backend.NotificationEvent) notificationEventJSON {
		return notificationEventJSON{
			ID: e.ID, Name: e.Name, NotificationCategory: e.Category, Enabled: true,
			CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.CreatedAt),
		}
	}))
	return nil
}

// notificationProfileJSON is the contract's NotificationProfile.
type notificationProfileJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func newNotificationProfileJSON(p *backend.NotificationProfile) notificationProfileJSON {
	return notificationProfileJSON{ID: p.ID, Name: p.Name, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
}

// notificationProfileBody is a profile's create or update body: the
// contract's NotificationProfile without its read-only members.
type notificationProfileBody struct {
	Name *string `json:"name"`
}

func (s *server) createNotificationProfile(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body notificationProfileBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	p, err := s.svc.CreateNotificationProfile(r.Context(), c, backend.ProfileInput{Name: body.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationProfileJSON]{Data: newNotificationProfileJSON(p)})
	return nil
}

func (s *server) listNotificationProfiles(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	page, err := parsePageQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListNotificationProfiles(r.Context(), c, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(list, meta, newNotificationProfileJSON))
	return nil
}

func (s *server) getNotificationProfile(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	p, err := s.svc.GetNotificationProfile(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationProfileJSON]{Data: newNotificationProfileJSON(p)})
	return nil
}

func (s *server) updateNotificationProfile(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body notificationProfileBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	p, err := s.svc.UpdateNotificationProfile(r.Context(), c, r.PathValue("id"), backend.ProfileInput{Name: body.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationProfileJSON]{Data: newNotificationProfileJSON(p)})
	return nil
}

func (s *server) deleteNotificationProfile(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	if err := decodeBody(w, r, &struct{}{}, bodyOptional); err != nil {
		return err
	}
	p, err := s.svc.DeleteNotificationProfile(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationProfileJSON]{Data: newNotificationProfileJSON(p)})
	return nil
}

// notificationChannelJSON is the contract's NotificationChannel.
type notificationChannelJSON struct {
	ID                    string              `json:"id"`
	ChannelTypeID         backend.ChannelType `json:"channel_type_id"`
	ChannelDestination    string              `json:"channel_destination"`
	NotificationProfileID string              `json:"notification_profile_id"`
	CreatedAt             string              `json:"created_at"`
	UpdatedAt             string              `json:"updated_at"`
}

func newNotificationChannelJSON(ch *backend.NotificationChannel) notificationChannelJSON {
	return notificationChannelJSON{
		ID: ch.ID, ChannelTypeID: ch.Type, ChannelDestination: ch.Destination, NotificationProfileID: ch.ProfileID,
		CreatedAt: timestamp(ch.CreatedAt), UpdatedAt: timestamp(ch.UpdatedAt),
	}
}

// notificationChannelBody is a channel's create or update body: the
// contract's NotificationChannel without its read-only members.
type notificationChannelBody struct {
	ChannelTypeID         *string `json:"channel_type_id"`
	ChannelDestination    *string `json:"channel_destination"`
	NotificationProfileID *string `json:"notification_profile_id"`
}

func (b *notificationChannelBody) input() backend.ChannelInput {
	return backend.ChannelInput{ProfileID: b.NotificationProfileID, Type: b.ChannelTypeID, Destination: b.ChannelDestination}
}

func (s *server) createNotificationChannel(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body notificationChannelBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	ch, err := s.svc.CreateNotificationChannel(r.Context(), c, body.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationChannelJSON]{Data: newNotificationChannelJSON(ch)})
	return nil
}

// channelTypeIDs are the values of filter[channel_type_id][eq].
var channelTypeIDs = []string{"webhook", "sms", "email", "voice"}

func parseChannelQuery(u *url.URL) (backend.ChannelQuery, error) {
	var q backend.ChannelQuery
	params, err := newQueryParams(u, append([]string{filterChannelType, filterProfile}, pageParams...)...)
	if err != nil {
		return q, err
	}
	t, err := params.enumParam(filterChannelType, channelTypeIDs)
	if err != nil {
		return q, err
	}
	q.Type = backend.ChannelType(t)
	if q.ProfileID, _, err = params.str(filterProfile); err != nil {
		return q, err
	}
	q.Page, err = params.page()
	return q, err
}

func (s *server) listNotificationChannels(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	q, err := parseChannelQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListNotificationChannels(r.Context(), c, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(list, meta, newNotificationChannelJSON))
	return nil
}

func (s *server) getNotificationChannel(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	ch, err := s.svc.GetNotificationChannel(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationChannelJSON]{Data: newNotificationChannelJSON(ch)})
	return nil
}

func (s *server) updateNotificationChannel(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body notificationChannelBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	ch, err := s.svc.UpdateNotificationChannel(r.Context(), c, r.PathValue("id"), body.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationChannelJSON]{Data: newNotificationChannelJSON(ch)})
	return nil
}

func (s *server) deleteNotificationChannel(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	if err := decodeBody(w, r, &struct{}{}, bodyOptional); err != nil {
		return err
	}
	ch, err := s.svc.DeleteNotificationChannel(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationChannelJSON]{Data: newNotificationChannelJSON(ch)})
	return nil
}

// notificationSettingJSON is the contract's NotificationSetting.
type notificationSettingJSON struct {
	ID                           string                 `json:"id"`
	NotificationEventConditionID string                 `json:"notification_event_condition_id"`
	NotificationProfileID        string                 `json:"notification_profile_id"`
	NotificationChannelID        string                 `json:"notification_channel_id,omitempty"`
	AssociatedRecordType         string                 `json:"associated_record_type"`
	AssociatedRecordTypeValue    string                 `json:"associated_record_type_value"`
	Status                       string                 `json:"status"`
	Parameters                   []settingParameterJSON `json:"parameters"`
	CreatedAt                    string                 `json:"created_at"`
	UpdatedAt                    string                 `json:"updated_at"`
}

type settingParameterJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// newNotificationSettingJSON shows a setting: it is about its account, and
// enabled from its creation (deleted once deleted).
func newNotificationSettingJSON(st *backend.NotificationSetting, status string) notificationSettingJSON {
	params := make([]settingParameterJSON, len(st.Parameters))
	for i, p := range st.Parameters {
		params[i] = settingParameterJSON(p)
	}
	return notificationSettingJSON{
		ID: st.ID, NotificationEventConditionID: st.ConditionID, NotificationProfileID: st.ProfileID,
		NotificationChannelID: st.ChannelID, AssociatedRecordType: backend.AssociatedRecordAccount,
		AssociatedRecordTypeValue: st.AccountID, Status: status, Parameters: params,
		CreatedAt: timestamp(st.CreatedAt), UpdatedAt: timestamp(st.UpdatedAt),
	}
}

func enabledSettingJSON(st *backend.NotificationSetting) notificationSettingJSON {
	return newNotificationSettingJSON(st, backend.SettingEnabled)
}

// notificationSettingBody is a setting's create body: the contract's
// NotificationSetting without its read-only members.
type notificationSettingBody struct {
	NotificationEventConditionID *string                 `json:"notification_event_condition_id"`
	NotificationProfileID        *string                 `json:"notification_profile_id"`
	NotificationChannelID        *string                 `json:"notification_channel_id"`
	Parameters                   *[]settingParameterBody `json:"parameters"`
}

type settingParameterBody struct {
	Name  *string `json:"name"`
	Value *string `json:"value"`
}

func (s *server) createNotificationSetting(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	var body notificationSettingBody
	if err := decodeBody(w, r, &body, bodyRequired); err != nil {
		return err
	}
	in := backend.SettingInput{
		ConditionID: body.NotificationEventConditionID, ProfileID: body.NotificationProfileID, ChannelID: body.NotificationChannelID,
	}
	if body.Parameters != nil {
		params := make([]backend.SettingParameterInput, len(*body.Parameters))
		for i, p := range *body.Parameters {
			params[i] = backend.SettingParameterInput{Name: p.Name, Value: p.Value}
		}
		in.Parameters = &params
	}
	st, err := s.svc.CreateNotificationSetting(r.Context(), c, in)
	if err != nil {
		return err
	}
	// 200: the setting is in effect at once (201 is the contract's answer
	// to a setting that still has to propagate).
	writeJSON(w, http.StatusOK, data[notificationSettingJSON]{Data: enabledSettingJSON(st)})
	return nil
}

// settingStatuses are the values of filter[status][eq].
var settingStatuses = []string{
	"enabled", "enable-received", "enable-pending", "enable-submtited",
	"delete-received", "delete-pending", "delete-submitted", "deleted",
}

func parseSettingQuery(u *url.URL) (backend.SettingQuery, error) {
	var q backend.SettingQuery
	params, err := newQueryParams(u, append([]string{filterProfile, filterChannel, filterCondition, filterAssociatedRecordType, filterStatus},
		pageParams...)...)
	if err != nil {
		return q, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{filterProfile, &q.ProfileID}, {filterChannel, &q.ChannelID}, {filterCondition, &q.ConditionID}} {
		if *f.dst, _, err = params.str(f.name); err != nil {
			return q, err
		}
	}
	// Every setting is about an account and enabled: another value of
	// these filters matches none.
	if v, err := params.enumParam(filterAssociatedRecordType, associatedRecordTypes); err != nil {
		return q, err
	} else if v != "" && v != backend.AssociatedRecordAccount {
		q.MatchNone = true
	}
	if v, err := params.enumParam(filterStatus, settingStatuses); err != nil {
		return q, err
	} else if v != "" && v != backend.SettingEnabled {
		q.MatchNone = true
	}
	q.Page, err = params.page()
	return q, err
}

func (s *server) listNotificationSettings(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	q, err := parseSettingQuery(r.URL)
	if err != nil {
		return err
	}
	list, meta, err := s.svc.ListNotificationSettings(r.Context(), c, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(list, meta, enabledSettingJSON))
	return nil
}

func (s *server) getNotificationSetting(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	st, err := s.svc.GetNotificationSetting(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationSettingJSON]{Data: enabledSettingJSON(st)})
	return nil
}

func (s *server) deleteNotificationSetting(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	if err := decodeBody(w, r, &struct{}{}, bodyOptional); err != nil {
		return err
	}
	st, err := s.svc.DeleteNotificationSetting(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, data[notificationSettingJSON]{Data: newNotificationSettingJSON(st, backend.SettingDeleted)})
	return nil
}

// listAnswer is a list's answer: a page of objects and its meta.
type listAnswer[T any] struct {
	Data []T            `json:"data"`
	Meta paginationMeta `json:"meta"`
}

// listOf renders a page of objects with render.
func listOf[O, T any](objects []O, meta backend.PageMeta, render func(O) T) listAnswer[T] {
	out := listAnswer[T]{Data: make([]T, 0, len(objects)), Meta: newPaginationMeta(meta)}
	for _, o := range objects {
		out.Data = append(out.Data, render(o))
	}
	return out
}
