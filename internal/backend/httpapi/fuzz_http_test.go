package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// The fuzz targets of this file drive the real handler, over loopback HTTP,
// with fuzzed request bodies, query strings and Authorization headers. Each
// answer must come within fuzzRequestTimeout (no hang), never be a 5xx (a
// client's mistake is never the server's error), and, when it is a 4xx,
// carry the error envelope. The routes are the server's own list
// (httpapi.Routes), so a new route is fuzzed without being named here.

// fuzzRequestTimeout bounds each request: a handler that has not answered by
// then is taken to hang.
const fuzzRequestTimeout = 10 * time.Second

// fuzzWorld is a backend with objects for the fuzzed paths to name: a
// manager, a managed account acting as a second caller, a target managed
// account for the manager's per-account operations (so that disabling it
// does not lock the second caller out), and an extra key and a card of
// each caller.
type fuzzWorld struct {
	srv      *backendtest.Server
	http     *http.Client
	callers  [2]fuzzCaller // the manager, then its managed account
	targetID string        // a managed account of the manager
	// accountIDs replaces the placeholders of the accounts' ids in bodies.
	accountIDs *bytesReplacer
}

// bytesReplacer is strings.Replacer for byte slices.
type bytesReplacer struct{ r *strings.Replacer }

func (b *bytesReplacer) Replace(in []byte) []byte { return []byte(b.r.Replace(string(in))) }

type fuzzCaller struct {
	accountID, key, keyID, cardID string
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	f.Helper()
	srv := backendtest.Start(f)
	w := &fuzzWorld{srv: srv, http: &http.Client{Timeout: fuzzRequestTimeout}}
	managed := w.mustCreate(f, srv.ManagerKey, "/v2/managed_accounts", `{"business_name":"Fuzz Caller Ltd"}`)
	target := w.mustCreate(f, srv.ManagerKey, "/v2/managed_accounts", `{"business_name":"Fuzz Target Ltd"}`)
	w.targetID = stringField(f, target, "id")
	w.callers[0] = fuzzCaller{accountID: srv.ManagerID, key: srv.ManagerKey}
	w.callers[1] = fuzzCaller{accountID: stringField(f, managed, "id"), key: stringField(f, managed, "api_key")}
	for i := range w.callers {
		c := &w.callers[i]
		c.keyID = stringField(f, w.mustCreate(f, c.key, "/v2/api_keys", `{"description":"fuzzed"}`), "id")
		c.cardID = stringField(f, w.mustCreate(f, c.key, "/v2/payment_methods", `{"type":"card","card":{"number":"4242424242424242",`+
			`"exp_month":12,"exp_year":2040,"cvc":"123"},"billing_details":{"name":"Fuzz","country":"US"}}`), "id")
	}
	w.accountIDs = &bytesReplacer{strings.NewReplacer(
		"{{manager_id}}", srv.ManagerID, "{{managed_id}}", w.callers[1].accountID, "{{target_id}}", w.targetID)}
	return w
}

// mustCreate POSTs body and returns the created object's data.
func (w *fuzzWorld) mustCreate(f *testing.F, key, path, body string) map[string]any {
	f.Helper()
	status, _, raw := w.srv.Do(f, http.MethodPost, path, key, body)
	var env struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || status/100 != 2 || env.Data["id"] == nil {
		f.Fatalf("fuzz world: POST %s: %d %s", path, status, raw)
	}
	return env.Data
}

// stringField returns a created object's string field.
func stringField(f *testing.F, data map[string]any, name string) string {
	f.Helper()
	v, ok := data[name].(string)
	if !ok || v == "" {
		f.Fatalf("fuzz world: the created object has no %s", name)
	}
	return v
}

// routesWith returns the server's routes of the given methods, as
// [method, path pattern] pairs.
func routesWith(methods ...string) [][2]string {
	var out [][2]string
	for _, r := range httpapi.Routes() {
		method, pattern, _ := strings.Cut(r, " ")
		for _, m := range methods {
			if m == method {
				out = append(out, [2]string{method, pattern})
			}
		}
	}
	return out
}

