package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// The pricing and usage rows of TestTenancyMatrix: a manager's effective
// rates are its own and refused to managed accounts; a managed account's
// custom rates are its manager's to read and set; the price book, committed
// rates and usage ingestion are the operator's.

func pricingEndpoints(endpoints map[string]endpoint) {
	endpoints["pricing"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/pricing"), want: managerOnly,
		check: func(t *testing.T, _ *tenancyWorld, _ caller, r *apiResponse) {
			var got single[[]rateOut]
			r.decode(t, &got)
			if len(got.Data) == 0 {
				t.Fatalf("%s; want the list prices", r)
			}
		},
	}
	endpoints["managed account pricing"] = endpoint{
		method: http.MethodGet, path: targetPath("/pricing"), want: targetOfManager,
		check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
			var got single[pricingOut]
			r.decode(t, &got)
			if got.Data.ManagedAccountID != w.target.ID || !got.Data.CustomPricingAllowed {
				t.Fatalf("%s; want the target's pricing", r)
			}
		},
	}
	endpoints["set managed account pricing"] = endpoint{
		method: http.MethodPut, path: targetPath("/pricing"),
		body: map[string]any{"rates": []map[string]any{smsRateBody("US", "0.0021")}}, want: targetOfManager,
		check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
			var got single[pricingOut]
			r.decode(t, &got)
			if got.Data.ManagedAccountID != w.target.ID || got.Data.Inherits || len(got.Data.Rates) != 1 {
				t.Fatalf("%s; want the target's new custom rate", r)
			}
		},
	}
	endpoints["operator: price book"] = endpoint{
		method: http.MethodGet, path: fixedPath("/reference/price_book"), want: operatorOnly(200),
	}
	endpoints["operator: put price book"] = endpoint{
		method: http.MethodPut, path: fixedPath("/reference/price_book"),
		body: map[string]any{"rates": []map[string]any{smsRateBody("*", "0.01")}}, want: operatorOnly(200),
	}
	endpoints["operator: put committed rates"] = endpoint{
		method: http.MethodPut, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.accountIDs[asManager] + "/rates" },
		body: map[string]any{"rates": []map[string]any{smsRateBody("US", "0.003")}}, want: operatorOnly(200),
	}
	endpoints["operator: committed rates"] = endpoint{
		method: http.MethodGet, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.accountIDs[asManager] + "/rates" },
		want: operatorOnly(200),
		setup: func(t *testing.T, w *tenancyWorld) {
			if status, body := w.srv.Operator(t, http.MethodPut, "/reference/accounts/"+w.accountIDs[asManager]+"/rates",
				map[string]any{"rates": []map[string]any{smsRateBody("US", "0.003")}}); status != http.StatusOK {
				t.Fatalf("set committed rates: %d %s", status, body)
			}
		},
		check: func(t *testing.T, _ *tenancyWorld, _ caller, r *apiResponse) {
			if !strings.Contains(string(r.body), `"0.003"`) {
				t.Fatalf("%s; want the manager's committed rate", r)
			}
		},
	}
	usageEvent := map[string]any{
		"id": "matrix-1", "product": "messaging", "occurred_at": "2026-01-01T00:00:00Z",
		"direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": 1,
	}
	endpoints["operator: usage events"] = endpoint{
		method: http.MethodPost,
		// The event is the target's, whose id is known once the world is made.
		path: func(w *tenancyWorld) string {
			usageEvent["account_id"] = w.target.ID
			return "/reference/usage_events"
		},
		body: map[string]any{"events": []map[string]any{usageEvent}}, want: operatorOnly(200),
		check: func(t *testing.T, _ *tenancyWorld, _ caller, r *apiResponse) {
			var got single[ingestionOut]
			r.decode(t, &got)
			if got.Data.Accepted != 1 {
				t.Fatalf("%s; want the event accepted", r)
			}
		},
	}
}
