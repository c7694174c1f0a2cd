package sqlstore_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

var testDialect = sqlstore.Dialect{Name: "teststore", Sum: func(col string) string { return "SUM(" + col + ")" }}

// managerReport is a manager's voice report on January 2025, one page of 10.
func managerReport(edit func(*backend.UsageReportQuery)) backend.UsageReportQuery {
	q := backend.UsageReportQuery{ManagerID: "m", Product: "voice", From: "2025-01-01", To: "2025-02-01",
		Page: backend.Page{Number: 1, Size: 10}}
	if edit != nil {
		edit(&q)
	}
	return q
}

func plan(t *testing.T, q backend.UsageReportQuery) *sqlstore.UsageReport {
	t.Helper()
	r, err := sqlstore.PlanUsageReport(testDialect, q)
	if err != nil {
		t.Fatalf("PlanUsageReport(%+v): %v", q, err)
	}
	return r
}

// TestPlanRefusesCallerBugs: what the service never sends is an error that
// names the store, not a query.
func TestPlanRefusesCallerBugs(t *testing.T) {
	for name, edit := range map[string]func(*backend.UsageReportQuery){
		"no page":             func(q *backend.UsageReportQuery) { q.Page = backend.Page{} },
		"two scopes":          func(q *backend.UsageReportQuery) { q.AccountID = "a" },
		"no scope":            func(q *backend.UsageReportQuery) { q.ManagerID = "" },
		"a bad day":           func(q *backend.UsageReportQuery) { q.To = "2025-02-30" },
		"an unknown filter":   func(q *backend.UsageReportQuery) { q.Filters = map[string]string{"currency": "USD"} },
		"an unsummed metric":  func(q *backend.UsageReportQuery) { q.Sort = []backend.UsageSort{{Key: backend.MetricCost}} },
		"an ungrouped column": func(q *backend.UsageReportQuery) { q.Sort = []backend.UsageSort{{Key: backend.FieldDirection}} },
	} {
		_, err := sqlstore.PlanUsageReport(testDialect, managerReport(edit))
		if err == nil || !strings.HasPrefix(err.Error(), "teststore: usage report: ") {
			t.Errorf("%s: %v, want an error of the store's usage report", name, err)
		}
	}
}

func TestPlanChoosesTheRows(t *testing.T) {
	for _, tc := range []struct {
		q    backend.UsageReportQuery
		rows sqlstore.ReportRows
		cols []string
	}{
		{managerReport(func(q *backend.UsageReportQuery) {
			q.ManagerID, q.AccountID = "", "a"
			q.GroupBy = []string{backend.DimensionDate}
		}),
			sqlstore.AccountDays, []string{"day"}},
		{managerReport(func(q *backend.UsageReportQuery) {
			q.GroupBy = []string{backend.DimensionUserID, backend.DimensionDate}
		}), sqlstore.ManagerDays, []string{"account_id", "block_start"}},
		{managerReport(func(q *backend.UsageReportQuery) { q.GroupBy = []string{backend.FieldCountryISO} }),
			sqlstore.ManagerBlocks, []string{"country_iso"}},
	} {
		r := plan(t, tc.q)
		if r.Rows != tc.rows || !slices.Equal(r.GroupColumns(), tc.cols) {
			t.Errorf("%+v: rows %v grouped by %v, want %v by %v", tc.q, r.Rows, r.GroupColumns(), tc.rows, tc.cols)
		}
	}
}

