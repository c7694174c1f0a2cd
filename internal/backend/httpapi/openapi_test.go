package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// extensionMark flags what the backend adds to the Telnyx contract.
const extensionMark = "x-reference-backend-extension"

var (
	openAPIOnce   sync.Once
	openAPIDoc    *openapi3.T
	openAPIRouter routers.Router
	openAPIErr    error
)

// loadOpenAPI loads the document the server serves, with no servers, so that
// requests are routed on their whole path (the document's paths start at the
// root: /v2/…, /reference/…, /healthz).
func loadOpenAPI(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	openAPIOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
		if err != nil {
			openAPIErr = fmt.Errorf("load: %w", err)
			return
		}
		doc.Servers = nil
		router, err := legacy.NewRouter(doc)
		if err != nil {
			openAPIErr = fmt.Errorf("route: %w", err)
			return
		}
		openAPIDoc, openAPIRouter = doc, router
	})
	if openAPIErr != nil {
		t.Fatalf("the OpenAPI document: %v", openAPIErr)
	}
	return openAPIDoc, openAPIRouter
}

func TestOpenAPIDocumentIsValidOpenAPI(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi is %q, want 3.1.0 like the Telnyx contract", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
}

// TestOpenAPIDocumentDescribesEveryRoute: the document has exactly the
// operations the server registers, so that neither can change alone.
func TestOpenAPIDocumentDescribesEveryRoute(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	registered := httpapi.Routes()
	for _, route := range registered {
		if !slices.Contains(documented, route) {
			t.Errorf("the server registers %q, which openapi.yaml does not describe", route)
		}
	}
	for _, op := range documented {
		if !slices.Contains(registered, op) {
			t.Errorf("openapi.yaml describes %q, which the server does not register", op)
		}
	}
}

// TestOpenAPIDocumentIsServedWithoutAKey: GET /openapi.yaml answers the
// embedded document to anyone.
func TestOpenAPIDocumentIsServedWithoutAKey(t *testing.T) {
	w := newNoPriceWorld(t)
	status, header, body := w.srv.Do(t, http.MethodGet, "/openapi.yaml", "", nil)
	if status != http.StatusOK || header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("GET /openapi.yaml answered %d %q, want 200 application/yaml", status, header.Get("Content-Type"))
	}
	if !bytes.Equal(body, httpapi.OpenAPIDocument()) {
		t.Fatal("GET /openapi.yaml answered something else than the embedded document")
	}
}

// TestOpenAPITelnyxPathsFollowTheContract: every path the Telnyx contract
// defines and the backend serves is in the document under /v2 with all that
// the contract says about it, and so is every component they share; the
// document may only add (fields, responses, parameters at the end of a list,
// extension keys), never change or drop.
func TestOpenAPITelnyxPathsFollowTheContract(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	compared, shared := 0, 0
	for _, file := range contractFiles {
		contract, err := openapi3.NewLoader().LoadFromFile(file)
		if err != nil {
			t.Fatalf("load the contract %s: %v", file, err)
		}
		c, s := followsTheContract(t, doc, contract)
		compared, shared = compared+c, shared+s
	}
	if compared < 20 {
		t.Errorf("compared %d Telnyx paths, want the 20 the backend serves", compared)
	}
	if shared == 0 {
		t.Error("openapi.yaml shares no component with the contract: the Telnyx paths cannot be verbatim")
	}
}

