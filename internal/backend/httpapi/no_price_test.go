package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
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

// priceKeys are the keys that would tell a managed account what it pays per
// unit, or what its usage cost its manager (DESIGN 3.2: never shown to it).
var priceKeys = []string{"cost", "rate", "rates", "price", "prices", "unit_price"}

// registeredRoutes is every route the package registers.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	routes := httpapi.Routes()
	if !slices.Contains(routes, "GET /v2/balance") {
		t.Fatalf("found routes %v: GET /v2/balance is missing", routes)
	}
	return routes
}

// noPriceWorld is a manager and its managed account with everything an
// endpoint may show: custom and committed rates, usage of every product
// (so reports have rows and invoices usage lines), a card, a top-up, keys.
type noPriceWorld struct {
	srv       *backendtest.Server
	account   managedAccount
	keyID     string // an extra key of the account, for the per-key endpoints
	cardID    string
	invoiceID string
	// spareKeys and spareCards are revoked and deleted by the walk, one of
	// each per pass.
	spareKeys, spareCards []string
	// notify are the account's notification objects (notifications_test.go).
	notify *walkedNotifications
}

func newNoPriceWorld(t *testing.T) *noPriceWorld {
	t.Helper()
	srv := backendtest.Start(t)
	w := &noPriceWorld{srv: srv}
	w.account = createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Priceless"})
	call(t, srv, http.MethodPatch, "/v2/managed_accounts/"+w.account.ID, srv.ManagerKey,
		map[string]any{"managed_account_allow_custom_pricing": true}).wantStatus(t, http.StatusOK)
	call(t, srv, http.MethodPut, "/v2/managed_accounts/"+w.account.ID+"/pricing", srv.ManagerKey, map[string]any{"rates": []map[string]any{
		{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "US", "rate": "0.0031"},
	}}).wantStatus(t, http.StatusOK)
	if status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/rates", map[string]any{"rates": []map[string]any{
		{"product": "voice", "direction": "outbound", "country_iso": "*", "rate": "0.004"},
	}}); status != http.StatusOK {
		t.Fatalf("committed rates: %d %s", status, body)
	}
	at := srv.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	srv.IngestUsage(t, []map[string]any{
		usageEvent("np-sms", w.account.ID, "messaging", at, map[string]any{"direction": "outbound", "message_type": "SMS", "country_iso": "US", "product_name": "long_code", "parts": 2}),
		usageEvent("np-call", w.account.ID, "voice", at, map[string]any{"direction": "outbound", "country_iso": "GB", "product_name": "sip_trunking", "billed_sec": 125}),
		usageEvent("np-data", w.account.ID, "wireless", at, map[string]any{"country_iso": "MX", "product_name": "sim", "bytes": 3_500_000}),
	})
	key := w.account.APIKey
	w.cardID = createCard(t, srv, key, testVisa).ID
	for range walkPasses {
		w.spareCards = append(w.spareCards, createCard(t, srv, key, testAmex).ID)
		spare, _ := srv.CreateAPIKey(t, key, map[string]any{"description": "revoked by the walk"})
		w.spareKeys = append(w.spareKeys, spare)
	}
	call(t, srv, http.MethodPost, "/v2/payment/stored_payment_transactions", key, map[string]any{"amount": "20.00"}).wantStatus(t, http.StatusOK)
	// A balance transfer: its credit is on the account's invoice.
	srv.Adjust(t, srv.ManagerID, "50.00")
	transfer(t, srv, srv.ManagerKey, w.account.ID, "5.00", "Welcome credit")
	w.keyID, _ = srv.CreateAPIKey(t, key, map[string]any{"description": "walked"})
	var invoices list[invoiceJSON]
	r := call(t, srv, http.MethodGet, "/v2/invoices", key, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &invoices)
	if len(invoices.Data) == 0 || len(invoices.Data[0].Lines) == 0 || len(invoices.Data[0].CreditLines) < 2 {
		t.Fatalf("%s; want an invoice with usage lines and credit lines (the top-up, the transfer)", r)
	}
	w.invoiceID = invoices.Data[0].InvoiceID
	w.notify = newWalkedNotifications(t, w)
	return w
}

// walkRequest is one call of the walk and the status it must get.
type walkRequest struct {
	method, path string
	body         any
	status       int
}

const walkReport = "/v2/usage_reports?date_range=last_2_days&"

// walkPasses is how many times the walk calls every route: once with each
// of the managed account's keys.
const walkPasses = 2

