package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Usage reports read the rollups, never usage_events. One account's report
// sums its daily rollups (usage_rollups: a primary key range of at most 31
// days of a few dimension values). A manager's report over its managed
// accounts sums usage_rollup_blocks: the days asked for are cut into the
// fewest blocks (CoveringUsageBlocks), so that a 31-day report over
// a thousand accounts adds up a few blocks per account instead of 31 days.
//
// A UsageReport is the plan of one report: which rows it reads, how it
// groups, adds up and sorts them, and how its page is counted. Each store
// writes the rows' FROM clause for its tables and dialect, and runs the
// queries the plan makes of it.

// reportColumn is the column of a report dimension in both tables (the day
// has a column of its own in each).
var reportColumn = map[string]string{
	backend.DimensionUserID:  "account_id",
	backend.FieldDirection:   "direction",
	backend.FieldCountryISO:  "country_iso",
	backend.FieldMessageType: "message_type",
	backend.FieldProductName: "product_name",
}

// metricColumn is the column each metric adds up, in both tables.
var metricColumn = map[string]string{
	backend.MetricCount:     "count",
	backend.MetricParts:     "parts",
	backend.MetricBilledSec: "billed_sec",
	backend.MetricBytes:     "bytes",
	backend.MetricCost:      "cost_micros",
}

// blockOrder is the order of a block's rows after its key (manager,
// product, span, start).
var blockOrder = []string{"account_id", "direction", "country_iso", "message_type", "product_name"}

// ReportRows is which rows a report groups.
type ReportRows int

const (
	// AccountDays is one account's daily rollups (usage_rollups, whose day
	// column is "day") from the first day to the last.
	AccountDays ReportRows = iota
	// ManagerDays is the day blocks (span 1) of a manager's managed accounts
	// (usage_rollup_blocks, whose day column is "block_start") from the
	// first day to the last: a report by date.
	ManagerDays
	// ManagerBlocks is the blocks of a manager's managed accounts that
	// CoveringBlocks returns.
	ManagerBlocks
)

// Dialect is what the report's SQL needs of a store.
type Dialect struct {
	// Name prefixes the errors of a caller's bug: "sqlite".
	Name string
	// Sum is the sum of an integer column, exact (an error on overflow) and
	// an integer.
	Sum func(col string) string
}

// UsageReport is a usage report query planned for a SQL store.
type UsageReport struct {
	Query    backend.UsageReportQuery
	Rows     ReportRows
	From, To time.Time // the days of Query, To excluded

	dialect   Dialect
	groupCols []string // the columns of Query.GroupBy, in its order
	sums      []string // the columns added up
	order     []string // the ORDER BY terms
}

// PlanUsageReport checks q (its page, its scope, its days, and that it
// filters, groups and sorts by what the tables have: the service has
// refused anything else, so an error is a caller's bug) and plans it.
func PlanUsageReport(d Dialect, q backend.UsageReportQuery) (*UsageReport, error) {
	r, err := planUsageReport(d, q)
	if err != nil {
		return nil, fmt.Errorf("%s: usage report: %w", d.Name, err)
	}
	return r, nil
}

func planUsageReport(d Dialect, q backend.UsageReportQuery) (*UsageReport, error) {
	if err := CheckPage(q.Page); err != nil {
		return nil, err
	}
	if (q.AccountID == "") == (q.ManagerID == "") {
		return nil, fmt.Errorf("exactly one of AccountID and ManagerID must be set")
	}
	r := &UsageReport{Query: q, dialect: d, sums: summedColumns(q.Metrics)}
	var err error
	if r.From, err = time.Parse(time.DateOnly, q.From); err != nil {
		return nil, fmt.Errorf("from day: %w", err)
	}
	if r.To, err = time.Parse(time.DateOnly, q.To); err != nil {
		return nil, fmt.Errorf("to day: %w", err)
	}
	for dim := range q.Filters {
		if _, ok := reportColumn[dim]; !ok {
			return nil, fmt.Errorf("cannot filter on %q", dim)
		}
	}
	dayCol := "block_start"
	switch {
	case q.AccountID != "":
		r.Rows, dayCol = AccountDays, "day"
	case slices.Contains(q.GroupBy, backend.DimensionDate):
		// Days are the finest blocks: one range of them.
		r.Rows = ManagerDays
	default:
		r.Rows = ManagerBlocks
	}
	r.groupCols = make([]string, len(q.GroupBy))
	for i, dim := range q.GroupBy {
		if dim == backend.DimensionDate {
			r.groupCols[i] = dayCol
		} else {
			r.groupCols[i] = reportColumn[dim]
		}
	}
	if r.order, err = r.orderBy(); err != nil {
		return nil, err
	}
	return r, nil
}