// followsTheContract reports, as TestOpenAPITelnyxPathsFollowTheContract,
// where doc does not hold all that one contract file says, and returns how
// many paths and components it compared.
func followsTheContract(t *testing.T, doc, contract *openapi3.T) (compared, shared int) {
	t.Helper()
	for path, item := range contract.Paths.Map() {
		if strings.HasPrefix(path, "/billing_groups") {
			continue // billing groups: in the contract, not served by the backend
		}
		ours := path
		if !strings.HasPrefix(path, "/v2/") {
			ours = "/v2" + path
		}
		our := doc.Paths.Value(ours)
		if our == nil {
			t.Errorf("the contract's %s is not in openapi.yaml as %s", path, ours)
			continue
		}
		compared++
		for _, diff := range notASuperset(ours, toGeneric(t, our), toGeneric(t, item)) {
			t.Errorf("%s", diff)
		}
	}
	contractComponents, _ := toGeneric(t, contract.Components).(map[string]any)
	ourComponents, _ := toGeneric(t, doc.Components).(map[string]any)
	for _, section := range []string{"schemas", "parameters", "responses"} {
		theirs, _ := contractComponents[section].(map[string]any)
		ours, _ := ourComponents[section].(map[string]any)
		for _, name := range keys(theirs) {
			our, ok := ours[name]
			if !ok {
				continue // used by no served path (the loader has resolved every $ref of ours)
			}
			shared++
			for _, diff := range notASuperset("components/"+section+"/"+name, our, theirs[name]) {
				t.Errorf("%s", diff)
			}
		}
	}
	return compared, shared
}

// TestOpenAPISupersetCheckCanFail proves the comparison above: a change, a
// removal and a shortened list are each reported; additions are not.
func TestOpenAPISupersetCheckCanFail(t *testing.T) {
	contract := map[string]any{"type": "object", "required": []any{"a", "b"}, "properties": map[string]any{"a": map[string]any{"type": "string"}}}
	cases := []struct {
		name  string
		ours  map[string]any
		diffs bool
	}{
		{"additions", map[string]any{"type": "object", "required": []any{"a", "b", "c"}, "x": 1,
			"properties": map[string]any{"a": map[string]any{"type": "string", extensionMark: true}, "c": map[string]any{}}}, false},
		{"a changed value", map[string]any{"type": "array", "required": []any{"a", "b"}, "properties": map[string]any{"a": map[string]any{"type": "string"}}}, true},
		{"a removed key", map[string]any{"type": "object", "required": []any{"a", "b"}, "properties": map[string]any{"a": map[string]any{}}}, true},
		{"a shorter list", map[string]any{"type": "object", "required": []any{"a"}, "properties": map[string]any{"a": map[string]any{"type": "string"}}}, true},
	}
	for _, tc := range cases {
		if got := notASuperset("x", tc.ours, contract); (len(got) > 0) != tc.diffs {
			t.Errorf("%s: differences %v, want some: %v", tc.name, got, tc.diffs)
		}
	}
}

// TestOpenAPIExtensionsAreMarked: every operation the contract does not
// define is marked as an extension, so that a reader can tell our API from
// Telnyx's.
func TestOpenAPIExtensionsAreMarked(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	var contracts []*openapi3.T
	for _, file := range contractFiles {
		contract, err := openapi3.NewLoader().LoadFromFile(file)
		if err != nil {
			t.Fatalf("load the contract %s: %v", file, err)
		}
		contracts = append(contracts, contract)
	}
	inContract := func(path, method string) bool {
		return slices.ContainsFunc(contracts, func(contract *openapi3.T) bool {
			c := contract.Paths.Value(path)
			return c != nil && c.GetOperation(method) != nil
		})
	}
	for path, item := range doc.Paths.Map() {
		contractPath := strings.TrimPrefix(path, "/v2")
		if slices.Contains(contractPathsWithPrefix, path) {
			contractPath = path
		}
		for method, op := range item.Operations() {
			if inContract(contractPath, method) {
				continue
			}
			if op.Extensions[extensionMark] != true {
				t.Errorf("%s %s is not in the Telnyx contract but lacks %s: true", method, path, extensionMark)
			}
		}
	}
}

// secretMemberName names the request members that hold a secret: a
// password, a card number or security code, a key, token or secret.
var secretMemberName = regexp.MustCompile(`(?i)password|passphrase|secret|token|api_?key|cvc|cvv|^card/number$`)