// walkRequests are the calls that exercise each /v2 route as the managed
// account in a pass, by route pattern. A route missing here fails the walk:
// a new endpoint must say how to call it.
func walkRequests(w *noPriceWorld, pass int) map[string][]walkRequest {
	id := w.account.ID
	get := func(path string, status int) walkRequest { return walkRequest{http.MethodGet, path, nil, status} }
	requests := map[string][]walkRequest{
		"GET /v2/managed_accounts":                                      {get("/v2/managed_accounts", 403)},
		"POST /v2/managed_accounts":                                     {{http.MethodPost, "/v2/managed_accounts", map[string]any{"business_name": "Nested"}, 403}},
		"GET /v2/managed_accounts/allocatable_global_outbound_channels": {get("/v2/managed_accounts/allocatable_global_outbound_channels", 403)},
		"GET /v2/managed_accounts/{id}":                                 {get("/v2/managed_accounts/"+id, 403)},
		"PATCH /v2/managed_accounts/{id}":                               {{http.MethodPatch, "/v2/managed_accounts/" + id, map[string]any{"managed_account_allow_custom_pricing": false}, 403}},
		"POST /v2/managed_accounts/{id}/actions/disable":                {{http.MethodPost, "/v2/managed_accounts/" + id + "/actions/disable", nil, 403}},
		"POST /v2/managed_accounts/{id}/actions/enable":                 {{http.MethodPost, "/v2/managed_accounts/" + id + "/actions/enable", nil, 403}},
		"PATCH /v2/managed_accounts/{id}/update_global_channel_limit": {
			{http.MethodPatch, "/v2/managed_accounts/" + id + "/update_global_channel_limit", map[string]any{"channel_limit": 1}, 403}},
		"GET /v2/managed_accounts/{id}/pricing": {get("/v2/managed_accounts/"+id+"/pricing", 403)},
		"PUT /v2/managed_accounts/{id}/pricing": {{http.MethodPut, "/v2/managed_accounts/" + id + "/pricing", map[string]any{"rates": []any{}}, 403}},
		"GET /v2/pricing":                       {get("/v2/pricing", 403)},
		"POST /v2/managed_accounts/{id}/balance_transfers": {
			{http.MethodPost, "/v2/managed_accounts/" + id + "/balance_transfers", map[string]any{"amount": "1.00"}, 403}},
		"GET /v2/managed_accounts/{id}/balance_transfers": {get("/v2/managed_accounts/"+id+"/balance_transfers", 403)},
		"GET /v2/balance": {get("/v2/balance", 200)},
		"GET /v2/usage_reports": {
			get(walkReport+"product=messaging&dimensions=direction,country_iso,message_type,product_name,currency,date&metrics=count,parts", 200),
			get(walkReport+"product=voice&dimensions=direction,country_iso,product_name,currency,date&metrics=count,billed_sec", 200),
			get(walkReport+"product=wireless&dimensions=country_iso,product_name,currency,date&metrics=count,bytes", 200),
			get(walkReport+"product=wireless&dimensions=country_iso&metrics=count,bytes&format=csv", 200),
			get(walkReport+"product=voice&dimensions=direction&metrics=billed_sec,cost", 403),
			get(walkReport+"product=voice&dimensions=direction&metrics=cost&format=csv", 403),
			get(walkReport+"product=voice&dimensions=direction&metrics=count&managed_accounts=true", 403),
			get(walkReport+"product=voice&dimensions=price&metrics=count", 400),
		},
		"GET /v2/usage_reports/options": {get("/v2/usage_reports/options", 200), get("/v2/usage_reports/options?product=voice", 200)},
		"POST /v2/api_keys":             {{http.MethodPost, "/v2/api_keys", map[string]any{"description": "walk"}, 200}},
		"GET /v2/api_keys":              {get("/v2/api_keys", 200)},
		"GET /v2/api_keys/{id}":         {get("/v2/api_keys/"+w.keyID, 200)},
		"PATCH /v2/api_keys/{id}":       {{http.MethodPatch, "/v2/api_keys/" + w.keyID, map[string]any{"description": "walked again"}, 200}},
		"DELETE /v2/api_keys/{id}":      {{http.MethodDelete, "/v2/api_keys/" + w.spareKeys[pass], nil, 200}},
		"GET /v2/audit_events":          {get("/v2/audit_events", 403)},
		"POST /v2/payment_methods":      {{http.MethodPost, "/v2/payment_methods", cardBody(testVisa), 200}},
		"GET /v2/payment_methods":       {get("/v2/payment_methods", 200)},
		"GET /v2/payment_methods/{id}":  {get("/v2/payment_methods/"+w.cardID, 200)},
		"PATCH /v2/payment_methods/{id}": {
			{http.MethodPatch, "/v2/payment_methods/" + w.cardID, map[string]any{"billing_details": map[string]any{"name": "Walker"}}, 200}},
		"DELETE /v2/payment_methods/{id}":              {{http.MethodDelete, "/v2/payment_methods/" + w.spareCards[pass], nil, 200}},
		"POST /v2/payment/stored_payment_transactions": {{http.MethodPost, "/v2/payment/stored_payment_transactions", map[string]any{"amount": "5.00"}, 200}},
		"GET /v2/payment/auto_recharge_prefs":          {get("/v2/payment/auto_recharge_prefs", 200)},
		"PATCH /v2/payment/auto_recharge_prefs": {
			{http.MethodPatch, "/v2/payment/auto_recharge_prefs", map[string]any{"threshold_amount": "1.00"}, 200}},
		"GET /v2/invoices":      {get("/v2/invoices", 200)},
		"GET /v2/invoices/{id}": {get("/v2/invoices/"+w.invoiceID, 200), get("/v2/invoices/"+w.invoiceID+"?action=link", 200)},
	}
	maps.Copy(requests, notificationWalkRequests(w, pass))
	return requests
}

