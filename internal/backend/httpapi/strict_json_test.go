package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// strictBody is a valid body of one route, with every member the route
// takes, nested ones included, and who may send it.
type strictBody struct {
	path, key string
	body      any
}

// strictBodies returns a valid body for every route that takes one. A route
// that takes a body and is missing here fails TestBodiesRefuseDuplicatesAndBadText,
// so that a new endpoint is covered by construction.
func strictBodies(t *testing.T, srv *backendtest.Server) map[string]strictBody {
	t.Helper()
	manager, operator := srv.ManagerKey, srv.OperatorKey
	managed := createManaged(t, srv, manager, map[string]any{"business_name": "Strict JSON Ltd"})
	card := createCard(t, srv, managed.APIKey, testVisa)
	r := call(t, srv, http.MethodPost, "/v2/api_keys", managed.APIKey, map[string]any{"description": "strict"})
	r.wantStatus(t, http.StatusOK)
	var key single[struct {
		ID string `json:"id"`
	}]
	r.decode(t, &key)
	future := srv.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	at := srv.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	rates := []any{smsRateBody("US", "0.004"), smsRateBody("GB", "0.005")}
	bodies := map[string]strictBody{
		"POST /v2/managed_accounts": {"/v2/managed_accounts", manager, map[string]any{"business_name": "Strict Two Ltd",
			"email": "strict-two@example.com", "password": "a-long-password", "managed_account_allow_custom_pricing": true, "rollup_billing": false}},
		"PATCH /v2/managed_accounts/{id}": {"/v2/managed_accounts/" + managed.ID, manager,
			map[string]any{"managed_account_allow_custom_pricing": true, "password": "another-long-password"}},
		// Takes no member at all: any member is refused as unknown.
		"POST /v2/managed_accounts/{id}/actions/disable": {"/v2/managed_accounts/" + managed.ID + "/actions/disable", manager, map[string]any{}},
		"POST /v2/managed_accounts/{id}/actions/enable": {"/v2/managed_accounts/" + managed.ID + "/actions/enable", manager,
			map[string]any{"reenable_all_connections": true}},
		"PATCH /v2/managed_accounts/{id}/update_global_channel_limit": {"/v2/managed_accounts/" + managed.ID + "/update_global_channel_limit",
			manager, map[string]any{"channel_limit": 2}},
		"PUT /v2/managed_accounts/{id}/pricing": {"/v2/managed_accounts/" + managed.ID + "/pricing", manager, map[string]any{"rates": rates}},
		"POST /v2/managed_accounts/{id}/balance_transfers": {"/v2/managed_accounts/" + managed.ID + "/balance_transfers", manager,
			map[string]any{"amount": "1.00", "description": "strict"}},
		"POST /v2/api_keys": {"/v2/api_keys", managed.APIKey, map[string]any{"description": "strict", "tags": []string{"a", "b"}, "expires_at": future}},
		"PATCH /v2/api_keys/{id}": {"/v2/api_keys/" + key.Data.ID, managed.APIKey,
			map[string]any{"description": "strict", "tags": []string{"c"}, "status": "active"}},
		"POST /v2/payment_methods": {"/v2/payment_methods", managed.APIKey, cardBodyWith(testVisa, func(_, _ map[string]any) {})},
		"PATCH /v2/payment_methods/{id}": {"/v2/payment_methods/" + card.ID, managed.APIKey, map[string]any{
			"card": map[string]any{"exp_month": 6, "exp_year": 2031}, "default": true,
			"billing_details": map[string]any{"name": "Ada Lovelace", "postal_code": "N1", "country": "GB"}}},
		"POST /v2/payment/stored_payment_transactions": {"/v2/payment/stored_payment_transactions", managed.APIKey, map[string]any{"amount": "5.00"}},
		"PATCH /v2/payment/auto_recharge_prefs": {"/v2/payment/auto_recharge_prefs", managed.APIKey, map[string]any{"enabled": true,
			"invoice_enabled": false, "preference": "credit_paypal", "threshold_amount": "1.00", "recharge_amount": "10.00"}},
		"POST /reference/accounts": {"/reference/accounts", operator, map[string]any{"email": "strict-manager@example.com",
			"organization_name": "Strict", "password": "a-long-password", "managed_account_limit": 5,
			"allocatable_global_outbound_channels": 10, "credit_limit": "50.00"}},
		"PATCH /reference/accounts/{id}": {"/reference/accounts/" + srv.ManagerID, operator,
			map[string]any{"managed_account_limit": 50, "allocatable_global_outbound_channels": 20}},
		"PUT /reference/accounts/{id}/credit_limit": {"/reference/accounts/" + srv.ManagerID + "/credit_limit", operator, map[string]any{"credit_limit": "100.00"}},
		"POST /reference/accounts/{id}/adjustments": {"/reference/accounts/" + srv.ManagerID + "/adjustments", operator,
			map[string]any{"amount": "-2.50", "description": "strict"}},
		"PUT /reference/accounts/{id}/rates": {"/reference/accounts/" + srv.ManagerID + "/rates", operator,
			map[string]any{"effective_from": future, "rates": rates}},
		"PUT /reference/price_book": {"/reference/price_book", operator, map[string]any{"effective_from": future, "rates": rates}},
		"POST /reference/usage_events": {"/reference/usage_events", operator, map[string]any{"events": []any{
			usageEvent("strict-1", managed.ID, "messaging", at, map[string]any{"direction": "outbound", "message_type": "SMS",
				"country_iso": "US", "product_name": "long_code", "parts": 2}),
			usageEvent("strict-2", managed.ID, "voice", at, map[string]any{"direction": "outbound", "country_iso": "US", "billed_sec": 60}),
			usageEvent("strict-3", managed.ID, "wireless", at, map[string]any{"country_iso": "US", "bytes": 1024}),
		}}},
	}
	maps.Copy(bodies, notificationStrictBodies(t, srv, managed.APIKey))
	return bodies
}