// TestOpenAPISecretRequestMembersAreWriteOnly: every request member whose
// name says it holds a secret is writeOnly, the mark that the idempotency
// fingerprint leaves it out (secretRequestMembers) and that makes the
// secret-canary suite (cmd/reference-backend) send canaries through it.
func TestOpenAPISecretRequestMembersAreWriteOnly(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	checked := 0
	forEachRequestMember(doc, func(route, pointer string, s *openapi3.Schema) {
		name := pointer[strings.LastIndex(pointer, "/")+1:]
		if parent := strings.TrimSuffix(pointer, "/"+name); strings.HasSuffix(parent, "/card") {
			name = "card/" + name
		}
		if !secretMemberName.MatchString(name) {
			return
		}
		checked++
		if !s.WriteOnly {
			t.Errorf("%s: the request member %s holds a secret but is not writeOnly: true", route, pointer)
		}
	})
	if checked == 0 {
		t.Fatal("no request member is named like a secret: the walk does not see the schemas")
	}
}

// TestSecretRequestMembersAreTheDocumentsWriteOnlyMembers: the members the
// idempotency fingerprint leaves out are exactly the writeOnly members of
// the request bodies in openapi.yaml, route by route, and every route named
// is served.
func TestSecretRequestMembersAreTheDocumentsWriteOnlyMembers(t *testing.T) {
	doc, _ := loadOpenAPI(t)
	documented := map[string][]string{}
	forEachRequestMember(doc, func(route, pointer string, s *openapi3.Schema) {
		if s.WriteOnly {
			documented[route] = append(documented[route], pointer)
		}
	})
	table := httpapi.SecretRequestMembers()
	for _, m := range []map[string][]string{documented, table} {
		for route := range m {
			slices.Sort(m[route])
			m[route] = slices.Compact(m[route])
		}
	}
	for route, pointers := range documented {
		if !slices.Equal(table[route], pointers) {
			t.Errorf("%s: openapi.yaml marks %v writeOnly, SecretRequestMembers has %v", route, pointers, table[route])
		}
	}
	for route, pointers := range table {
		if _, ok := documented[route]; !ok {
			t.Errorf("%s: SecretRequestMembers has %v, which openapi.yaml does not mark writeOnly", route, pointers)
		}
		if !slices.Contains(httpapi.Routes(), route) {
			t.Errorf("SecretRequestMembers names %s, which is not served", route)
		}
	}
}

// forEachRequestMember calls fn for every member of every request body of
// doc, with its route ("POST /v2/payment_methods") and JSON pointer.
func forEachRequestMember(doc *openapi3.T, fn func(route, pointer string, s *openapi3.Schema)) {
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			for _, media := range op.RequestBody.Value.Content {
				walkRequestMembers(media.Schema, "", func(pointer string, s *openapi3.Schema) { fn(method+" "+path, pointer, s) })
			}
		}
	}
}

// walkRequestMembers calls fn for every property of schema (through $ref,
// allOf, oneOf, anyOf and array items), with its JSON pointer.
func walkRequestMembers(ref *openapi3.SchemaRef, pointer string, fn func(pointer string, s *openapi3.Schema)) {
	if ref == nil || ref.Value == nil || strings.Count(pointer, "/") > 16 {
		return
	}
	s := ref.Value
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			walkRequestMembers(sub, pointer, fn)
		}
	}
	for name, prop := range s.Properties {
		if prop.Value != nil {
			fn(pointer+"/"+name, prop.Value)
		}
		walkRequestMembers(prop, pointer+"/"+name, fn)
	}
	walkRequestMembers(s.Items, pointer+"/*", fn)
}

// openAPICall is one request of the walk below and the status it must get.
type openAPICall struct {
	method, path, key string
	body              any
	status            int
}

