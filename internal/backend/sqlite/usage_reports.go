package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Usage reports read the rollups, never usage_events. One account's report
// sums its daily rollups (a primary key range: at most 31 days of a few
// dimension values). A manager's report over its managed accounts sums
// usage_rollup_blocks (migration 0006): the days asked for are cut into the
// fewest blocks, so that a 31-day report over a thousand accounts adds up a
// few blocks per account instead of 31 days.
//
// What a report costs is the number of rows SQLite reads and, above all,
// sorts to group them (about a microsecond each with the pure-Go driver).
// Hence three economies, each exact:
//   - a block may reach past the window into days of its month that have
//     no usage (a "last 31 days" report ends today, and nothing comes after
//     today: its last month is then one block);
//   - each block's rows come in primary key order (account, direction,
//     country, message type, product name), so that when the report groups
//     by a prefix of that order (user_id, direction…) a block is summed as
//     it is read, without a sort, and only its sums are sorted together;
//   - the columns a product does not have are pinned to '' in the WHERE
//     clause, which tells SQLite they are constant for that order.

// reportColumn is the column of a report dimension in both tables, and the
// column of the day in each.
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

// reportSource is the rows a report groups: a FROM clause and its arguments.
type reportSource struct {
	from   string
	args   []any
	dayCol string // the column that holds the day, for the date dimension
}

func (t *tx) UsageReport(ctx context.Context, q backend.UsageReportQuery) ([]backend.UsageReportRow, int, error) {
	if err := checkPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: usage report: %w", err)
	}
	if (q.AccountID == "") == (q.ManagerID == "") {
		return nil, 0, fmt.Errorf("sqlite: usage report: exactly one of AccountID and ManagerID must be set")
	}
	src, err := t.reportRows(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	groupCols := make([]string, len(q.GroupBy))
	for i, d := range q.GroupBy {
		if d == backend.DimensionDate {
			groupCols[i] = src.dayCol
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
		sql.WriteString("SUM(" + c + ") AS " + sumAlias(c))
	}
	grouped := "FROM " + src.from
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
				return nil, 0, fmt.Errorf("sqlite: usage report: cannot sort by %q, which is not added up", s.Key)
			}
			col = sumAlias(col)
		} else {
			i := slices.Index(q.GroupBy, s.Key)
			if i < 0 {
				return nil, 0, fmt.Errorf("sqlite: usage report: cannot sort by %q", s.Key)
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
	columns := sql.String()
	if counted {
		columns += ", COUNT(*) OVER ()"
	}
	//nolint:gosec // G202: only constant SQL fragments and column names are joined; every value is a placeholder
	query := columns + " " + grouped
	if len(order) > 0 {
		query += " ORDER BY " + strings.Join(order, ", ")
	}
	query += " LIMIT ? OFFSET ?"
	args := append(slices.Clone(src.args), q.Page.Size, q.Page.Offset())

	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, dbError("usage report", err)
	}
	defer func() { _ = rows.Close() }()
	out := []backend.UsageReportRow{}
	total := 0
	n := len(groupCols)
	dest := make([]any, n+len(sums), n+len(sums)+1)
	if counted {
		dest = append(dest, &total)
	}
	var (
		row  backend.UsageReportRow
		cost int64
	)
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
			return nil, 0, dbError("usage report", err)
		}
		row.Cost = backend.Money(cost)
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("usage report", err)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, dbError("usage report", err)
	}
	switch {
	case !counted && len(out) < q.Page.Size:
		total = len(out)
	case !counted, len(out) == 0:
		// A full first page, or a page past the last (where the window has
		// no row to count on).
		if err := t.tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+sql.String()+" "+grouped+")", src.args...).Scan(&total); err != nil {
			return nil, 0, dbError("count usage report groups", err)
		}
	}
	return out, total, nil
}