// TestNoPriceReachesAManagedAccount walks every /v2 route the server
// registers as a managed account, with the key its manager got for it and
// with a key of its own, and fails if any answer (JSON at any depth, or a
// CSV header) carries a price key, or offers a price metric by name. Each route must have calls in
// walkRequests, so that a new endpoint cannot escape the walk.
func TestNoPriceReachesAManagedAccount(t *testing.T) {
	var v2 []string
	for _, pattern := range registeredRoutes(t) {
		if _, path, _ := strings.Cut(pattern, " "); strings.HasPrefix(path, "/v2/") {
			v2 = append(v2, pattern)
		}
	}
	w := newNoPriceWorld(t)
	_, ownKey := w.srv.CreateAPIKey(t, w.account.APIKey, map[string]any{"description": "its own"})
	passes := [walkPasses]struct{ name, key string }{{"the key its manager got", w.account.APIKey}, {"a key of its own", ownKey}}
	for pattern := range walkRequests(w, 0) {
		if !slices.Contains(v2, pattern) {
			t.Errorf("walkRequests has %q, which the server does not register", pattern)
		}
	}
	for pass, caller := range passes {
		table := walkRequests(w, pass)
		for _, pattern := range v2 {
			requests, ok := table[pattern]
			if !ok {
				t.Errorf("the server registers %q, which the walk does not call: add it to walkRequests", pattern)
				continue
			}
			for _, req := range requests {
				status, header, body := w.srv.Do(t, req.method, req.path, caller.key, req.body)
				if status != req.status {
					t.Errorf("%s %s with %s answered %d, want %d: %s", req.method, req.path, caller.name, status, req.status, body)
				}
				for _, leak := range priceLeaks(t, header.Get("Content-Type"), body) {
					t.Errorf("%s %s with %s: %s in %s", req.method, req.path, caller.name, leak, body)
				}
			}
		}
	}
}

// priceLeaks lists the price keys of an answer: JSON keys at any depth (and
// string values that name one, as a metric a report could be asked for),
// or CSV header columns.
func priceLeaks(t *testing.T, contentType string, body []byte) []string {
	t.Helper()
	var leaks []string
	switch contentType {
	case "text/csv":
		header, err := csv.NewReader(bytes.NewReader(body)).Read()
		if err != nil {
			t.Fatalf("CSV answer without a header (%v): %s", err, body)
		}
		for _, column := range header {
			if slices.Contains(priceKeys, strings.ToLower(column)) {
				leaks = append(leaks, "CSV column "+column)
			}
		}
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("JSON answer that is not JSON (%v): %s", err, body)
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, child := range v {
					if slices.Contains(priceKeys, strings.ToLower(k)) {
						leaks = append(leaks, "key "+path+"/"+k)
					}
					walk(path+"/"+k, child)
				}
			case []any:
				for i, child := range v {
					walk(path+"/"+strconv.Itoa(i), child)
				}
			case string:
				// A price metric offered by name (usage report options).
				if slices.Contains(priceKeys, strings.ToLower(v)) {
					leaks = append(leaks, "value "+path+" "+v)
				}
			}
		}
		walk("", v)
	default:
		t.Fatalf("answer of type %q: %s", contentType, body)
	}
	return leaks
}

// TestPriceLeaksAreFound: the walk's detector finds price keys at any depth
// and in CSV headers, so that a clean walk means something.
func TestPriceLeaksAreFound(t *testing.T) {
	for _, tc := range []struct {
		contentType, body string
		leaks             int
	}{
		{"application/json", `{"data":[{"lines":[{"amount":"1.00","Unit_Price":"0.1"}]}],"meta":{}}`, 1},
		{"application/json", `{"data":{"rates":[{"rate":"0.004"}],"cost":1}}`, 3},
		{"application/json", `{"data":[{"parts":1,"product":"messaging"}]}`, 0},
		{"application/json", `{"data":[{"product_metrics":["count","cost"],"detail":"the cost of it"}]}`, 1},
		{"text/csv", "user_id,direction,product,cost\n", 1},
		{"text/csv", "direction,product,count\n", 0},
	} {
		if got := priceLeaks(t, tc.contentType, []byte(tc.body)); len(got) != tc.leaks {
			t.Errorf("%s: found %v, want %d leaks", tc.body, got, tc.leaks)
		}
	}
}
