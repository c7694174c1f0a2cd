package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestCoveringBlocksCoverTheDaysExactly: for every window of 1 to 62 days
// starting on any day of two years (a leap year included), the blocks are
// of the migration's spans, each lies within its month where the triggers
// put it, they follow each other without gap or overlap from the first day
// to the last, and a window of 31 days or less needs at most ten.
func TestCoveringBlocksCoverTheDaysExactly(t *testing.T) {
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := first; start.Before(first.AddDate(2, 0, 0)); start = start.AddDate(0, 0, 1) {
		for days := 1; days <= 62; days++ {
			end := start.AddDate(0, 0, days)
			blocks := coveringBlocks(start, end)
			next := start
			for _, b := range blocks {
				if !b.start.Equal(next) {
					t.Fatalf("%s..%s: block %+v starts at %s, want %s", start.Format(time.DateOnly), end.Format(time.DateOnly), b, b.start, next)
				}
				if (b.start.Day()-1)%b.span != 0 {
					t.Fatalf("block %+v does not start where the triggers start a block of its span", b)
				}
				monthEnd := time.Date(b.start.Year(), b.start.Month()+1, 1, 0, 0, 0, 0, time.UTC)
				next = b.start.AddDate(0, 0, b.span)
				if next.After(monthEnd) {
					next = monthEnd
				}
			}
			if !next.Equal(end) {
				t.Fatalf("%s..%s: the blocks %v end at %s", start.Format(time.DateOnly), end.Format(time.DateOnly), blocks, next)
			}
			if days <= backend.MaxUsageReportDays && len(blocks) > 10 {
				t.Fatalf("%s..%s: %d blocks", start.Format(time.DateOnly), end.Format(time.DateOnly), len(blocks))
			}
		}
	}
	// A calendar month is one block.
	if got := coveringBlocks(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)); len(got) != 1 || got[0].span != 32 {
		t.Fatalf("January is %v, want one block of span 32", got)
	}
}

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
		var src reportSource
		err := db.ReadTx(t.Context(), func(btx backend.Tx) error {
			store, ok := btx.(*tx)
			if !ok {
				return fmt.Errorf("a %T is not this package's transaction", btx)
			}
			var err error
			src, err = store.reportRows(t.Context(), q)
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
