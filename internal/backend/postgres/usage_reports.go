package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Usage reports are planned by package sqlstore; this file writes the rows
// they read. Each block of a manager's report is found by the blocks'
// primary key.

// reportDialect: SUM of bigint is numeric, and the cast back is exact, or
// fails on overflow.
var reportDialect = sqlstore.Dialect{Name: "postgres", Sum: func(col string) string { return "SUM(" + col + ")::bigint" }}

func (t *tx) UsageReport(ctx context.Context, q backend.UsageReportQuery) ([]backend.UsageReportRow, int, error) {
	report, err := sqlstore.PlanUsageReport(reportDialect, q)
	if err != nil {
		return nil, 0, err
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
	from, err := t.reportRows(ctx, report, &p)
	if err != nil {
		return nil, 0, err
	}
	groupArgs := slices.Clone(p)
	query := report.PageQuery(from, p.add(q.Page.Size), p.add(q.Page.Offset()))
	rows, err := t.conn.Query(ctx, query, p...)
	if err != nil {
		return nil, 0, t.fail(ctx, "usage report", err)
	}
	defer rows.Close()
	page, counted, err := report.ScanPage(rows)
	if err != nil {
		return nil, 0, t.fail(ctx, "usage report", err)
	}
	total, ok := report.Total(page, counted)
	if !ok {
		if total, err = t.count(ctx, "count usage report groups", report.CountQuery(from), groupArgs...); err != nil {
			return nil, 0, err
		}
	}
	return page, total, nil
}

// reportRows is the FROM clause of a report, with its WHERE: the rollups of
// one account, or the blocks of a manager's managed accounts that cover the
// days.
func (t *tx) reportRows(ctx context.Context, report *sqlstore.UsageReport, p *params) (string, error) {
	q := report.Query
	switch report.Rows {
	case sqlstore.AccountDays:
		where := "account_id = " + p.add(q.AccountID) + " AND product = " + p.add(q.Product) +
			" AND day >= " + p.add(q.From) + " AND day < " + p.add(q.To)
		return "usage_rollups WHERE " + where + report.Filters(p.add), nil
	case sqlstore.ManagerDays:
		where := "manager_id = " + p.add(q.ManagerID) + " AND product = " + p.add(q.Product) +
			" AND span = 1 AND block_start >= " + p.add(q.From) + " AND block_start < " + p.add(q.To)
		return "usage_rollup_blocks WHERE " + where + report.Filters(p.add), nil
	}
	blocks, err := report.CoveringBlocks(func(from, to time.Time) (bool, error) {
		var some bool
		err := t.conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM usage_rollup_blocks
			WHERE manager_id = $1 AND product = $2 AND span = 1 AND block_start >= $3 AND block_start < $4)`,
			q.ManagerID, q.Product, from.Format(time.DateOnly), to.Format(time.DateOnly)).Scan(&some)
		if err != nil {
			return false, t.fail(ctx, "usage report: look for usage around the days", err)
		}
		return !some, nil
	})
	if err != nil {
		return "", err
	}
	spans, starts := make([]int32, len(blocks)), make([]string, len(blocks))
	for i, b := range blocks {
		spans[i], starts[i] = int32(b.Span), b.Start.Format(time.DateOnly) //nolint:gosec // G115: a span of days
	}
	// Each (span, start) pair is a range of the primary key.
	where := "manager_id = " + p.add(q.ManagerID) + " AND product = " + p.add(q.Product) +
		" AND (span, block_start) IN (SELECT * FROM unnest(" + p.add(spans) + "::integer[], " + p.add(starts) + "::text[]))"
	return "usage_rollup_blocks WHERE " + where + report.Filters(p.add), nil
}