// pickRoute returns the route named by route ("POST /v2/api_keys"), or,
// for a name the fuzzer mangled, one chosen by the name's bytes, so that
// every input reaches some route.
func pickRoute(routes [][2]string, route string) (method, pattern string) {
	for _, r := range routes {
		if r[0]+" "+r[1] == route {
			return r[0], r[1]
		}
	}
	sum := 0
	for _, b := range []byte(route) {
		sum += int(b)
	}
	r := routes[sum%len(routes)]
	return r[0], r[1]
}

// path fills the pattern's {id} for caller: with id when it is given (path
// escaped), else with the object of the caller the route is about.
func (w *fuzzWorld) path(pattern string, caller int, id string) string {
	if !strings.Contains(pattern, "{id}") {
		return pattern
	}
	if id == "" {
		c := w.callers[caller]
		switch {
		case strings.HasPrefix(pattern, "/v2/managed_accounts/"):
			id = w.targetID
		case strings.HasPrefix(pattern, "/v2/api_keys/"):
			id = c.keyID
		case strings.HasPrefix(pattern, "/v2/payment_methods/"):
			id = c.cardID
		case strings.HasPrefix(pattern, "/reference/accounts/"):
			id = c.accountID
		default:
			id = "00000000-0000-0000-0000-000000000000"
		}
	}
	return strings.Replace(pattern, "{id}", url.PathEscape(id), 1)
}

// key is the credential for a request: the operator key under /reference,
// else the key of the fuzzed caller.
func (w *fuzzWorld) key(pattern string, caller int) string {
	if strings.HasPrefix(pattern, "/reference/") {
		return w.srv.OperatorKey
	}
	return w.callers[caller].key
}

// send makes one request and checks the answer: no hang, no 5xx, the error
// envelope on a 4xx, JSON on a 2xx that has a body.
func (w *fuzzWorld) send(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fuzzRequestTimeout)
	defer cancel()
	resp, err := w.http.Do(req.WithContext(ctx))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			t.Fatalf("%s %s: no answer within %s: the handler hangs", req.Method, req.URL, fuzzRequestTimeout)
		}
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read the answer: %v", req.Method, req.URL, err)
	}
	where := req.Method + " " + req.URL.String()
	switch {
	case resp.StatusCode >= 500:
		t.Fatalf("%s answered %d, a server error, to a client's input: %s", where, resp.StatusCode, body)
	case resp.StatusCode >= 400:
		checkErrorEnvelope(t, where, resp, body)
	case len(bytes.TrimSpace(body)) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && !json.Valid(body):
		t.Fatalf("%s answered %d with a body that is not JSON: %s", where, resp.StatusCode, body)
	}
	return resp.StatusCode, body
}

