package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// contractFiles are the Telnyx contract, files of this repository: verbatim
// subsets of Telnyx's public OpenAPI documents (their provenance is in each
// file's info.description and in DESIGN 2.1). The first is the managed
// accounts and billing subset, the second the Notifications API's.
var contractFiles = []string{"testdata/telnyx-openapi-subset.yaml", "testdata/telnyx-notifications-openapi-subset.yaml"}

// contract validates the backend's answers against the Telnyx OpenAPI subset.
//
// What loading needed: the file is OpenAPI 3.1.0, which kin-openapi v0.153.0
// loads as is (type arrays such as [string, 'null'] included), and it then
// validates schemas as JSON Schema 2020-12. Only the servers are changed:
// the spec's server is https://api.telnyx.com/v2, so the loaded document gets
// no servers and requests are routed on their path with the /v2 prefix
// stripped, except for the paths the document itself writes with /v2
// (contractPathsWithPrefix).
type contract struct {
	routers []routers.Router
}

var (
	contractOnce   sync.Once
	sharedContract *contract
	contractErr    error
)

func loadContract(t *testing.T) *contract {
	t.Helper()
	contractOnce.Do(func() {
		c := &contract{}
		for _, file := range contractFiles {
			doc, err := openapi3.NewLoader().LoadFromFile(file)
			if err != nil {
				contractErr = fmt.Errorf("%s: %w", file, err)
				return
			}
			doc.Servers = nil
			router, err := legacy.NewRouter(doc)
			if err != nil {
				contractErr = fmt.Errorf("%s: %w", file, err)
				return
			}
			c.routers = append(c.routers, router)
		}
		sharedContract = c
	})
	if contractErr != nil {
		t.Fatalf("load the OpenAPI contract: %v", contractErr)
	}
	return sharedContract
}

// contractPathsWithPrefix are the paths the contract writes with a /v2
// prefix although its server URL already ends in /v2 (a quirk of the
// document, see DESIGN 2.1): the real endpoint is under
// /v2 once, so these are routed on the request's whole path.
var contractPathsWithPrefix = []string{"/v2/payment/stored_payment_transactions"}

// contractPath is the path under which the contract documents a request
// path (query string allowed); false when it documents none, as for
// /v2/v2/payment/…, which strips to a prefixed path but is no real endpoint.
func contractPath(path string) (string, bool) {
	p, _, _ := strings.Cut(path, "?")
	if slices.Contains(contractPathsWithPrefix, p) {
		return path, true
	}
	stripped := strings.TrimPrefix(path, "/v2")
	if q, _, _ := strings.Cut(stripped, "?"); slices.Contains(contractPathsWithPrefix, q) {
		return "", false
	}
	return stripped, true
}

// errNotInContract says that the contract has no operation for a request
// (an extension, or a route that does not exist), so there is nothing to
// validate its answer against.
var errNotInContract = errors.New("no operation in the contract")

