package backend

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Usage reports (GET /usage_reports) add up usage from the daily rollups,
// never from the raw events, broken out by the dimensions a caller asks
// for. A managed-account caller never sees cost (DESIGN 3.2): its prices are
// its manager's business.

// Limits of usage reports.
const (
	// MaxUsageReportDays is the widest start_date..end_date window.
	MaxUsageReportDays = 31
	// MaxUsageReportPageSize is the largest page of rows.
	MaxUsageReportPageSize = 5000
	// maxReportSpanDays is the most days a report adds up: last_31_days
	// covers today too. No stored block spans more (sqlstore.UsageBlockSpans).
	maxReportSpanDays = MaxUsageReportDays + 1
)

// Telnyx's code and titles for usage report parameters that name nothing
// the product has (the contract's 10003 example).
const (
	CodeUsageReportInvalid = "10003"
	titleInvalidProduct    = "Product invalid value"
	titleInvalidDimensions = "Dimensions invalid values"
	titleInvalidMetrics    = "Metrics invalid values"
	titleInvalidFilter     = "Filter invalid values"
)

// DimensionCountryCode is accepted in filters as another name of country_iso.
const DimensionCountryCode = "country_code"

// UsageReportInput is a usage report request as the HTTP layer read it:
// names and dates still unchecked, arrays split.
type UsageReportInput struct {
	Product    string
	Dimensions []string
	Metrics    []string
	// StartDate and EndDate (RFC 3339 at UTC midnight, end exclusive), or
	// DateRange; empty when not given.
	StartDate, EndDate, DateRange string
	// Filters keep the rows whose dimension (the key, as given after
	// "filter[") has the value.
	Filters map[string]string
	// ManagedAccounts reports over every managed account of the calling
	// manager, with user_id added to the dimensions.
	ManagedAccounts bool
	// Sort names requested dimensions or metrics, "-" first for descending.
	Sort []string
	Page Page
}

// UsageReport is one page of a usage report.
type UsageReport struct {
	Product string
	// Dimensions are the columns of each row before the product, in order:
	// user_id first under managed_accounts, then the requested ones.
	Dimensions []string
	// Metrics are the requested metrics, in order.
	Metrics []string
	Rows    []UsageReportRow
	Meta    PageMeta
}

// UsageReportRow is one row: the values of the report's dimensions, in
// order, and the sums of its usage.
type UsageReportRow struct {
	Values []string
	UsageTotals
}

// UsageTotals are sums of usage. Cost is exact; it reaches no managed account.
type UsageTotals struct {
	Count, Parts, BilledSec, Bytes int64
	Cost                           Money
}

// Metric returns the total of a metric of the catalog as a decimal literal:
// an integer, or the cost with all six decimals (0.012000), never through a
// float.
func (t UsageTotals) Metric(name string) (string, bool) {
	b, ok := t.AppendMetric(nil, name)
	return string(b), ok
}

// AppendMetric appends what Metric returns to dst.
func (t UsageTotals) AppendMetric(dst []byte, name string) ([]byte, bool) {
	switch name {
	case MetricCount:
		return strconv.AppendInt(dst, t.Count, 10), true
	case MetricParts:
		return strconv.AppendInt(dst, t.Parts, 10), true
	case MetricBilledSec:
		return strconv.AppendInt(dst, t.BilledSec, 10), true
	case MetricBytes:
		return strconv.AppendInt(dst, t.Bytes, 10), true
	case MetricCost:
		return appendFullMicros(dst, t.Cost), true
	}
	return dst, false
}

// appendFullMicros renders money with all six decimals, as Telnyx writes
// costs.
func appendFullMicros(dst []byte, m Money) []byte {
	if m < 0 { // costs are never below zero; Money.String knows the sign
		s := m.String()
		dot := strings.IndexByte(s, '.')
		return append(append(dst, s...), strings.Repeat("0", 6-(len(s)-dot-1))...)
	}
	dst = strconv.AppendInt(dst, int64(m/MicrosPerUnit), 10)
	frac := int64(m % MicrosPerUnit)
	dst = append(dst, '.')
	for unit := int64(MicrosPerUnit / 10); unit > 0; unit /= 10 {
		dst = append(dst, byte('0'+frac/unit%10))
	}
	return dst
}

