package httpapi_test

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// rateOut is a rate as answers show it.
type rateOut struct {
	RecordType    string `json:"record_type"`
	Product       string `json:"product"`
	Direction     string `json:"direction"`
	MessageType   string `json:"message_type"`
	CountryISO    string `json:"country_iso"`
	Rate          string `json:"rate"`
	Unit          string `json:"unit"`
	Source        string `json:"source"`
	EffectiveFrom string `json:"effective_from"`
}

type pricingOut struct {
	RecordType           string    `json:"record_type"`
	ManagedAccountID     string    `json:"managed_account_id"`
	CustomPricingAllowed bool      `json:"custom_pricing_allowed"`
	Inherits             bool      `json:"inherits"`
	EffectiveFrom        *string   `json:"effective_from"`
	Rates                []rateOut `json:"rates"`
}

type rateSetOut struct {
	RecordType    string    `json:"record_type"`
	ID            string    `json:"id"`
	Scope         string    `json:"scope"`
	AccountID     *string   `json:"account_id"`
	EffectiveFrom string    `json:"effective_from"`
	CreatedAt     string    `json:"created_at"`
	Rates         []rateOut `json:"rates"`
}

type ingestionOut struct {
	RecordType string `json:"record_type"`
	Accepted   int    `json:"accepted"`
	Duplicates int    `json:"duplicates"`
}

func smsRateBody(country, rate string) map[string]any {
	return map[string]any{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": country, "rate": rate}
}

var msTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// checkRate fails unless a rate answer is complete and well-formed.
func checkRate(t *testing.T, r rateOut) {
	t.Helper()
	units := map[string]string{"messaging": "part", "voice": "minute", "wireless": "MB"}
	if r.RecordType != "rate" || units[r.Product] == "" || r.Unit != units[r.Product] || r.CountryISO == "" ||
		!regexp.MustCompile(`^\d+\.\d{2,6}$`).MatchString(r.Rate) || !msTimestamp.MatchString(r.EffectiveFrom) {
		t.Fatalf("rate %+v is not well-formed", r)
	}
	if (r.Product == "wireless") != (r.Direction == "") || (r.Product == "messaging") != (r.MessageType != "") {
		t.Fatalf("rate %+v has the key fields of another product", r)
	}
}

func TestPricingEndpoint(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Priced", "managed_account_allow_custom_pricing": true})

	r := call(t, srv, http.MethodGet, "/v2/pricing", managed.APIKey, nil)
	r.wantError(t, errWant{status: 403, code: "10010"})
	if d := r.detail(t); d != "Pricing is only visible to manager accounts." {
		t.Fatalf("detail %q", d)
	}

	var before single[[]rateOut]
	call(t, srv, http.MethodGet, "/v2/pricing", srv.ManagerKey, nil).decode(t, &before)
	for _, rate := range before.Data {
		checkRate(t, rate)
		if rate.Source != "list" || rate.EffectiveFrom != "2020-01-01T00:00:00.000Z" {
			t.Fatalf("rate %+v, want the shipped list price", rate)
		}
	}
	status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/rates", map[string]any{
		"effective_from": "2020-06-01T00:00:00Z",
		"rates":          []map[string]any{smsRateBody("US", "0.0031"), {"product": "wireless", "country_iso": "ZA", "rate": "0.5"}},
	})
	if status != http.StatusOK {
		t.Fatalf("put committed rates: %d %s", status, body)
	}
	var after single[[]rateOut]
	call(t, srv, http.MethodGet, "/v2/pricing", srv.ManagerKey, nil).decode(t, &after)
	if len(after.Data) != len(before.Data)+1 {
		t.Fatalf("%d rates after committing ZA, want %d", len(after.Data), len(before.Data)+1)
	}
	committed := 0
	for _, rate := range after.Data {
		checkRate(t, rate)
		if rate.Source == "committed" {
			committed++
			if rate.EffectiveFrom != "2020-06-01T00:00:00.000Z" || (rate.CountryISO == "US" && rate.Rate != "0.0031") || (rate.CountryISO == "ZA" && rate.Rate != "0.50") {
				t.Fatalf("committed rate %+v", rate)
			}
		}
	}
	if committed != 2 {
		t.Fatalf("%d committed rates, want 2", committed)
	}
}

