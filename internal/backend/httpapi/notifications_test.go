package httpapi_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// conditionJSON is the contract's NotificationEventCondition.
type conditionJSON struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	Description           string `json:"description"`
	AssociatedRecordType  string `json:"associated_record_type"`
	Asynchronous          bool   `json:"asynchronous"`
	AllowMultipleChannels bool   `json:"allow_multiple_channels"`
	Enabled               bool   `json:"enabled"`
	NotificationEventID   string `json:"notification_event_id"`
	Parameters            []struct {
		Name     string `json:"name"`
		DataType string `json:"data_type"`
		Optional bool   `json:"optional"`
	} `json:"parameters"`
	SupportedChannels []string `json:"supported_channels"`
	CreatedAt         string   `json:"created_at"`
	UpdatedAt         string   `json:"updated_at"`
}

// notificationEventJSON is the contract's NotificationEvent.
type notificationEventJSON struct {
	ID                   string `json:"id"`
	Name                 string `json:"name"`
	NotificationCategory string `json:"notification_category"`
	Enabled              bool   `json:"enabled"`
}

// listConditions reads the whole catalogue of conditions as key.
func listConditions(t *testing.T, srv *backendtest.Server, key, query string) list[conditionJSON] {
	t.Helper()
	r := call(t, srv, http.MethodGet, "/v2/notification_event_conditions"+query, key, nil)
	r.wantStatus(t, http.StatusOK)
	var got list[conditionJSON]
	r.decode(t, &got)
	return got
}

// TestNotificationCatalogue: the conditions and kinds of notification are a
// fixed catalogue with stable ids, the same for a manager and a managed
// account, answered in the contract's shape (every call is validated
// against it) and paged like every list.
func TestNotificationCatalogue(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Catalogued"})
	mine := listConditions(t, srv, srv.ManagerKey, "")
	theirs := listConditions(t, srv, managed.APIKey, "")
	if !slices.EqualFunc(mine.Data, theirs.Data, func(a, b conditionJSON) bool { return a.ID == b.ID && a.Description == b.Description }) {
		t.Fatalf("the catalogue differs between a manager and its managed account: %+v and %+v", mine.Data, theirs.Data)
	}
	byID := map[string]conditionJSON{}
	for _, c := range mine.Data {
		byID[c.ID] = c
		if c.AssociatedRecordType != "account" || c.Asynchronous || !c.AllowMultipleChannels || !c.Enabled ||
			!slices.Equal(c.SupportedChannels, []string{"webhook", "email", "sms"}) || c.CreatedAt == "" || c.UpdatedAt == "" {
			t.Errorf("condition %+v", c)
		}
	}
	balance, declined, disabled := byID[backend.ConditionBalanceBelow], byID[backend.ConditionPaymentDeclined], byID[backend.ConditionAccountDisabled]
	if len(mine.Data) != 3 || mine.Meta.TotalResults != 3 || balance.ID == "" || declined.ID == "" || disabled.ID == "" {
		t.Fatalf("the catalogue is %+v (meta %+v), want its three conditions", mine.Data, mine.Meta)
	}
	if len(balance.Parameters) != 1 || balance.Parameters[0].Name != "amount" || balance.Parameters[0].DataType != "decimal" || balance.Parameters[0].Optional {
		t.Errorf("the balance condition's parameters are %+v, want one required decimal amount", balance.Parameters)
	}
	if len(declined.Parameters) != 0 || len(disabled.Parameters) != 0 {
		t.Errorf("the payment and disable conditions take no parameter: %+v, %+v", declined.Parameters, disabled.Parameters)
	}

	r := call(t, srv, http.MethodGet, "/v2/notification_events", managed.APIKey, nil)
	r.wantStatus(t, http.StatusOK)
	var events list[notificationEventJSON]
	r.decode(t, &events)
	kinds := map[string]bool{}
	for _, e := range events.Data {
		kinds[e.ID] = e.Enabled && e.Name != "" && e.NotificationCategory != ""
	}
	for _, c := range mine.Data {
		if !kinds[c.NotificationEventID] {
			t.Errorf("condition %s belongs to %s, which GET /v2/notification_events does not list complete: %+v", c.Name, c.NotificationEventID, events.Data)
		}
	}

	t.Run("pages", func(t *testing.T) {
		second := listConditions(t, srv, srv.ManagerKey, "?page[size]=2&page[number]=2")
		if len(second.Data) != 1 || second.Data[0].ID != mine.Data[2].ID || second.Meta.TotalPages != 2 || second.Meta.PageNumber != 2 {
			t.Fatalf("page 2 of 2: %+v", second)
		}
		past := listConditions(t, srv, srv.ManagerKey, "?page[number]=9")
		if len(past.Data) != 0 || past.Meta.TotalResults != 3 {
			t.Fatalf("a page past the end: %+v", past)
		}
	})
	t.Run("filters by record type", func(t *testing.T) {
		if got := listConditions(t, srv, srv.ManagerKey, "?filter[associated_record_type][eq]=account"); len(got.Data) != 3 {
			t.Fatalf("account: %+v", got)
		}
		if got := listConditions(t, srv, srv.ManagerKey, "?filter[associated_record_type][eq]=phone_number"); len(got.Data) != 0 || got.Meta.TotalResults != 0 {
			t.Fatalf("phone_number: %+v", got)
		}
	})
	t.Run("refuses bad queries", func(t *testing.T) {
		for query, parameter := range map[string]string{
			"?filter[associated_record_type][eq]=number": "filter[associated_record_type][eq]",
			"?filter[channel_type_id][eq]=webhook":       "filter[channel_type_id][eq]",
			"?page[size]=251":                            "page[size]",
			"?page[number]=0":                            "page[number]",
		} {
			call(t, srv, http.MethodGet, "/v2/notification_event_conditions"+query, srv.ManagerKey, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: parameter})
		}
		call(t, srv, http.MethodGet, "/v2/notification_events?page[size]=0", srv.ManagerKey, nil).
			wantError(t, errWant{status: 400, code: "10015", parameter: "page[size]"})
	})
}

