package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// apiKeyJSON is the ApiKey object of the /v2/api_keys extension; APIKey is
// set only in the answer to a create.
type apiKeyJSON struct {
	RecordType  string   `json:"record_type"`
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Status      string   `json:"status"`
	MaskedKey   string   `json:"masked_key"`
	ExpiresAt   *string  `json:"expires_at"`
	LastUsedAt  *string  `json:"last_used_at"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	APIKey      *string  `json:"api_key"`
}

func keyIDs(keys []apiKeyJSON) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

var (
	keyPattern       = regexp.MustCompile(`^KEY[0-9A-F]{32}_[A-Za-z0-9_-]{43}$`)
	timestampPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// createKey creates a key as the account of key and returns it and its secret.
func createKey(t *testing.T, srv *backendtest.Server, key string, body any) (apiKeyJSON, string) {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/api_keys", key, body)
	r.wantStatus(t, http.StatusOK)
	var got single[apiKeyJSON]
	r.decode(t, &got)
	if got.Data.APIKey == nil || !keyPattern.MatchString(*got.Data.APIKey) {
		t.Fatalf("POST /v2/api_keys answered no secret of the expected form")
	}
	return got.Data, *got.Data.APIKey
}

// getKey retrieves one key as the account of key.
func getKey(t *testing.T, srv *backendtest.Server, key, id string) apiKeyJSON {
	t.Helper()
	r := call(t, srv, http.MethodGet, "/v2/api_keys/"+id, key, nil)
	r.wantStatus(t, http.StatusOK)
	var got single[apiKeyJSON]
	r.decode(t, &got)
	return got.Data
}

// listKeys lists one page of the keys of key's account.
func listKeys(t *testing.T, srv *backendtest.Server, key, query string) list[apiKeyJSON] {
	t.Helper()
	path := "/v2/api_keys"
	if query != "" {
		path += "?" + query
	}
	r := call(t, srv, http.MethodGet, path, key, nil)
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"data":[`) {
		t.Fatalf("%s; data must be an array", r)
	}
	var out list[apiKeyJSON]
	r.decode(t, &out)
	return out
}

// patchKey updates a key and returns the answer.
func patchKey(t *testing.T, srv *backendtest.Server, key, id string, body any) apiKeyJSON {
	t.Helper()
	r := call(t, srv, http.MethodPatch, "/v2/api_keys/"+id, key, body)
	r.wantStatus(t, http.StatusOK)
	var got single[apiKeyJSON]
	r.decode(t, &got)
	return got.Data
}

// wantRefused asserts that key is refused with a 401 whose detail says why.
func wantRefused(t *testing.T, srv *backendtest.Server, key, why string) {
	t.Helper()
	r := call(t, srv, http.MethodGet, "/v2/balance", key, nil)
	r.wantError(t, errWant{status: 401, code: "10009"})
	if d := r.detail(t); !strings.Contains(d, why) {
		t.Fatalf("%s; want a detail saying %q", r, why)
	}
}

func wantAccepted(t *testing.T, srv *backendtest.Server, key string) {
	t.Helper()
	call(t, srv, http.MethodGet, "/v2/balance", key, nil).wantStatus(t, http.StatusOK)
}