func TestManagedAccountPricingEndpoints(t *testing.T) {
	srv := backendtest.Start(t)
	allowed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Allowed", "managed_account_allow_custom_pricing": true})
	notAllowed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Not allowed"})
	path := func(a managedAccount) string { return "/v2/managed_accounts/" + a.ID + "/pricing" }

	var fresh single[pricingOut]
	r := call(t, srv, http.MethodGet, path(allowed), srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &fresh)
	if fresh.Data.RecordType != "managed_account_pricing" || !fresh.Data.Inherits || fresh.Data.EffectiveFrom != nil ||
		fresh.Data.Rates == nil || len(fresh.Data.Rates) != 0 || !strings.Contains(string(r.body), `"effective_from":null`) {
		t.Fatalf("%s; want inheritance, no rates", r)
	}

	r = call(t, srv, http.MethodPut, path(notAllowed), srv.ManagerKey, map[string]any{"rates": []map[string]any{smsRateBody("US", "0.001")}})
	r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
	if !strings.Contains(r.detail(t), "managed_account_allow_custom_pricing is false") {
		t.Fatalf("%s; the detail must say why", r)
	}
	for _, tc := range []struct {
		body    any
		status  int
		code    string
		pointer string
	}{
		{map[string]any{}, 422, "10004", "/rates"},
		{map[string]any{"rates": nil}, 422, "10004", "/rates"},
		{map[string]any{"rates": "0.001"}, 422, "10004", "/rates"},
		{map[string]any{"rates": []map[string]any{smsRateBody("US", "0.001"), smsRateBody("GB", "0.0000001")}}, 422, "10004", "/rates/1/rate"},
		{map[string]any{"rates": []map[string]any{{"product": "messaging", "price": "1"}}}, 422, "10004", "/rates/0/price"},
		{map[string]any{"rates": []map[string]any{{"product": "voice", "direction": "outbound", "country_iso": "US", "rate": 0.005}}}, 422, "10004", "/rates/0/rate"},
		{map[string]any{"rates": []map[string]any{}, "effective_from": "2026-01-01T00:00:00Z"}, 422, "10004", "/effective_from"},
	} {
		call(t, srv, http.MethodPut, path(allowed), srv.ManagerKey, tc.body).wantError(t, errWant{status: tc.status, code: tc.code, pointer: tc.pointer})
	}

	var set single[pricingOut]
	r = call(t, srv, http.MethodPut, path(allowed), srv.ManagerKey, map[string]any{"rates": []map[string]any{
		smsRateBody("US", "0.0021"), {"product": "voice", "direction": "inbound", "country_iso": "*", "rate": "0.001"},
	}})
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &set)
	if set.Data.Inherits || set.Data.EffectiveFrom == nil || !msTimestamp.MatchString(*set.Data.EffectiveFrom) || len(set.Data.Rates) != 2 {
		t.Fatalf("%s; want the custom rates in force", r)
	}
	for _, rate := range set.Data.Rates {
		checkRate(t, rate)
		if rate.Source != "custom" || rate.EffectiveFrom != *set.Data.EffectiveFrom {
			t.Fatalf("rate %+v", rate)
		}
	}
	var got single[pricingOut]
	call(t, srv, http.MethodGet, path(allowed), srv.ManagerKey, nil).decode(t, &got)
	if !reflect.DeepEqual(got.Data, set.Data) {
		t.Fatalf("GET answers %+v, want what PUT answered, %+v", got.Data, set.Data)
	}
	// Back to inheritance, which is allowed even without custom pricing.
	srv.AdvanceTime(time.Millisecond)
	for _, a := range []managedAccount{allowed, notAllowed} {
		var back single[pricingOut]
		r = call(t, srv, http.MethodPut, path(a), srv.ManagerKey, map[string]any{"rates": []any{}})
		r.wantStatus(t, http.StatusOK)
		r.decode(t, &back)
		if !back.Data.Inherits || back.Data.EffectiveFrom != nil || len(back.Data.Rates) != 0 {
			t.Fatalf("%s; want inheritance", r)
		}
	}
}

