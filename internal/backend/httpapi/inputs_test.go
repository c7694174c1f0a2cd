package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// TestCreateRefusesBadInput: every bad create answers a 4xx in the envelope
// with the field at fault, and none of them leaves an account behind.
func TestCreateRefusesBadInput(t *testing.T) {
	srv := backendtest.Start(t)
	existing := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Existing", "email": "taken@example.com"})
	// Bodies of exactly 1 MiB and of 1 MiB + 1 byte: the first is read (and
	// refused for its content), the second is refused for its size.
	sized := func(n int) string { return `{"business_name":"` + strings.Repeat("x", n-20) + `"}` }
	cases := []struct {
		name string
		body any
		want errWant
	}{
		{"malformed JSON", `{"business_name": "Acme"`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"not JSON at all", `business_name=Acme`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"data after the object", `{"business_name":"Acme"} {"x":1}`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"empty body", ``, errWant{status: 400, code: "10015", pointer: "/"}},
		{"null body", `null`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"array body", `[{"business_name":"Acme"}]`, errWant{status: 422, code: "10004", pointer: "/"}},
		{"unknown field", `{"business_name":"Acme","colour":"red"}`, errWant{status: 422, code: "10004", pointer: "/colour"}},
		{"field name in another case", `{"Business_Name":"Acme"}`, errWant{status: 422, code: "10004", pointer: "/Business_Name"}},
		{"unknown field with a slash", `{"business_name":"Acme","a/b":1}`, errWant{status: 422, code: "10004", pointer: "/a~1b"}},
		{"business_name of the wrong type", `{"business_name":42}`, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"rollup_billing of the wrong type", `{"business_name":"Acme","rollup_billing":"yes"}`, errWant{status: 422, code: "10004", pointer: "/rollup_billing"}},
		// The unknown name is reported, not the type error before it.
		{"wrong type, then an unknown field", `{"business_name":42,"colour":"red"}`, errWant{status: 422, code: "10004", pointer: "/colour"}},
		// A member given twice is refused, not resolved (the last one won).
		{"a member given twice", `{"business_name":"Acme","business_name":"Acme"}`, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"a member given twice, once escaped", `{"business_name":"a","business\u005fname":"b"}`, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"a member given twice, then an unknown one", `{"business_name":"a","business_name":"b","colour":1}`, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"an unknown member, then one given twice", `{"colour":1,"business_name":"a","business_name":"b"}`, errWant{status: 422, code: "10004", pointer: "/colour"}},
		{"wrong type, then a lone surrogate", `{"rollup_billing":"yes","business_name":"\ud800"}`, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		// Malformed JSON is a 400 whatever else is wrong with it.
		{"a member given twice, then malformed", `{"business_name":"a","business_name":"b"`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"invalid UTF-8, then malformed", "{\"business_name\":\"\xff\",}", errWant{status: 400, code: "10015", pointer: "/"}},
		{"body of 1 MiB + 1 byte", sized(1<<20 + 1), errWant{status: 413, code: "10015"}},
		{"body of exactly 1 MiB", sized(1 << 20), errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"missing business_name", map[string]any{"email": "new@example.com"}, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"blank business_name", map[string]any{"business_name": "   "}, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"bad email", map[string]any{"business_name": "Acme", "email": "not-an-email"}, errWant{status: 422, code: "10004", pointer: "/email"}},
		{"short password", map[string]any{"business_name": "Acme", "password": "short"}, errWant{status: 422, code: "10004", pointer: "/password"}},
		{"duplicate email", map[string]any{"business_name": "Acme", "email": "taken@example.com"}, errWant{status: 422, code: "10012", pointer: "/email"}},
		{"duplicate email in another case", map[string]any{"business_name": "Acme", "email": "TAKEN@example.com"}, errWant{status: 422, code: "10012", pointer: "/email"}},
		{"a manager's email", map[string]any{"business_name": "Acme", "email": managerEmail(t, srv)}, errWant{status: 422, code: "10012", pointer: "/email"}},
		// A NUL is refused on both stores alike (PostgreSQL cannot store it).
		{"NUL in business_name", `{"business_name":"Ac\u0000me"}`, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"NUL in a field name", `{"business_name":"Acme","a\u0000":1}`, errWant{status: 422, code: "10004", pointer: "/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			call(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, tc.body).wantError(t, tc.want)
		})
	}
	// Nothing is half-written: only the account created first exists.
	got := listManaged(t, srv, srv.ManagerKey, "include_cancelled_accounts=true")
	if got.Meta.TotalResults != 1 || len(got.Data) != 1 || got.Data[0].ID != existing.ID {
		t.Fatalf("after refused creates the manager has %v (total %d), want only %s", ids(got.Data), got.Meta.TotalResults, existing.ID)
	}
}

func managerEmail(t *testing.T, srv *backendtest.Server) string {
	t.Helper()
	status, body := srv.Operator(t, http.MethodGet, "/reference/accounts/"+srv.ManagerID, nil)
	if status != http.StatusOK {
		t.Fatalf("operator get manager: %d %s", status, body)
	}
	r := &apiResponse{body: body}
	var got single[operatorAccountJSON]
	r.decode(t, &got)
	return got.Data.Email
}

// TestUpdateRefusesBadInput covers PATCH /v2/managed_accounts/{id}.
func TestUpdateRefusesBadInput(t *testing.T) {
	srv := backendtest.Start(t)
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Acme"})
	path := "/v2/managed_accounts/" + a.ID
	cases := []struct {
		name string
		body any
		want errWant
	}{
		{"empty body", ``, errWant{status: 400, code: "10015", pointer: "/"}},
		{"malformed JSON", `{`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"a field that cannot change", map[string]any{"business_name": "Other"}, errWant{status: 422, code: "10004", pointer: "/business_name"}},
		{"wrong type", map[string]any{"managed_account_allow_custom_pricing": "true"}, errWant{status: 422, code: "10004", pointer: "/managed_account_allow_custom_pricing"}},
		{"short password", map[string]any{"password": "short"}, errWant{status: 422, code: "10004", pointer: "/password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			call(t, srv, http.MethodPatch, path, srv.ManagerKey, tc.body).wantError(t, tc.want)
		})
	}
	t.Run("an update changes the field and keeps the credentials", func(t *testing.T) {
		r := call(t, srv, http.MethodPatch, path, srv.ManagerKey, map[string]any{"managed_account_allow_custom_pricing": true, "password": "a-long-password"})
		r.wantStatus(t, http.StatusOK)
		var got single[managedAccount]
		r.decode(t, &got)
		if !got.Data.ManagedAccountAllowCustomPricing || got.Data.APIKey != a.APIKey {
			t.Fatalf("after update: %+v", got.Data)
		}
	})
	t.Run("an empty object changes nothing", func(t *testing.T) {
		call(t, srv, http.MethodPatch, path, srv.ManagerKey, `{}`).wantStatus(t, http.StatusOK)
	})
}

// TestManagedAccountLimit: past the limit the operator sets, a create is a 422
// that says so, and writes nothing.
func TestManagedAccountLimit(t *testing.T) {
	srv := backendtest.Start(t)
	status, body := srv.Operator(t, http.MethodPatch, "/reference/accounts/"+srv.ManagerID, map[string]any{"managed_account_limit": 1})
	if status != http.StatusOK {
		t.Fatalf("set limit: %d %s", status, body)
	}
	createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "First"})
	r := call(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{"business_name": "Second"})
	r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
	if !strings.Contains(string(r.body), "limit of 1 managed accounts") {
		t.Fatalf("%s; want a detail that names the limit", r)
	}
	if got := listManaged(t, srv, srv.ManagerKey, ""); got.Meta.TotalResults != 1 {
		t.Fatalf("after a refused create the manager has %d accounts, want 1", got.Meta.TotalResults)
	}
}

