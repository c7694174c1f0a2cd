package backend

import (
	"errors"
	"math"
	"testing"
	"time"
)

// TestUsageMetricsAreExactLiterals: quantities are integers, and cost has
// exactly six decimals, whatever its size: written from micro-units, never
// through a float.
func TestUsageMetricsAreExactLiterals(t *testing.T) {
	totals := UsageTotals{Count: 3, Parts: 0, BilledSec: 125, Bytes: math.MaxInt64}
	for metric, want := range map[string]string{
		MetricCount: "3", MetricParts: "0", MetricBilledSec: "125", MetricBytes: "9223372036854775807",
	} {
		if got, ok := totals.Metric(metric); !ok || got != want {
			t.Errorf("%s = %q, want %q", metric, got, want)
		}
	}
	for micros, want := range map[Money]string{
		0: "0.000000", 1: "0.000001", 12_000: "0.012000", 1_500_000: "1.500000", 123_456_789: "123.456789",
		math.MaxInt64: "9223372036854.775807",
	} {
		if got, _ := (UsageTotals{Cost: micros}).Metric(MetricCost); got != want {
			t.Errorf("cost of %d micros = %q, want %q", int64(micros), got, want)
		}
	}
	if _, ok := totals.Metric("minutes"); ok {
		t.Error("an unknown metric has a value")
	}
}

// TestReportDays: date ranges count whole UTC days back from now, and
// start/end dates must be UTC midnights at most 31 days apart.
func TestReportDays(t *testing.T) {
	// 00:30 on 1 March in UTC is still February in New York: days are UTC.
	now := time.Date(2024, 3, 1, 0, 30, 0, 0, time.UTC).In(time.FixedZone("EST", -5*3600))
	for _, tc := range []struct {
		start, end, dateRange string
		from, to, param       string
	}{
		{dateRange: "today", from: "2024-03-01", to: "2024-03-02"},
		{dateRange: "yesterday", from: "2024-02-29", to: "2024-03-01"},
		{dateRange: "month_to_date", from: "2024-03-01", to: "2024-03-02"},
		{dateRange: "last_1_days", from: "2024-02-29", to: "2024-03-02"},
		{dateRange: "last_31_days", from: "2024-01-30", to: "2024-03-02"},
		{start: "2024-02-01T00:00:00Z", end: "2024-03-03T00:00:00Z", from: "2024-02-01", to: "2024-03-03"},
		{start: "2024-02-01T01:00:00+01:00", end: "2024-02-02T00:00:00Z", from: "2024-02-01", to: "2024-02-02"},
		{start: "2024-02-01T00:00:00Z", end: "2024-03-04T00:00:00Z", param: "end_date"},
		{start: "2024-02-01T00:00:00.5Z", end: "2024-02-04T00:00:00Z", param: "start_date"},
		{start: "0000-12-31T00:00:00Z", end: "0001-01-01T00:00:00Z", param: "start_date"},
		{dateRange: "last_31_days", start: "2024-02-01T00:00:00Z", param: "date_range"},
		{dateRange: "last_month", param: "date_range"},
		{dateRange: "last_1e1_days", param: "date_range"},
		{end: "2024-02-01T00:00:00Z", param: "start_date"},
	} {
		from, to, err := ReportDays(tc.start, tc.end, tc.dateRange, now)
		if tc.param != "" {
			if e, ok := errors.AsType[*Error](err); !ok || e.Kind != EBADREQUEST || e.Parameter != tc.param {
				t.Errorf("%+v: error %v, want a bad request naming %s", tc, err, tc.param)
			}
			continue
		}
		if err != nil || from != tc.from || to != tc.to {
			t.Errorf("%+v: %s..%s (%v), want %s..%s", tc, from, to, err, tc.from, tc.to)
		}
	}
}

// TestReportSumsFitInRange: no report adds up more days than
// maxReportSpanDays, whatever its dates (nor does any block the stores keep:
// sqlstore's TestNoBlockSpansMoreThanAReport); and that many days of one
// account's usage at MaxUsageDayTotal fit in an int64, which is what keeps
// every sum of a report in range.
func TestReportSumsFitInRange(t *testing.T) {
	now := time.Date(2024, 3, 31, 23, 59, 0, 0, time.UTC)
	var ranges [][2]string
	for _, r := range []string{"today", "yesterday", "month_to_date", "last_31_days"} {
		from, to, err := ReportDays("", "", r, now)
		if err != nil {
			t.Fatal(err)
		}
		ranges = append(ranges, [2]string{from, to})
	}
	for days := 1; days <= MaxUsageReportDays+1; days++ {
		end := now.Truncate(24 * time.Hour)
		from, to, err := ReportDays(end.AddDate(0, 0, -days).Format(time.RFC3339), end.Format(time.RFC3339), "", now)
		if err == nil {
			ranges = append(ranges, [2]string{from, to})
		}
	}
	for _, r := range ranges {
		from, _ := time.Parse(time.DateOnly, r[0])
		to, _ := time.Parse(time.DateOnly, r[1])
		if days := int(to.Sub(from) / (24 * time.Hour)); days > maxReportSpanDays {
			t.Errorf("a report of %s..%s adds up %d days, more than %d", r[0], r[1], days, maxReportSpanDays)
		}
	}
	if MaxUsageDayTotal > math.MaxInt64/maxReportSpanDays {
		t.Errorf("%d days at MaxUsageDayTotal overflow", maxReportSpanDays)
	}
}
