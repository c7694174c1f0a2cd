package sqlite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// TestManagerReportReadsBlocksNotEvents: the plan of a manager's report
// searches usage_rollup_blocks by its primary key, and no report ever
// touches usage_events.
func TestManagerReportReadsBlocksNotEvents(t *testing.T) {
	db := openTemp(t)
	for _, q := range []backend.UsageReportQuery{
		{ManagerID: "m", Product: "voice", From: "2025-01-03", To: "2025-02-02", GroupBy: []string{backend.DimensionUserID, backend.FieldDirection}},
		{ManagerID: "m", Product: "voice", From: "2025-01-03", To: "2025-02-02", GroupBy: []string{backend.DimensionDate},
			Filters: map[string]string{backend.DimensionUserID: "a"}},
		{AccountID: "a", Product: "voice", From: "2025-01-03", To: "2025-02-02", GroupBy: []string{backend.FieldCountryISO}},
	} {
		q.Page = backend.Page{Number: 1, Size: 10}
		report, err := sqlstore.PlanUsageReport(reportDialect, q)
		if err != nil {
			t.Fatal(err)
		}
		var src reportSource
		err = db.ReadTx(t.Context(), func(btx backend.Tx) error {
			store, ok := btx.(*tx)
			if !ok {
				return fmt.Errorf("a %T is not this package's transaction", btx)
			}
			var err error
			src, err = store.reportRows(t.Context(), report)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.reader.QueryContext(t.Context(), "EXPLAIN QUERY PLAN SELECT SUM(count) FROM "+src.from, src.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		table := "usage_rollup_blocks"
		if q.AccountID != "" {
			table = "usage_rollups"
		}
		if strings.Contains(text, "usage_events") || strings.Contains(text, "SCAN") && !strings.Contains(text, "SCAN (subquery") ||
			!strings.Contains(text, "SEARCH "+table+" USING PRIMARY KEY") {
			t.Fatalf("%+v: plan\n%s", q, text)
		}
		t.Logf("plan of %+v:\n%s", q, text)
	}
}