// TestGlobalChannelLimit: an account gets from 0 up to exactly what the
// manager has left to allocate.
func TestGlobalChannelLimit(t *testing.T) {
	srv := backendtest.Start(t)
	status, body := srv.Operator(t, http.MethodPatch, "/reference/accounts/"+srv.ManagerID, map[string]any{"allocatable_global_outbound_channels": 10})
	if status != http.StatusOK {
		t.Fatalf("set pool: %d %s", status, body)
	}
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "A"})
	b := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "B"})
	limit := func(id string, body any) *apiResponse {
		return call(t, srv, http.MethodPatch, "/v2/managed_accounts/"+id+"/update_global_channel_limit", srv.ManagerKey, body)
	}
	r := limit(a.ID, map[string]any{"channel_limit": 4})
	r.wantStatus(t, http.StatusOK)
	var got single[accountChannelsJSON]
	r.decode(t, &got)
	want := accountChannelsJSON{RecordType: "managed_account_global_outbound_settings", ID: a.ID, Email: a.Email, ManagerAccountID: srv.ManagerID, ChannelLimit: 4}
	if got.Data != want {
		t.Fatalf("got %+v, want %+v", got.Data, want)
	}

	limit(b.ID, map[string]any{"channel_limit": 7}).wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_limit"})
	limit(b.ID, map[string]any{"channel_limit": -1}).wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_limit"})
	limit(b.ID, map[string]any{}).wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_limit"})
	limit(b.ID, map[string]any{"channel_limit": "6"}).wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_limit"})
	limit(b.ID, map[string]any{"channel_limit": 1.5}).wantError(t, errWant{status: 422, code: "10004", pointer: "/channel_limit"})
	limit(b.ID, map[string]any{"channel_limit": 6}).wantStatus(t, http.StatusOK) // exactly what is left
	limit(a.ID, map[string]any{"channel_limit": 4}).wantStatus(t, http.StatusOK) // unchanged, still fits

	r = call(t, srv, http.MethodGet, "/v2/managed_accounts/allocatable_global_outbound_channels", srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	var pool single[allocatableChannelsJSON]
	r.decode(t, &pool)
	wantPool := allocatableChannelsJSON{RecordType: "allocatable_global_outbound_channels", Allocatable: 10, TotalAllocated: 10}
	if pool.Data != wantPool {
		t.Fatalf("pool %+v, want %+v", pool.Data, wantPool)
	}
	r = call(t, srv, http.MethodGet, "/v2/managed_accounts/"+b.ID, srv.ManagerKey, nil)
	var bNow single[managedAccount]
	r.decode(t, &bNow)
	if bNow.Data.GlobalChannelLimit == nil || *bNow.Data.GlobalChannelLimit != 6 {
		t.Fatalf("global_channel_limit of B: %s", r.body)
	}
}