// UsageReportQuery is what the store sums: usage of one product over whole
// UTC days, in one scope, grouped, filtered, sorted and paged.
type UsageReportQuery struct {
	// Scope: AccountID alone is that account's own usage; ManagerID alone is
	// the usage of every account that ManagerID manages (not its own).
	AccountID, ManagerID string
	Product              string
	// From and To are days ("2006-01-02"): From included, To excluded.
	From, To string
	// Metrics are the metrics to add up (MetricParts…); the others come
	// back zero, but for the count, which is always added up.
	Metrics []string
	// GroupBy are the dimensions to break out by, in the order the row
	// values come back: user_id, direction, country_iso, message_type,
	// product_name or date (currency is constant: the service fills it in).
	GroupBy []string
	// Filters keep rows whose dimension (the key: user_id, direction,
	// country_iso, message_type or product_name) has the value.
	Filters map[string]string
	// Sort orders the groups by GroupBy dimensions or by metrics
	// (MetricCount…); ties break on every GroupBy dimension ascending.
	Sort []UsageSort
	Page Page
}

// UsageSort is one key of a report's order.
type UsageSort struct {
	Key        string
	Descending bool
}

// UsageReport returns one page of a usage report. Any account may report on
// its own usage; a manager reports over all of its managed accounts with
// ManagedAccounts. Returns EBADREQUEST (code 10003 for names the product does
// not have) for bad parameters, and EFORBIDDEN when a managed account asks
// for cost or for managed_accounts.
func (s *Service) UsageReport(ctx context.Context, c *Caller, in UsageReportInput) (*UsageReport, error) {
	if c == nil || c.Account == nil {
		return nil, Errorf(EUNAUTHENTICATED, "Authentication failed.")
	}
	p, err := reportProduct(in.Product)
	if err != nil {
		return nil, err
	}
	dims, err := reportDimensions(p, in.Dimensions, in.ManagedAccounts)
	if err != nil {
		return nil, err
	}
	metrics, err := reportMetrics(p, in.Metrics, visibleMetrics(c, p))
	if err != nil {
		return nil, err
	}
	if !c.Account.IsManager() {
		if slices.Contains(metrics, MetricCost) {
			return nil, &Error{Kind: EFORBIDDEN,
				Detail: "The cost metric is not available to managed accounts: their prices are set by their manager."}
		}
		if in.ManagedAccounts {
			return nil, &Error{Kind: EFORBIDDEN,
				Detail: "Only manager accounts may report over managed accounts; this key belongs to a managed account."}
		}
	}
	from, to, err := ReportDays(in.StartDate, in.EndDate, in.DateRange, s.now())
	if err != nil {
		return nil, err
	}
	q := UsageReportQuery{Product: p.Name, From: from, To: to, Metrics: metrics, Filters: map[string]string{}}
	if in.ManagedAccounts {
		q.ManagerID = c.Account.ID
	} else {
		q.AccountID = c.Account.ID
	}
	matchNone, err := applyReportFilters(p, &q, in.Filters, in.ManagedAccounts)
	if err != nil {
		return nil, err
	}
	for _, d := range dims {
		if d != DimensionCurrency {
			q.GroupBy = append(q.GroupBy, d)
		}
	}
	if q.Sort, err = reportSort(in.Sort, dims, metrics); err != nil {
		return nil, err
	}
	q.Page = in.Page
	if err := validatePageUpTo(&q.Page, MaxUsageReportPageSize); err != nil {
		return nil, err
	}

	report := &UsageReport{Product: p.Name, Dimensions: dims, Metrics: metrics, Rows: []UsageReportRow{}}
	total := 0
	if !matchNone {
		var rows []UsageReportRow
		err := s.store.ReadTx(ctx, func(tx Tx) error {
			var err error
			rows, total, err = tx.UsageReport(ctx, q)
			return err
		})
		if err != nil {
			return nil, err
		}
		report.Rows = withConstantDimensions(rows, dims, q.GroupBy)
	}
	report.Meta = NewPageMeta(q.Page, total)
	return report, nil
}

// withConstantDimensions lays the store's rows out in the report's
// dimensions, filling in the constant ones (currency).
func withConstantDimensions(rows []UsageReportRow, dims, grouped []string) []UsageReportRow {
	if len(dims) == len(grouped) {
		return rows
	}
	for i := range rows {
		values := make([]string, 0, len(dims))
		k := 0
		for _, d := range dims {
			if d == DimensionCurrency {
				values = append(values, Currency)
				continue
			}
			values = append(values, rows[i].Values[k])
			k++
		}
		rows[i].Values = values
	}
	return rows
}

func reportProduct(name string) (Product, error) {
	if name == "" {
		return Product{}, InvalidParameter("product", "product is required; available values: %s.", strings.Join(ProductNames(), ","))
	}
	p, ok := LookupProduct(name)
	if !ok {
		return Product{}, &Error{Kind: EBADREQUEST, Code: CodeUsageReportInvalid, Title: titleInvalidProduct, Parameter: "product",
			Detail: fmt.Sprintf("Available product values: %s.", strings.Join(ProductNames(), ","))}
	}
	return p, nil
}