// jsonMember is where one member (or one string in an array) sits in a body.
type jsonMember struct {
	pointer    string // the member's JSON pointer
	parent     string // the pointer of the object or array that holds it ("/" for the body)
	start, end int    // the member's bytes: "name": value (the value only, in an array)
	nameStart  int    // the offset of the name's opening quote; -1 in an array
	valueStart int    // the offset of the value's first byte
	isString   bool   // the value is a string
}

// jsonMembers lists every member of every object of body, at every depth,
// and every string element of its arrays, in document order. body must be
// compact (json.Marshal's output).
func jsonMembers(t *testing.T, body []byte) []jsonMember {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []jsonMember
	var walk func(pointer string)
	walk = func(pointer string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("walk %s: %v", body, err)
		}
		parent := pointer
		if parent == "" {
			parent = "/"
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				nameStart := int(dec.InputOffset())
				if body[nameStart] == ',' {
					nameStart++
				}
				tok, err := dec.Token()
				name, isName := tok.(string)
				if err != nil || !isName {
					t.Fatalf("walk %s: %v, %v", body, tok, err)
				}
				valueStart := int(dec.InputOffset()) + 1 // past the colon
				i := len(out)
				out = append(out, jsonMember{})
				child := pointer + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
				walk(child)
				out[i] = jsonMember{pointer: child, parent: parent, start: nameStart, end: int(dec.InputOffset()),
					nameStart: nameStart, valueStart: valueStart, isString: body[valueStart] == '"'}
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for n := 0; dec.More(); n++ {
				start := int(dec.InputOffset())
				if body[start] == ',' {
					start++
				}
				child := pointer + "/" + strconv.Itoa(n)
				if body[start] == '"' {
					out = append(out, jsonMember{pointer: child, parent: parent, start: start, nameStart: -1, valueStart: start, isString: true})
					walk(child)
					out[len(out)-1].end = int(dec.InputOffset())
					continue
				}
				walk(child)
			}
			_, _ = dec.Token()
		}
	}
	walk("")
	return out
}

// badText are string contents that are not text: invalid UTF-8 and
// surrogates that do not pair, escaped or raw.
var badText = []struct{ name, raw string }{
	{"a byte that is never UTF-8", "\xff"},
	{"an overlong encoding of /", "\xc0\xaf"},
	{"a truncated sequence", "\xe2\x82"},
	{"a surrogate encoded in UTF-8", "\xed\xa0\x80"},
	{"a lone high surrogate", `\ud800`},
	{"a lone low surrogate", `\udc00`},
	{"a high surrogate before a letter", `\ud800\u0041`},
	{"two high surrogates", `\ud83d\ud83d`},
}

func splice(body []byte, at int, insert string) []byte {
	return slices.Concat(body[:at], []byte(insert), body[at:])
}