// validate checks one answer of the Telnyx-compatible API: its status must be
// one the operation documents (or fall to its default), and its body must
// match that response's schema. path is the request's path under /v2 with
// its query string.
func (c *contract) validate(method, path string, status int, header http.Header, body []byte) error {
	documented, ok := contractPath(path)
	if !ok {
		return errNotInContract
	}
	req := httptest.NewRequest(method, documented, nil)
	var (
		route      *routers.Route
		pathParams map[string]string
	)
	for _, router := range c.routers {
		if r, params, err := router.FindRoute(req); err == nil {
			route, pathParams = r, params
			break
		}
	}
	if route == nil {
		return errNotInContract
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams, Route: route,
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	return openapi3filter.ValidateResponse(context.Background(), input)
}

// TestContractValidatorRejectsWrongShapes proves that the validation the
// other tests rely on can fail: each body here breaks the contract.
func TestContractValidatorRejectsWrongShapes(t *testing.T) {
	c := loadContract(t)
	jsonHeader := http.Header{"Content-Type": []string{"application/json"}}
	valid := `{"data":{"record_type":"managed_account","id":"f65ceda4-6522-4ad6-aede-98de83385123",` +
		`"email":"a@example.com","api_key":"KEYx","api_token":"tok","api_user":"a@example.com",` +
		`"manager_account_id":"m","created_at":"2018-02-02T22:25:27.521Z","updated_at":"2018-02-02T22:25:27.521Z"}}`
	if err := c.validate(http.MethodGet, "/v2/managed_accounts/f65ceda4-6522-4ad6-aede-98de83385123", 200, jsonHeader, []byte(valid)); err != nil {
		t.Fatalf("a valid ManagedAccount was refused: %v", err)
	}
	cases := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"managed account without api_key", http.MethodGet, "/v2/managed_accounts/x", 200,
			strings.Replace(valid, `"api_key":"KEYx",`, "", 1)},
		{"managed account with a numeric balance", http.MethodGet, "/v2/managed_accounts/x", 200,
			strings.Replace(valid, `"api_key":"KEYx",`, `"api_key":"KEYx","balance":{"balance":300},`, 1)},
		{"wrong record_type", http.MethodPost, "/v2/managed_accounts", 200,
			strings.Replace(valid, `"record_type":"managed_account"`, `"record_type":"account"`, 1)},
		{"list data as an object", http.MethodGet, "/v2/managed_accounts?page[size]=1", 200,
			`{"data":{},"meta":{"page_number":1,"page_size":1,"total_pages":0,"total_results":0}}`},
		{"meta with a string total", http.MethodGet, "/v2/managed_accounts", 200,
			`{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":"0"}}`},
		{"balance as a number", http.MethodGet, "/v2/balance", 200,
			`{"data":{"record_type":"balance","balance":1.5,"pending":"0.00","credit_limit":"0.00","available_credit":"1.50","currency":"USD"}}`},
		{"422 error with a numeric code", http.MethodPost, "/v2/managed_accounts", 422,
			`{"errors":[{"code":10004,"title":"Invalid value"}]}`},
		{"422 error without a title", http.MethodPost, "/v2/managed_accounts", 422,
			`{"errors":[{"code":"10004"}]}`},
		{"channel limit as a string", http.MethodPatch, "/v2/managed_accounts/x/update_global_channel_limit", 200,
			`{"data":{"record_type":"managed_account_global_outbound_settings","id":"x","email":"a@example.com","manager_account_id":"m","channel_limit":"5"}}`},
		{"top-up amount_cents as a string", http.MethodPost, "/v2/payment/stored_payment_transactions", 200,
			`{"data":{"id":"t","record_type":"transaction","amount_cents":"12000","amount_currency":"USD","auto_recharge":false,` +
				`"created_at":"2026-02-25T10:00:00.000Z","processor_status":"settled","transaction_processing_type":"stored_payment"}}`},
		{"top-up of another record type", http.MethodPost, "/v2/payment/stored_payment_transactions", 200,
			`{"data":{"id":"t","record_type":"top_up","amount_cents":12000}}`},
		{"auto-recharge preference out of the enum", http.MethodGet, "/v2/payment/auto_recharge_prefs", 200,
			`{"data":{"id":"p","record_type":"auto_recharge_pref","enabled":false,"preference":"card"}}`},
		{"auto-recharge enabled as a string", http.MethodPatch, "/v2/payment/auto_recharge_prefs", 200,
			`{"data":{"id":"p","record_type":"auto_recharge_pref","enabled":"false"}}`},
		{"usage report rows as an object", http.MethodGet, "/v2/usage_reports?product=voice", 200,
			`{"data":{"direction":"inbound"},"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}}`},
		{"usage report row as an array", http.MethodGet, "/v2/usage_reports?product=voice", 200,
			`{"data":[["inbound",1]],"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}}`},
		{"usage report total as a string", http.MethodGet, "/v2/usage_reports", 200,
			`{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":"0"}}`},
		{"usage report 400 with a numeric code", http.MethodGet, "/v2/usage_reports", 400,
			`{"errors":[{"code":10003,"title":"Metrics invalid values","source":{"parameter":"metrics"}}]}`},
		{"usage report options metrics as a string", http.MethodGet, "/v2/usage_reports/options", 200,
			`{"data":[{"product":"voice","product_dimensions":["direction"],"product_metrics":"count"}]}`},
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
	// A JSON answer must say so: an error body sent as text/plain is refused.
	textHeader := http.Header{"Content-Type": []string{"text/plain; charset=utf-8"}}
	if err := c.validate(http.MethodPost, "/v2/managed_accounts", 422, textHeader, []byte(`{"errors":[]}`)); err == nil {
		t.Fatal("the validator accepted a 422 answered as text/plain")
	}
}

