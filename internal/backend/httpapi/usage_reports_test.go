package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// usageNow is the backend's clock in the usage report tests: events happen
// before it, and date ranges count back from it.
var usageNow = time.Date(2025, 3, 10, 15, 30, 0, 0, time.UTC)

// usageEvent is an event as POST /reference/usage_events takes it.
func usageEvent(id, accountID, product, at string, fields map[string]any) map[string]any {
	e := map[string]any{"id": id, "account_id": accountID, "product": product, "occurred_at": at}
	for k, v := range fields {
		e[k] = v
	}
	return e
}

// reportRows is a JSON usage report page read with its numbers as literals.
type reportRows struct {
	Data []map[string]json.RawMessage `json:"data"`
	Meta struct {
		PageNumber   int `json:"page_number"`
		PageSize     int `json:"page_size"`
		TotalPages   int `json:"total_pages"`
		TotalResults int `json:"total_results"`
	} `json:"meta"`
}

// getReport asks for a usage report as JSON (validated against the
// contract) and fails the test unless it is a 200.
func getReport(t *testing.T, srv *backendtest.Server, key string, q url.Values) reportRows {
	t.Helper()
	r := call(t, srv, http.MethodGet, "/v2/usage_reports?"+q.Encode(), key, nil)
	r.wantStatus(t, http.StatusOK)
	var out reportRows
	r.decode(t, &out)
	if !strings.Contains(string(r.body), `"data":[`) {
		t.Fatalf("%s; data must be an array", r)
	}
	return out
}

// getReportCSV asks for a usage report as CSV and returns its records.
func getReportCSV(t *testing.T, srv *backendtest.Server, key string, q url.Values) [][]string {
	t.Helper()
	q = cloneValues(q)
	q.Set("format", "csv")
	status, header, body := srv.Do(t, http.MethodGet, "/v2/usage_reports?"+q.Encode(), key, nil)
	if status != http.StatusOK || header.Get("Content-Type") != "text/csv" || header.Get("X-Request-Id") == "" {
		t.Fatalf("CSV report answered %d (%s): %s", status, header.Get("Content-Type"), body)
	}
	if err := loadContract(t).validate(http.MethodGet, "/v2/usage_reports?"+q.Encode(), status, header, body); err != nil {
		t.Fatalf("the CSV answer breaks the contract: %v", err)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV report is not CSV (%v): %s", err, body)
	}
	return records
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// str is a JSON string of a report row.
func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s is not a JSON string", raw)
	}
	return s
}

// usageFixture is a manager with two managed accounts (the second under
// rollup billing) and a few events each, on the frozen clock.
type usageFixture struct {
	srv            *backendtest.Server
	a, b           managedAccount
	otherManagerID string
	otherKey       string
}

func newUsageFixture(t *testing.T) *usageFixture {
	t.Helper()
	srv := backendtest.Start(t)
	srv.SetTime(usageNow)
	f := &usageFixture{srv: srv}
	f.a = createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Usage A"})
	f.b = createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Usage B", "rollup_billing": true})
	f.otherManagerID, f.otherKey = srv.NewManager(t)
	other := createManaged(t, srv, f.otherKey, map[string]any{"business_name": "Other tree"})
	sms := func(dir, country string, parts int) map[string]any {
		return map[string]any{"direction": dir, "message_type": "SMS", "country_iso": country, "product_name": "long_code", "parts": parts}
	}
	srv.IngestUsage(t, []map[string]any{
		usageEvent("a-1", f.a.ID, "messaging", "2025-03-01T10:00:00.000Z", sms("outbound", "US", 1)),
		usageEvent("a-2", f.a.ID, "messaging", "2025-03-01T11:00:00.000Z", sms("outbound", "US", 2)),
		usageEvent("a-3", f.a.ID, "messaging", "2025-03-02T09:00:00.000Z", sms("inbound", "GB", 1)),
		usageEvent("a-4", f.a.ID, "voice", "2025-03-02T09:00:00.000Z",
			map[string]any{"direction": "outbound", "country_iso": "US", "product_name": "sip_trunking", "billed_sec": 90}),
		usageEvent("b-1", f.b.ID, "messaging", "2025-03-01T12:00:00.000Z", sms("outbound", "US", 3)),
		usageEvent("b-2", f.b.ID, "messaging", "2025-03-09T23:59:59.999Z", sms("outbound", "DE", 1)),
		usageEvent("m-1", srv.ManagerID, "messaging", "2025-03-01T12:00:00.000Z", sms("outbound", "US", 7)),
		usageEvent("o-1", other.ID, "messaging", "2025-03-01T12:00:00.000Z", sms("outbound", "US", 5)),
	})
	return f
}

