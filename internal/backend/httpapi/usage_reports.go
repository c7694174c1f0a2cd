package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// usageReportScalars are the parameters of GET /v2/usage_reports given at
// most once. The arrays (dimensions, metrics, sort) may be repeated, each
// value comma-separated, and are read apart; filter[<dimension>] takes any
// name, which the service checks against the product.
var usageReportScalars = []string{
	"product", "start_date", "end_date", "date_range", "managed_accounts", "format", "page[number]", "page[size]",
}

// usageReportArrays are the array parameters of GET /v2/usage_reports.
var usageReportArrays = []string{"dimensions", "metrics", "sort"}

// Formats of a usage report.
const (
	formatJSON = "json"
	formatCSV  = "csv"
)

// parseUsageReportInput reads GET /v2/usage_reports' parameters and the
// answer's format. What the names and dates mean is the service's to judge.
func parseUsageReportInput(u *url.URL) (in backend.UsageReportInput, format string, err error) {
	raw, err := parseQueryString(u.RawQuery)
	if err != nil {
		return in, "", err
	}
	known := append([]string{}, usageReportScalars...)
	filters := map[string]string{}
	for k := range raw {
		if name, ok := filterName(k); ok {
			known = append(known, k)
			filters[name] = ""
		}
	}
	params, err := newQueryParams(u, known...)
	if err != nil {
		return in, "", err
	}
	for name := range filters {
		filters[name] = params.values.Get("filter[" + name + "]")
	}
	in.Filters = filters
	arrays := make([][]string, len(usageReportArrays))
	for i, name := range usageReportArrays {
		if arrays[i], err = params.list(name); err != nil {
			return in, "", err
		}
	}
	in.Dimensions, in.Metrics, in.Sort = arrays[0], arrays[1], arrays[2]
	for _, f := range []struct {
		name string
		dst  *string
	}{{"product", &in.Product}, {"start_date", &in.StartDate}, {"end_date", &in.EndDate}, {"date_range", &in.DateRange}, {"format", &format}} {
		if *f.dst, _, err = params.str(f.name); err != nil {
			return in, "", err
		}
	}
	switch format {
	case "":
		format = formatJSON
	case formatJSON, formatCSV:
	default:
		return in, "", backend.InvalidParameter("format", "format must be csv or json, not %q.", format)
	}
	if in.ManagedAccounts, err = params.boolean("managed_accounts"); err != nil {
		return in, "", err
	}
	in.Page, err = params.page()
	return in, format, err
}

// filterName is the dimension of a filter[<dimension>] parameter.
func filterName(key string) (string, bool) {
	name, ok := strings.CutPrefix(key, "filter[")
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, "]")
	if !ok || name == "" || strings.ContainsAny(name, "[]") {
		return "", false
	}
	return name, true
}

// list reads an array parameter: its values, each split at commas, in
// order. Given, it must hold at least one name and no empty one.
func (q *queryParams) list(name string) ([]string, error) {
	var out []string
	for _, v := range q.values[name] {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				return nil, backend.InvalidParameter(name, "%s must be a list of names separated by commas, without empty ones.", name)
			}
			out = append(out, item)
		}
	}
	return out, nil
}

// getUsageReport is GET /v2/usage_reports: one page of the caller's usage,
// or of its managed accounts', as JSON or CSV.
func (s *server) getUsageReport(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	in, format, err := parseUsageReportInput(r.URL)
	if err != nil {
		return err
	}
	report, err := s.svc.UsageReport(r.Context(), c, in)
	if err != nil {
		return err
	}
	if format == formatCSV {
		return writeUsageReportCSV(w, report)
	}
	writeUsageReportJSON(w, report)
	return nil
}

