package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

const apiKeyBody = `{"data":{"record_type":"api_key","id":"key-1","description":"ci","tags":["ci","prod"],` +
	`"status":"active","masked_key":"KEY…abcd","expires_at":"2030-01-02T03:04:05.000Z","last_used_at":null,` +
	`"created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z"%s}}`

func TestCreateAPIKeySendsTheBodyAndReturnsTheSecretOnce(t *testing.T) {
	rec := newRecorder(t, ok(fmt.Sprintf(apiKeyBody, `,"api_key":"KEYSECRET_value"`)))
	desc, expires := "ci", "2030-01-02T03:04:05Z"
	k, err := rec.client(t, nil).CreateAPIKey(context.Background(), client.CreateAPIKeyRequest{
		Description: &desc, Tags: []string{"ci", "prod"}, ExpiresAt: &expires,
	})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	want := client.APIKey{
		RecordType: "api_key", ID: "key-1", Description: "ci", Tags: []string{"ci", "prod"}, Status: client.APIKeyStatusActive,
		MaskedKey: "KEY…abcd", ExpiresAt: ptr("2030-01-02T03:04:05.000Z"), CreatedAt: "2026-01-01T00:00:00.000Z",
		UpdatedAt: "2026-01-01T00:00:00.000Z", APIKey: "KEYSECRET_value",
	}
	if !reflect.DeepEqual(*k, want) {
		t.Fatalf("key = %+v\nwant  %+v", *k, want)
	}
	r := rec.requests()[0]
	if r.Method != http.MethodPost || r.URL.Path != "/v2/api_keys" || r.Header.Get("Idempotency-Key") == "" {
		t.Fatalf("request = %s %s (Idempotency-Key %q)", r.Method, r.URL.Path, r.Header.Get("Idempotency-Key"))
	}
	assertJSON(t, rec.bodies[0], `{"description":"ci","tags":["ci","prod"],"expires_at":"2030-01-02T03:04:05Z"}`)
}

func TestCreateAPIKeyOmitsWhatIsNotSet(t *testing.T) {
	rec := newRecorder(t, ok(fmt.Sprintf(apiKeyBody, `,"api_key":"KEYSECRET_value"`)))
	if _, err := rec.client(t, nil).CreateAPIKey(context.Background(), client.CreateAPIKeyRequest{}); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, rec.bodies[0], `{}`)
}

func TestGetAPIKeyHasNoSecretAndEscapesTheID(t *testing.T) {
	rec := newRecorder(t, ok(fmt.Sprintf(apiKeyBody, "")))
	k, err := rec.client(t, nil).GetAPIKey(context.Background(), "key/1")
	if err != nil {
		t.Fatal(err)
	}
	if k.APIKey != "" || k.LastUsedAt != nil || k.ExpiresAt == nil {
		t.Fatalf("key = %+v", k)
	}
	r := rec.requests()[0]
	if r.Method != http.MethodGet || r.URL.EscapedPath() != "/v2/api_keys/key%2F1" {
		t.Fatalf("request = %s %s", r.Method, r.URL.EscapedPath())
	}
}