// summedColumns are the columns a report adds up: the count always (a group
// exists when it counts events), then the metrics asked for, in the order
// of the catalog.
func summedColumns(metrics []string) []string {
	cols := []string{"count"}
	for _, m := range []string{backend.MetricParts, backend.MetricBilledSec, backend.MetricBytes, backend.MetricCost} {
		if slices.Contains(metrics, m) {
			cols = append(cols, metricColumn[m])
		}
	}
	return cols
}

// sumAlias is the name of a column's sum in a report query.
func sumAlias(col string) string { return "total_" + col }

// orderBy is the ORDER BY terms of the report: its sort keys, then every
// group column not sorted yet, so that ties break the same way on every
// page and pages never overlap.
func (r *UsageReport) orderBy() ([]string, error) {
	order := make([]string, 0, len(r.Query.Sort)+len(r.groupCols))
	sorted := map[string]bool{}
	for _, s := range r.Query.Sort {
		col, ok := metricColumn[s.Key]
		if ok {
			if !slices.Contains(r.sums, col) {
				return nil, fmt.Errorf("cannot sort by %q, which is not added up", s.Key)
			}
			col = sumAlias(col)
		} else {
			i := slices.Index(r.Query.GroupBy, s.Key)
			if i < 0 {
				return nil, fmt.Errorf("cannot sort by %q", s.Key)
			}
			col = r.groupCols[i]
		}
		if sorted[col] {
			continue
		}
		sorted[col] = true
		if s.Descending {
			col += " DESC"
		}
		order = append(order, col)
	}
	for _, c := range r.groupCols {
		if !sorted[c] {
			order = append(order, c)
		}
	}
	return order, nil
}

// GroupColumns are the columns the report groups by, in the order of its
// row values.
func (r *UsageReport) GroupColumns() []string { return slices.Clone(r.groupCols) }

// SummedColumns are the columns the report adds up, the count first.
func (r *UsageReport) SummedColumns() []string { return slices.Clone(r.sums) }

// Filters is the WHERE conditions of the report's filters, each " AND
// column = placeholder", in a stable order; place adds a value to the
// query's arguments and returns its placeholder.
func (r *UsageReport) Filters(place func(value any) string) string {
	dims := make([]string, 0, len(r.Query.Filters))
	for dim := range r.Query.Filters {
		dims = append(dims, dim)
	}
	slices.Sort(dims)
	var sql strings.Builder
	for _, dim := range dims {
		sql.WriteString(" AND " + reportColumn[dim] + " = " + place(r.Query.Filters[dim]))
	}
	return sql.String()
}

// PinnedAbsentColumns is the WHERE conditions " AND column = ”" of the key
// columns the product does not use (always ”): they tell a planner that
// those columns are constant, so that the rows of a block keep their order
// for the columns left.
func (r *UsageReport) PinnedAbsentColumns() string {
	var sql strings.Builder
	for _, col := range absentColumns(r.Query.Product) {
		sql.WriteString(" AND " + col + " = ''")
	}
	return sql.String()
}

// absentColumns are the key columns a product does not use: always ”.
func absentColumns(product string) []string {
	p, ok := backend.LookupProduct(product)
	if !ok {
		return nil
	}
	var out []string
	for _, dim := range []string{backend.FieldDirection, backend.FieldMessageType} {
		if !p.HasDimension(dim) {
			out = append(out, reportColumn[dim])
		}
	}
	return out
}

// FollowsBlockOrder tells whether the report's grouping can follow a
// block's row order, so that a block can be summed as it is read, without
// a sort: the group columns, with the columns that are constant (fixed by
// a filter, or absent from the product), make a prefix of the blocks'
// primary key after its start.
func (r *UsageReport) FollowsBlockOrder() bool {
	absent := absentColumns(r.Query.Product)
	constant := func(col string) bool {
		for dim, c := range reportColumn {
			if c == col {
				if _, ok := r.Query.Filters[dim]; ok {
					return true
				}
			}
		}
		return slices.Contains(absent, col)
	}
	left := len(r.groupCols)
	for _, col := range blockOrder {
		if left == 0 {
			return true
		}
		switch {
		case slices.Contains(r.groupCols, col):
			left--
		case !constant(col):
			return false
		}
	}
	return left == 0
}