// TestAPIKeyLifecycle: a key's secret is answered once and works; the key
// is then listed, retrieved and updated without it; disabled it is refused
// until enabled again; revoked it is refused and gone.
func TestAPIKeyLifecycle(t *testing.T) {
	srv := backendtest.Start(t)
	if got := listKeys(t, srv, srv.ManagerKey, ""); len(got.Data) != 0 || got.Meta.TotalResults != 0 {
		t.Fatalf("a new manager lists %v: the primary key is managed on the account object, not listed", keyIDs(got.Data))
	}

	r := call(t, srv, http.MethodPost, "/v2/api_keys", srv.ManagerKey, map[string]any{"description": "CI deploys", "tags": []string{"ci", "prod"}})
	r.wantStatus(t, http.StatusOK)
	var created single[apiKeyJSON]
	r.decode(t, &created)
	k := created.Data
	if k.APIKey == nil || !keyPattern.MatchString(*k.APIKey) {
		t.Fatalf("the create answered no secret of the form KEY<32 hex>_<43 base64url>")
	}
	secret := *k.APIKey
	if k.RecordType != "api_key" || k.ID == "" || k.Description != "CI deploys" || !slices.Equal(k.Tags, []string{"ci", "prod"}) ||
		k.Status != "active" || k.ExpiresAt != nil || k.LastUsedAt != nil ||
		!timestampPattern.MatchString(k.CreatedAt) || k.UpdatedAt != k.CreatedAt {
		t.Fatalf("created %+v", k)
	}
	if want := "KEY…" + secret[len(secret)-4:]; k.MaskedKey != want {
		t.Fatalf("masked_key %q, want %q", k.MaskedKey, want)
	}
	for _, field := range []string{`"expires_at":null`, `"last_used_at":null`} {
		if !strings.Contains(string(r.body), field) {
			t.Fatalf("%s; want %s", r, field)
		}
	}

	wantAccepted(t, srv, secret)

	t.Run("the secret is never shown again", func(t *testing.T) {
		for _, r := range []*apiResponse{
			call(t, srv, http.MethodGet, "/v2/api_keys", srv.ManagerKey, nil),
			call(t, srv, http.MethodGet, "/v2/api_keys/"+k.ID, srv.ManagerKey, nil),
			call(t, srv, http.MethodGet, "/v2/api_keys/"+k.ID, secret, nil), // not even to itself
			call(t, srv, http.MethodPatch, "/v2/api_keys/"+k.ID, srv.ManagerKey, map[string]any{}),
		} {
			r.wantStatus(t, http.StatusOK)
			if strings.Contains(string(r.body), secret) || strings.Contains(string(r.body), `"api_key":`) {
				t.Fatalf("%s %s shows the secret", r.method, r.path)
			}
		}
		if got := listKeys(t, srv, srv.ManagerKey, ""); !slices.Equal(keyIDs(got.Data), []string{k.ID}) || got.Data[0].MaskedKey != k.MaskedKey {
			t.Fatalf("list %+v, want the key alone", got.Data)
		}
	})

	t.Run("update description and tags", func(t *testing.T) {
		got := patchKey(t, srv, srv.ManagerKey, k.ID, map[string]any{"description": "CI deploys (rotated)", "tags": []string{"ci"}})
		if got.Description != "CI deploys (rotated)" || !slices.Equal(got.Tags, []string{"ci"}) || got.Status != "active" || got.CreatedAt != k.CreatedAt {
			t.Fatalf("after PATCH: %+v", got)
		}
		r := call(t, srv, http.MethodPatch, "/v2/api_keys/"+k.ID, srv.ManagerKey, map[string]any{"tags": []string{}})
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(r.body), `"tags":[]`) {
			t.Fatalf("%s; want empty tags as []", r)
		}
		if got := getKey(t, srv, srv.ManagerKey, k.ID); got.Description != "CI deploys (rotated)" || len(got.Tags) != 0 {
			t.Fatalf("after PATCH tags only, the key is %+v", got)
		}
	})

	t.Run("a disabled key is refused until enabled again", func(t *testing.T) {
		if got := patchKey(t, srv, srv.ManagerKey, k.ID, map[string]any{"status": "disabled"}); got.Status != "disabled" {
			t.Fatalf("after disable: %+v", got)
		}
		wantRefused(t, srv, secret, "disabled")
		if got := getKey(t, srv, srv.ManagerKey, k.ID); got.Status != "disabled" {
			t.Fatalf("a disabled key shows %q", got.Status)
		}
		if got := patchKey(t, srv, srv.ManagerKey, k.ID, map[string]any{"status": "active"}); got.Status != "active" {
			t.Fatalf("after enable: %+v", got)
		}
		wantAccepted(t, srv, secret)
	})

	t.Run("a revoked key is refused and gone", func(t *testing.T) {
		r := call(t, srv, http.MethodDelete, "/v2/api_keys/"+k.ID, srv.ManagerKey, nil)
		r.wantStatus(t, http.StatusOK)
		var revoked single[apiKeyJSON]
		r.decode(t, &revoked)
		if revoked.Data.ID != k.ID || revoked.Data.Status != "revoked" || revoked.Data.APIKey != nil {
			t.Fatalf("DELETE answered %s", r.body)
		}
		wantRefused(t, srv, secret, "revoked")
		for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			var body any
			if method == http.MethodPatch {
				body = map[string]any{"status": "active"}
			}
			call(t, srv, method, "/v2/api_keys/"+k.ID, srv.ManagerKey, body).wantError(t, errWant{status: 404, code: "10005"})
		}
		if got := listKeys(t, srv, srv.ManagerKey, ""); len(got.Data) != 0 || got.Meta.TotalResults != 0 {
			t.Fatalf("a revoked key is still listed: %v", keyIDs(got.Data))
		}
		wantRefused(t, srv, secret, "revoked") // re-enabling through PATCH failed above
	})

	t.Run("a key may revoke itself", func(t *testing.T) {
		self, selfSecret := createKey(t, srv, srv.ManagerKey, nil)
		srv.RevokeAPIKey(t, selfSecret, self.ID)
		wantRefused(t, srv, selfSecret, "revoked")
	})
}