// TestPageQuerySortsThenBreaksTiesOnEveryGroup: the sort keys come first,
// once each, then every group column not sorted yet; the first page counts
// nothing along, a later one counts the groups with a window.
func TestPageQuerySortsThenBreaksTiesOnEveryGroup(t *testing.T) {
	q := managerReport(func(q *backend.UsageReportQuery) {
		q.GroupBy = []string{backend.DimensionUserID, backend.FieldDirection, backend.FieldCountryISO}
		q.Metrics = []string{backend.MetricCost, backend.MetricBilledSec}
		q.Sort = []backend.UsageSort{{Key: backend.MetricCost, Descending: true}, {Key: backend.FieldDirection},
			{Key: backend.MetricCost}}
	})
	const want = "SELECT account_id, direction, country_iso, SUM(count) AS total_count, SUM(billed_sec) AS total_billed_sec, " +
		"SUM(cost_micros) AS total_cost_micros FROM rows GROUP BY account_id, direction, country_iso HAVING SUM(count) > 0 " +
		"ORDER BY total_cost_micros DESC, direction, account_id, country_iso LIMIT $9 OFFSET $10"
	if got := plan(t, q).PageQuery("rows", "$9", "$10"); got != want {
		t.Errorf("page query\n%s\nwant\n%s", got, want)
	}
	q.Page.Number = 2
	if got := plan(t, q).PageQuery("rows", "?", "?"); !strings.Contains(got, "SUM(cost_micros) AS total_cost_micros, COUNT(*) OVER () FROM rows") {
		t.Errorf("a later page does not count its groups along: %s", got)
	}
	const wantCount = "SELECT COUNT(*) FROM (SELECT SUM(count) AS total_count FROM rows HAVING SUM(count) > 0) AS report_groups"
	if got := plan(t, managerReport(nil)).CountQuery("rows"); got != wantCount {
		t.Errorf("count query\n%s\nwant\n%s", got, wantCount)
	}
}

func TestFiltersAreOrderedAndPlaced(t *testing.T) {
	r := plan(t, managerReport(func(q *backend.UsageReportQuery) {
		q.Filters = map[string]string{backend.FieldProductName: "pstn", backend.FieldCountryISO: "US", backend.DimensionUserID: "a"}
	}))
	var values []any
	got := r.Filters(func(v any) string { values = append(values, v); return "?" })
	if want := " AND country_iso = ? AND product_name = ? AND account_id = ?"; got != want ||
		!slices.Equal(values, []any{"US", "pstn", "a"}) {
		t.Errorf("Filters = %q with %v, want %q with US, pstn, a", got, values, want)
	}
	// Voice has no message type: always '', which tells the planner so.
	if got := r.PinnedAbsentColumns(); got != " AND message_type = ''" {
		t.Errorf("PinnedAbsentColumns = %q", got)
	}
}

func TestFollowsBlockOrder(t *testing.T) {
	for _, tc := range []struct {
		product string
		groupBy []string
		filters map[string]string
		follows bool
	}{
		{"voice", []string{backend.DimensionUserID}, nil, true},
		{"voice", []string{backend.DimensionUserID, backend.FieldDirection}, nil, true},
		{"voice", []string{backend.FieldDirection, backend.DimensionUserID}, nil, true},
		{"voice", []string{backend.FieldDirection}, nil, false},
		{"voice", []string{backend.FieldDirection}, map[string]string{backend.DimensionUserID: "a"}, true},
		// Voice has no message type: product_name follows country_iso.
		{"voice", []string{backend.DimensionUserID, backend.FieldDirection, backend.FieldCountryISO, backend.FieldProductName}, nil, true},
		{"voice", []string{backend.DimensionUserID, backend.FieldCountryISO}, nil, false},
	} {
		r := plan(t, managerReport(func(q *backend.UsageReportQuery) {
			q.Product, q.GroupBy, q.Filters = tc.product, tc.groupBy, tc.filters
		}))
		if got := r.FollowsBlockOrder(); got != tc.follows {
			t.Errorf("%s by %v where %v: FollowsBlockOrder = %v, want %v", tc.product, tc.groupBy, tc.filters, got, tc.follows)
		}
	}
}