// TestOpenAPIDescribesTheAnswers calls every route the server registers and
// validates each request and each answer against openapi.yaml: status,
// content type and body. A route without a call here fails the test, so that
// a new endpoint must come with a documented example.
func TestOpenAPIDescribesTheAnswers(t *testing.T) {
	_, router := loadOpenAPI(t)
	w := newNoPriceWorld(t)
	srv := w.srv
	manager, managed, operator := srv.ManagerKey, w.account.APIKey, srv.OperatorKey

	// Fixtures the table needs before it can name its paths.
	target := createManaged(t, srv, manager, map[string]any{"business_name": "Walked by the OpenAPI test"})
	var link single[struct {
		DownloadURL string `json:"download_url"`
	}]
	r := call(t, srv, http.MethodGet, "/v2/invoices/"+w.invoiceID+"?action=link", managed, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &link)
	document, err := url.Parse(link.Data.DownloadURL)
	if err != nil || document.Path == "" {
		t.Fatalf("download_url %q: %v", link.Data.DownloadURL, err)
	}
	status, created := srv.Operator(t, http.MethodPost, "/reference/accounts", map[string]any{"email": "openapi-walk@example.com"})
	if status != http.StatusCreated {
		t.Fatalf("create a manager: %d %s", status, created)
	}
	var spareManager single[struct {
		ID string `json:"id"`
	}]
	if err := json.Unmarshal(created, &spareManager); err != nil {
		t.Fatalf("create a manager: %v", err)
	}
	future := "2100-01-01T00:00:00Z"
	smsRate := map[string]any{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "US", "rate": "0.004"}
	at := srv.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	report := "/v2/usage_reports?date_range=last_2_days&product=messaging&dimensions=direction&metrics=count,parts"

	walk := map[string][]openAPICall{
		"GET /healthz":      {{http.MethodGet, "/healthz", "", nil, 200}},
		"GET /readyz":       {{http.MethodGet, "/readyz", "", nil, 200}},
		"GET /openapi.yaml": {{http.MethodGet, "/openapi.yaml", "", nil, 200}},

		"GET /v2/managed_accounts": {
			{http.MethodGet, "/v2/managed_accounts?filter[status][eq]=enabled&sort=email&page[size]=5", manager, nil, 200},
			{http.MethodGet, "/v2/managed_accounts", "", nil, 401},
		},
		"POST /v2/managed_accounts": {
			{http.MethodPost, "/v2/managed_accounts", manager, map[string]any{"business_name": "Created by the OpenAPI walk", "rollup_billing": true}, 200},
			{http.MethodPost, "/v2/managed_accounts", manager, map[string]any{"business_name": ""}, 422},
		},
		"GET /v2/managed_accounts/allocatable_global_outbound_channels": {
			{http.MethodGet, "/v2/managed_accounts/allocatable_global_outbound_channels", manager, nil, 200}},
		"GET /v2/managed_accounts/{id}": {
			{http.MethodGet, "/v2/managed_accounts/" + target.ID, manager, nil, 200},
			{http.MethodGet, "/v2/managed_accounts/00000000-0000-0000-0000-000000000000", manager, nil, 404},
		},
		"PATCH /v2/managed_accounts/{id}": {{http.MethodPatch, "/v2/managed_accounts/" + target.ID, manager,
			map[string]any{"managed_account_allow_custom_pricing": true, "password": "correct horse battery"}, 200}},
		"POST /v2/managed_accounts/{id}/actions/disable": {{http.MethodPost, "/v2/managed_accounts/" + target.ID + "/actions/disable", manager, nil, 200}},
		"POST /v2/managed_accounts/{id}/actions/enable": {{http.MethodPost, "/v2/managed_accounts/" + target.ID + "/actions/enable", manager,
			map[string]any{"reenable_all_connections": true}, 200}},
		"PATCH /v2/managed_accounts/{id}/update_global_channel_limit": {{http.MethodPatch,
			"/v2/managed_accounts/" + target.ID + "/update_global_channel_limit", manager, map[string]any{"channel_limit": 3}, 200}},
		"GET /v2/managed_accounts/{id}/pricing": {{http.MethodGet, "/v2/managed_accounts/" + w.account.ID + "/pricing", manager, nil, 200}},
		"PUT /v2/managed_accounts/{id}/pricing": {
			{http.MethodPut, "/v2/managed_accounts/" + target.ID + "/pricing", manager, map[string]any{"rates": []any{smsRate}}, 200},
			{http.MethodPut, "/v2/managed_accounts/" + target.ID + "/pricing", managed, map[string]any{"rates": []any{}}, 403},
		},
		"POST /v2/managed_accounts/{id}/balance_transfers": {
			{http.MethodPost, "/v2/managed_accounts/" + w.account.ID + "/balance_transfers", manager, map[string]any{"amount": "1.00", "description": "walk"}, 200},
			{http.MethodPost, "/v2/managed_accounts/" + w.account.ID + "/balance_transfers", manager, map[string]any{"amount": "1"}, 422},
			{http.MethodPost, "/v2/managed_accounts/" + w.account.ID + "/balance_transfers", managed, map[string]any{"amount": "1.00"}, 403},
		},
		"GET /v2/managed_accounts/{id}/balance_transfers": {
			{http.MethodGet, "/v2/managed_accounts/" + w.account.ID + "/balance_transfers?page[size]=1", manager, nil, 200},
			{http.MethodGet, "/v2/managed_accounts/00000000-0000-0000-0000-000000000000/balance_transfers", manager, nil, 404},
		},
		"GET /v2/pricing": {{http.MethodGet, "/v2/pricing", manager, nil, 200}, {http.MethodGet, "/v2/pricing", managed, nil, 403}},
		"GET /v2/balance": {{http.MethodGet, "/v2/balance", managed, nil, 200}},
		"GET /v2/usage_reports": {
			{http.MethodGet, report, managed, nil, 200},
			{http.MethodGet, report + ",cost&managed_accounts=true", manager, nil, 200},
			{http.MethodGet, report + "&format=csv", managed, nil, 200},
			{http.MethodGet, report + ",cost", managed, nil, 403},
			{http.MethodGet, "/v2/usage_reports?date_range=last_2_days&product=messaging&dimensions=price&metrics=count", managed, nil, 400},
		},
		"GET /v2/usage_reports/options": {{http.MethodGet, "/v2/usage_reports/options?product=voice", managed, nil, 200}},
		"POST /v2/api_keys": {
			{http.MethodPost, "/v2/api_keys", managed, map[string]any{"description": "walk", "tags": []string{"a"}, "expires_at": future}, 200},
			{http.MethodPost, "/v2/api_keys", managed, map[string]any{"tags": []string{""}}, 422},
		},
		"GET /v2/api_keys": {{http.MethodGet, "/v2/api_keys?filter[status][eq]=active&page[size]=2", managed, nil, 200},
			{http.MethodGet, "/v2/api_keys?filter[status][eq]=revoked", managed, nil, 400}},
		"GET /v2/api_keys/{id}": {{http.MethodGet, "/v2/api_keys/" + w.keyID, managed, nil, 200},
			{http.MethodGet, "/v2/api_keys/" + w.keyID, manager, nil, 404}},
		"PATCH /v2/api_keys/{id}":         {{http.MethodPatch, "/v2/api_keys/" + w.keyID, managed, map[string]any{"status": "disabled"}, 200}},
		"DELETE /v2/api_keys/{id}":        {{http.MethodDelete, "/v2/api_keys/" + w.spareKeys[0], managed, nil, 200}},
		"GET /v2/audit_events":            {{http.MethodGet, "/v2/audit_events?filter[account_id]=" + w.account.ID + "&filter[created_at][gte]=2000-01-01T00:00:00Z", manager, nil, 200}},
		"POST /v2/payment_methods":        {{http.MethodPost, "/v2/payment_methods", managed, cardBody(testVisa), 200}},
		"GET /v2/payment_methods":         {{http.MethodGet, "/v2/payment_methods", managed, nil, 200}},
		"GET /v2/payment_methods/{id}":    {{http.MethodGet, "/v2/payment_methods/" + w.cardID, managed, nil, 200}},
		"DELETE /v2/payment_methods/{id}": {{http.MethodDelete, "/v2/payment_methods/" + w.spareCards[0], managed, nil, 200}},
		"PATCH /v2/payment_methods/{id}": {
			{http.MethodPatch, "/v2/payment_methods/" + w.cardID, managed, map[string]any{"card": map[string]any{"exp_month": 6, "exp_year": 2031}, "default": true}, 200},
			{http.MethodPatch, "/v2/payment_methods/" + w.cardID, managed, map[string]any{"card": map[string]any{"number": testVisa}}, 422},
		},
		"POST /v2/payment/stored_payment_transactions": {{http.MethodPost, "/v2/payment/stored_payment_transactions", managed, map[string]any{"amount": "5.00"}, 200}},
		"GET /v2/payment/auto_recharge_prefs":          {{http.MethodGet, "/v2/payment/auto_recharge_prefs", managed, nil, 200}},
		"PATCH /v2/payment/auto_recharge_prefs": {{http.MethodPatch, "/v2/payment/auto_recharge_prefs", managed,
			map[string]any{"enabled": true, "threshold_amount": "1.00", "recharge_amount": "10.00"}, 200}},
		"GET /v2/invoices":      {{http.MethodGet, "/v2/invoices?sort=period_start", managed, nil, 200}},
		"GET /v2/invoices/{id}": {{http.MethodGet, "/v2/invoices/" + w.invoiceID + "?action=link", managed, nil, 200}},
		"GET /documents/invoices/{id}": {
			{http.MethodGet, document.RequestURI(), "", nil, 200},
			{http.MethodGet, document.Path + "?account_id=x&expires=1&signature=forged", "", nil, 403},
		},

		"POST /reference/accounts": {
			{http.MethodPost, "/reference/accounts", operator, map[string]any{"email": "openapi-walk-2@example.com", "organization_name": "Walk",
				"managed_account_limit": 5, "allocatable_global_outbound_channels": 10, "credit_limit": "50.00"}, 201},
			{http.MethodPost, "/reference/accounts", manager, map[string]any{"email": "refused@example.com"}, 401},
		},
		"GET /reference/accounts/{id}":   {{http.MethodGet, "/reference/accounts/" + w.account.ID, operator, nil, 200}},
		"PATCH /reference/accounts/{id}": {{http.MethodPatch, "/reference/accounts/" + srv.ManagerID, operator, map[string]any{"managed_account_limit": 50}, 200}},
		"DELETE /reference/accounts/{id}": {{http.MethodDelete, "/reference/accounts/" + spareManager.Data.ID, operator, nil, 200},
			{http.MethodDelete, "/reference/accounts/nope", operator, nil, 404}},
		"GET /reference/accounts/{id}/managed_accounts": {{http.MethodGet, "/reference/accounts/" + srv.ManagerID + "/managed_accounts?page[size]=2", operator, nil, 200}},
		"PUT /reference/accounts/{id}/credit_limit":     {{http.MethodPut, "/reference/accounts/" + srv.ManagerID + "/credit_limit", operator, map[string]any{"credit_limit": "100.00"}, 200}},
		"POST /reference/accounts/{id}/adjustments": {{http.MethodPost, "/reference/accounts/" + srv.ManagerID + "/adjustments", operator,
			map[string]any{"amount": "-2.50", "description": "walk"}, 201}},
		"GET /reference/accounts/{id}/rates": {{http.MethodGet, "/reference/accounts/" + srv.ManagerID + "/rates", operator, nil, 200}},
		"PUT /reference/accounts/{id}/rates": {{http.MethodPut, "/reference/accounts/" + srv.ManagerID + "/rates", operator,
			map[string]any{"effective_from": future, "rates": []any{smsRate}}, 200}},
		"GET /reference/price_book": {{http.MethodGet, "/reference/price_book?at=2026-01-01T00:00:00Z", operator, nil, 200}},
		"PUT /reference/price_book": {{http.MethodPut, "/reference/price_book", operator,
			map[string]any{"effective_from": future, "rates": []any{smsRate}}, 200}},
		"GET /reference/audit_events": {{http.MethodGet, "/reference/audit_events?page[size]=3", operator, nil, 200}},
		"POST /reference/usage_events": {{http.MethodPost, "/reference/usage_events", operator, map[string]any{"events": []any{
			usageEvent("openapi-walk-1", w.account.ID, "messaging", at, map[string]any{"direction": "inbound", "message_type": "SMS", "country_iso": "US", "parts": 1}),
		}}, 200}},
	}

	maps.Copy(walk, notificationOpenAPIWalk(t, w))
	registered := httpapi.Routes()
	for pattern := range walk {
		if !slices.Contains(registered, pattern) {
			t.Errorf("the walk calls %q, which the server does not register", pattern)
		}
	}
	for _, pattern := range registered {
		calls, ok := walk[pattern]
		if !ok {
			t.Errorf("the server registers %q, which this walk does not call: add a call", pattern)
			continue
		}
		for _, c := range calls {
			validateWithOpenAPI(t, router, srv.Do, c)
		}
	}
}

