package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// monthOf is the SQL of the calendar month ("2006-01", UTC) of a timestamptz.
func monthOf(column string) string { return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM')" }

// SummarizeLedger sums the account's ledger per month in two GROUP BY
// queries, so that an account's invoices cost the same however many entries
// its ledger holds; the (account_id, created_at) index finds its entries.
func (t *tx) SummarizeLedger(ctx context.Context, accountID string) (*backend.LedgerSummary, error) {
	prefix := backend.UsageReferencePrefix
	// Text is COLLATE "C", so the groups sort by bytes as in the SQLite store;
	// true sorts after false, so DESC puts the negative group first.
	groups, err := queryAll(ctx, t, "summarize ledger", func(row pgx.Row) (backend.LedgerGroup, error) {
		var (
			g    backend.LedgerGroup
			kind string
			sum  int64
		)
		if err := row.Scan(&g.Month, &kind, &g.Product, &g.SubjectID, &g.Negative, &sum, &g.Count); err != nil {
			return g, err
		}
		g.Kind, g.Sum = backend.LedgerKind(kind), backend.Money(sum)
		return g, nil
	}, `SELECT `+monthOf("created_at")+` COLLATE "C" AS month, kind,
		CASE WHEN kind = $1 AND starts_with(reference, $2) THEN substr(reference, $3) ELSE '' END AS product,
		COALESCE(subject_id, '') AS subject, amount < 0 AS negative, SUM(amount)::bigint, COUNT(*)
		FROM ledger_entries WHERE account_id = $4
		GROUP BY month, kind, product, subject, negative
		ORDER BY month, kind, product, subject, negative DESC`,
		string(backend.LedgerUsage), prefix, len(prefix)+1, accountID)
	if err != nil {
		return nil, err
	}

	// An entry counts towards the settled balance from the month it settles
	// in: a top-up made on the last evening of a month that settles the next
	// morning did not cover that month's charges.
	settled, err := queryAll(ctx, t, "summarize settled ledger", func(row pgx.Row) (backend.MonthSum, error) {
		var (
			m   backend.MonthSum
			sum int64
		)
		err := row.Scan(&m.Month, &sum)
		m.Sum = backend.Money(sum)
		return m, err
	}, `SELECT `+monthOf("settles_at")+` COLLATE "C" AS month, SUM(amount)::bigint
		FROM ledger_entries WHERE account_id = $1 GROUP BY month ORDER BY month`, accountID)
	if err != nil {
		return nil, err
	}
	return &backend.LedgerSummary{Groups: groups, Settled: settled}, nil
}
