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

type notificationEventConditionList struct {
	Data []notificationEventConditionJSON `json:"data"`
	Meta paginationMeta                   `json:"meta"`
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

type notificationEventList struct {
	Data []notificationEventJSON `json:"data"`
	Meta paginationMeta          `json:"meta"`
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
	out := notificationEventConditionList{Data: make([]notificationEventConditionJSON, 0, len(list)), Meta: newPaginationMeta(meta)}
	for _, cond := range list {
		out.Data = append(out.Data, newNotificationEventConditionJSON(cond))
	}
	writeJSON(w, http.StatusOK, out)
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
	out := notificationEventList{Data: make([]notificationEventJSON, 0, len(list)), Meta: newPaginationMeta(meta)}
	for _, e := range list {
		out.Data = append(out.Data, notificationEventJSON{
			ID: e.ID, Name: e.Name, NotificationCategory: e.Category, Enabled: true,
			CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.CreatedAt),
		})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