// TestExtensionsAreSkippedExplicitly: the answers of our extensions are not
// validated against the Telnyx contract because it has no operation for
// them, and only the paths listed as extensions are skipped: a Telnyx path,
// or one that merely starts like an extension, is still validated.
func TestExtensionsAreSkippedExplicitly(t *testing.T) {
	c := loadContract(t)
	for _, path := range []string{"/v2/api_keys", "/v2/api_keys/abc", "/v2/audit_events", "/v2/audit_events?page[size]=1",
		"/v2/payment_methods", "/v2/payment_methods/abc", "/v2/payment_methods?page[size]=1",
		"/v2/managed_accounts/abc/balance_transfers", "/v2/managed_accounts/abc/balance_transfers?page[size]=1"} {
		if !isExtension(path) {
			t.Errorf("%s is not treated as an extension", path)
		}
		// Should the contract ever gain the path, the skip must go.
		if err := c.validate(http.MethodGet, path, 200, http.Header{"Content-Type": []string{"application/json"}}, []byte(`{}`)); !errors.Is(err, errNotInContract) {
			t.Errorf("the contract has an operation for %s (%v): validate it instead of skipping it", path, err)
		}
	}
	for _, path := range []string{"/v2/managed_accounts", "/v2/managed_accounts/x", "/v2/balance", "/v2/api_keys_export", "/v2/audit_eventsx/1", "/v2/nope",
		"/v2/payment/auto_recharge_prefs", "/v2/payment/stored_payment_transactions", "/v2/payment_methodsx",
		"/v2/usage_reports", "/v2/usage_reports/options", "/v2/managed_accounts//balance_transfers",
		"/v2/managed_accounts/a/b/balance_transfers", "/v2/managed_accounts/abc/balance_transfersx"} {
		if isExtension(path) {
			t.Errorf("%s is skipped as an extension", path)
		}
	}
}

// TestContractRoutesPrefixedPaths: the top-up path, which the contract writes
// with its /v2 prefix, is validated under the request's path, and only there.
func TestContractRoutesPrefixedPaths(t *testing.T) {
	c := loadContract(t)
	jsonHeader := http.Header{"Content-Type": []string{"application/json"}}
	valid := `{"data":{"id":"de06811a-2e43-4561-af5a-7d0a26e20aaa","record_type":"transaction","amount_cents":12000,` +
		`"amount_currency":"USD","auto_recharge":false,"created_at":"2026-02-25T10:00:00.000Z",` +
		`"processor_status":"submitted_for_settlement","transaction_processing_type":"stored_payment"}}`
	if err := c.validate(http.MethodPost, "/v2/payment/stored_payment_transactions", 200, jsonHeader, []byte(valid)); err != nil {
		t.Fatalf("the contract's own example was refused: %v", err)
	}
	for _, path := range []string{"/v2/v2/payment/stored_payment_transactions", "/payment/stored_payment_transactions"} {
		if err := c.validate(http.MethodPost, path, 200, jsonHeader, []byte(valid)); !errors.Is(err, errNotInContract) {
			t.Errorf("%s was routed to a contract operation (%v)", path, err)
		}
	}
	if got, ok := contractPath("/v2/payment/auto_recharge_prefs?x=1"); !ok || got != "/payment/auto_recharge_prefs?x=1" {
		t.Errorf("contractPath must strip /v2 from other paths: got %q, %v", got, ok)
	}
}
