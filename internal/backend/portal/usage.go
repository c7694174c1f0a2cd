package portal

import (
	"context"
	"slices"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Usage as the pages show it, read through the domain's usage reports: the
// domain decides whether the caller may see cost (UsageReportOptions), so a
// managed account's pages never get a cost to show.

// usageWindow is the overview's window: the last 31 days, today included.
const usageWindow = "last_30_days"

// reportPageSize is the rows asked per report page: the most a report gives.
const reportPageSize = backend.MaxUsageReportPageSize

// measure is one figure of a product's usage.
type measure struct {
	Metric string
	// Label heads its column; Unit names it in a chart's tooltips.
	Label, Unit string
	// tenths converts the metric to tenths of the unit shown (seconds to
	// tenths of a minute); nil shows the metric as a whole number.
	tenths func(int64) int64
}

func (m measure) value(t backend.UsageTotals) int64 {
	switch m.Metric {
	case backend.MetricParts:
		return t.Parts
	case backend.MetricBilledSec:
		return t.BilledSec
	case backend.MetricBytes:
		return t.Bytes
	}
	return t.Count
}

func (m measure) format(v int64) string {
	if m.tenths == nil {
		return formatCount(v)
	}
	return formatTenths(m.tenths(v))
}

func (m measure) chartValue(v int64) float64 {
	if m.tenths == nil {
		return float64(v)
	}
	return float64(m.tenths(v)) / 10
}

// productDisplay is how a product's usage shows: its figures, the first
// being the count of events, and the one its chart draws.
type productDisplay struct {
	Name, Title string
	Measures    []measure
	Charted     int
}

var productDisplays = []productDisplay{
	{Name: backend.ProductMessaging, Title: "Messaging", Charted: 0, Measures: []measure{
		{Metric: backend.MetricCount, Label: "Messages", Unit: "messages"},
		{Metric: backend.MetricParts, Label: "Message parts", Unit: "parts"},
	}},
	{Name: backend.ProductVoice, Title: "Voice", Charted: 1, Measures: []measure{
		{Metric: backend.MetricCount, Label: "Calls", Unit: "calls"},
		{Metric: backend.MetricBilledSec, Label: "Minutes", Unit: "minutes", tenths: func(sec int64) int64 { return roundedDiv(sec*10, 60) }},
	}},
	{Name: backend.ProductWireless, Title: "Wireless data", Charted: 1, Measures: []measure{
		{Metric: backend.MetricCount, Label: "Data sessions", Unit: "sessions"},
		{Metric: backend.MetricBytes, Label: "Data (MB)", Unit: "MB", tenths: func(bytes int64) int64 { return roundedDiv(bytes, 100_000) }},
	}},
}

// productUsage is one product's section of the overview.
type productUsage struct {
	Name, Title string
	// Charts are the same chart laid out for a laptop and for a phone; the
	// stylesheet shows one.
	Charts  []*barChart
	Totals  []stat
	Columns []string
	// Rows are the days with usage, newest first.
	Rows []usageRow
}

type stat struct{ Label, Value string }

type usageRow struct {
	Date  string
	Cells []string
}

// reportMetrics are the metrics of a product's report for c: its measures,
// and cost when the domain offers it to c.
func (p *Portal) reportMetrics(c *backend.Caller, pd productDisplay) ([]string, bool, error) {
	options, err := p.svc.UsageReportOptions(c, pd.Name)
	if err != nil {
		return nil, false, err
	}
	var metrics []string
	for _, m := range pd.Measures {
		metrics = append(metrics, m.Metric)
	}
	withCost := len(options) == 1 && slices.Contains(options[0].Metrics, backend.MetricCost)
	if withCost {
		metrics = append(metrics, backend.MetricCost)
	}
	return metrics, withCost, nil
}

// allRows reads every page of a report.
func (p *Portal) allRows(ctx context.Context, c *backend.Caller, in backend.UsageReportInput) ([]backend.UsageReportRow, error) {
	var rows []backend.UsageReportRow
	for page := 1; ; page++ {
		in.Page = backend.Page{Number: page, Size: reportPageSize}
		report, err := p.svc.UsageReport(ctx, c, in)
		if err != nil {
			return nil, err
		}
		rows = append(rows, report.Rows...)
		if page >= report.Meta.TotalPages {
			return rows, nil
		}
	}
}

// usageOverview is the caller's usage of the last 31 days, per product.
func (p *Portal) usageOverview(ctx context.Context, c *backend.Caller) ([]productUsage, error) {
	from, to, err := backend.ReportDays("", "", usageWindow, p.svc.Now())
	if err != nil {
		return nil, err
	}
	days, err := daysBetween(from, to)
	if err != nil {
		return nil, err
	}
	out := make([]productUsage, 0, len(productDisplays))
	for _, pd := range productDisplays {
		metrics, withCost, err := p.reportMetrics(c, pd)
		if err != nil {
			return nil, err
		}
		rows, err := p.allRows(ctx, c, backend.UsageReportInput{
			Product: pd.Name, Dimensions: []string{backend.DimensionDate}, Metrics: metrics, DateRange: usageWindow,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, buildProductUsage(pd, days, rows, withCost))
	}
	return out, nil
}

func buildProductUsage(pd productDisplay, days []time.Time, rows []backend.UsageReportRow, withCost bool) productUsage {
	byDay := map[string]backend.UsageTotals{}
	for _, r := range rows {
		if len(r.Values) > 0 {
			byDay[r.Values[0]] = r.UsageTotals
		}
	}
	u := productUsage{Name: pd.Name, Title: pd.Title}
	for _, m := range pd.Measures {
		u.Columns = append(u.Columns, m.Label)
	}
	if withCost {
		u.Columns = append(u.Columns, "Cost")
	}
	charted := pd.Measures[pd.Charted]
	totals := make([]int64, len(pd.Measures))
	var cost backend.Money
	points := make([]chartPoint, 0, len(days))
	for _, day := range days {
		t := byDay[day.Format(time.DateOnly)]
		v := charted.value(t)
		points = append(points, chartPoint{Day: day, Value: charted.chartValue(v), Label: charted.format(v) + " " + charted.Unit})
		if t.Count == 0 && t.Cost == 0 {
			continue
		}
		row := usageRow{Date: formatDate(day)}
		for i, m := range pd.Measures {
			totals[i] += m.value(t)
			row.Cells = append(row.Cells, m.format(m.value(t)))
		}
		if withCost {
			cost += t.Cost // costs of 31 days of one account: far from overflowing int64 micro-units
			row.Cells = append(row.Cells, formatMoney(t.Cost))
		}
		u.Rows = append(u.Rows, row)
	}
	slices.Reverse(u.Rows)
	for i, m := range pd.Measures {
		u.Totals = append(u.Totals, stat{Label: m.Label, Value: m.format(totals[i])})
	}
	if withCost {
		u.Totals = append(u.Totals, stat{Label: "Cost", Value: formatMoney(cost)})
	}
	title := pd.Title + ": " + charted.Unit + " per day"
	description := charted.format(totals[pd.Charted]) + " " + charted.Unit + " in the last 31 days, " +
		formatDate(days[0]) + " to " + formatDate(days[len(days)-1]) + "."
	for _, l := range []chartLayout{wideChart, narrowChart} {
		u.Charts = append(u.Charts, newBarChart(l, "chart-"+pd.Name, title, description, points, charted.tenths == nil))
	}
	return u
}

// daysBetween lists the days from from (included) to to (excluded).
func daysBetween(from, to string) ([]time.Time, error) {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, err
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, err
	}
	var days []time.Time
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}
	return days, nil
}