// CoveringBlocks are the fewest blocks that cover the report's days (of
// ManagerBlocks), after widening them to the whole months at either end
// where the managed accounts have no usage of the product: the sums stay
// the same, and a whole month is a single block (a report that ends today
// ends its month so). noUsage tells whether the days from..to (to
// excluded) have none.
func (r *UsageReport) CoveringBlocks(noUsage func(from, to time.Time) (bool, error)) ([]UsageBlock, error) {
	from, to := r.From, r.To
	empty := func(a, b time.Time) (bool, error) {
		if !a.Before(b) {
			return false, nil
		}
		return noUsage(a, b)
	}
	firstOfMonth := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if ok, err := empty(firstOfMonth, from); err != nil {
		return nil, err
	} else if ok {
		from = firstOfMonth
	}
	last := to.AddDate(0, 0, -1)
	monthEnd := time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	if ok, err := empty(to, monthEnd); err != nil {
		return nil, err
	} else if ok {
		to = monthEnd
	}
	return CoveringUsageBlocks(from, to), nil
}

// groups is the query of the report's groups over rows (a FROM clause),
// but for its ORDER BY and LIMIT; countedAlong adds the number of groups
// to every row.
func (r *UsageReport) groups(rows string, countedAlong bool) string {
	var sql strings.Builder
	sql.WriteString("SELECT ")
	for _, c := range r.groupCols {
		sql.WriteString(c + ", ")
	}
	for i, c := range r.sums {
		if i > 0 {
			sql.WriteString(", ")
		}
		sql.WriteString(r.dialect.Sum(c) + " AS " + sumAlias(c))
	}
	if countedAlong {
		sql.WriteString(", COUNT(*) OVER ()")
	}
	sql.WriteString(" FROM " + rows)
	if len(r.groupCols) > 0 {
		sql.WriteString(" GROUP BY " + strings.Join(r.groupCols, ", "))
	}
	// Only a group with events exists; without GROUP BY, SUM over no rows
	// would make one of nothing.
	sql.WriteString(" HAVING SUM(count) > 0")
	return sql.String()
}

// countedAlong tells whether the page query counts the groups: by a window
// over the groups on later pages; on the first, the page itself is the
// count when it is not full (most reports fit one page), and only a full
// one needs the count query.
func (r *UsageReport) countedAlong() bool { return r.Query.Page.Number > 1 }

// PageQuery is the query of the report's page over rows (a FROM clause),
// whose LIMIT and OFFSET are the placeholders limit and offset, for the
// page's size and offset.
func (r *UsageReport) PageQuery(rows, limit, offset string) string {
	query := r.groups(rows, r.countedAlong())
	if len(r.order) > 0 {
		query += " ORDER BY " + strings.Join(r.order, ", ")
	}
	return query + " LIMIT " + limit + " OFFSET " + offset
}

// CountQuery is the query of the number of the report's groups over rows.
func (r *UsageReport) CountQuery(rows string) string {
	return "SELECT COUNT(*) FROM (" + r.groups(rows, false) + ") AS report_groups"
}

// RowScanner is the rows of a query, as database/sql and pgx return them.
type RowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanPage reads the rows of PageQuery, and the number of groups when the
// page counted them along (else counted is -1).
func (r *UsageReport) ScanPage(rows RowScanner) (page []backend.UsageReportRow, counted int, err error) {
	page = []backend.UsageReportRow{}
	n := len(r.groupCols)
	dest := make([]any, n+len(r.sums), n+len(r.sums)+1)
	var (
		row   backend.UsageReportRow
		cost  int64
		count int64 = -1
	)
	if r.countedAlong() {
		dest = append(dest, &count)
	}
	sumsInto := map[string]any{"count": &row.Count, "parts": &row.Parts, "billed_sec": &row.BilledSec, "bytes": &row.Bytes, "cost_micros": &cost}
	for i, c := range r.sums {
		dest[n+i] = sumsInto[c]
	}
	for rows.Next() {
		row = backend.UsageReportRow{Values: make([]string, n)}
		cost = 0
		for i := range row.Values {
			dest[i] = &row.Values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, err
		}
		row.Cost = backend.Money(cost)
		page = append(page, row)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return page, int(count), nil
}

// Total is the number of the report's groups, given its page and what
// ScanPage counted along; ok is false when only CountQuery can tell: a
// full first page, or a page past the last (where the window has no row to
// count on).
func (r *UsageReport) Total(page []backend.UsageReportRow, counted int) (total int, ok bool) {
	switch {
	case !r.countedAlong() && len(page) < r.Query.Page.Size:
		return len(page), true
	case !r.countedAlong(), len(page) == 0:
		return 0, false
	}
	return counted, true
}