// TestBodiesRefuseDuplicatesAndBadText: in every body the API and the
// operator API take, at every depth (nested objects, arrays of objects), a
// member given twice, a string that is not valid UTF-8 or holds a lone
// surrogate, and a member name that is not valid text are each a 422 in the
// envelope with the pointer of the member at fault (of the object holding
// the name, for a name), and the body they came from is accepted as it is.
func TestBodiesRefuseDuplicatesAndBadText(t *testing.T) {
	srv := backendtest.Start(t)
	bodies := strictBodies(t, srv)
	var routes []string
	for _, route := range httpapi.Routes() {
		method, _, _ := strings.Cut(route, " ")
		if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
			routes = append(routes, route)
		}
	}
	for _, route := range routes {
		b, ok := bodies[route]
		if !ok {
			t.Errorf("%s takes a body and has none in strictBodies: add one with every member it takes", route)
			continue
		}
		t.Run(route, func(t *testing.T) {
			method, _, _ := strings.Cut(route, " ")
			body, err := json.Marshal(b.body)
			if err != nil {
				t.Fatal(err)
			}
			send := func(what string, sent []byte, want errWant) {
				t.Helper()
				r := raw(t, srv, method, b.path, b.key, sent)
				if r.status != want.status {
					t.Errorf("%s: %s was answered %d %s, want %d at %q", what, sent, r.status, r.body, want.status, want.pointer)
					return
				}
				r.wantError(t, want)
			}
			for i, m := range jsonMembers(t, body) {
				at := func(pointer string) errWant { return errWant{status: 422, code: "10004", pointer: pointer} }
				if m.nameStart >= 0 {
					send("duplicate "+m.pointer, splice(body, m.end, ","+string(body[m.start:m.end])), at(m.pointer))
					bad := badText[i%len(badText)]
					send(bad.name+" in the name of "+m.pointer, splice(body, m.nameStart+1, bad.raw), at(m.parent))
				}
				if m.isString {
					bad := badText[(i+1)%len(badText)]
					send(bad.name+" in "+m.pointer, splice(body, m.valueStart+1, bad.raw), at(m.pointer))
				}
			}
			// Last, as it may change what the bodies above refer to: the
			// body itself is valid, so what was refused was the fault.
			if r := raw(t, srv, method, b.path, b.key, body); r.status/100 != 2 {
				t.Errorf("the valid body %s was answered %d %s", body, r.status, r.body)
			}
		})
	}
}

// TestBadTextEveryForm sends each form of bad text in one field, and in a
// field name, so that every form is seen at least once at the top level.
func TestBadTextEveryForm(t *testing.T) {
	srv := backendtest.Start(t)
	for _, bad := range badText {
		t.Run(bad.name, func(t *testing.T) {
			call(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, `{"business_name":"Acme`+bad.raw+`"}`).
				wantError(t, errWant{status: 422, code: "10004", pointer: "/business_name"})
			call(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, `{"business_name":"Acme","x`+bad.raw+`":1}`).
				wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
		})
	}
	// Text that is valid is kept as it was sent: a surrogate pair, and
	// characters beyond ASCII written raw.
	for _, name := range []string{`Acme \ud83d\ude00`, "Acme \U0001F600", "Ærø Ĳssel 株式会社"} {
		r := call(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, `{"business_name":"`+name+`"}`)
		r.wantStatus(t, http.StatusOK)
		var got single[managedAccount]
		r.decode(t, &got)
		var want string
		if err := json.Unmarshal([]byte(`"`+name+`"`), &want); err != nil {
			t.Fatal(err)
		}
		if got.Data.OrganizationName != want {
			t.Errorf("business_name %q was stored as %q", want, got.Data.OrganizationName)
		}
	}
}

// TestDuplicateCardNumberIsNotCharged: a card body with two numbers is
// refused at the second, and no card is stored, neither the first number nor
// the second.
func TestDuplicateCardNumberIsNotCharged(t *testing.T) {
	srv := backendtest.Start(t)
	body := fmt.Sprintf(`{"type":"card","card":{"number":%q,"exp_month":12,"exp_year":2035,"cvc":"123","number":%q},`+
		`"billing_details":{"name":"Grace Hopper","country":"US"}}`, testDeclined, testVisa)
	call(t, srv, http.MethodPost, "/v2/payment_methods", srv.ManagerKey, body).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/card/number"})
	r := call(t, srv, http.MethodGet, "/v2/payment_methods", srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	var cards list[paymentMethodOut]
	r.decode(t, &cards)
	if len(cards.Data) != 0 {
		t.Fatalf("a refused body stored %d cards: %+v", len(cards.Data), cards.Data)
	}
	// A top-up names no card: with none on file it cannot be charged either.
	call(t, srv, http.MethodPost, "/v2/payment/stored_payment_transactions", srv.ManagerKey, `{"amount":"5.00","amount":"500.00"}`).
		wantError(t, errWant{status: 422, code: "10004", pointer: "/amount"})
}