func TestUpdateAPIKeySendsOnlyWhatChanges(t *testing.T) {
	empty := []string{}
	disabled := client.APIKeyStatusDisabled
	desc := "renamed"
	tests := []struct {
		name string
		req  client.UpdateAPIKeyRequest
		want string
	}{
		{"nothing", client.UpdateAPIKeyRequest{}, `{}`},
		{"status only", client.UpdateAPIKeyRequest{Status: &disabled}, `{"status":"disabled"}`},
		// An empty slice must reach the API as [] to remove every tag.
		{"remove every tag", client.UpdateAPIKeyRequest{Tags: &empty}, `{"tags":[]}`},
		{"description and tags", client.UpdateAPIKeyRequest{Description: &desc, Tags: &[]string{"a"}}, `{"description":"renamed","tags":["a"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, ok(fmt.Sprintf(apiKeyBody, "")))
			if _, err := rec.client(t, nil).UpdateAPIKey(context.Background(), "key-1", tt.req); err != nil {
				t.Fatal(err)
			}
			r := rec.requests()[0]
			if r.Method != http.MethodPatch || r.URL.Path != "/v2/api_keys/key-1" {
				t.Fatalf("request = %s %s", r.Method, r.URL.Path)
			}
			assertJSON(t, rec.bodies[0], tt.want)
		})
	}
}

func TestRevokeAPIKeyIsADeleteAndSurfacesA404(t *testing.T) {
	rec := newRecorder(t,
		ok(strings.Replace(fmt.Sprintf(apiKeyBody, ""), `"status":"active"`, `"status":"revoked"`, 1)),
		apiError(http.StatusNotFound, "10005", "Resource not found", "API key not found."),
	)
	c := rec.client(t, nil)
	k, err := c.RevokeAPIKey(context.Background(), "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if k.Status != client.APIKeyStatusRevoked {
		t.Fatalf("status = %q, want revoked", k.Status)
	}
	_, err = c.RevokeAPIKey(context.Background(), "key-1")
	if !client.IsNotFound(err) {
		t.Fatalf("second revoke: err = %v, want the 404", err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodDelete || reqs[0].URL.Path != "/v2/api_keys/key-1" || rec.bodies[0] != "" {
		t.Fatalf("requests = %d, first %s %s body %q", len(reqs), reqs[0].Method, reqs[0].URL.Path, rec.bodies[0])
	}
}

func TestAllAPIKeysReadsEveryPageWithTheFilter(t *testing.T) {
	const total, size = 5, 2
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		page, err := strconv.Atoi(r.URL.Query().Get("page[number]"))
		if err != nil {
			page = 1
		}
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"record_type":"api_key","id":"key-%d","tags":[],"status":"disabled"}`, i))
		}
		_, _ = fmt.Fprintf(w, `{"data":[%s],"meta":{"page_number":%d,"page_size":%d,"total_pages":3,"total_results":%d}}`,
			strings.Join(items, ","), page, size, total)
	})
	var ids []string
	for k, err := range rec.client(t, nil).AllAPIKeys(context.Background(), client.ListAPIKeysOptions{Status: "disabled", PageSize: size}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, k.ID)
	}
	if got := strings.Join(ids, ","); got != "key-0,key-1,key-2,key-3,key-4" {
		t.Fatalf("ids = %s", got)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		q := r.URL.Query()
		if r.URL.Path != "/v2/api_keys" || q.Get("filter[status][eq]") != "disabled" || q.Get("page[size]") != "2" || q.Get("page[number]") != strconv.Itoa(i+1) {
			t.Errorf("request %d = %s?%s", i, r.URL.Path, r.URL.RawQuery)
		}
	}
}

func TestListAPIKeysWithoutOptionsSendsNoQuery(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}`))
	keys, meta, err := rec.client(t, nil).ListAPIKeys(context.Background(), client.ListAPIKeysOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 || meta.PageSize != 20 {
		t.Fatalf("keys %v meta %+v", keys, meta)
	}
	if q := rec.requests()[0].URL.RawQuery; q != "" {
		t.Fatalf("query = %q, want none", q)
	}
}

func TestAPIKeyErrorsCarryTheAPIDetail(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"errors":[{"code":"10004","title":"Invalid value","detail":"expires_at must be in the future.","source":{"pointer":"/expires_at"}}]}`))
	})
	past := "2001-01-01T00:00:00Z"
	_, err := rec.client(t, nil).CreateAPIKey(context.Background(), client.CreateAPIKeyRequest{ExpiresAt: &past})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Detail() != "expires_at must be in the future." || !strings.Contains(err.Error(), "/expires_at") {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("a 422 was sent %d times, want once", n)
	}
}

// assertJSON compares two JSON documents by value.
func assertJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body = %s, want %s", got, want)
	}
}

func ptr[T any](v T) *T { return &v }
