package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Usage reports read the rollups, never usage_events, as in the SQLite
// store. One account's report sums its daily rollups (a primary key range).
// A manager's report over its managed accounts sums usage_rollup_blocks: the
// days asked for are cut into the fewest blocks (backend.CoveringUsageBlocks),
// each found by the blocks' primary key, so that a 31-day report over a
// thousand accounts adds up a few blocks per account instead of 31 days.

// reportColumn is the column of a report dimension in both tables.
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

func (t *tx) UsageReport(ctx context.Context, q backend.UsageReportQuery) ([]backend.UsageReportRow, int, error) {
	if err := checkPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: usage report: %w", err)
	}
	if (q.AccountID == "") == (q.ManagerID == "") {
		return nil, 0, fmt.Errorf("postgres: usage report: exactly one of AccountID and ManagerID must be set")
	}
	filterValues := make([]string, 0, len(q.Filters))
	for _, v := range q.Filters {
		filterValues = append(filterValues, v)
	}
	if !storable(append(filterValues, q.AccountID, q.ManagerID, q.Product)...) {
		// A filter no stored text can equal: no group has usage.
		return []backend.UsageReportRow{}, 0, nil
	}
	var p params
	from, dayCol, err := t.reportRows(ctx, q, &p)
	if err != nil {
		return nil, 0, err
	}
	groupCols := make([]string, len(q.GroupBy))
	for i, d := range q.GroupBy {
		if d == backend.DimensionDate {
			groupCols[i] = dayCol
		} else {
			groupCols[i] = reportColumn[d]
		}
	}
	var sql strings.Builder
	sql.WriteString("SELECT ")
	for _, c := range groupCols {
		sql.WriteString(c + ", ")
	}
	sums := summedColumns(q.Metrics)
	for i, c := range sums {
		if i > 0 {
			sql.WriteString(", ")
		}
		// SUM of bigint is numeric: the cast back is exact, or fails on overflow.
		sql.WriteString("SUM(" + c + ")::bigint AS " + sumAlias(c))
	}
	grouped := "FROM " + from
	if len(groupCols) > 0 {
		grouped += " GROUP BY " + strings.Join(groupCols, ", ")
	}
	// Only a group with events exists; without GROUP BY, SUM over no rows
	// would make one of nothing.
	grouped += " HAVING SUM(count) > 0"

	order := make([]string, 0, len(q.Sort)+len(groupCols))
	sorted := map[string]bool{}
	for _, s := range q.Sort {
		col, ok := metricColumn[s.Key]
		if ok {
			if !slices.Contains(sums, col) {
				return nil, 0, fmt.Errorf("postgres: usage report: cannot sort by %q, which is not added up", s.Key)
			}
			col = sumAlias(col)
		} else {
			i := slices.Index(q.GroupBy, s.Key)
			if i < 0 {
				return nil, 0, fmt.Errorf("postgres: usage report: cannot sort by %q", s.Key)
			}
			col = groupCols[i]
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
	// Ties break on every dimension, so that pages never overlap.
	for _, c := range groupCols {
		if !sorted[c] {
			order = append(order, c)
		}
	}

	// The number of groups: counted along by a window over the groups on
	// later pages; on the first, it is the page itself when the page is not
	// full (most reports fit one page), and counted apart only when it is.
	counted := q.Page.Number > 1
	groupArgs := slices.Clone(p)
	columns := sql.String()
	if counted {
		columns += ", COUNT(*) OVER ()"
	}
	query := columns + " " + grouped
	if len(order) > 0 {
		query += " ORDER BY " + strings.Join(order, ", ")
	}
	query += " LIMIT " + p.add(q.Page.Size) + " OFFSET " + p.add(q.Page.Offset())

	rows, err := t.conn.Query(ctx, query, p...)
	if err != nil {
		return nil, 0, t.fail(ctx, "usage report", err)
	}
	defer rows.Close()
	out := []backend.UsageReportRow{}
	total := 0
	n := len(groupCols)
	dest := make([]any, n+len(sums), n+len(sums)+1)
	var (
		row   backend.UsageReportRow
		cost  int64
		count int64
	)
	if counted {
		dest = append(dest, &count)
	}
	sumsInto := map[string]any{"count": &row.Count, "parts": &row.Parts, "billed_sec": &row.BilledSec, "bytes": &row.Bytes, "cost_micros": &cost}
	for i, c := range sums {
		dest[n+i] = sumsInto[c]
	}
	for rows.Next() {
		row = backend.UsageReportRow{Values: make([]string, n)}
		cost = 0
		for i := range row.Values {
			dest[i] = &row.Values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, t.fail(ctx, "usage report", err)
		}
		row.Cost = backend.Money(cost)
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, t.fail(ctx, "usage report", err)
	}
	total = int(count)
	switch {
	case !counted && len(out) < q.Page.Size:
		total = len(out)
	case !counted, len(out) == 0:
		// A full first page, or a page past the last (where the window has
		// no row to count on).
		if total, err = t.count(ctx, "count usage report groups",
			"SELECT COUNT(*) FROM ("+sql.String()+" "+grouped+") AS report_groups", groupArgs...); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// reportRows is the FROM clause of a report, with its WHERE, and the column
// of its day: the rollups of one account, or the blocks of a manager's
// managed accounts that cover the days.
func (t *tx) reportRows(ctx context.Context, q backend.UsageReportQuery, p *params) (from, dayCol string, err error) {
	fromDay, err := time.Parse(time.DateOnly, q.From)
	if err != nil {
		return "", "", fmt.Errorf("postgres: usage report: from day: %w", err)
	}
	toDay, err := time.Parse(time.DateOnly, q.To)
	if err != nil {
		return "", "", fmt.Errorf("postgres: usage report: to day: %w", err)
	}
	if q.AccountID != "" {
		where := "account_id = " + p.add(q.AccountID) + " AND product = " + p.add(q.Product) +
			" AND day >= " + p.add(q.From) + " AND day < " + p.add(q.To)
		filters, err := reportFilters(q.Filters, p)
		if err != nil {
			return "", "", err
		}
		return "usage_rollups WHERE " + where + filters, "day", nil
	}
	scope := "manager_id = " + p.add(q.ManagerID) + " AND product = " + p.add(q.Product)
	if slices.Contains(q.GroupBy, backend.DimensionDate) {
		// Days are the finest blocks: one range of them.
		where := scope + " AND span = 1 AND block_start >= " + p.add(q.From) + " AND block_start < " + p.add(q.To)
		filters, err := reportFilters(q.Filters, p)
		if err != nil {
			return "", "", err
		}
		return "usage_rollup_blocks WHERE " + where + filters, "block_start", nil
	}
	if fromDay, toDay, err = t.widenToEmptyDays(ctx, q.ManagerID, q.Product, fromDay, toDay); err != nil {
		return "", "", err
	}
	blocks := backend.CoveringUsageBlocks(fromDay, toDay)
	spans, starts := make([]int32, len(blocks)), make([]string, len(blocks))
	for i, b := range blocks {
		spans[i], starts[i] = int32(b.Span), b.Start.Format(time.DateOnly) //nolint:gosec // G115: a span of days
	}
	// Each (span, start) pair is a range of the primary key.
	where := scope + " AND (span, block_start) IN (SELECT * FROM unnest(" + p.add(spans) + "::integer[], " +
		p.add(starts) + "::text[]))"
	filters, err := reportFilters(q.Filters, p)
	if err != nil {
		return "", "", err
	}
	return "usage_rollup_blocks WHERE " + where + filters, "block_start", nil
}

// widenToEmptyDays moves from back to the first of its month, and to on to
// the end of its month, where the manager's managed accounts have no usage
// of the product in the days added: the sums stay the same, and whole
// months are single blocks. A report that ends today ends its month so.
func (t *tx) widenToEmptyDays(ctx context.Context, managerID, product string, from, to time.Time) (time.Time, time.Time, error) {
	empty := func(a, b time.Time) (bool, error) {
		if !a.Before(b) {
			return false, nil
		}
		var some bool
		err := t.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM usage_rollup_blocks
			WHERE manager_id = $1 AND product = $2 AND span = 1 AND block_start >= $3 AND block_start < $4)`,
			managerID, product, a.Format(time.DateOnly), b.Format(time.DateOnly)).Scan(&some)
		if err != nil {
			return false, t.fail(ctx, "usage report: look for usage around the days", err)
		}
		return !some, nil
	}
	firstOfMonth := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if ok, err := empty(firstOfMonth, from); err != nil {
		return from, to, err
	} else if ok {
		from = firstOfMonth
	}
	last := to.AddDate(0, 0, -1)
	monthEnd := time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	if ok, err := empty(to, monthEnd); err != nil {
		return from, to, err
	} else if ok {
		to = monthEnd
	}
	return from, to, nil
}

// reportFilters is the WHERE conditions of a report's filters, in a stable
// order.
func reportFilters(filters map[string]string, p *params) (string, error) {
	dims := make([]string, 0, len(filters))
	for d := range filters {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	var sql strings.Builder
	for _, d := range dims {
		col, ok := reportColumn[d]
		if !ok {
			return "", fmt.Errorf("postgres: usage report: cannot filter on %q", d)
		}
		sql.WriteString(" AND " + col + " = " + p.add(filters[d]))
	}
	return sql.String(), nil
}