// reportRows is the FROM clause of a report: the rollups of one account, or
// the blocks of a manager's managed accounts that cover the days.
func (t *tx) reportRows(ctx context.Context, q backend.UsageReportQuery) (reportSource, error) {
	from, err := time.Parse(time.DateOnly, q.From)
	if err != nil {
		return reportSource{}, fmt.Errorf("sqlite: usage report: from day: %w", err)
	}
	to, err := time.Parse(time.DateOnly, q.To)
	if err != nil {
		return reportSource{}, fmt.Errorf("sqlite: usage report: to day: %w", err)
	}
	filters, filterArgs, err := reportFilters(q.Product, q.Filters)
	if err != nil {
		return reportSource{}, fmt.Errorf("sqlite: usage report: %w", err)
	}
	if q.AccountID != "" {
		return reportSource{
			from:   "usage_rollups WHERE account_id = ? AND product = ? AND day >= ? AND day < ?" + filters,
			args:   append([]any{q.AccountID, q.Product, q.From, q.To}, filterArgs...),
			dayCol: "day",
		}, nil
	}
	src := reportSource{dayCol: "block_start"}
	if slices.Contains(q.GroupBy, backend.DimensionDate) {
		// Days are the finest blocks: one range of them.
		src.from = "usage_rollup_blocks WHERE manager_id = ? AND product = ? AND span = 1 AND block_start >= ? AND block_start < ?" + filters
		src.args = append([]any{q.ManagerID, q.Product, q.From, q.To}, filterArgs...)
		return src, nil
	}
	if from, to, err = t.widenToEmptyDays(ctx, q.ManagerID, q.Product, from, to); err != nil {
		return reportSource{}, err
	}
	blocks := backend.CoveringUsageBlocks(from, to)
	cols := make([]string, len(q.GroupBy))
	for i, d := range q.GroupBy {
		cols[i] = reportColumn[d]
	}
	// A block summed as it is read, when the grouping follows its order;
	// else its rows as they are.
	sums := summedColumns(q.Metrics)
	arm := "SELECT " + strings.Join(append(slices.Clone(cols), sums...), ", ")
	groupInArm := ""
	if len(blocks) > 1 && len(cols) > 0 && followsBlockOrder(cols, q.Product, q.Filters) {
		summed := slices.Clone(cols)
		for _, c := range sums {
			summed = append(summed, "SUM("+c+") AS "+c)
		}
		arm = "SELECT " + strings.Join(summed, ", ")
		groupInArm = " GROUP BY " + strings.Join(cols, ", ")
	}
	arm += " FROM usage_rollup_blocks WHERE manager_id = ? AND product = ? AND span = ? AND block_start = ?" + filters + groupInArm
	arms := make([]string, len(blocks))
	for i, b := range blocks {
		arms[i] = arm
		src.args = append(src.args, q.ManagerID, q.Product, b.Span, b.Start.Format(time.DateOnly))
		src.args = append(src.args, filterArgs...)
	}
	if len(arms) == 1 {
		src.from = strings.TrimPrefix(arm[strings.Index(arm, " FROM ")+1:], "FROM ")
	} else {
		src.from = "(" + strings.Join(arms, " UNION ALL ") + ")"
	}
	return src, nil
}

// blockOrder is the order of a block's rows after its key (manager,
// product, span, start).
var blockOrder = []string{"account_id", "direction", "country_iso", "message_type", "product_name"}

// followsBlockOrder tells whether grouping by cols can follow a block's row
// order: cols, with the columns that are constant (fixed by a filter, or
// absent from the product), make a prefix of blockOrder.
func followsBlockOrder(cols []string, product string, filters map[string]string) bool {
	constant := func(col string) bool {
		for d, c := range reportColumn {
			if c == col {
				if _, ok := filters[d]; ok {
					return true
				}
			}
		}
		return slices.Contains(absentColumns(product), col)
	}
	left := len(cols)
	for _, col := range blockOrder {
		if left == 0 {
			return true
		}
		switch {
		case slices.Contains(cols, col):
			left--
		case !constant(col):
			return false
		}
	}
	return left == 0
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
		err := t.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM usage_rollup_blocks
			WHERE manager_id = ? AND product = ? AND span = 1 AND block_start >= ? AND block_start < ?)`,
			managerID, product, a.Format(time.DateOnly), b.Format(time.DateOnly)).Scan(&some)
		if err != nil {
			return false, dbError("usage report: look for usage around the days", err)
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
// order, and the columns the product does not use pinned to ”.
func reportFilters(product string, filters map[string]string) (string, []any, error) {
	dims := make([]string, 0, len(filters))
	for d := range filters {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	var (
		sql  strings.Builder
		args []any
	)
	for _, d := range dims {
		col, ok := reportColumn[d]
		if !ok {
			return "", nil, fmt.Errorf("cannot filter on %q", d)
		}
		sql.WriteString(" AND " + col + " = ?")
		args = append(args, filters[d])
	}
	for _, col := range absentColumns(product) {
		sql.WriteString(" AND " + col + " = ''")
	}
	return sql.String(), args, nil
}