func reportQuery(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

// TestUsageReportOfOwnAndManagedUsage: a managed account reports on its own
// usage, a manager on its own or (managed_accounts=true) on its managed
// accounts' with user_id first; numbers are exact JSON numbers; another
// tree's usage never shows.
func TestUsageReportOfOwnAndManagedUsage(t *testing.T) {
	f := newUsageFixture(t)
	base := []string{"product", "messaging", "start_date", "2025-03-01T00:00:00Z", "end_date", "2025-03-10T00:00:00Z"}

	own := getReport(t, f.srv, f.a.APIKey, reportQuery(append(base, "dimensions", "direction,country_iso", "metrics", "count,parts")...))
	wantOwn := []string{
		`{"direction":"inbound","country_iso":"GB","product":"messaging","count":1,"parts":1}`,
		`{"direction":"outbound","country_iso":"US","product":"messaging","count":2,"parts":3}`,
	}
	assertRows(t, own, wantOwn)

	mine := getReport(t, f.srv, f.srv.ManagerKey, reportQuery(append(base, "dimensions", "direction", "metrics", "parts")...))
	assertRows(t, mine, []string{`{"direction":"outbound","product":"messaging","parts":7}`})

	all := getReport(t, f.srv, f.srv.ManagerKey, reportQuery(append(base, "dimensions", "currency", "metrics", "count",
		"metrics", "parts", "managed_accounts", "true", "sort", "-count")...))
	if len(all.Data) != 2 {
		t.Fatalf("managed report rows %v, want one per managed account", all.Data)
	}
	first, second := all.Data[0], all.Data[1]
	if str(t, first["user_id"]) != f.a.ID || string(first["count"]) != "3" || string(first["parts"]) != "4" || str(t, first["currency"]) != "USD" ||
		str(t, second["user_id"]) != f.b.ID || string(second["count"]) != "2" || string(second["parts"]) != "4" {
		t.Fatalf("managed report %v; want A (3 events, 4 parts) then B (2 events, 4 parts)", all.Data)
	}
}

// assertRows compares a report's rows, written back compactly in their key
// order, with want.
func assertRows(t *testing.T, got reportRows, want []string) {
	t.Helper()
	var rows []string
	for _, row := range got.Data {
		rows = append(rows, compactRow(t, row))
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if got.Meta.TotalResults != len(want) {
		t.Fatalf("total_results %d, want %d", got.Meta.TotalResults, len(want))
	}
}

// compactRow is a row as the backend wrote it, keys in its order: the
// test decodes into a map, so it rebuilds the order from the row itself.
func compactRow(t *testing.T, row map[string]json.RawMessage) string {
	t.Helper()
	order := []string{"user_id", "direction", "country_iso", "message_type", "product_name", "currency", "date", "product",
		"count", "parts", "billed_sec", "bytes", "cost"}
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range order {
		if v, ok := row[k]; ok {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%s", k, v)
		}
	}
	b.WriteByte('}')
	if len(row) != strings.Count(b.String(), `":`) {
		t.Fatalf("row %v has keys outside %v", row, order)
	}
	return b.String()
}

// TestUsageReportRowKeysAreInOrder: each row lists user_id, the dimensions
// as asked, the product, then the metrics as asked.
func TestUsageReportRowKeysAreInOrder(t *testing.T) {
	f := newUsageFixture(t)
	r := call(t, f.srv, http.MethodGet, "/v2/usage_reports?product=messaging&dimensions=country_iso,direction&metrics=parts,count"+
		"&managed_accounts=true&date_range=last_31_days&filter[user_id]="+f.a.ID+"&filter[direction]=outbound", f.srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	want := `{"data":[{"user_id":"` + f.a.ID + `","country_iso":"US","direction":"outbound","product":"messaging","parts":3,"count":2}],` +
		`"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}}`
	if got := strings.TrimSpace(string(r.body)); got != want {
		t.Fatalf("body\n%s\nwant\n%s", got, want)
	}
}

// TestUsageReportCostIsAnExactDecimal: cost goes out as a JSON number with
// six decimals, written from the exact sum of the events' costs.
func TestUsageReportCostIsAnExactDecimal(t *testing.T) {
	srv := backendtest.Start(t)
	srv.SetTime(usageNow)
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Exact"})
	// Rates whose sums a float64 cannot hold exactly.
	status, body := srv.Operator(t, http.MethodPut, "/reference/price_book", map[string]any{
		"effective_from": "2025-01-01T00:00:00Z",
		"rates": []map[string]any{
			{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "*", "rate": "0.000001"},
			{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "US", "rate": "0.100001"},
		},
	})
	if status != http.StatusOK {
		t.Fatalf("price book: %d %s", status, body)
	}
	var events []map[string]any
	for i := range 3 {
		events = append(events, usageEvent(fmt.Sprintf("exact-%d", i), a.ID, "messaging", "2025-03-02T10:00:00.000Z",
			map[string]any{"direction": "outbound", "message_type": "SMS", "country_iso": "US", "product_name": "long_code", "parts": 1}))
	}
	srv.IngestUsage(t, events)
	q := reportQuery("product", "messaging", "dimensions", "country_iso", "metrics", "cost,count", "managed_accounts", "true",
		"date_range", "last_31_days")
	r := call(t, srv, http.MethodGet, "/v2/usage_reports?"+q.Encode(), srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"cost":0.300003,"count":3`) {
		t.Fatalf("%s; want the exact cost 0.300003 as a JSON number", r)
	}
	csvRecords := getReportCSV(t, srv, srv.ManagerKey, q)
	want := [][]string{{"user_id", "country_iso", "product", "cost", "count"}, {a.ID, "US", "messaging", "0.300003", "3"}}
	if fmt.Sprint(csvRecords) != fmt.Sprint(want) {
		t.Fatalf("CSV %v, want %v", csvRecords, want)
	}
}

// TestUsageReportArraysCommaSeparatedOrRepeated: metrics=count,parts,
// metrics=count&metrics=parts and a mix of both ask for the same report.
func TestUsageReportArraysCommaSeparatedOrRepeated(t *testing.T) {
	f := newUsageFixture(t)
	var bodies []string
	for _, q := range []string{
		"dimensions=direction,country_iso&metrics=count,parts&sort=-count,direction",
		"dimensions=direction&dimensions=country_iso&metrics=count&metrics=parts&sort=-count&sort=direction",
		"dimensions=direction,country_iso&metrics=count&metrics=parts&sort=-count,direction",
		"dimensions=direction,%20country_iso&metrics=count,parts&sort=-count&sort=direction",
	} {
		r := call(t, f.srv, http.MethodGet, "/v2/usage_reports?product=messaging&date_range=last_31_days&"+q, f.a.APIKey, nil)
		r.wantStatus(t, http.StatusOK)
		bodies = append(bodies, string(r.body))
	}
	for i := 1; i < len(bodies); i++ {
		if bodies[i] != bodies[0] {
			t.Fatalf("form %d answered\n%s\nform 0\n%s", i, bodies[i], bodies[0])
		}
	}
	if !strings.HasPrefix(bodies[0], `{"data":[{"direction":"outbound","country_iso":"US"`) {
		t.Fatalf("sorted by -count: %s", bodies[0])
	}
}

// TestUsageReportRefusesBadParameters: every bad parameter is a 400 naming
// it; names the product lacks are code 10003 with the contract's titles and
// the available values.
func TestUsageReportRefusesBadParameters(t *testing.T) {
	f := newUsageFixture(t)
	valid := "product=messaging&dimensions=direction&metrics=count&date_range=last_7_days"
	cases := []struct {
		name, query, code, parameter, title, detail string
	}{
		{"no product", "dimensions=direction&metrics=count&date_range=today", "10015", "product", "", ""},
		{"unknown product", "product=fax&dimensions=direction&metrics=count&date_range=today", "10003", "product",
			"Product invalid value", "Available product values: messaging,voice,wireless."},
		{"no dimensions", "product=messaging&metrics=count&date_range=today", "10015", "dimensions", "", ""},
		{"unknown dimension", "product=voice&dimensions=direction,message_type&metrics=count&date_range=today", "10003", "dimensions",
			"Dimensions invalid values", "Available dimensions values for voice: direction,country_iso,product_name,currency,date."},
		{"user_id without managed_accounts", "product=voice&dimensions=user_id&metrics=count&date_range=today", "10003", "dimensions", "", ""},
		{"no metrics", "product=messaging&dimensions=direction&date_range=today", "10015", "metrics", "", ""},
		{"unknown metric", "product=wireless&dimensions=country_iso&metrics=count,parts&date_range=today", "10003", "metrics",
			"Metrics invalid values", "Available metrics values for wireless: count,bytes,cost."},
		{"empty array element", "product=messaging&dimensions=direction,&metrics=count&date_range=today", "10015", "dimensions", "", ""},
		{"empty array", "product=messaging&dimensions=&metrics=count&date_range=today", "10015", "dimensions", "", ""},
		{"no dates", "product=messaging&dimensions=direction&metrics=count", "10015", "start_date", "", ""},
		{"start without end", "product=messaging&dimensions=direction&metrics=count&start_date=2025-03-01T00:00:00Z", "10015", "end_date", "", ""},
		{"end without start", "product=messaging&dimensions=direction&metrics=count&end_date=2025-03-01T00:00:00Z", "10015", "start_date", "", ""},
		{"start not at midnight", "product=messaging&dimensions=direction&metrics=count&start_date=2025-03-01T10:00:00Z&end_date=2025-03-05T00:00:00Z",
			"10015", "start_date", "", "midnight in UTC"},
		{"end not UTC midnight", "product=messaging&dimensions=direction&metrics=count&start_date=2025-03-01T00:00:00Z&end_date=2025-03-05T00:00:00%2B01:00",
			"10015", "end_date", "", "midnight in UTC"},
		{"start not a time", "product=messaging&dimensions=direction&metrics=count&start_date=2025-03-01&end_date=2025-03-05T00:00:00Z",
			"10015", "start_date", "", "RFC 3339"},
		{"32 days", "product=messaging&dimensions=direction&metrics=count&start_date=2025-01-01T00:00:00Z&end_date=2025-02-02T00:00:00Z",
			"10015", "end_date", "", "31 days"},
		{"end before start", "product=messaging&dimensions=direction&metrics=count&start_date=2025-03-05T00:00:00Z&end_date=2025-03-01T00:00:00Z",
			"10015", "end_date", "", ""},
		{"empty window", "product=messaging&dimensions=direction&metrics=count&start_date=2025-03-05T00:00:00Z&end_date=2025-03-05T00:00:00Z",
			"10015", "end_date", "", ""},
		{"both date forms", valid + "&start_date=2025-03-01T00:00:00Z&end_date=2025-03-05T00:00:00Z", "10015", "date_range", "", ""},
		{"last_0_days", "product=messaging&dimensions=direction&metrics=count&date_range=last_0_days", "10015", "date_range", "", ""},
		{"last_32_days", "product=messaging&dimensions=direction&metrics=count&date_range=last_32_days", "10015", "date_range", "", ""},
		{"last_07_days", "product=messaging&dimensions=direction&metrics=count&date_range=last_07_days", "10015", "date_range", "", ""},
		{"unknown date range", "product=messaging&dimensions=direction&metrics=count&date_range=forever", "10015", "date_range", "", ""},
		{"unknown filter", valid + "&filter[colour]=red", "10003", "filter[colour]", "Filter invalid values", ""},
		{"filter of another product", "product=voice&dimensions=direction&metrics=count&date_range=today&filter[message_type]=SMS",
			"10003", "filter[message_type]", "", ""},
		{"nested filter", valid + "&filter[direction][eq]=inbound", "10015", "filter[direction][eq]", "", ""},
		{"empty filter", valid + "&filter[direction]=", "10015", "filter[direction]", "", ""},
		{"alias and name together", valid + "&filter[country_code]=US&filter[country_iso]=US", "10015", "filter[country_iso]", "", ""},
		{"filter twice", valid + "&filter[direction]=inbound&filter[direction]=outbound", "10015", "filter[direction]", "", ""},
		{"bad date filter", valid + "&filter[date]=March", "10015", "filter[date]", "", ""},
		{"unknown sort", valid + "&sort=parts", "10015", "sort", "", ""},
		{"sort twice", valid + "&sort=count,-count", "10015", "sort", "", ""},
		{"page too big", valid + "&page[size]=5001", "10015", "page[size]", "", ""},
		{"page zero", valid + "&page[number]=0", "10015", "page[number]", "", ""},
		{"unknown page key", valid + "&page[limit]=5", "10015", "page[limit]", "", ""},
		{"bad format", valid + "&format=xml", "10015", "format", "", ""},
		{"bad boolean", valid + "&managed_accounts=yes", "10015", "managed_accounts", "", ""},
		{"product twice", valid + "&product=voice", "10015", "product", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, f.srv, http.MethodGet, "/v2/usage_reports?"+tc.query, f.srv.ManagerKey, nil)
			r.wantError(t, errWant{status: http.StatusBadRequest, code: tc.code, parameter: tc.parameter})
			var env errorEnvelope
			r.decode(t, &env)
			if tc.title != "" && env.Errors[0].Title != tc.title {
				t.Fatalf("%s; want title %q", r, tc.title)
			}
			if !strings.Contains(env.Errors[0].Detail, tc.detail) {
				t.Fatalf("%s; want a detail with %q", r, tc.detail)
			}
		})
	}
	// The largest page is allowed.
	call(t, f.srv, http.MethodGet, "/v2/usage_reports?"+valid+"&page[size]=5000", f.srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
}

// TestUsageReportHidesPricesFromManagedAccounts: a managed account may not
// ask for cost, even through its manager's use of its key, nor report over
// managed accounts; its options lack cost.
func TestUsageReportHidesPricesFromManagedAccounts(t *testing.T) {
	f := newUsageFixture(t)
	_, extra := f.srv.CreateAPIKey(t, f.a.APIKey, map[string]any{"description": "the account's own"})
	for _, key := range []string{f.a.APIKey, extra} {
		r := call(t, f.srv, http.MethodGet, "/v2/usage_reports?product=messaging&dimensions=direction&metrics=count,cost&date_range=last_7_days", key, nil)
		r.wantError(t, errWant{status: http.StatusForbidden, code: "10010"})
		if d := r.detail(t); d != "The cost metric is not available to managed accounts: their prices are set by their manager." {
			t.Fatalf("detail %q", d)
		}
		r = call(t, f.srv, http.MethodGet, "/v2/usage_reports?product=messaging&dimensions=direction&metrics=count&date_range=last_7_days&managed_accounts=true", key, nil)
		r.wantError(t, errWant{status: http.StatusForbidden, code: "10010"})
		getReportCSV(t, f.srv, key, reportQuery("product", "messaging", "dimensions", "direction", "metrics", "count", "date_range", "last_7_days"))
		status, _, body := f.srv.Do(t, http.MethodGet, "/v2/usage_reports?product=messaging&dimensions=direction&metrics=cost&date_range=last_7_days&format=csv", key, nil)
		if status != http.StatusForbidden || strings.Contains(string(body), "0.") {
			t.Fatalf("CSV with cost for a managed account: %d %s", status, body)
		}
	}
	// Errors that list the metrics do not name cost to it either.
	r := call(t, f.srv, http.MethodGet, "/v2/usage_reports?product=voice&dimensions=direction&metrics=minutes&date_range=today", f.a.APIKey, nil)
	r.wantError(t, errWant{status: http.StatusBadRequest, code: "10003", parameter: "metrics"})
	if d := r.detail(t); d != "Available metrics values for voice: count,billed_sec." {
		t.Fatalf("detail %q", d)
	}
	var opts struct {
		Data []struct {
			Product     string   `json:"product"`
			Metrics     []string `json:"product_metrics"`
			RecordTypes []struct {
				RecordType string   `json:"record_type"`
				Metrics    []string `json:"product_metrics"`
			} `json:"record_types"`
		} `json:"data"`
	}
	r = call(t, f.srv, http.MethodGet, "/v2/usage_reports/options", f.a.APIKey, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &opts)
	if len(opts.Data) != 3 || strings.Contains(string(r.body), "cost") {
		t.Fatalf("%s; want the three products without cost", r)
	}
	r = call(t, f.srv, http.MethodGet, "/v2/usage_reports/options?product=voice", f.srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusOK)
	r.decode(t, &opts)
	if len(opts.Data) != 1 || opts.Data[0].Product != "voice" || !slices.Equal(opts.Data[0].Metrics, []string{"count", "billed_sec", "cost"}) ||
		len(opts.Data[0].RecordTypes) != 2 || opts.Data[0].RecordTypes[0].RecordType != "sip_trunking" {
		t.Fatalf("%s; want voice with cost and its two kinds", r)
	}
	call(t, f.srv, http.MethodGet, "/v2/usage_reports/options?product=fax", f.srv.ManagerKey, nil).
		wantError(t, errWant{status: http.StatusBadRequest, code: "10003", parameter: "product"})
}

// TestUsageReportDateRanges: each date_range covers the UTC days it names,
// counted on the backend's clock (2025-03-10); start_date..end_date excludes
// the end; filter[date] keeps one day.
func TestUsageReportDateRanges(t *testing.T) {
	f := newUsageFixture(t)
	f.srv.IngestUsage(t, []map[string]any{
		usageEvent("a-today", f.a.ID, "messaging", "2025-03-10T00:00:00.000Z", map[string]any{
			"direction": "outbound", "message_type": "SMS", "country_iso": "US", "product_name": "long_code", "parts": 100}),
		usageEvent("a-month-ago", f.a.ID, "messaging", "2025-02-07T12:00:00.000Z", map[string]any{
			"direction": "outbound", "message_type": "SMS", "country_iso": "US", "product_name": "long_code", "parts": 1000}),
	})
	parts := func(dates ...string) string {
		q := reportQuery(append([]string{"product", "messaging", "dimensions", "currency", "metrics", "parts"}, dates...)...)
		got := getReport(t, f.srv, f.a.APIKey, q)
		if len(got.Data) == 0 {
			return "none"
		}
		return string(got.Data[0]["parts"])
	}
	// Account A: 3 parts on 03-01, 1 on 03-02, 100 on 03-10, 1000 on 02-07.
	for _, tc := range []struct {
		dates []string
		want  string
	}{
		{[]string{"date_range", "today"}, "100"},
		{[]string{"date_range", "yesterday"}, "none"},
		{[]string{"date_range", "month_to_date"}, "104"},
		{[]string{"date_range", "last_9_days"}, "104"},
		{[]string{"date_range", "last_8_days"}, "101"},
		{[]string{"date_range", "last_31_days"}, "1104"},
		{[]string{"date_range", "last_30_days"}, "104"},
		{[]string{"start_date", "2025-03-01T00:00:00Z", "end_date", "2025-03-02T00:00:00Z"}, "3"},
		{[]string{"start_date", "2025-02-07T00:00:00Z", "end_date", "2025-03-10T00:00:00Z"}, "1004"},
		{[]string{"start_date", "2025-02-07T00:00:00Z", "end_date", "2025-03-10T00:00:00Z", "filter[date]", "2025-03-02"}, "1"},
		{[]string{"start_date", "2025-03-02T00:00:00Z", "end_date", "2025-03-10T00:00:00Z", "filter[date]", "2025-03-01"}, "none"},
		{[]string{"date_range", "month_to_date", "filter[currency]", "EUR"}, "none"},
		{[]string{"date_range", "month_to_date", "filter[currency]", "USD"}, "104"},
	} {
		if got := parts(tc.dates...); got != tc.want {
			t.Errorf("%v: parts %s, want %s", tc.dates, got, tc.want)
		}
	}
}

// TestUsageReportPagesAndMeta: pages partition the rows, and meta says
// exactly where the page is.
func TestUsageReportPagesAndMeta(t *testing.T) {
	f := newUsageFixture(t)
	var events []map[string]any
	for i := range 45 {
		events = append(events, usageEvent(fmt.Sprintf("page-%d", i), f.a.ID, "wireless",
			fmt.Sprintf("2025-02-%02dT08:00:00.000Z", 1+i%28), map[string]any{"country_iso": []string{"US", "MX", "CA"}[i%3], "bytes": 1000 + i}))
	}
	f.srv.IngestUsage(t, events)
	q := reportQuery("product", "wireless", "dimensions", "date,country_iso", "metrics", "count", "start_date", "2025-02-01T00:00:00Z",
		"end_date", "2025-03-01T00:00:00Z", "page[size]", "20")
	seen := map[string]bool{}
	for page, want := range []struct{ rows, pages int }{{20, 3}, {20, 3}, {5, 3}, {0, 3}} {
		q.Set("page[number]", strconv.Itoa(page+1))
		got := getReport(t, f.srv, f.a.APIKey, q)
		m := got.Meta
		if len(got.Data) != want.rows || m.PageNumber != page+1 || m.PageSize != 20 || m.TotalPages != want.pages || m.TotalResults != 45 {
			t.Fatalf("page %d: %d rows, meta %+v", page+1, len(got.Data), m)
		}
		for _, row := range got.Data {
			k := str(t, row["date"]) + str(t, row["country_iso"])
			if seen[k] {
				t.Fatalf("row %s on two pages", k)
			}
			seen[k] = true
		}
	}
}