func TestOperatorPriceBookAndCommittedRates(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Managed"})
	operator := func(method, path string, body any) *apiResponse {
		t.Helper()
		return call(t, srv, method, path, srv.OperatorKey, body)
	}

	var shipped single[rateSetOut]
	r := operator(http.MethodGet, "/reference/price_book", nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &shipped)
	if shipped.Data.RecordType != "rate_set" || shipped.Data.Scope != "list" || shipped.Data.AccountID != nil || len(shipped.Data.Rates) < 20 {
		t.Fatalf("%s; want the shipped price book", r)
	}

	var put single[rateSetOut]
	r = operator(http.MethodPut, "/reference/price_book", map[string]any{
		"effective_from": "2030-01-01T00:00:00+01:00",
		"rates": []map[string]any{
			smsRateBody("*", "0.05"), {"product": "wireless", "country_iso": "*", "rate": "0.000123"},
			{"product": "voice", "direction": "outbound", "country_iso": "US", "rate": "0.004"},
		},
	})
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &put)
	if put.Data.EffectiveFrom != "2029-12-31T23:00:00.000Z" || len(put.Data.Rates) != 3 || put.Data.Rates[0].Product != "messaging" ||
		put.Data.Rates[2].Rate != "0.000123" || put.Data.Rates[2].Unit != "MB" || put.Data.Rates[1].Unit != "minute" {
		t.Fatalf("%s; want the new book, in key order", r)
	}
	var now, later single[rateSetOut]
	operator(http.MethodGet, "/reference/price_book", nil).decode(t, &now)
	operator(http.MethodGet, "/reference/price_book?at=2030-06-01T00:00:00Z", nil).decode(t, &later)
	if now.Data.ID != shipped.Data.ID || later.Data.ID != put.Data.ID {
		t.Fatalf("the book now is %s and in 2030 %s; want the shipped one, then the new one", now.Data.ID, later.Data.ID)
	}
	// The change is the operator's, about no account: in the operator's
	// audit log with account_id null, never in a manager's.
	var opLog, mgrLog struct {
		Data []map[string]any `json:"data"`
	}
	operator(http.MethodGet, "/reference/audit_events", nil).decode(t, &opLog)
	var bookEvents []map[string]any
	for _, e := range opLog.Data {
		if e["action"] == "pricing.price_book.set" {
			bookEvents = append(bookEvents, e)
		}
	}
	var changes map[string]any
	if len(bookEvents) == 1 {
		changes, _ = bookEvents[0]["changes"].(map[string]any)
	}
	if len(bookEvents) != 1 || bookEvents[0]["account_id"] != nil || bookEvents[0]["change_made_by"] != "operator" ||
		changes["rate_set_id"] != put.Data.ID {
		t.Fatalf("the operator's audit log has the price book events %v; want one, of the operator, about no account", bookEvents)
	}
	call(t, srv, http.MethodGet, "/v2/audit_events", srv.ManagerKey, nil).decode(t, &mgrLog)
	for _, e := range mgrLog.Data {
		if e["action"] == "pricing.price_book.set" {
			t.Fatalf("a manager's audit log lists the price book: %v", e)
		}
	}
	operator(http.MethodGet, "/reference/price_book?at=soon", nil).wantError(t, errWant{status: 400, code: "10015", parameter: "at"})
	operator(http.MethodGet, "/reference/price_book?at=2019-01-01T00:00:00Z", nil).wantError(t, errWant{status: 404, code: "10005"})
	operator(http.MethodPut, "/reference/price_book", map[string]any{"rates": []any{}}).wantError(t, errWant{status: 422, code: "10004", pointer: "/rates"})

	rates := map[string]any{"rates": []map[string]any{smsRateBody("US", "0.003")}}
	r = operator(http.MethodPut, "/reference/accounts/"+managed.ID+"/rates", rates)
	r.wantError(t, errWant{status: 422, code: "10004", pointer: "/"})
	operator(http.MethodPut, "/reference/accounts/no-such-account/rates", rates).wantError(t, errWant{status: 404, code: "10005"})
	operator(http.MethodGet, "/reference/accounts/"+srv.ManagerID+"/rates", nil).wantError(t, errWant{status: 404, code: "10005"})
	var committed single[rateSetOut]
	r = operator(http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/rates", rates)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &committed)
	if committed.Data.Scope != "committed" || committed.Data.AccountID == nil || *committed.Data.AccountID != srv.ManagerID ||
		committed.Data.Rates[0].Source != "committed" {
		t.Fatalf("%s", r)
	}
	var read single[rateSetOut]
	operator(http.MethodGet, "/reference/accounts/"+srv.ManagerID+"/rates", nil).decode(t, &read)
	if !reflect.DeepEqual(read.Data, committed.Data) {
		t.Fatalf("GET committed rates = %+v, want %+v", read.Data, committed.Data)
	}
}