// walkedNotifications are the walked account's notification objects: one
// of each, and spares that each pass of the walk deletes.
type walkedNotifications struct {
	profile, channel, setting                   string
	spareProfiles, spareChannels, spareSettings []string
}

func newWalkedNotifications(t *testing.T, w *noPriceWorld) *walkedNotifications {
	t.Helper()
	key := w.account.APIKey
	n := &walkedNotifications{profile: createNotificationProfile(t, w.srv, key, "Walked")}
	n.channel = createNotificationChannel(t, w.srv, key, n.profile, "email", "walked@example.com")
	n.setting = createNotificationSetting(t, w.srv, key, balanceSetting(n.profile, "1.00"))
	for range walkPasses {
		n.spareProfiles = append(n.spareProfiles, createNotificationProfile(t, w.srv, key, "Spare"))
		n.spareChannels = append(n.spareChannels, createNotificationChannel(t, w.srv, key, n.profile, "sms", "+13125550000"))
		n.spareSettings = append(n.spareSettings, createNotificationSetting(t, w.srv, key, balanceSetting(n.profile, "2.00")))
	}
	return n
}

// notificationWalkRequests are the price-leak walk's calls of the
// Notifications API, as the managed account.
func notificationWalkRequests(w *noPriceWorld, pass int) map[string][]walkRequest {
	n := w.notify
	get := func(path string) []walkRequest { return []walkRequest{{http.MethodGet, path, nil, 200}} }
	return map[string][]walkRequest{
		"GET /v2/notification_event_conditions": get("/v2/notification_event_conditions"),
		"GET /v2/notification_events":           get("/v2/notification_events"),
		"POST /v2/notification_profiles":        {{http.MethodPost, "/v2/notification_profiles", map[string]any{"name": "Walk"}, 200}},
		"GET /v2/notification_profiles":         get("/v2/notification_profiles"),
		"GET /v2/notification_profiles/{id}":    get("/v2/notification_profiles/" + n.profile),
		"PATCH /v2/notification_profiles/{id}":  {{http.MethodPatch, "/v2/notification_profiles/" + n.profile, map[string]any{"name": "Walked again"}, 200}},
		"DELETE /v2/notification_profiles/{id}": {{http.MethodDelete, "/v2/notification_profiles/" + n.spareProfiles[pass], nil, 200}},
		"POST /v2/notification_channels": {{http.MethodPost, "/v2/notification_channels",
			map[string]any{"notification_profile_id": n.profile, "channel_type_id": "email", "channel_destination": "walk@example.com"}, 200}},
		"GET /v2/notification_channels":      get("/v2/notification_channels"),
		"GET /v2/notification_channels/{id}": get("/v2/notification_channels/" + n.channel),
		"PATCH /v2/notification_channels/{id}": {{http.MethodPatch, "/v2/notification_channels/" + n.channel,
			map[string]any{"channel_destination": "walked@example.com"}, 200}},
		"DELETE /v2/notification_channels/{id}": {{http.MethodDelete, "/v2/notification_channels/" + n.spareChannels[pass], nil, 200}},
		"POST /v2/notification_settings":        {{http.MethodPost, "/v2/notification_settings", balanceSetting(n.profile, "3.00"), 200}},
		"GET /v2/notification_settings":         get("/v2/notification_settings"),
		"GET /v2/notification_settings/{id}":    get("/v2/notification_settings/" + n.setting),
		"DELETE /v2/notification_settings/{id}": {{http.MethodDelete, "/v2/notification_settings/" + n.spareSettings[pass], nil, 200}},
	}
}