// TestAPIKeyOfAManagedAccount: a managed account's keys are made with its
// own key (the manager acts as it) and are its own, not the manager's.
func TestAPIKeyOfAManagedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Customer"})
	k, secret := createKey(t, srv, managed.APIKey, map[string]any{"description": "customer key"})
	if got := listKeys(t, srv, managed.APIKey, ""); !slices.Equal(keyIDs(got.Data), []string{k.ID}) {
		t.Fatalf("the managed account lists %v, want its key", keyIDs(got.Data))
	}
	if got := listKeys(t, srv, srv.ManagerKey, ""); len(got.Data) != 0 {
		t.Fatalf("the manager lists its managed account's keys: %v", keyIDs(got.Data))
	}
	call(t, srv, http.MethodGet, "/v2/api_keys/"+k.ID, srv.ManagerKey, nil).wantError(t, errWant{status: 404, code: "10005"})
	// The key acts as the managed account: it is refused the manager's endpoints.
	call(t, srv, http.MethodGet, "/v2/managed_accounts", secret, nil).wantError(t, errWant{status: 403, code: "10010"})

	// Disabling the managed account refuses every key of it until it is enabled.
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+managed.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	wantRefused(t, srv, secret, "account is disabled")
	wantRefused(t, srv, managed.APIKey, "account is disabled")
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+managed.ID+"/actions/enable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	wantAccepted(t, srv, secret)
	wantAccepted(t, srv, managed.APIKey)
}

