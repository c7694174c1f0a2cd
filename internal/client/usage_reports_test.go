package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

func TestUsageReportSendsArraysCommaSeparatedAndFilters(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":[],"meta":{"page_number":1,"page_size":5000,"total_pages":0,"total_results":0}}`))
	_, _, err := rec.client(t, nil).GetUsageReport(context.Background(), client.UsageReportOptions{
		Product:         client.ProductMessaging,
		Dimensions:      []string{"direction", "country_iso"},
		Metrics:         []string{"count", "cost"},
		StartDate:       "2026-01-01T00:00:00Z",
		EndDate:         "2026-01-31T00:00:00Z",
		Filters:         map[string]string{"direction": "outbound", "country_iso": "US"},
		ManagedAccounts: true,
		Sort:            []string{"-cost", "direction"},
		PageNumber:      2,
		PageSize:        client.MaxUsageReportPageSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rec.requests()[0]
	if r.Method != http.MethodGet || r.URL.Path != "/v2/usage_reports" {
		t.Fatalf("request = %s %s", r.Method, r.URL.Path)
	}
	want := map[string][]string{
		"product":             {"messaging"},
		"dimensions":          {"direction,country_iso"},
		"metrics":             {"count,cost"},
		"start_date":          {"2026-01-01T00:00:00Z"},
		"end_date":            {"2026-01-31T00:00:00Z"},
		"filter[direction]":   {"outbound"},
		"filter[country_iso]": {"US"},
		"managed_accounts":    {"true"},
		"sort":                {"-cost,direction"},
		"page[number]":        {"2"},
		"page[size]":          {"5000"},
	}
	if got := map[string][]string(r.URL.Query()); !reflect.DeepEqual(got, want) {
		t.Fatalf("query = %v\nwant    %v", got, want)
	}
}

func TestUsageReportSendsOnlyWhatIsSet(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":[],"meta":{"page_number":1,"page_size":20,"total_pages":0,"total_results":0}}`))
	_, _, err := rec.client(t, nil).GetUsageReport(context.Background(), client.UsageReportOptions{
		Product: client.ProductVoice, Dimensions: []string{"date"}, Metrics: []string{"billed_sec"}, DateRange: "last_7_days",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.requests()[0].URL.RawQuery, "date_range=last_7_days&dimensions=date&metrics=billed_sec&product=voice"; got != want {
		t.Fatalf("query = %s, want %s", got, want)
	}
}

func TestUsageReportRowsKeepExactDecimalsAndSplitDimensionsFromMetrics(t *testing.T) {
	// 0.1 + 0.2 style decimals and a cost beyond float64's exact range: the
	// literal must come back as written.
	rec := newRecorder(t, ok(`{"data":[`+
		`{"user_id":"ma-1","direction":"outbound","country_iso":"US","count":8,"cost":0.012000,"product":"messaging"},`+
		`{"user_id":"ma-2","direction":"inbound","country_iso":null,"count":12,"cost":12345678901234.000001,"product":"messaging"}],`+
		`"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":2}}`))
	rows, meta, err := rec.client(t, nil).GetUsageReport(context.Background(), client.UsageReportOptions{
		Product: client.ProductMessaging, Dimensions: []string{"direction", "country_iso"}, Metrics: []string{"count", "cost"},
		DateRange: "today", ManagedAccounts: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []client.UsageReportRow{
		{Product: "messaging", Dimensions: map[string]string{"user_id": "ma-1", "direction": "outbound", "country_iso": "US"},
			Metrics: map[string]json.Number{"count": "8", "cost": "0.012000"}},
		{Product: "messaging", Dimensions: map[string]string{"user_id": "ma-2", "direction": "inbound", "country_iso": ""},
			Metrics: map[string]json.Number{"count": "12", "cost": "12345678901234.000001"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows = %+v\nwant   %+v", rows, want)
	}
	if meta.TotalResults != 2 {
		t.Fatalf("meta = %+v", meta)
	}
}

func TestUsageReportRefusesAMetricThatIsNotANumber(t *testing.T) {
	for _, value := range []string{`"Inf"`, `"abc"`, `true`, `{"a":1}`} {
		t.Run(value, func(t *testing.T) {
			rec := newRecorder(t, ok(`{"data":[{"count":`+value+`}],"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}}`))
			_, _, err := rec.client(t, nil).GetUsageReport(context.Background(), client.UsageReportOptions{
				Product: client.ProductVoice, Dimensions: []string{"date"}, Metrics: []string{"count"}, DateRange: "today",
			})
			if err == nil || !strings.Contains(err.Error(), "metric count") {
				t.Fatalf("err = %v, want one naming the metric", err)
			}
		})
	}
}

func TestUsageReportAcceptsAQuotedDecimalMetric(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":[{"date":"2026-01-02","cost":"0.000125"}],"meta":{"page_number":1,"page_size":20,"total_pages":1,"total_results":1}}`))
	rows, _, err := rec.client(t, nil).GetUsageReport(context.Background(), client.UsageReportOptions{
		Product: client.ProductWireless, Dimensions: []string{"date"}, Metrics: []string{"cost"}, DateRange: "today",
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Metrics["cost"] != "0.000125" || rows[0].Dimensions["date"] != "2026-01-02" {
		t.Fatalf("row = %+v", rows[0])
	}
}

// usageServer serves total report rows in pages of the requested size.
func usageServer(t *testing.T, total int) *recorder {
	return newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		page, err := strconv.Atoi(q.Get("page[number]"))
		if err != nil {
			page = 1
		}
		size, err := strconv.Atoi(q.Get("page[size]"))
		if err != nil {
			size = 20
		}
		var items []string
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"date":"d%05d","count":%d,"cost":0.%06d,"product":"voice"}`, i, i, i))
		}
		_, _ = fmt.Fprintf(w, `{"data":[%s],"meta":{"page_number":%d,"page_size":%d,"total_pages":%d,"total_results":%d}}`,
			strings.Join(items, ","), page, size, (total+size-1)/size, total)
	})
}

func TestUsageReportRowsReadsEveryPage(t *testing.T) {
	const total, size = 12_345, client.MaxUsageReportPageSize
	rec := usageServer(t, total)
	opts := client.UsageReportOptions{
		Product: client.ProductVoice, Dimensions: []string{"date"}, Metrics: []string{"count", "cost"},
		DateRange: "last_31_days", PageSize: size,
	}
	n := 0
	for row, err := range rec.client(t, nil).UsageReportRows(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("d%05d", n); row.Dimensions["date"] != want || row.Metrics["count"] != json.Number(strconv.Itoa(n)) ||
			row.Metrics["cost"] != json.Number(fmt.Sprintf("0.%06d", n)) {
			t.Fatalf("row %d = %+v", n, row)
		}
		n++
	}
	if n != total {
		t.Fatalf("read %d rows, want %d", n, total)
	}
	reqs := rec.requests()
	if len(reqs) != 3 {
		t.Fatalf("server saw %d page requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		q := r.URL.Query()
		if q.Get("page[number]") != strconv.Itoa(i+1) || q.Get("page[size]") != "5000" || q.Get("metrics") != "count,cost" {
			t.Errorf("request %d query = %s", i, r.URL.RawQuery)
		}
	}
}

func TestUsageReportRowsStopsAtTheFirstError(t *testing.T) {
	rec := newRecorder(t,
		ok(`{"data":[{"date":"2026-01-01","count":1}],"meta":{"page_number":1,"page_size":1,"total_pages":3,"total_results":3}}`),
		apiError(http.StatusForbidden, "10010", "Forbidden", "The cost metric is not available to managed accounts."),
	)
	opts := client.UsageReportOptions{Product: client.ProductVoice, Dimensions: []string{"date"}, Metrics: []string{"count"}, DateRange: "today", PageSize: 1}
	var rows, errs int
	for _, err := range rec.client(t, nil).UsageReportRows(context.Background(), opts) {
		if err != nil {
			errs++
			if client.StatusCode(err) != http.StatusForbidden {
				t.Fatalf("err = %v", err)
			}
			continue
		}
		rows++
	}
	if rows != 1 || errs != 1 || len(rec.requests()) != 2 {
		t.Fatalf("rows %d, errors %d, requests %d; want 1, 1, 2", rows, errs, len(rec.requests()))
	}
}