// validateWithOpenAPI sends c and checks the request and the answer against
// the document.
func validateWithOpenAPI(t *testing.T, router routers.Router, do func(testing.TB, string, string, string, any) (int, http.Header, []byte), c openAPICall) {
	t.Helper()
	var reqBody []byte
	if c.body != nil {
		var err error
		if reqBody, err = json.Marshal(c.body); err != nil {
			t.Fatalf("encode: %v", err)
		}
	}
	status, header, body := do(t, c.method, c.path, c.key, c.body)
	where := fmt.Sprintf("%s %s answered %d %s", c.method, c.path, status, body)
	if status != c.status {
		t.Errorf("%s; want %d", where, c.status)
		return
	}
	req := httptest.NewRequest(c.method, c.path, bytes.NewReader(reqBody))
	if reqBody != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s: openapi.yaml has no operation for it: %v", where, err)
		return
	}
	opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	reqInput := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	// Requests the server refuses may break the document on purpose.
	if status < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), reqInput); err != nil {
			t.Errorf("%s: the request breaks openapi.yaml: %v", where, err)
		}
	}
	respOpts := *opts
	switch contentType := header.Get("Content-Type"); {
	case strings.HasPrefix(contentType, "application/json"), strings.HasPrefix(contentType, "text/csv"):
	default:
		// HTML documents and this YAML: the status and content type are
		// checked, the body (a string) is not decoded.
		respOpts.ExcludeResponseBody = true
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &respOpts,
	})
	if err != nil {
		t.Errorf("%s: the answer breaks openapi.yaml: %v", where, err)
	}
}