// TestAPIKeyValidation: bad input is a 422 with the pointer of the field at
// fault, and writes nothing.
func TestAPIKeyValidation(t *testing.T) {
	srv := backendtest.Start(t)
	k, _ := createKey(t, srv, srv.ManagerKey, map[string]any{"description": "kept", "tags": []string{"a"}})
	tags := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("tag-%d", i)
		}
		return out
	}
	future := msTime(srv.Now().Add(time.Hour))
	cases := []struct {
		name   string
		method string
		body   any
		want   errWant
	}{
		{"11 tags", http.MethodPost, map[string]any{"tags": tags(11)}, errWant{status: 422, code: "10004", pointer: "/tags"}},
		{"a 65-character tag", http.MethodPost, map[string]any{"tags": []string{"a", "b", strings.Repeat("x", 65)}}, errWant{status: 422, code: "10004", pointer: "/tags/2"}},
		{"an empty tag", http.MethodPost, map[string]any{"tags": []string{""}}, errWant{status: 422, code: "10004", pointer: "/tags/0"}},
		{"a duplicate tag", http.MethodPost, map[string]any{"tags": []string{"prod", "prod"}}, errWant{status: 422, code: "10004", pointer: "/tags/1"}},
		{"tags as a string", http.MethodPost, map[string]any{"tags": "prod"}, errWant{status: 422, code: "10004", pointer: "/tags"}},
		{"a numeric tag", http.MethodPost, map[string]any{"tags": []any{"ok", 1}}, errWant{status: 422, code: "10004", pointer: "/tags/1"}},
		{"a 256-character description", http.MethodPost, map[string]any{"description": strings.Repeat("d", 256)}, errWant{status: 422, code: "10004", pointer: "/description"}},
		{"expires_at in the past", http.MethodPost, map[string]any{"expires_at": "2020-01-01T00:00:00Z"}, errWant{status: 422, code: "10004", pointer: "/expires_at"}},
		{"expires_at a millisecond ago", http.MethodPost, map[string]any{"expires_at": msTime(srv.Now().Add(-time.Millisecond))}, errWant{status: 422, code: "10004", pointer: "/expires_at"}},
		{"expires_at malformed", http.MethodPost, map[string]any{"expires_at": "tomorrow"}, errWant{status: 422, code: "10004", pointer: "/expires_at"}},
		{"expires_at without a zone", http.MethodPost, map[string]any{"expires_at": "2099-01-01T00:00:00"}, errWant{status: 422, code: "10004", pointer: "/expires_at"}},
		{"expires_at as a number", http.MethodPost, map[string]any{"expires_at": 1893456000}, errWant{status: 422, code: "10004", pointer: "/expires_at"}},
		{"an unknown field", http.MethodPost, map[string]any{"description": "x", "scopes": []string{"all"}}, errWant{status: 422, code: "10004", pointer: "/scopes"}},
		{"the secret chosen by the client", http.MethodPost, map[string]any{"api_key": "KEYmine"}, errWant{status: 422, code: "10004", pointer: "/api_key"}},
		{"status on create", http.MethodPost, map[string]any{"status": "disabled"}, errWant{status: 422, code: "10004", pointer: "/status"}},
		{"malformed JSON", http.MethodPost, `{"description":`, errWant{status: 400, code: "10015", pointer: "/"}},
		{"PATCH status revoked", http.MethodPatch, map[string]any{"status": "revoked"}, errWant{status: 422, code: "10004", pointer: "/status"}},
		{"PATCH status expired", http.MethodPatch, map[string]any{"status": "expired"}, errWant{status: 422, code: "10004", pointer: "/status"}},
		{"PATCH status as a boolean", http.MethodPatch, map[string]any{"status": false}, errWant{status: 422, code: "10004", pointer: "/status"}},
		{"PATCH 11 tags", http.MethodPatch, map[string]any{"tags": tags(11)}, errWant{status: 422, code: "10004", pointer: "/tags"}},
		{"PATCH a duplicate tag", http.MethodPatch, map[string]any{"tags": []string{"x", "y", "x"}}, errWant{status: 422, code: "10004", pointer: "/tags/2"}},
		{"PATCH expires_at", http.MethodPatch, map[string]any{"expires_at": future}, errWant{status: 422, code: "10004", pointer: "/expires_at"}},
		{"PATCH an unknown field", http.MethodPatch, map[string]any{"enabled": false}, errWant{status: 422, code: "10004", pointer: "/enabled"}},
		{"PATCH without a body", http.MethodPatch, nil, errWant{status: 400, code: "10015", pointer: "/"}},
		{"PATCH a good field with a bad one", http.MethodPatch, map[string]any{"description": "changed", "status": "revoked"}, errWant{status: 422, code: "10004", pointer: "/status"}},
		{"DELETE with a body", http.MethodDelete, map[string]any{"reason": "x"}, errWant{status: 422, code: "10004", pointer: "/reason"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/v2/api_keys"
			if tc.method != http.MethodPost {
				path += "/" + k.ID
			}
			call(t, srv, tc.method, path, srv.ManagerKey, tc.body).wantError(t, tc.want)
		})
	}
	// Nothing was written: one key, unchanged.
	got := listKeys(t, srv, srv.ManagerKey, "")
	if len(got.Data) != 1 || got.Data[0].ID != k.ID || got.Data[0].Description != "kept" || !slices.Equal(got.Data[0].Tags, []string{"a"}) || got.Data[0].Status != "active" {
		t.Fatalf("after refused requests the keys are %+v", got.Data)
	}

	t.Run("limits are inclusive", func(t *testing.T) {
		ok, _ := createKey(t, srv, srv.ManagerKey, map[string]any{
			"description": strings.Repeat("d", 255), "tags": append(tags(9), strings.Repeat("t", 64)), "expires_at": future,
		})
		if len(ok.Tags) != 10 || ok.ExpiresAt == nil || *ok.ExpiresAt != future {
			t.Fatalf("created %+v", ok)
		}
	})
	t.Run("an empty body makes a plain key", func(t *testing.T) {
		for _, body := range []any{nil, `{}`} {
			plain, _ := createKey(t, srv, srv.ManagerKey, body)
			if plain.Description != "" || plain.Tags == nil || len(plain.Tags) != 0 || plain.ExpiresAt != nil {
				t.Fatalf("a plain key: %+v", plain)
			}
		}
	})
}

// TestAPIKeyLimit: an account holds at most 100 keys that are not revoked.
func TestAPIKeyLimit(t *testing.T) {
	srv := backendtest.Start(t)
	var first string
	for i := range backend.MaxAPIKeysPerAccount {
		id, _ := srv.CreateAPIKey(t, srv.ManagerKey, nil)
		if i == 0 {
			first = id
		}
	}
	r := call(t, srv, http.MethodPost, "/v2/api_keys", srv.ManagerKey, nil)
	r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
	if !strings.Contains(r.detail(t), "100") {
		t.Fatalf("%s; want a detail naming the limit", r)
	}
	if got := listKeys(t, srv, srv.ManagerKey, ""); got.Meta.TotalResults != backend.MaxAPIKeysPerAccount {
		t.Fatalf("after a refused create the account has %d keys", got.Meta.TotalResults)
	}
	srv.RevokeAPIKey(t, srv.ManagerKey, first)
	srv.CreateAPIKey(t, srv.ManagerKey, nil)
	// The limit is per account: a managed account has its own.
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Own limit"})
	srv.CreateAPIKey(t, managed.APIKey, nil)
}