func usageEventBody(id, accountID string, at time.Time, parts any) map[string]any {
	return map[string]any{
		"id": id, "account_id": accountID, "product": "messaging", "occurred_at": at.UTC().Format(time.RFC3339Nano),
		"direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": parts,
	}
}

func TestUsageEventsEndpoint(t *testing.T) {
	srv := backendtest.Start(t)
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Busy", "rollup_billing": true})
	at := srv.Now().Add(-time.Hour)
	ingest := func(body any) *apiResponse {
		t.Helper()
		return call(t, srv, http.MethodPost, "/reference/usage_events", srv.OperatorKey, body)
	}

	var res single[ingestionOut]
	r := ingest(map[string]any{"events": []map[string]any{
		usageEventBody("a", managed.ID, at, 1), usageEventBody("a", managed.ID, at, 1), usageEventBody("b", srv.ManagerID, at, 2),
	}})
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &res)
	if res.Data != (ingestionOut{RecordType: "usage_ingestion", Accepted: 2, Duplicates: 1}) {
		t.Fatalf("%s", r)
	}
	var bal single[userBalanceJSON]
	call(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).decode(t, &bal)
	if bal.Data.Balance != "-0.012" {
		t.Fatalf("manager's balance %s, want -0.012 (its usage and its rollup account's)", bal.Data.Balance)
	}

	for _, tc := range []struct {
		body    any
		pointer string
		status  int
	}{
		{map[string]any{}, "/events", 422},
		{map[string]any{"events": []any{}}, "/events", 422},
		{map[string]any{"events": []map[string]any{usageEventBody("c", managed.ID, at, 1), usageEventBody("d", managed.ID, at, -1)}}, "/events/1/parts", 422},
		{map[string]any{"events": []map[string]any{usageEventBody("c", managed.ID, at, 1), usageEventBody("d", managed.ID, at, "1")}}, "/events/1/parts", 422},
		{map[string]any{"events": []map[string]any{usageEventBody("c", managed.ID, at, 1), usageEventBody("d", managed.ID, at, 1.5)}}, "/events/1/parts", 422},
		{map[string]any{"events": []map[string]any{{"id": "e", "cost": "0"}}}, "/events/0/cost", 422},
		{map[string]any{"events": []map[string]any{usageEventBody("c", "nobody", at, 1)}}, "/events/0/account_id", 422},
		{"{", "/", 400},
	} {
		r := ingest(tc.body)
		code := "10004"
		if tc.status == 400 {
			code = "10015"
		}
		r.wantError(t, errWant{status: tc.status, code: code, pointer: tc.pointer})
	}
	// Nothing of a refused batch was stored: "c" is new.
	ingest(map[string]any{"events": []map[string]any{usageEventBody("c", managed.ID, at, 1)}}).decode(t, &res)
	if res.Data.Accepted != 1 {
		t.Fatalf("c = %+v, want accepted", res.Data)
	}
}

// TestUsageBatchOfTheMaximumSize: 10,000 events (several MiB, past the usual
// body limit) are taken in one request; one more is refused.
func TestUsageBatchOfTheMaximumSize(t *testing.T) {
	srv := backendtest.Start(t)
	at := srv.Now().Add(-time.Hour)
	events := make([]map[string]any, 10_001)
	for i := range events {
		e := usageEventBody(fmt.Sprintf("big-batch-event-%08d-%s", i, strings.Repeat("x", 64)), srv.ManagerID, at, 1)
		e["product_name"] = "toll_free"
		events[i] = e
	}
	r := call(t, srv, http.MethodPost, "/reference/usage_events", srv.OperatorKey, map[string]any{"events": events})
	r.wantError(t, errWant{status: 422, code: "10004", pointer: "/events"})
	srv.IngestUsage(t, events[:10_000])
	var res single[ingestionOut]
	call(t, srv, http.MethodPost, "/reference/usage_events", srv.OperatorKey, map[string]any{"events": events[9_999:10_000]}).decode(t, &res)
	if res.Data.Duplicates != 1 {
		t.Fatalf("the last event again: %+v, want a duplicate", res.Data)
	}
	var bal single[userBalanceJSON]
	call(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).decode(t, &bal)
	if bal.Data.Balance != "-40.00" {
		t.Fatalf("balance %s after 10,000 messages at 0.004, want -40.00", bal.Data.Balance)
	}
}
