package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MaxUsageReportPageSize is the largest page of usage report rows the API
// serves.
const MaxUsageReportPageSize = 5000

// UsageReportOptions are the parameters of GET /usage_reports. Either
// DateRange or both StartDate and EndDate (RFC 3339 at UTC midnight; the end
// is exclusive) choose the days. Empty fields are not sent.
type UsageReportOptions struct {
	Product    string
	Dimensions []string
	Metrics    []string
	StartDate  string
	EndDate    string
	// DateRange is today, yesterday, last_N_days or month_to_date.
	DateRange string
	// Filters keep the rows whose dimension (the key) has the value.
	Filters map[string]string
	// ManagedAccounts reports over every managed account of the calling
	// manager, with the account as the user_id dimension of each row.
	ManagedAccounts bool
	// Sort names dimensions or metrics, "-" first for descending.
	Sort       []string
	PageNumber int
	PageSize   int
}

func (o UsageReportOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	// Arrays go comma-separated, as Telnyx's own SDKs send them.
	set("product", o.Product)
	set("dimensions", strings.Join(o.Dimensions, ","))
	set("metrics", strings.Join(o.Metrics, ","))
	set("start_date", o.StartDate)
	set("end_date", o.EndDate)
	set("date_range", o.DateRange)
	for k, f := range o.Filters {
		v.Set("filter["+k+"]", f)
	}
	if o.ManagedAccounts {
		v.Set("managed_accounts", "true")
	}
	set("sort", strings.Join(o.Sort, ","))
	return v
}

// UsageReportRow is one row of a usage report: the values of its dimensions
// (user_id included when the report covers managed accounts), and its
// metrics as the exact decimals the API wrote (a cost is never read into a
// float).
type UsageReportRow struct {
	Product    string
	Dimensions map[string]string
	Metrics    map[string]json.Number
}

// GetUsageReport returns one page of a usage report.
func (c *Client) GetUsageReport(ctx context.Context, opts UsageReportOptions) ([]UsageReportRow, PageMeta, error) {
	raws, meta, err := list[json.RawMessage](ctx, c, "/usage_reports", opts.values())
	if err != nil {
		return nil, PageMeta{}, err
	}
	rows := make([]UsageReportRow, 0, len(raws))
	for i, raw := range raws {
		row, err := parseUsageReportRow(raw, opts.Metrics)
		if err != nil {
			return nil, PageMeta{}, fmt.Errorf("GET /usage_reports: row %d of page %d: %w", i, meta.PageNumber, err)
		}
		rows = append(rows, row)
	}
	return rows, meta, nil
}

// UsageReportRows iterates over every row of every page of a usage report,
// starting at opts.PageNumber (default 1). It stops at the first error,
// which it yields.
func (c *Client) UsageReportRows(ctx context.Context, opts UsageReportOptions) iter.Seq2[UsageReportRow, error] {
	return paginate(opts.PageNumber, func(page int) ([]UsageReportRow, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.GetUsageReport(ctx, o)
	})
}

// parseUsageReportRow splits a row object into its metrics (the requested
// metric names), its product and its dimensions (every other key). Numbers
// are kept as the literal the API wrote.
func parseUsageReportRow(raw json.RawMessage, metrics []string) (UsageReportRow, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return UsageReportRow{}, fmt.Errorf("not a JSON object: %w", err)
	}
	row := UsageReportRow{Dimensions: map[string]string{}, Metrics: map[string]json.Number{}}
	for k, v := range fields {
		switch {
		case slices.Contains(metrics, k):
			n, err := metricNumber(v)
			if err != nil {
				return UsageReportRow{}, fmt.Errorf("metric %s: %w", k, err)
			}
			row.Metrics[k] = n
		case k == "product":
			s, ok := v.(string)
			if !ok {
				return UsageReportRow{}, fmt.Errorf("product is %T, not a string", v)
			}
			row.Product = s
		default:
			s, err := dimensionString(v)
			if err != nil {
				return UsageReportRow{}, fmt.Errorf("dimension %s: %w", k, err)
			}
			row.Dimensions[k] = s
		}
	}
	return row, nil
}

// jsonNumber is the syntax of a JSON number.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// metricNumber accepts a JSON number, or a string that is one (some APIs
// quote decimals to keep them exact).
func metricNumber(v any) (json.Number, error) {
	switch n := v.(type) {
	case json.Number:
		return n, nil
	case string:
		if !jsonNumber.MatchString(n) {
			return "", fmt.Errorf("%q is not a number", n)
		}
		return json.Number(n), nil
	default:
		return "", fmt.Errorf("%v (%T) is not a number", v, v)
	}
}

// dimensionString renders a dimension value as a string; null is "".
func dimensionString(v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, nil
	case nil:
		return "", nil
	case json.Number:
		return s.String(), nil
	case bool:
		return strconv.FormatBool(s), nil
	default:
		return "", fmt.Errorf("%T is not a scalar", v)
	}
}
