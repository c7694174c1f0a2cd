package sqlite

import (
	"context"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// monthOf is the SQL of the calendar month ("2006-01") of a stored time:
// times are stored in fixed-width UTC text, so the month is its first seven
// characters.
func monthOf(column string) string { return "substr(" + column + ", 1, 7)" }

// SummarizeLedger sums the account's ledger per month in two GROUP BY
// queries, so that an account's invoices cost the same however many entries
// its ledger holds; the (account_id, created_at) index finds its entries.
func (t *tx) SummarizeLedger(ctx context.Context, accountID string) (*backend.LedgerSummary, error) {
	prefix := backend.UsageReferencePrefix
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT `+monthOf("created_at")+` AS month, kind,
		CASE WHEN kind = ? AND substr(reference, 1, ?) = ? THEN substr(reference, ?) ELSE '' END AS product,
		COALESCE(subject_id, '') AS subject, amount < 0 AS negative, SUM(amount), COUNT(*)
		FROM ledger_entries WHERE account_id = ?
		GROUP BY month, kind, product, subject, negative
		ORDER BY month, kind, product, subject, negative DESC`,
		string(backend.LedgerUsage), len(prefix), prefix, len(prefix)+1, accountID)
	if err != nil {
		return nil, dbError("summarize ledger", err)
	}
	defer func() { _ = rows.Close() }()
	summary := &backend.LedgerSummary{Groups: []backend.LedgerGroup{}, Settled: []backend.MonthSum{}}
	for rows.Next() {
		var (
			g        backend.LedgerGroup
			kind     string
			negative int
			sum      int64
		)
		if err := rows.Scan(&g.Month, &kind, &g.Product, &g.SubjectID, &negative, &sum, &g.Count); err != nil {
			return nil, dbError("summarize ledger", err)
		}
		g.Kind, g.Negative, g.Sum = backend.LedgerKind(kind), negative != 0, backend.Money(sum)
		summary.Groups = append(summary.Groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("summarize ledger", err)
	}
	if err := rows.Close(); err != nil {
		return nil, dbError("summarize ledger", err)
	}

	// An entry counts towards the settled balance from the month it settles
	// in: a top-up made on the last evening of a month that settles the next
	// morning did not cover that month's charges.
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	settled, err := t.tx.QueryContext(ctx, `SELECT `+monthOf("settles_at")+` AS month, SUM(amount)
		FROM ledger_entries WHERE account_id = ? GROUP BY month ORDER BY month`, accountID)
	if err != nil {
		return nil, dbError("summarize settled ledger", err)
	}
	defer func() { _ = settled.Close() }()
	for settled.Next() {
		var (
			m   backend.MonthSum
			sum int64
		)
		if err := settled.Scan(&m.Month, &sum); err != nil {
			return nil, dbError("summarize settled ledger", err)
		}
		m.Sum = backend.Money(sum)
		summary.Settled = append(summary.Settled, m)
	}
	if err := settled.Err(); err != nil {
		return nil, dbError("summarize settled ledger", err)
	}
	return summary, nil
}