// writeUsageReportJSON answers the contract's UsageReportsResponse. Each row
// lists its dimensions in the report's order, the product, then its metrics
// as JSON numbers written from exact integers and decimals (never through a
// float). The body is written by hand: a page holds up to 5,000 rows, and
// encoding/json would check again every row it is handed.
func writeUsageReportJSON(w http.ResponseWriter, report *backend.UsageReport) {
	keys := make([][]byte, len(report.Dimensions))
	for i, d := range report.Dimensions {
		keys[i] = appendJSONString(nil, d)
	}
	product := appendJSONString(nil, report.Product)
	metricKeys := make([][]byte, len(report.Metrics))
	for i, m := range report.Metrics {
		metricKeys[i] = appendJSONString(nil, m)
	}
	body := make([]byte, 0, 64+len(report.Rows)*(40+24*len(keys)+16*len(metricKeys)))
	body = append(body, `{"data":[`...)
	for i := range report.Rows {
		row := &report.Rows[i]
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, '{')
		for j, k := range keys {
			body = append(append(body, k...), ':')
			body = append(appendJSONString(body, row.Values[j]), ',')
		}
		body = append(append(append(body, `"product":`...), product...), ',')
		for j, k := range metricKeys {
			if j > 0 {
				body = append(body, ',')
			}
			body, _ = row.AppendMetric(append(append(body, k...), ':'), report.Metrics[j]) // the service only reports metrics of the catalog
		}
		body = append(body, '}')
	}
	meta, _ := json.Marshal(newPaginationMeta(report.Meta)) // four integers always marshal
	body = append(append(append(body, `],"meta":`...), meta...), "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body) //nolint:gosec // G705: JSON of escaped strings and numbers, served as application/json
}

// appendJSONString appends s as a JSON string. Report values (ids, codes,
// days) are plain ASCII, written as they are; anything else goes through
// encoding/json, which escapes it.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			quoted, _ := json.Marshal(s) // a string always marshals
			return append(dst, quoted...)
		}
	}
	return append(append(append(dst, '"'), s...), '"')
}

// writeUsageReportCSV answers the report as CSV: a header of the dimensions,
// the product and the metrics (as in the contract's example), then the same
// rows in the same order as the JSON answer.
func writeUsageReportCSV(w http.ResponseWriter, report *backend.UsageReport) error {
	var body bytes.Buffer
	out := csv.NewWriter(&body)
	header := append(append(append([]string{}, report.Dimensions...), "product"), report.Metrics...)
	record := make([]string, len(header))
	if err := out.Write(header); err != nil {
		return err
	}
	for _, row := range report.Rows {
		n := copy(record, row.Values)
		record[n] = report.Product
		for i, m := range report.Metrics {
			record[n+1+i], _ = row.Metric(m)
		}
		if err := out.Write(record); err != nil {
			return err
		}
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
	return nil
}

// usageReportOptionJSON is the contract's UsageReportsOptionsRecord. Its
// record types are the product's kinds (product_name values), each with the
// product's dimensions and metrics.
type usageReportOptionJSON struct {
	Product     string                      `json:"product"`
	Dimensions  []string                    `json:"product_dimensions"`
	Metrics     []string                    `json:"product_metrics"`
	RecordTypes []usageReportRecordTypeJSON `json:"record_types"`
}

type usageReportRecordTypeJSON struct {
	RecordType string   `json:"record_type"`
	Dimensions []string `json:"product_dimensions"`
	Metrics    []string `json:"product_metrics"`
}

// getUsageReportOptions is GET /v2/usage_reports/options.
func (s *server) getUsageReportOptions(w http.ResponseWriter, r *http.Request, c *backend.Caller) error {
	params, err := newQueryParams(r.URL, "product")
	if err != nil {
		return err
	}
	product, _, err := params.str("product")
	if err != nil {
		return err
	}
	options, err := s.svc.UsageReportOptions(c, product)
	if err != nil {
		return err
	}
	out := data[[]usageReportOptionJSON]{Data: make([]usageReportOptionJSON, 0, len(options))}
	for _, o := range options {
		opt := usageReportOptionJSON{Product: o.Product, Dimensions: o.Dimensions, Metrics: o.Metrics}
		for _, kind := range o.RecordTypes {
			opt.RecordTypes = append(opt.RecordTypes, usageReportRecordTypeJSON{RecordType: kind, Dimensions: o.Dimensions, Metrics: o.Metrics})
		}
		out.Data = append(out.Data, opt)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