// reportDimensions checks the requested dimensions against the product's and
// returns the report's: user_id first under managed_accounts, then each
// requested one once, in the order asked.
func reportDimensions(p Product, requested []string, managed bool) ([]string, error) {
	available := slices.Clone(p.Dimensions)
	if managed {
		available = append(available, DimensionUserID)
	}
	if len(requested) == 0 {
		return nil, InvalidParameter("dimensions", "dimensions is required; available dimensions values for %s: %s.", p.Name, strings.Join(available, ","))
	}
	var dims []string
	if managed {
		dims = append(dims, DimensionUserID)
	}
	for _, d := range requested {
		if !slices.Contains(available, d) {
			return nil, &Error{Kind: EBADREQUEST, Code: CodeUsageReportInvalid, Title: titleInvalidDimensions, Parameter: "dimensions",
				Detail: fmt.Sprintf("Available dimensions values for %s: %s.", p.Name, strings.Join(available, ","))}
		}
		if !slices.Contains(dims, d) {
			dims = append(dims, d)
		}
	}
	return dims, nil
}

// visibleMetrics are the metrics of p the caller may see: a managed account
// is never offered cost.
func visibleMetrics(c *Caller, p Product) []string {
	if c.Account.IsManager() {
		return p.Metrics
	}
	return slices.DeleteFunc(slices.Clone(p.Metrics), func(m string) bool { return m == MetricCost })
}

// reportMetrics checks the requested metrics against the product's and
// returns each once, in the order asked. Errors list the visible metrics.
func reportMetrics(p Product, requested, visible []string) ([]string, error) {
	if len(requested) == 0 {
		return nil, InvalidParameter("metrics", "metrics is required; available metrics values for %s: %s.", p.Name, strings.Join(visible, ","))
	}
	var metrics []string
	for _, m := range requested {
		if !p.HasMetric(m) {
			return nil, &Error{Kind: EBADREQUEST, Code: CodeUsageReportInvalid, Title: titleInvalidMetrics, Parameter: "metrics",
				Detail: fmt.Sprintf("Available metrics values for %s: %s.", p.Name, strings.Join(visible, ","))}
		}
		if !slices.Contains(metrics, m) {
			metrics = append(metrics, m)
		}
	}
	return metrics, nil
}

// applyReportFilters adds the filters to q. A filter on the currency keeps
// everything or nothing (matchNone), and one on the date narrows q's days.
func applyReportFilters(p Product, q *UsageReportQuery, filters map[string]string, managed bool) (matchNone bool, err error) {
	available := slices.Clone(p.Dimensions)
	if managed {
		available = append(available, DimensionUserID)
	}
	names := make([]string, 0, len(filters))
	for name := range filters {
		names = append(names, name)
	}
	slices.Sort(names) // the first bad filter reported is the same on every call
	seen := map[string]bool{}
	for _, name := range names {
		value, param, dim := filters[name], "filter["+name+"]", name
		if dim == DimensionCountryCode {
			dim = FieldCountryISO
		}
		if !slices.Contains(available, dim) {
			return false, &Error{Kind: EBADREQUEST, Code: CodeUsageReportInvalid, Title: titleInvalidFilter, Parameter: param,
				Detail: fmt.Sprintf("Available filter dimensions for %s: %s (country_code is another name of country_iso).", p.Name, strings.Join(available, ","))}
		}
		if seen[dim] {
			return false, InvalidParameter(param, "%s filters the same dimension as another filter.", param)
		}
		seen[dim] = true
		if value == "" {
			return false, InvalidParameter(param, "%s must not be empty.", param)
		}
		switch dim {
		case DimensionCurrency:
			matchNone = matchNone || value != Currency
		case DimensionDate:
			day, err := time.Parse(time.DateOnly, value)
			if err != nil {
				return false, InvalidParameter(param, "%s must be a day such as 2024-02-01, not %q.", param, value)
			}
			// The filter narrows the days to one; outside them, nothing.
			from := day.Format(time.DateOnly)
			matchNone = matchNone || from < q.From || from >= q.To
			q.From, q.To = from, day.AddDate(0, 0, 1).Format(time.DateOnly)
		default:
			q.Filters[dim] = value
		}
	}
	return matchNone, nil
}

// reportSort reads the sort keys; the default is every dimension ascending.
func reportSort(keys, dims, metrics []string) ([]UsageSort, error) {
	var out []UsageSort
	seen := map[string]bool{}
	for _, k := range keys {
		name, descending := strings.CutPrefix(k, "-")
		if !slices.Contains(dims, name) && !slices.Contains(metrics, name) {
			return nil, InvalidParameter("sort", "sort must name requested dimensions or metrics (%s), each optionally preceded by -, not %q.",
				strings.Join(append(slices.Clone(dims), metrics...), ","), k)
		}
		if seen[name] {
			return nil, InvalidParameter("sort", "sort names %s twice.", name)
		}
		seen[name] = true
		if name != DimensionCurrency { // constant: sorting by it changes nothing
			out = append(out, UsageSort{Key: name, Descending: descending})
		}
	}
	return out, nil
}

