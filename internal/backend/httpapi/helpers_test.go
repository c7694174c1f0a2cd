package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// apiResponse is one answer of the backend.
type apiResponse struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

func (r *apiResponse) String() string {
	return fmt.Sprintf("%s %s answered %d: %s", r.method, r.path, r.status, r.body)
}

// decode unmarshals the body into v, failing the test when it is not JSON.
func (r *apiResponse) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: body is not the expected JSON: %v", r, err)
	}
}

// wantStatus fails the test unless the answer has the given status.
func (r *apiResponse) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s; want status %d", r, status)
	}
}

// errWant is the error an answer must carry: its status, errors[0].code, and
// exactly this source (an empty pointer or parameter must be absent).
type errWant struct {
	status    int
	code      string
	pointer   string
	parameter string
}

type errorEnvelope struct {
	Errors []client.ErrorObject `json:"errors"`
}

// wantError asserts an error answer in the contract's envelope.
func (r *apiResponse) wantError(t *testing.T, want errWant) {
	t.Helper()
	if r.status != want.status {
		t.Fatalf("%s; want status %d", r, want.status)
	}
	var env errorEnvelope
	r.decode(t, &env)
	if len(env.Errors) == 0 {
		t.Fatalf("%s; want an error envelope", r)
	}
	got := env.Errors[0]
	var pointer, parameter string
	if got.Source != nil {
		pointer, parameter = got.Source.Pointer, got.Source.Parameter
	}
	if got.Code != want.code || pointer != want.pointer || parameter != want.parameter {
		t.Fatalf("%s; want code %q pointer %q parameter %q", r, want.code, want.pointer, want.parameter)
	}
	if got.Title == "" || got.Detail == "" {
		t.Fatalf("%s; want a title and a detail", r)
	}
}

// call sends one request. Every answer must carry a request id and, when it is
// an error, the error envelope as JSON; every answer of the Telnyx-compatible
// API (/v2) is validated against the contract, and a /v2 route the contract
// does not know fails the test unless it is one of our extensions (use raw
// for deliberately unknown routes).
func call(t *testing.T, srv *backendtest.Server, method, path, key string, body any) *apiResponse {
	t.Helper()
	r := raw(t, srv, method, path, key, body)
	validateAgainstContract(t, r)
	return r
}

// callAuthorization is call with the Authorization header given whole.
func callAuthorization(t *testing.T, srv *backendtest.Server, method, path, authorization string, body any) *apiResponse {
	t.Helper()
	status, header, b := srv.DoAuthorization(t, method, path, authorization, body)
	r := checkAnswer(t, &apiResponse{method: method, path: path, status: status, header: header, body: b})
	validateAgainstContract(t, r)
	return r
}

// extensionPrefixes are the /v2 paths of our extensions (DESIGN 2.2). The
// Telnyx contract has no operation for them, so their answers cannot be
// validated against it; every other /v2 path must be in the contract.
var extensionPrefixes = []string{"/v2/api_keys", "/v2/audit_events", "/v2/payment_methods", "/v2/pricing"}

// extensionSuffixes are the extensions under one managed account:
// /v2/managed_accounts/{id} and one of these.
var extensionSuffixes = []string{"/pricing", "/balance_transfers"}

// isExtension tells whether a request path (query string allowed) is under
// one of the extension prefixes, as a whole path segment, or is an extension
// of one managed account (/v2/managed_accounts/{id}/pricing, …).
func isExtension(path string) bool {
	p, _, _ := strings.Cut(path, "?")
	for _, prefix := range extensionPrefixes {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	rest, underAccount := strings.CutPrefix(p, "/v2/managed_accounts/")
	for _, suffix := range extensionSuffixes {
		if id, ok := strings.CutSuffix(rest, suffix); ok && underAccount && id != "" && !strings.Contains(id, "/") {
			return true
		}
	}
	return false
}

func validateAgainstContract(t *testing.T, r *apiResponse) {
	t.Helper()
	if !strings.HasPrefix(r.path, "/v2/") || isExtension(r.path) {
		return
	}
	err := loadContract(t).validate(r.method, r.path, r.status, r.header, r.body)
	switch {
	case errors.Is(err, errNotInContract):
		t.Fatalf("%s %s is not an operation of the contract", r.method, r.path)
	case err != nil:
		t.Fatalf("%s; the answer breaks the contract: %v", r, err)
	}
}

// raw sends one request without contract validation, still checking the
// request id and the error envelope.
func raw(t *testing.T, srv *backendtest.Server, method, path, key string, body any) *apiResponse {
	t.Helper()
	status, header, b := srv.Do(t, method, path, key, body)
	return checkAnswer(t, &apiResponse{method: method, path: path, status: status, header: header, body: b})
}

// checkAnswer checks what every answer must have: a request id, JSON, and
// the error envelope when it is an error.
func checkAnswer(t *testing.T, r *apiResponse) *apiResponse {
	t.Helper()
	if r.header.Get("X-Request-Id") == "" {
		t.Fatalf("%s; no X-Request-Id header", r)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s; Content-Type %q, want application/json", r, ct)
	}
	if r.status >= 400 {
		var env errorEnvelope
		if err := json.Unmarshal(r.body, &env); err != nil || len(env.Errors) == 0 || env.Errors[0].Code == "" || env.Errors[0].Title == "" {
			t.Fatalf("%s; not an error envelope with a code and a title", r)
		}
	}
	return r
}

// detail returns errors[0].detail of an error answer.
func (r *apiResponse) detail(t *testing.T) string {
	t.Helper()
	var env errorEnvelope
	r.decode(t, &env)
	if len(env.Errors) == 0 {
		t.Fatalf("%s; want an error envelope", r)
	}
	return env.Errors[0].Detail
}

// readResponse reads and closes an answer got without the harness.
func readResponse(t *testing.T, resp *http.Response) *apiResponse {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return &apiResponse{method: resp.Request.Method, path: resp.Request.URL.RequestURI(), status: resp.StatusCode, header: resp.Header, body: b}
}

// managedAccount is a managed account as a single answer shows it.
type managedAccount = client.ManagedAccount

type single[T any] struct {
	Data T `json:"data"`
}

type list[T any] struct {
	Data []T             `json:"data"`
	Meta client.PageMeta `json:"meta"`
}

// createManaged creates a managed account as the manager whose key is given.
func createManaged(t *testing.T, srv *backendtest.Server, key string, body map[string]any) managedAccount {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/v2/managed_accounts", key, body)
	r.wantStatus(t, http.StatusOK)
	var out single[managedAccount]
	r.decode(t, &out)
	return out.Data
}

// listManaged lists one page of the caller's managed accounts.
func listManaged(t *testing.T, srv *backendtest.Server, key, query string) list[managedAccount] {
	t.Helper()
	path := "/v2/managed_accounts"
	if query != "" {
		path += "?" + query
	}
	r := call(t, srv, http.MethodGet, path, key, nil)
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"data":[`) {
		t.Fatalf("%s; data must be an array", r)
	}
	var out list[managedAccount]
	r.decode(t, &out)
	return out
}

func ids(accounts []managedAccount) []string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.ID
	}
	return out
}

func emails(accounts []managedAccount) []string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.Email
	}
	return out
}