// monthUsage is a managed account's usage this month, in the manager's
// list.
type monthUsage struct {
	Messages, MinuteTenths, MegabyteTenths int64
	Cost                                   backend.Money
}

func (m monthUsage) MessagesText() string { return formatCount(m.Messages) }
func (m monthUsage) MinutesText() string  { return formatTenths(m.MinuteTenths) }
func (m monthUsage) DataText() string     { return formatTenths(m.MegabyteTenths) }
func (m monthUsage) CostText() string     { return formatMoney(m.Cost) }

// monthUsageByAccount is the usage of each of the manager's accounts this
// month, and whether it comes with cost.
func (p *Portal) monthUsageByAccount(ctx context.Context, c *backend.Caller) (map[string]monthUsage, bool, error) {
	out := map[string]monthUsage{}
	anyCost := false
	for _, pd := range productDisplays {
		metrics, withCost, err := p.reportMetrics(c, pd)
		if err != nil {
			return nil, false, err
		}
		anyCost = anyCost || withCost
		rows, err := p.allRows(ctx, c, backend.UsageReportInput{
			Product: pd.Name, Dimensions: []string{backend.DimensionUserID}, Metrics: metrics,
			DateRange: "month_to_date", ManagedAccounts: true,
		})
		if err != nil {
			return nil, false, err
		}
		for _, r := range rows {
			if len(r.Values) == 0 {
				continue
			}
			u := out[r.Values[0]]
			switch pd.Name {
			case backend.ProductMessaging:
				u.Messages += r.Count
			case backend.ProductVoice:
				u.MinuteTenths += pd.Measures[1].tenths(r.BilledSec)
			case backend.ProductWireless:
				u.MegabyteTenths += pd.Measures[1].tenths(r.Bytes)
			}
			u.Cost += r.Cost
			out[r.Values[0]] = u
		}
	}
	return out, anyCost, nil
}