// notificationOpenAPIWalk are the OpenAPI walk's calls of the Notifications
// API and the operator's notification endpoints.
func notificationOpenAPIWalk(t *testing.T, w *noPriceWorld) map[string][]openAPICall {
	managed, manager, n := w.account.APIKey, w.srv.ManagerKey, w.notify
	// An account whose alert fired: an email in the outbox, a webhook
	// pending (no worker runs here).
	a := newAlertedAccount(t, w.srv, map[string]any{"business_name": "Walked alerts"})
	createNotificationSetting(t, w.srv, a.APIKey, balanceSetting(a.profile, "5.00"))
	adjust(t, w.srv, a.ID, "10.00")
	adjust(t, w.srv, a.ID, "-6.00")
	operator := w.srv.OperatorKey
	return map[string][]openAPICall{
		"GET /v2/notification_event_conditions": {
			{http.MethodGet, "/v2/notification_event_conditions?filter[associated_record_type][eq]=account&page[size]=2", managed, nil, 200},
			{http.MethodGet, "/v2/notification_event_conditions?filter[status][eq]=enabled", manager, nil, 400},
			{http.MethodGet, "/v2/notification_event_conditions", "", nil, 401},
		},
		"GET /v2/notification_events":    {{http.MethodGet, "/v2/notification_events", manager, nil, 200}},
		"POST /v2/notification_profiles": {{http.MethodPost, "/v2/notification_profiles", managed, map[string]any{"name": "OpenAPI"}, 200}, {http.MethodPost, "/v2/notification_profiles", managed, map[string]any{}, 422}},
		"GET /v2/notification_profiles":  {{http.MethodGet, "/v2/notification_profiles?page[size]=1", managed, nil, 200}},
		"GET /v2/notification_profiles/{id}": {{http.MethodGet, "/v2/notification_profiles/" + n.profile, managed, nil, 200},
			{http.MethodGet, "/v2/notification_profiles/" + n.profile, manager, nil, 404}},
		"PATCH /v2/notification_profiles/{id}":  {{http.MethodPatch, "/v2/notification_profiles/" + n.profile, managed, map[string]any{"name": "OpenAPI walked"}, 200}},
		"DELETE /v2/notification_profiles/{id}": {{http.MethodDelete, "/v2/notification_profiles/" + n.spareProfiles[0], managed, nil, 200}, {http.MethodDelete, "/v2/notification_profiles/" + n.profile, managed, nil, 422}},
		"POST /v2/notification_channels": {{http.MethodPost, "/v2/notification_channels", managed,
			map[string]any{"notification_profile_id": n.profile, "channel_type_id": "webhook", "channel_destination": "http://127.0.0.1:9/hooks"}, 200},
			{http.MethodPost, "/v2/notification_channels", managed,
				map[string]any{"notification_profile_id": n.profile, "channel_type_id": "webhook", "channel_destination": "http://10.0.0.1/"}, 422}},
		"GET /v2/notification_channels":      {{http.MethodGet, "/v2/notification_channels?filter[channel_type_id][eq]=email", managed, nil, 200}},
		"GET /v2/notification_channels/{id}": {{http.MethodGet, "/v2/notification_channels/" + n.channel, managed, nil, 200}},
		"PATCH /v2/notification_channels/{id}": {{http.MethodPatch, "/v2/notification_channels/" + n.channel, managed,
			map[string]any{"channel_type_id": "sms", "channel_destination": "+13125550000"}, 200}},
		"DELETE /v2/notification_channels/{id}": {{http.MethodDelete, "/v2/notification_channels/" + n.spareChannels[0], managed, nil, 200}},
		"POST /v2/notification_settings": {{http.MethodPost, "/v2/notification_settings", managed, balanceSetting(n.profile, "4.00"), 200},
			{http.MethodPost, "/v2/notification_settings", managed, balanceSetting(n.profile, "four"), 422}},
		"GET /v2/notification_settings":      {{http.MethodGet, "/v2/notification_settings?filter[status][eq]=enabled", managed, nil, 200}},
		"GET /v2/notification_settings/{id}": {{http.MethodGet, "/v2/notification_settings/" + n.setting, managed, nil, 200}},
		"DELETE /v2/notification_settings/{id}": {{http.MethodDelete, "/v2/notification_settings/" + n.spareSettings[0], managed, nil, 200},
			{http.MethodDelete, "/v2/notification_settings/" + n.spareSettings[0], managed, nil, 404}},
		"GET /reference/notifications": {{http.MethodGet, "/reference/notifications?filter[account_id]=" + a.ID, operator, nil, 200},
			{http.MethodGet, "/reference/notifications?filter[status]=lost", operator, nil, 400},
			{http.MethodGet, "/reference/notifications", managed, nil, 401}},
		"GET /reference/webhook_signing_key": {{http.MethodGet, "/reference/webhook_signing_key", operator, nil, 200}},
	}
}