// checkErrorEnvelope fails unless body is the API's error envelope: at least
// one error, each with a code, a title and a detail.
func checkErrorEnvelope(t *testing.T, where string, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s answered %d with Content-Type %q, want the JSON error envelope: %s", where, resp.StatusCode, ct, body)
	}
	var env struct {
		Errors []struct {
			Code   string `json:"code"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &env); err != nil || len(env.Errors) == 0 {
		t.Fatalf("%s answered %d without the error envelope (%v): %s", where, resp.StatusCode, err, body)
	}
	for _, e := range env.Errors {
		if e.Code == "" || e.Title == "" || e.Detail == "" {
			t.Fatalf("%s answered %d with an error lacking its code, title or detail: %s", where, resp.StatusCode, body)
		}
	}
}

// validHeaderValue reports whether v can be sent as a header value at all
// (RFC 9110 field-value: no control characters but tab); the client refuses
// the others before they reach the server.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzRequestBodies sends fuzzed bodies to every POST, PATCH and PUT route,
// as the manager or its managed account (the operator under /reference),
// with a fuzzed Idempotency-Key when one is given. id, when not empty,
// replaces the path's {id} instead of a real object's. In a body,
// {{manager_id}}, {{managed_id}} and {{target_id}} stand for the accounts'
// ids, so that the corpus can hold valid bodies that name accounts (usage
// events).
func FuzzRequestBodies(f *testing.F) {
	w := newFuzzWorld(f)
	routes := routesWith(http.MethodPost, http.MethodPatch, http.MethodPut)
	// Every route gets the generic malformed bodies; testdata/fuzz holds the
	// realistic ones, valid and invalid, per route.
	for _, r := range routes {
		for _, body := range []string{"", "{}", "[]", "null", "{", `{"a":1}`, `"text"`, "{}{}", `{"id":{"nested":[1,2,3]}}`} {
			f.Add(r[0]+" "+r[1], uint8(0), "", "", []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, route string, caller uint8, id, idempotencyKey string, body []byte) {
		method, pattern := pickRoute(routes, route)
		who := int(caller % 2)
		if !validHeaderValue(idempotencyKey) {
			return
		}
		body = w.accountIDs.Replace(body)
		req, err := http.NewRequest(method, w.srv.RootURL+w.path(pattern, who, id), bytes.NewReader(body))
		if err != nil {
			return // an id that makes no URL
		}
		req.Header.Set("Authorization", "Bearer "+w.key(pattern, who))
		req.Header.Set("Content-Type", "application/json")
		if idempotencyKey != "" {
			req.Header.Set("Idempotency-Key", idempotencyKey)
		}
		w.send(t, req)
	})
}

// requestTargetSafe percent-encodes the bytes that cannot appear in an HTTP
// request line (blanks, controls, non-ASCII) or that would end the query
// (#). Sent raw they make no HTTP request at all, and net/http refuses
// them in plain text before any handler runs; encoded, they still reach the
// query parsers, as a browser or an SDK would send them.
func requestTargetSafe(rawQuery string) string {
	var b strings.Builder
	for i := 0; i < len(rawQuery); i++ {
		c := rawQuery[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// FuzzQueryStrings sends fuzzed query strings to every GET route: the
// filters, sort and page of the lists, the usage report's parameters and
// the invoice link's.
func FuzzQueryStrings(f *testing.F) {
	w := newFuzzWorld(f)
	routes := routesWith(http.MethodGet)
	for _, r := range routes {
		for _, q := range []string{"", "page[number]=1&page[size]=1", "page[size]=0", "page[number]=-1", "filter[x]=1", "%zz", "sort=-x"} {
			f.Add(r[0]+" "+r[1], uint8(0), "", q)
		}
	}
	f.Fuzz(func(t *testing.T, route string, caller uint8, id, rawQuery string) {
		_, pattern := pickRoute(routes, route)
		who := int(caller % 2)
		u, err := url.Parse(w.srv.RootURL + w.path(pattern, who, id))
		if err != nil {
			return
		}
		u.RawQuery = requestTargetSafe(rawQuery)
		req, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+w.key(pattern, who))
		w.send(t, req)
	})
}

// FuzzAuthorizationHeader sends fuzzed Authorization headers to GET
// /v2/balance. "{{manager}}" and "{{managed}}" in a header stand for those
// accounts' real keys, so that the corpus can hold near misses of a valid
// header. Only a header that carries a real key may authenticate, and
// every refusal is a 401 in the envelope.
func FuzzAuthorizationHeader(f *testing.F) {
	w := newFuzzWorld(f)
	for _, h := range []string{"", "Bearer {{manager}}", "bearer {{managed}}", "Bearer", "Bearer ", "Basic {{manager}}",
		"Bearer {{manager}} extra", "{{manager}}", "Bearer KEY0000", "Bearer\t{{manager}}"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, header string) {
		header = strings.NewReplacer("{{manager}}", w.callers[0].key, "{{managed}}", w.callers[1].key).Replace(header)
		if !validHeaderValue(header) {
			return
		}
		req, err := http.NewRequest(http.MethodGet, w.srv.RootURL+"/v2/balance", nil)
		if err != nil {
			t.Fatal(err)
		}
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		status, body := w.send(t, req)
		carriesKey := strings.Contains(header, w.callers[0].key) || strings.Contains(header, w.callers[1].key)
		switch {
		case status == http.StatusOK && !carriesKey:
			t.Fatalf("Authorization %q, which holds no valid key, was accepted: %s", header, body)
		case status != http.StatusOK && status != http.StatusUnauthorized && status != http.StatusTooManyRequests:
			t.Fatalf("Authorization %q answered %d, want 200 or 401: %s", header, status, body)
		}
		// The canonical form always works.
		if key, ok := strings.CutPrefix(header, "Bearer "); ok && (key == w.callers[0].key || key == w.callers[1].key) && status != http.StatusOK {
			t.Fatalf("Authorization %q was refused (%d): %s", header, status, body)
		}
	})
}