// TestCoveringBlocksWidenOnlyOverDaysWithoutUsage: 3..29 January is whole
// January when the days around have no usage, and the smaller blocks when
// they have.
func TestCoveringBlocksWidenOnlyOverDaysWithoutUsage(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	r := plan(t, managerReport(func(q *backend.UsageReportQuery) { q.From, q.To = "2025-01-03", "2025-01-30" }))
	var asked [][2]time.Time
	blocks, err := r.CoveringBlocks(func(from, to time.Time) (bool, error) {
		asked = append(asked, [2]time.Time{from, to})
		return true, nil
	})
	if err != nil || !slices.Equal(blocks, []sqlstore.UsageBlock{{Span: 32, Start: day(1)}}) {
		t.Errorf("no usage around: %v, %v; want January as one block", blocks, err)
	}
	if want := [][2]time.Time{{day(1), day(3)}, {day(30), day(32)}}; !slices.Equal(asked, want) {
		t.Errorf("asked about %v, want %v", asked, want)
	}
	blocks, err = r.CoveringBlocks(func(from, to time.Time) (bool, error) { return false, nil })
	if err != nil || !slices.Equal(blocks, sqlstore.CoveringUsageBlocks(day(3), day(30))) {
		t.Errorf("usage around: %v, %v; want the blocks of the days asked", blocks, err)
	}
	failed := errors.New("database away")
	if _, err := r.CoveringBlocks(func(from, to time.Time) (bool, error) { return false, failed }); !errors.Is(err, failed) {
		t.Errorf("a failed look-up: %v, want it returned", err)
	}
}

// scannedRows are the rows of a page query, as a database returns them.
type scannedRows struct {
	rows [][]any
	next int
}

func (s *scannedRows) Next() bool { s.next++; return s.next <= len(s.rows) }
func (s *scannedRows) Err() error { return nil }
func (s *scannedRows) Scan(dest ...any) error {
	for i, v := range s.rows[s.next-1] {
		str, isString := v.(string)
		n, isInt := v.(int)
		switch d := dest[i].(type) {
		case *string:
			if !isString {
				return fmt.Errorf("column %d: %v into a string", i, v)
			}
			*d = str
		case *int64:
			if !isInt {
				return fmt.Errorf("column %d: %v into an int64", i, v)
			}
			*d = int64(n)
		default:
			return fmt.Errorf("column %d: a %T destination", i, d)
		}
	}
	return nil
}

func TestScanPageAndTotal(t *testing.T) {
	q := managerReport(func(q *backend.UsageReportQuery) {
		q.GroupBy, q.Metrics, q.Page = []string{backend.FieldCountryISO}, []string{backend.MetricCost}, backend.Page{Number: 2, Size: 2}
	})
	r := plan(t, q)
	page, counted, err := r.ScanPage(&scannedRows{rows: [][]any{{"FR", 3, 1_500, 5}, {"US", 1, 2, 5}}})
	want := []backend.UsageReportRow{
		{Values: []string{"FR"}, UsageTotals: backend.UsageTotals{Count: 3, Cost: 1_500}},
		{Values: []string{"US"}, UsageTotals: backend.UsageTotals{Count: 1, Cost: 2}},
	}
	if err != nil || counted != 5 || len(page) != 2 {
		t.Fatalf("ScanPage = %+v, %d, %v", page, counted, err)
	}
	for i := range want {
		if !slices.Equal(page[i].Values, want[i].Values) || page[i].Count != want[i].Count || page[i].Cost != want[i].Cost {
			t.Errorf("row %d = %+v, want %+v", i, page[i], want[i])
		}
	}
	if total, ok := r.Total(page, counted); !ok || total != 5 {
		t.Errorf("a later page's total = %d, %v; want 5 counted along", total, ok)
	}
	if _, ok := r.Total(nil, 0); ok {
		t.Error("a page past the last tells its total; only the count query can")
	}
	first := plan(t, managerReport(func(q *backend.UsageReportQuery) { q.Page.Size = 2 }))
	if total, ok := first.Total(page[:1], -1); !ok || total != 1 {
		t.Errorf("a first page not full: %d, %v; want 1", total, ok)
	}
	if _, ok := first.Total(page, -1); ok {
		t.Error("a full first page tells its total; only the count query can")
	}
}
