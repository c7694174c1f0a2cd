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