// TestAPIKeyPaging pins down the key list's pages, order and status filter.
func TestAPIKeyPaging(t *testing.T) {
	srv := backendtest.Start(t)
	var newestFirst []string
	for i := range 5 {
		k, _ := createKey(t, srv, srv.ManagerKey, map[string]any{"description": fmt.Sprintf("key %d", i)})
		newestFirst = append([]string{k.ID}, newestFirst...)
		srv.AdvanceTime(time.Millisecond) // creation times are kept to the millisecond
	}
	pages := []struct {
		query    string
		wantIDs  []string
		wantMeta [4]int // page_number, page_size, total_pages, total_results
	}{
		{"", newestFirst, [4]int{1, 20, 1, 5}},
		{"page[size]=2", newestFirst[0:2], [4]int{1, 2, 3, 5}},
		{"page[number]=2&page[size]=2", newestFirst[2:4], [4]int{2, 2, 3, 5}},
		{"page[number]=3&page[size]=2", newestFirst[4:], [4]int{3, 2, 3, 5}},
		{"page[number]=4&page[size]=2", []string{}, [4]int{4, 2, 3, 5}},
		{"page[size]=250", newestFirst, [4]int{1, 250, 1, 5}},
	}
	for _, p := range pages {
		t.Run(p.query, func(t *testing.T) {
			got := listKeys(t, srv, srv.ManagerKey, p.query)
			m := got.Meta
			if !slices.Equal(keyIDs(got.Data), p.wantIDs) || [4]int{m.PageNumber, m.PageSize, m.TotalPages, m.TotalResults} != p.wantMeta {
				t.Fatalf("got %v %+v, want %v %v", keyIDs(got.Data), m, p.wantIDs, p.wantMeta)
			}
		})
	}

	t.Run("status filter", func(t *testing.T) {
		active, disabled := newestFirst[0], newestFirst[1]
		patchKey(t, srv, srv.ManagerKey, disabled, map[string]any{"status": "disabled"})
		expiring, _ := createKey(t, srv, srv.ManagerKey, map[string]any{"expires_at": msTime(srv.Now().Add(time.Minute))})
		disabledExpiring, _ := createKey(t, srv, srv.ManagerKey, map[string]any{"expires_at": msTime(srv.Now().Add(time.Minute))})
		patchKey(t, srv, srv.ManagerKey, disabledExpiring.ID, map[string]any{"status": "disabled"})
		revoked, _ := createKey(t, srv, srv.ManagerKey, nil)
		srv.RevokeAPIKey(t, srv.ManagerKey, revoked.ID)
		srv.AdvanceTime(2 * time.Minute)

		statuses := map[string]string{}
		for _, k := range listKeys(t, srv, srv.ManagerKey, "").Data {
			statuses[k.ID] = k.Status
		}
		if statuses[active] != "active" || statuses[disabled] != "disabled" || statuses[expiring.ID] != "expired" ||
			statuses[disabledExpiring.ID] != "expired" || statuses[revoked.ID] != "" {
			t.Fatalf("statuses %v", statuses)
		}
		for status, want := range map[string][]string{
			"active":   {newestFirst[0], newestFirst[2], newestFirst[3], newestFirst[4]},
			"disabled": {disabled},
			"expired":  {expiring.ID, disabledExpiring.ID},
		} {
			got := keyIDs(listKeys(t, srv, srv.ManagerKey, "filter[status][eq]="+status).Data)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("filter[status][eq]=%s: got %v, want %v", status, got, want)
			}
		}
	})

	bad := []struct{ query, parameter string }{
		{"page[size]=251", "page[size]"},
		{"page[size]=0", "page[size]"},
		{"page[number]=0", "page[number]"},
		{"filter[status][eq]=revoked", "filter[status][eq]"},
		{"filter[status][eq]=", "filter[status][eq]"},
		{"filter[status][eq]=active&filter[status][eq]=disabled", "filter[status][eq]"},
		{"filter[status]=active", "filter[status]"},
		{"filter[description][contains]=key", "filter[description][contains]"},
	}
	for _, b := range bad {
		t.Run("refuses "+b.query, func(t *testing.T) {
			call(t, srv, http.MethodGet, "/v2/api_keys?"+b.query, srv.ManagerKey, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: b.parameter})
		})
	}
}

