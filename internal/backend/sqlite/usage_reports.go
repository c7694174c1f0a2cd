package sqlite

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Usage reports are planned by package sqlstore; this file writes the rows
// they read as SQLite reads them fastest.
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

// reportDialect: SQLite's SUM of INTEGER is an INTEGER, and fails on
// overflow instead of going float.
var reportDialect = sqlstore.Dialect{Name: "sqlite", Sum: func(col string) string { return "SUM(" + col + ")" }}

// reportSource is the rows a report groups: a FROM clause and its arguments.
type reportSource struct {
	from string
	args []any
}

func (t *tx) UsageReport(ctx context.Context, q backend.UsageReportQuery) ([]backend.UsageReportRow, int, error) {
	report, err := sqlstore.PlanUsageReport(reportDialect, q)
	if err != nil {
		return nil, 0, err
	}
	src, err := t.reportRows(ctx, report)
	if err != nil {
		return nil, 0, err
	}
	rows, err := t.tx.QueryContext(ctx, report.PageQuery(src.from, "?", "?"),
		append(slices.Clone(src.args), q.Page.Size, q.Page.Offset())...)
	if err != nil {
		return nil, 0, dbError("usage report", err)
	}
	defer func() { _ = rows.Close() }()
	page, counted, err := report.ScanPage(rows)
	if err != nil {
		return nil, 0, dbError("usage report", err)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, dbError("usage report", err)
	}
	total, ok := report.Total(page, counted)
	if !ok {
		if err := t.tx.QueryRowContext(ctx, report.CountQuery(src.from), src.args...).Scan(&total); err != nil {
			return nil, 0, dbError("count usage report groups", err)
		}
	}
	return page, total, nil
}

// reportRows is the FROM clause of a report: the rollups of one account, or
// the blocks of a manager's managed accounts that cover the days.
func (t *tx) reportRows(ctx context.Context, report *sqlstore.UsageReport) (reportSource, error) {
	q := report.Query
	var filterArgs []any
	filters := report.Filters(func(v any) string { filterArgs = append(filterArgs, v); return "?" }) +
		report.PinnedAbsentColumns()
	switch report.Rows {
	case sqlstore.AccountDays:
		return reportSource{
			from: "usage_rollups WHERE account_id = ? AND product = ? AND day >= ? AND day < ?" + filters,
			args: append([]any{q.AccountID, q.Product, q.From, q.To}, filterArgs...),
		}, nil
	case sqlstore.ManagerDays:
		return reportSource{
			from: "usage_rollup_blocks WHERE manager_id = ? AND product = ? AND span = 1 AND block_start >= ? AND block_start < ?" + filters,
			args: append([]any{q.ManagerID, q.Product, q.From, q.To}, filterArgs...),
		}, nil
	}
	blocks, err := report.CoveringBlocks(func(from, to time.Time) (bool, error) {
		var some bool
		err := t.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM usage_rollup_blocks
			WHERE manager_id = ? AND product = ? AND span = 1 AND block_start >= ? AND block_start < ?)`,
			q.ManagerID, q.Product, from.Format(time.DateOnly), to.Format(time.DateOnly)).Scan(&some)
		if err != nil {
			return false, dbError("usage report: look for usage around the days", err)
		}
		return !some, nil
	})
	if err != nil {
		return reportSource{}, err
	}
	// A block summed as it is read, when the grouping follows its order;
	// else its rows as they are.
	cols, sums := report.GroupColumns(), report.SummedColumns()
	arm := "SELECT " + strings.Join(append(slices.Clone(cols), sums...), ", ")
	groupInArm := ""
	if len(blocks) > 1 && len(cols) > 0 && report.FollowsBlockOrder() {
		summed := slices.Clone(cols)
		for _, c := range sums {
			summed = append(summed, "SUM("+c+") AS "+c)
		}
		arm = "SELECT " + strings.Join(summed, ", ")
		groupInArm = " GROUP BY " + strings.Join(cols, ", ")
	}
	arm += " FROM usage_rollup_blocks WHERE manager_id = ? AND product = ? AND span = ? AND block_start = ?" + filters + groupInArm
	var src reportSource
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