// toGeneric turns part of a loaded document into plain JSON values.
func toGeneric(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

// notASuperset lists where ours does not hold everything contract holds:
// every key of an object with a value that holds the contract's, lists at
// least as long with each element holding the contract's, equal scalars.
func notASuperset(where string, ours, contract any) []string {
	switch c := contract.(type) {
	case map[string]any:
		o, ok := ours.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v in openapi.yaml, an object in the contract", where, ours)}
		}
		var diffs []string
		for _, k := range keys(c) {
			ov, present := o[k]
			if !present {
				diffs = append(diffs, fmt.Sprintf("%s/%s: in the contract, missing from openapi.yaml", where, k))
				continue
			}
			diffs = append(diffs, notASuperset(where+"/"+k, ov, c[k])...)
		}
		return diffs
	case []any:
		o, ok := ours.([]any)
		if !ok || len(o) < len(c) {
			return []string{fmt.Sprintf("%s: %v in openapi.yaml, %v in the contract", where, ours, contract)}
		}
		var diffs []string
		for i := range c {
			diffs = append(diffs, notASuperset(fmt.Sprintf("%s/%d", where, i), o[i], c[i])...)
		}
		return diffs
	default:
		if fmt.Sprint(ours) != fmt.Sprint(contract) {
			return []string{fmt.Sprintf("%s: %v in openapi.yaml, %v in the contract", where, ours, contract)}
		}
		return nil
	}
}

// keys returns a map's keys, sorted.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