// TestNotificationContractRejectsWrongShapes proves that the Notifications
// contract is loaded and validates: each body here breaks it.
func TestNotificationContractRejectsWrongShapes(t *testing.T) {
	c := loadContract(t)
	jsonHeader := http.Header{"Content-Type": []string{"application/json"}}
	meta := `"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}`
	valid := `{"data":[{"id":"c","name":"n","parameters":[{"name":"amount","data_type":"decimal","optional":false}],"supported_channels":["webhook"]}],` + meta + `}`
	if err := c.validate(http.MethodGet, "/v2/notification_event_conditions", 200, jsonHeader, []byte(valid)); err != nil {
		t.Fatalf("a valid list was refused: %v", err)
	}
	cases := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"conditions as an object", http.MethodGet, "/v2/notification_event_conditions", 200, `{"data":{},` + meta + `}`},
		{"supported channels as a string", http.MethodGet, "/v2/notification_event_conditions", 200,
			`{"data":[{"id":"c","supported_channels":"webhook"}],` + meta + `}`},
		{"optional as a string", http.MethodGet, "/v2/notification_event_conditions", 200,
			`{"data":[{"id":"c","parameters":[{"name":"amount","optional":"false"}]}],` + meta + `}`},
		{"an event's enabled as a string", http.MethodGet, "/v2/notification_events", 200, `{"data":[{"id":"e","enabled":"true"}],` + meta + `}`},
		{"a channel of an unknown type", http.MethodGet, "/v2/notification_channels/x", 200, `{"data":{"id":"c","channel_type_id":"pager"}}`},
		{"a profile's name as a number", http.MethodPost, "/v2/notification_profiles", 200, `{"data":{"id":"p","name":5}}`},
		{"a setting's status out of the enum", http.MethodPost, "/v2/notification_settings", 200, `{"data":{"id":"s","status":"on"}}`},
		{"a setting's parameter value as a number", http.MethodGet, "/v2/notification_settings/x", 200,
			`{"data":{"id":"s","parameters":[{"name":"amount","value":5}]}}`},
		{"a 422 without a title", http.MethodPost, "/v2/notification_settings", 422, `{"errors":[{"code":"10004"}]}`},
		{"a 404 with a numeric code", http.MethodGet, "/v2/notification_profiles/x", 404, `{"errors":[{"code":10005,"title":"Not found"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.validate(tc.method, tc.path, tc.status, jsonHeader, []byte(tc.body))
			if err == nil {
				t.Fatalf("the validator accepted a body that breaks the contract: %s", tc.body)
			}
			if errors.Is(err, errNotInContract) {
				t.Fatalf("the contract has no operation for %s %s", tc.method, tc.path)
			}
		})
	}
}

// notificationStrictBodies are TestBodiesRefuseDuplicatesAndBadText's
// bodies of the Notifications API, as key's account: every member each
// route takes.
func notificationStrictBodies(t *testing.T, srv *backendtest.Server, key string) map[string]strictBody {
	t.Helper()
	profile := createNotificationProfile(t, srv, key, "Strict")
	channel := createNotificationChannel(t, srv, key, profile, "email", "strict@example.com")
	return map[string]strictBody{
		"POST /v2/notification_profiles":       {"/v2/notification_profiles", key, map[string]any{"name": "Strict two"}},
		"PATCH /v2/notification_profiles/{id}": {"/v2/notification_profiles/" + profile, key, map[string]any{"name": "Strict again"}},
		"POST /v2/notification_channels": {"/v2/notification_channels", key, map[string]any{"notification_profile_id": profile,
			"channel_type_id": "email", "channel_destination": "strict-two@example.com"}},
		"PATCH /v2/notification_channels/{id}": {"/v2/notification_channels/" + channel, key, map[string]any{"notification_profile_id": profile,
			"channel_type_id": "email", "channel_destination": "strict-again@example.com"}},
		"POST /v2/notification_settings": {"/v2/notification_settings", key, map[string]any{
			"notification_event_condition_id": backend.ConditionBalanceBelow, "notification_profile_id": profile, "notification_channel_id": channel,
			"parameters": []any{map[string]any{"name": "amount", "value": "5.00"}}}},
	}
}

// notificationIdempotencyCases are TestEveryPostIsIdempotent's cases of the
// Notifications API: a path, a key and two different bodies each.
func notificationIdempotencyCases(t *testing.T, srv *backendtest.Server) map[string]func() (path, key string, bodies [2]any) {
	key := srv.ManagerKey
	profile := func() string { return createNotificationProfile(t, srv, key, "Idempotent") }
	return map[string]func() (string, string, [2]any){
		"POST /v2/notification_profiles": func() (string, string, [2]any) {
			return "/v2/notification_profiles", key, [2]any{map[string]any{"name": "One"}, map[string]any{"name": "Two"}}
		},
		"POST /v2/notification_channels": func() (string, string, [2]any) {
			p := profile()
			body := func(dest string) any {
				return map[string]any{"notification_profile_id": p, "channel_type_id": "email", "channel_destination": dest}
			}
			return "/v2/notification_channels", key, [2]any{body("one@example.com"), body("two@example.com")}
		},
		"POST /v2/notification_settings": func() (string, string, [2]any) {
			p := profile()
			return "/v2/notification_settings", key, [2]any{balanceSetting(p, "1.00"), balanceSetting(p, "2.00")}
		},
	}
}