// TestDisableAndEnable: a disabled account's key is refused until it is
// enabled again; both actions are idempotent.
func TestDisableAndEnable(t *testing.T) {
	srv := backendtest.Start(t)
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Acme"})
	status := func(r *apiResponse) string {
		var got single[managedAccount]
		r.decode(t, &got)
		if got.Data.Status == nil {
			t.Fatalf("%s; no status", r)
		}
		return *got.Data.Status
	}
	for range 2 {
		r := call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/disable", srv.ManagerKey, nil)
		r.wantStatus(t, http.StatusOK)
		if s := status(r); s != "disabled" {
			t.Fatalf("status after disable: %s", s)
		}
	}
	call(t, srv, http.MethodGet, "/v2/balance", a.APIKey, nil).wantError(t, errWant{status: 401, code: "10009"})
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/disable", srv.ManagerKey, `{"x":1}`).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/x"})
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/enable", srv.ManagerKey, `{"reenable_all_connections":"yes"}`).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/reenable_all_connections"})

	for _, body := range []any{nil, map[string]any{"reenable_all_connections": true}} {
		r := call(t, srv, http.MethodPost, "/v2/managed_accounts/"+a.ID+"/actions/enable", srv.ManagerKey, body)
		r.wantStatus(t, http.StatusOK)
		if s := status(r); s != "enabled" {
			t.Fatalf("status after enable: %s", s)
		}
	}
	call(t, srv, http.MethodGet, "/v2/balance", a.APIKey, nil).wantStatus(t, http.StatusOK)
}

// TestCancelledAccountIsGoneForItsManager: the manager sees 404, and its key
// is refused.
func TestCancelledAccountIsGoneForItsManager(t *testing.T) {
	srv := backendtest.Start(t)
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Acme"})
	srv.CancelAccount(t, a.ID)
	for _, p := range []string{"", "/actions/enable", "/actions/disable"} {
		method := http.MethodPost
		if p == "" {
			method = http.MethodGet
		}
		call(t, srv, method, "/v2/managed_accounts/"+a.ID+p, srv.ManagerKey, nil).wantError(t, errWant{status: 404, code: "10005"})
	}
	call(t, srv, http.MethodGet, "/v2/balance", a.APIKey, nil).wantError(t, errWant{status: 401, code: "10009"})
}

type accountChannelsJSON struct {
	RecordType       string `json:"record_type"`
	ID               string `json:"id"`
	Email            string `json:"email"`
	ManagerAccountID string `json:"manager_account_id"`
	ChannelLimit     int    `json:"channel_limit"`
}

type allocatableChannelsJSON struct {
	RecordType         string `json:"record_type"`
	Allocatable        int    `json:"allocatable_global_outbound_channels"`
	AllowCustomPricing bool   `json:"managed_account_allow_custom_pricing"`
	TotalAllocated     int    `json:"total_global_channels_allocated"`
}
