package httpapi_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

func TestHealthz(t *testing.T) {
	srv := backendtest.Start(t)
	r := raw(t, srv, http.MethodGet, "/healthz", "", nil)
	r.wantStatus(t, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != `{"status":"ok"}` {
		t.Fatalf("%s", r)
	}
}

// TestUnknownRoutesAnswerTheEnvelope: ServeMux's own plain-text 404 and 405
// never reach a client.
func TestUnknownRoutesAnswerTheEnvelope(t *testing.T) {
	srv := backendtest.Start(t)
	for _, path := range []string{"/", "/v2", "/v2/nope", "/v2/managed_accounts/", "/v2/managed_accounts/x/actions/explode", "/reference/nope", "/v1/managed_accounts"} {
		t.Run("404 "+path, func(t *testing.T) {
			raw(t, srv, http.MethodGet, path, srv.ManagerKey, nil).wantError(t, errWant{status: 404, code: "10005"})
		})
	}
	methods := []struct {
		method, path string
		allow        []string
	}{
		{http.MethodDelete, "/v2/managed_accounts", []string{"GET", "POST"}},
		{http.MethodPut, "/v2/managed_accounts/abc", []string{"GET", "PATCH"}},
		{http.MethodGet, "/v2/managed_accounts/abc/actions/disable", []string{"POST"}},
		{http.MethodPost, "/v2/balance", []string{"GET"}},
		{http.MethodPost, "/healthz", []string{"GET"}},
		{http.MethodGet, "/reference/accounts", []string{"POST"}},
	}
	for _, m := range methods {
		t.Run("405 "+m.method+" "+m.path, func(t *testing.T) {
			r := raw(t, srv, m.method, m.path, srv.ManagerKey, nil)
			r.wantError(t, errWant{status: 405, code: "10015"})
			allow := strings.Split(r.header.Get("Allow"), ", ")
			for _, want := range m.allow {
				if !slices.Contains(allow, want) {
					t.Fatalf("%s; Allow %q lacks %s", r, r.header.Get("Allow"), want)
				}
			}
		})
	}
}

// TestRequestID: every answer has an id, the caller's own when it is sane.
func TestRequestID(t *testing.T) {
	srv := backendtest.Start(t)
	send := func(id string) string {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.RootURL+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readResponse(t, resp).header.Get("X-Request-Id")
	}
	if got := send("trace-123:abc_DEF.9"); got != "trace-123:abc_DEF.9" {
		t.Fatalf("a sane incoming id was replaced by %q", got)
	}
	for _, insane := range []string{"has space", "line\tbreak", strings.Repeat("a", 129), "<script>"} {
		if got := send(insane); got == insane || got == "" {
			t.Fatalf("incoming id %q answered as %q, want a generated one", insane, got)
		}
	}
	if a, b := send(""), send(""); a == "" || a == b {
		t.Fatalf("generated ids %q and %q must be present and distinct", a, b)
	}
}

// TestAuthorizationHeader: the scheme is case-insensitive; anything that is
// not "Bearer <key>" is a 401 that says what is expected.
func TestAuthorizationHeader(t *testing.T) {
	srv := backendtest.Start(t)
	cases := []struct {
		header string
		status int
	}{
		{"Bearer " + srv.ManagerKey, 200},
		{"bearer " + srv.ManagerKey, 200},
		{"BEARER " + srv.ManagerKey, 200},
		{"Bearer  " + srv.ManagerKey + " ", 200},
		{"", 401},
		{"Bearer", 401},
		{"Bearer ", 401},
		{"Basic " + srv.ManagerKey, 401},
		{srv.ManagerKey, 401},
		{"Bearer " + srv.ManagerKey + " extra", 401},
		{"Bearer " + srv.ManagerKey + "x", 401},
	}
	for _, tc := range cases {
		resp, body := doWithHeader(t, srv, "/v2/balance", tc.header)
		if resp.StatusCode != tc.status {
			t.Fatalf("Authorization %q: %d %s, want %d", tc.header, resp.StatusCode, body, tc.status)
		}
		if tc.status == 401 && (!strings.Contains(string(body), `"code":"10009"`) || !strings.Contains(string(body), `"detail":"Authentication failed`)) {
			t.Fatalf("Authorization %q: %s; want code 10009 with a detail", tc.header, body)
		}
	}
}

// TestAccessLog: one structured line per request with what identifies it,
// and never a key, a password, a body or a query string.
func TestAccessLog(t *testing.T) {
	srv := backendtest.Start(t)
	var logs proc.SyncBuffer
	operatorKey := "operator-key-for-the-log-test"
	ts := httptest.NewServer(httpapi.New(srv.Service, httpapi.Options{
		OperatorKey: operatorKey, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	defer ts.Close()

	do := func(method, path, key, body string) *apiResponse {
		req, err := http.NewRequestWithContext(t.Context(), method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readResponse(t, resp)
	}
	const password = "correct-horse-battery"
	created := do(http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, `{"business_name":"Logged","email":"private-person@example.com","password":"`+password+`"}`)
	created.wantStatus(t, http.StatusOK)
	var acct single[managedAccount]
	created.decode(t, &acct)
	do(http.MethodGet, "/v2/managed_accounts?filter[email][eq]=private-person@example.com", srv.ManagerKey, "").wantStatus(t, http.StatusOK)
	do(http.MethodGet, "/v2/balance", "KEYnot-a-real-key-1234567890", "").wantStatus(t, http.StatusUnauthorized)
	do(http.MethodGet, "/reference/accounts/"+acct.Data.ID, operatorKey, "").wantStatus(t, http.StatusOK)

	text := logs.String()
	for name, secret := range map[string]string{
		"manager key": srv.ManagerKey, "operator key": operatorKey, "password": password,
		"managed api_key": acct.Data.APIKey, "managed api_token": acct.Data.APIToken, "garbage key": "KEYnot-a-real-key",
		"query string": "private-person",
	} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds the %s:\n%s", name, text)
		}
	}
	var lines []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(text), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		lines = append(lines, m)
	}
	if len(lines) != 4 {
		t.Fatalf("want 4 access log lines, got %d:\n%s", len(lines), text)
	}
	wantFields := []string{"time", "level", "msg", "request_id", "method", "path", "status", "duration_ms", "bytes"}
	for i, m := range lines {
		for _, f := range wantFields {
			if _, ok := m[f]; !ok {
				t.Fatalf("line %d lacks %s: %v", i, f, m)
			}
		}
		if path, _ := m["path"].(string); strings.Contains(path, "?") {
			t.Fatalf("line %d logs a query string: %v", i, m)
		}
	}
	if lines[0]["account_id"] != srv.ManagerID || lines[0]["status"] != float64(200) || lines[0]["method"] != "POST" || lines[0]["path"] != "/v2/managed_accounts" {
		t.Fatalf("first line: %v", lines[0])
	}
	if _, ok := lines[2]["account_id"]; ok || lines[2]["status"] != float64(401) {
		t.Fatalf("an unauthenticated request must log no account: %v", lines[2])
	}
}

// TestHeaderLimit: with MaxHeaderBytes set, a header block over it is a 431
// in the error envelope on every route, authenticated or not, before the
// body is read or the key checked; a header block within it is served.
func TestHeaderLimit(t *testing.T) {
	const limit = 4096
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{MaxHeaderBytes: limit}})
	send := func(method, path, padding string, body any) *apiResponse {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.RootURL+path, strings.NewReader(fmt.Sprint(body)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+srv.ManagerKey)
		req.Header.Set("X-Padding", padding)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return checkAnswer(t, readResponse(t, resp))
	}
	tooLong := strings.Repeat("p", limit)
	for _, r := range []*apiResponse{
		send(http.MethodGet, "/v2/balance", tooLong, ""),
		send(http.MethodPost, "/v2/managed_accounts", tooLong, `{"business_name":"Never created"}`),
		send(http.MethodGet, "/healthz", tooLong, ""),
		send(http.MethodGet, "/no/such/route", tooLong, ""),
	} {
		r.wantError(t, errWant{status: http.StatusRequestHeaderFieldsTooLarge, code: "10015"})
	}
	send(http.MethodGet, "/v2/balance", strings.Repeat("p", limit/2), "").wantStatus(t, http.StatusOK)
	if got := listManaged(t, srv, srv.ManagerKey, ""); got.Meta.TotalResults != 0 {
		t.Fatalf("a refused request created %d managed accounts", got.Meta.TotalResults)
	}
}
