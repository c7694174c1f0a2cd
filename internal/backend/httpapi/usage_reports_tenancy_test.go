package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The usage report rows of TestTenancyMatrix: every account reports on its
// own usage; only a manager reports over its managed accounts (its own tree
// only) or sees cost.

// usageParts give each enabled account of a tenancy world a distinct number
// of message parts, so that a report shows whose usage it adds up.
var usageParts = map[caller]int{asManager: 1, asManaged: 20, asOtherManager: 300, asOtherManaged: 4000}

// addUsage ingests one message of usageParts[who] parts for each enabled
// account, an hour before the backend's now.
func addUsage(t *testing.T, w *tenancyWorld) {
	t.Helper()
	at := w.srv.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	var events []map[string]any
	for who, parts := range usageParts {
		events = append(events, usageEvent(fmt.Sprintf("tenancy-%d", parts), w.accountIDs[who], "messaging", at, map[string]any{
			"direction": "outbound", "message_type": "SMS", "country_iso": "US", "product_name": "long_code", "parts": parts,
		}))
	}
	w.srv.IngestUsage(t, events)
}

const tenancyReport = "/v2/usage_reports?product=messaging&dimensions=direction&date_range=last_2_days"

// reportParts reads the parts of each row of a report, by user_id when the
// rows have one.
func reportParts(t *testing.T, r *apiResponse) map[string]string {
	t.Helper()
	var got reportRows
	r.decode(t, &got)
	out := map[string]string{}
	for _, row := range got.Data {
		user := ""
		if raw, ok := row["user_id"]; ok {
			user = str(t, raw)
		}
		out[user] = string(row["parts"])
	}
	return out
}

func usageReportEndpoints(endpoints map[string]endpoint) {
	endpoints["usage report"] = endpoint{
		method: http.MethodGet, path: fixedPath(tenancyReport + "&metrics=count,parts"), want: anyAccount, setup: addUsage,
		check: func(t *testing.T, _ *tenancyWorld, who caller, r *apiResponse) {
			want := map[string]string{"": fmt.Sprint(usageParts[accountOf(who)])}
			if got := reportParts(t, r); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s; %s must see its own usage only, %v", r, who, want)
			}
		},
	}
	endpoints["usage report with cost"] = endpoint{
		method: http.MethodGet, path: fixedPath(tenancyReport + "&metrics=parts,cost"), want: managerOnly, setup: addUsage,
		check: func(t *testing.T, _ *tenancyWorld, who caller, r *apiResponse) {
			// US SMS at the list price of 0.004 (4000 micro-dollars) a part.
			parts := usageParts[accountOf(who)]
			want := fmt.Sprintf(`"parts":%d,"cost":%d.%06d}`, parts, 4000*parts/1_000_000, 4000*parts%1_000_000)
			if !strings.Contains(string(r.body), want) {
				t.Fatalf("%s; a manager sees its own cost: want %s", r, want)
			}
		},
	}
	endpoints["usage report over managed accounts"] = endpoint{
		method: http.MethodGet, path: fixedPath(tenancyReport + "&metrics=parts&managed_accounts=true"), want: managerOnly, setup: addUsage,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			managed := asManaged
			if accountOf(who) == asOtherManager {
				managed = asOtherManaged
			}
			want := map[string]string{w.accountIDs[managed]: fmt.Sprint(usageParts[managed])}
			if got := reportParts(t, r); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s; %s must see its managed account's usage only, %v", r, who, want)
			}
		},
	}
	endpoints["operator: managed accounts of a manager"] = endpoint{
		method: http.MethodGet, path: func(w *tenancyWorld) string {
			return "/reference/accounts/" + w.accountIDs[asManager] + "/managed_accounts"
		},
		want: operatorOnly(200),
		check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
			var got list[managedAccount]
			r.decode(t, &got)
			// The cancelled account is left out; the disabled one is not.
			want := slices.DeleteFunc(slices.Clone(w.trees[asManager][1:]), func(id string) bool { return id == w.accountIDs[asCancelledManaged] })
			if listed := ids(got.Data); !slices.Equal(listed, want) || got.Meta.TotalResults != len(want) {
				t.Fatalf("%s; want %v, oldest first", r, want)
			}
		},
	}
	endpoints["usage report options"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/usage_reports/options"), want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			manager := slices.Contains([]caller{asManager, asOtherManager}, accountOf(who))
			if strings.Contains(string(r.body), `"cost"`) != manager {
				t.Fatalf("%s; cost is offered to managers only", r)
			}
		},
	}
}