// ReportDays turns a report's dates into the UTC days it covers, From
// included and To excluded ("2006-01-02"), as of now:
//   - start_date and end_date: RFC 3339 times at UTC midnight, end after
//     start, at most MaxUsageReportDays apart;
//   - date_range: today, yesterday, last_N_days (N from 1 to 31: from
//     midnight N days ago until now) or month_to_date (from the first of the
//     month until now).
//
// Giving both forms, or neither, is an error naming the parameter at fault.
func ReportDays(startDate, endDate, dateRange string, now time.Time) (from, to string, err error) {
	today := now.UTC().Truncate(24 * time.Hour)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	if dateRange != "" {
		if startDate != "" || endDate != "" {
			return "", "", InvalidParameter("date_range", "Give either date_range or start_date and end_date, not both.")
		}
		tomorrow := today.AddDate(0, 0, 1)
		switch dateRange {
		case "today":
			return day(today), day(tomorrow), nil
		case "yesterday":
			return day(today.AddDate(0, 0, -1)), day(today), nil
		case "month_to_date":
			return day(time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)), day(tomorrow), nil
		}
		if n, ok := lastNDays(dateRange); ok {
			return day(today.AddDate(0, 0, -n)), day(tomorrow), nil
		}
		return "", "", InvalidParameter("date_range",
			"date_range must be today, yesterday, month_to_date or last_N_days with N from 1 to %d, not %q.", MaxUsageReportDays, dateRange)
	}
	if startDate == "" {
		return "", "", InvalidParameter("start_date", "Give start_date and end_date (RFC 3339 at UTC midnight, such as 2024-02-01T00:00:00Z), or date_range.")
	}
	if endDate == "" {
		return "", "", InvalidParameter("end_date", "end_date is required with start_date (RFC 3339 at UTC midnight, such as 2024-03-01T00:00:00Z).")
	}
	start, err := reportMidnight("start_date", startDate)
	if err != nil {
		return "", "", err
	}
	end, err := reportMidnight("end_date", endDate)
	if err != nil {
		return "", "", err
	}
	if !end.After(start) {
		return "", "", InvalidParameter("end_date", "end_date must be after start_date (the end is excluded).")
	}
	if end.Sub(start) > MaxUsageReportDays*24*time.Hour {
		return "", "", InvalidParameter("end_date", "The maximum time range is %d days: end_date is %d days after start_date.",
			MaxUsageReportDays, int(end.Sub(start)/(24*time.Hour)))
	}
	return day(start), day(end), nil
}

// reportMidnight parses an RFC 3339 time that must fall on a UTC midnight:
// reports add up whole UTC days.
func reportMidnight(param, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, InvalidParameter(param, "%s must be an RFC 3339 time such as 2024-02-01T00:00:00Z, not %q.", param, v)
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24*time.Hour)) || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, InvalidParameter(param, "%s must be a midnight in UTC (reports add up whole UTC days), such as %sT00:00:00Z, not %q.",
			param, t.Format(time.DateOnly), v)
	}
	return t, nil
}

// lastNDays reads "last_N_days" for N from 1 to MaxUsageReportDays.
func lastNDays(v string) (int, bool) {
	digits, ok := strings.CutPrefix(v, "last_")
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, "_days"); !ok || digits == "" || strings.TrimLeft(digits, "0123456789") != "" || digits[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > MaxUsageReportDays {
		return 0, false
	}
	return n, true
}

// UsageReportOption is a product a caller may report on, with its
// dimensions and metrics: GET /usage_reports/options.
type UsageReportOption struct {
	Product    string
	Dimensions []string
	Metrics    []string
	// RecordTypes are the product's kinds: the values of its product_name.
	RecordTypes []string
}

// UsageReportOptions lists what the caller may ask of each product, or of
// the one named (empty for all). A managed account is never offered cost.
// Returns EBADREQUEST (code 10003) for an unknown product.
func (s *Service) UsageReportOptions(c *Caller, product string) ([]UsageReportOption, error) {
	if c == nil || c.Account == nil {
		return nil, Errorf(EUNAUTHENTICATED, "Authentication failed.")
	}
	list := Products()
	if product != "" {
		p, err := reportProduct(product)
		if err != nil {
			return nil, err
		}
		list = []Product{p}
	}
	out := make([]UsageReportOption, 0, len(list))
	for _, p := range list {
		out = append(out, UsageReportOption{Product: p.Name, Dimensions: p.Dimensions, Metrics: visibleMetrics(c, p), RecordTypes: p.ProductNames})
	}
	return out, nil
}