// TestAPIKeyLastUsed: last_used_at is set on the first use and then written
// at most once a minute, so that authenticating is not a write every time.
func TestAPIKeyLastUsed(t *testing.T) {
	srv := backendtest.Start(t)
	start := srv.Now().UTC().Truncate(time.Millisecond)
	srv.SetTime(start)
	k, secret := createKey(t, srv, srv.ManagerKey, nil)
	lastUsed := func() *string { return getKey(t, srv, srv.ManagerKey, k.ID).LastUsedAt }
	if got := lastUsed(); got != nil {
		t.Fatalf("an unused key has last_used_at %s", *got)
	}
	wantAccepted(t, srv, secret)
	if got := lastUsed(); got == nil || *got != msTime(start) {
		t.Fatalf("after the first use last_used_at is %v, want %s", got, msTime(start))
	}
	srv.AdvanceTime(backend.LastUsedInterval - time.Millisecond)
	wantAccepted(t, srv, secret)
	if got := lastUsed(); got == nil || *got != msTime(start) {
		t.Fatalf("a use within the minute rewrote last_used_at to %v", got)
	}
	srv.AdvanceTime(time.Millisecond)
	wantAccepted(t, srv, secret)
	if got := lastUsed(); got == nil || *got != msTime(start.Add(backend.LastUsedInterval)) {
		t.Fatalf("a use a minute later left last_used_at at %v", got)
	}
	// A refused use is no use.
	patchKey(t, srv, srv.ManagerKey, k.ID, map[string]any{"status": "disabled"})
	srv.AdvanceTime(time.Hour)
	wantRefused(t, srv, secret, "disabled")
	if got := lastUsed(); got == nil || *got != msTime(start.Add(backend.LastUsedInterval)) {
		t.Fatalf("a refused use moved last_used_at to %v", got)
	}
}

// TestAPIKeyExpiryBoundary: a key works until 1 ms before expires_at and is
// refused from expires_at on; expires_at must be after now.
func TestAPIKeyExpiryBoundary(t *testing.T) {
	srv := backendtest.Start(t)
	now := srv.Now().UTC().Truncate(time.Millisecond)
	srv.SetTime(now)
	call(t, srv, http.MethodPost, "/v2/api_keys", srv.ManagerKey, map[string]any{"expires_at": msTime(now)}).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/expires_at"})
	// Times are kept to the millisecond: an expiry less than 1 ms ahead
	// would be stored as now, a key born expired.
	call(t, srv, http.MethodPost, "/v2/api_keys", srv.ManagerKey, map[string]any{"expires_at": now.Add(500 * time.Microsecond).Format(time.RFC3339Nano)}).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/expires_at"})
	soonest, _ := createKey(t, srv, srv.ManagerKey, map[string]any{"expires_at": msTime(now.Add(time.Millisecond))})
	if soonest.Status != "active" {
		t.Fatalf("a key expiring in 1 ms is %q", soonest.Status)
	}

	expiresAt := now.Add(10 * time.Second)
	// Given with a zone offset, kept and shown in UTC.
	k, secret := createKey(t, srv, srv.ManagerKey, map[string]any{"expires_at": expiresAt.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05.000-07:00")})
	if k.ExpiresAt == nil || *k.ExpiresAt != msTime(expiresAt) {
		t.Fatalf("expires_at %v, want %s", k.ExpiresAt, msTime(expiresAt))
	}

	srv.SetTime(expiresAt.Add(-time.Millisecond))
	wantAccepted(t, srv, secret)
	if got := getKey(t, srv, srv.ManagerKey, k.ID); got.Status != "active" {
		t.Fatalf("1 ms before expiry the key shows %q", got.Status)
	}
	srv.SetTime(expiresAt)
	wantRefused(t, srv, secret, "expired")
	if got := getKey(t, srv, srv.ManagerKey, k.ID); got.Status != "expired" {
		t.Fatalf("at expiry the key shows %q", got.Status)
	}
	// Enabling cannot revive an expired key.
	if got := patchKey(t, srv, srv.ManagerKey, k.ID, map[string]any{"status": "active"}); got.Status != "expired" {
		t.Fatalf("after PATCH status active an expired key shows %q", got.Status)
	}
	wantRefused(t, srv, secret, "expired")
	srv.AdvanceTime(24 * time.Hour)
	wantRefused(t, srv, secret, "expired")
}
