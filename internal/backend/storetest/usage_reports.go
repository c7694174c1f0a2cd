package storetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of usage reports: whatever a store reads to answer them (the
// rollups, or sums of them it keeps), a report equals the same sums worked
// out in Go from the rollups written.

// reportWorld is a manager with three managed accounts, another manager with
// one, and rollups for all of them (and for both managers' own usage) over
// the end of January and February 2025, written in several batches so that
// later batches add to rollups that exist.
type reportWorld struct {
	f        *fixture
	manager  *backend.Account
	managed  []*backend.Account
	other    *backend.Account
	accounts []*backend.Account // every account with usage
	rollups  map[backend.UsageRollupKey]*backend.UsageRollup
}

var reportDays = func() []string {
	var days []string
	for d := time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}
	return days
}()

func newReportWorld(t *testing.T, s backend.Store, r *rand.Rand) *reportWorld {
	f := newFixture(t, s)
	w := &reportWorld{f: f, rollups: map[backend.UsageRollupKey]*backend.UsageRollup{}}
	w.manager = f.manager("report-manager@example.com")
	for i := range 3 {
		w.managed = append(w.managed, f.managed(w.manager, fmt.Sprintf("report-%d@example.com", i), fmt.Sprintf("Report %d", i)))
	}
	w.other = f.manager("report-other@example.com")
	otherManaged := f.managed(w.other, "report-other-managed@example.com", "Other")
	w.accounts = append([]*backend.Account{w.manager, w.other, otherManaged}, w.managed...)
	for range 4 {
		var batch []*backend.UsageRollup
		seen := map[backend.UsageRollupKey]bool{}
		for range 150 {
			roll := randomRollup(r, w.accounts[r.IntN(len(w.accounts))])
			if seen[roll.UsageRollupKey] {
				continue // keys of one call are distinct
			}
			seen[roll.UsageRollupKey] = true
			batch = append(batch, roll)
			if sum, ok := w.rollups[roll.UsageRollupKey]; ok {
				sum.Count += roll.Count
				sum.Parts += roll.Parts
				sum.BilledSec += roll.BilledSec
				sum.Bytes += roll.Bytes
				sum.Cost += roll.Cost
			} else {
				c := *roll
				w.rollups[roll.UsageRollupKey] = &c
			}
		}
		f.write(func(tx backend.Tx) error { return tx.AddUsageRollups(f.ctx, batch) })
	}
	return w
}

// randomRollup is a rollup of a product's key fields drawn from few values,
// so that groups gather several rollups.
func randomRollup(r *rand.Rand, a *backend.Account) *backend.UsageRollup {
	products := backend.Products()
	p := products[r.IntN(len(products))]
	roll := &backend.UsageRollup{
		UsageRollupKey: backend.UsageRollupKey{
			AccountID: a.ID, Product: p.Name, Day: reportDays[r.IntN(len(reportDays))],
			CountryISO: []string{"US", "GB", "DE"}[r.IntN(3)], ProductName: p.ProductNames[r.IntN(len(p.ProductNames))],
		},
		ManagerID: a.ManagerID,
		Count:     1 + r.Int64N(5),
		Cost:      backend.Money(r.Int64N(50_000_000)),
	}
	if p.HasDimension(backend.FieldDirection) {
		roll.Direction = []string{backend.DirectionInbound, backend.DirectionOutbound}[r.IntN(2)]
	}
	if p.HasDimension(backend.FieldMessageType) {
		roll.MessageType = []string{backend.MessageTypeSMS, backend.MessageTypeMMS}[r.IntN(2)]
	}
	q := roll.Count * (1 + r.Int64N(1000))
	switch p.Quantity {
	case backend.MetricParts:
		roll.Parts = q
	case backend.MetricBilledSec:
		roll.BilledSec = q
	case backend.MetricBytes:
		roll.Bytes = q * 1000
	}
	return roll
}

// dimensionValue is a rollup's value of a report dimension.
func dimensionValue(r *backend.UsageRollup, dim string) string {
	switch dim {
	case backend.DimensionUserID:
		return r.AccountID
	case backend.FieldDirection:
		return r.Direction
	case backend.FieldCountryISO:
		return r.CountryISO
	case backend.FieldMessageType:
		return r.MessageType
	case backend.FieldProductName:
		return r.ProductName
	case backend.DimensionDate:
		return r.Day
	}
	panic("unknown dimension " + dim)
}

func metricValue(t backend.UsageTotals, m string) int64 {
	switch m {
	case backend.MetricCount:
		return t.Count
	case backend.MetricParts:
		return t.Parts
	case backend.MetricBilledSec:
		return t.BilledSec
	case backend.MetricBytes:
		return t.Bytes
	case backend.MetricCost:
		return int64(t.Cost)
	}
	panic("unknown metric " + m)
}

// expectReport is q worked out in Go over the rollups written: every group,
// in q's order.
func (w *reportWorld) expectReport(q backend.UsageReportQuery) []backend.UsageReportRow {
	groups := map[string]*backend.UsageReportRow{}
	for _, r := range w.rollups {
		inScope := r.AccountID == q.AccountID || (q.ManagerID != "" && r.ManagerID == q.ManagerID)
		if !inScope || r.Product != q.Product || r.Day < q.From || r.Day >= q.To {
			continue
		}
		keep := true
		for dim, v := range q.Filters {
			keep = keep && dimensionValue(r, dim) == v
		}
		if !keep {
			continue
		}
		values := make([]string, len(q.GroupBy))
		for i, d := range q.GroupBy {
			values[i] = dimensionValue(r, d)
		}
		k := strings.Join(values, "\x00")
		g, ok := groups[k]
		if !ok {
			g = &backend.UsageReportRow{Values: values}
			groups[k] = g
		}
		g.Count += r.Count
		g.Parts += r.Parts
		g.BilledSec += r.BilledSec
		g.Bytes += r.Bytes
		g.Cost += r.Cost
	}
	out := make([]backend.UsageReportRow, 0, len(groups))
	for _, g := range groups {
		// Only the metrics asked for are added up, and the count.
		if !slices.Contains(q.Metrics, backend.MetricParts) {
			g.Parts = 0
		}
		if !slices.Contains(q.Metrics, backend.MetricBilledSec) {
			g.BilledSec = 0
		}
		if !slices.Contains(q.Metrics, backend.MetricBytes) {
			g.Bytes = 0
		}
		if !slices.Contains(q.Metrics, backend.MetricCost) {
			g.Cost = 0
		}
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b backend.UsageReportRow) int {
		for _, s := range q.Sort {
			var c int
			if i := slices.Index(q.GroupBy, s.Key); i >= 0 {
				c = strings.Compare(a.Values[i], b.Values[i])
			} else {
				c = cmp.Compare(metricValue(a.UsageTotals, s.Key), metricValue(b.UsageTotals, s.Key))
			}
			if s.Descending {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		for i := range q.GroupBy {
			if c := strings.Compare(a.Values[i], b.Values[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

func (w *reportWorld) report(q backend.UsageReportQuery) ([]backend.UsageReportRow, int) {
	w.f.t.Helper()
	var (
		rows  []backend.UsageReportRow
		total int
	)
	w.f.read(func(tx backend.Tx) error {
		var err error
		rows, total, err = tx.UsageReport(w.f.ctx, q)
		return err
	})
	return rows, total
}

// testUsageReportMatchesTheRollups: random reports (one account's or a
// manager's, windows across month ends, any grouping, filters and order)
// equal the sums worked out in Go, page after page; a manager's report
// covers its managed accounts only (not its own usage, not another tree).
func testUsageReportMatchesTheRollups(t *testing.T, s backend.Store) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 5)) //nolint:gosec // G404: test data
	w := newReportWorld(t, s, r)
	products := backend.Products()
	for i := range 150 {
		p := products[r.IntN(len(products))]
		q := backend.UsageReportQuery{Product: p.Name, Filters: map[string]string{}}
		dims := []string{backend.DimensionDate}
		for _, d := range p.Dimensions {
			if d != backend.DimensionCurrency && d != backend.DimensionDate {
				dims = append(dims, d)
			}
		}
		if r.IntN(2) == 0 {
			q.ManagerID = w.manager.ID
			dims = append(dims, backend.DimensionUserID)
		} else {
			q.AccountID = w.accounts[r.IntN(len(w.accounts))].ID
		}
		start := r.IntN(len(reportDays))
		end := min(len(reportDays), start+1+r.IntN(35))
		q.From = reportDays[start]
		q.To = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		if end < len(reportDays) {
			q.To = reportDays[end]
		}
		for _, d := range dims {
			if r.IntN(2) == 0 {
				q.GroupBy = append(q.GroupBy, d)
			}
		}
		r.Shuffle(len(q.GroupBy), func(a, b int) { q.GroupBy[a], q.GroupBy[b] = q.GroupBy[b], q.GroupBy[a] })
		if r.IntN(3) == 0 {
			switch d := dims[1+r.IntN(len(dims)-1)]; d {
			case backend.DimensionUserID:
				q.Filters[d] = w.managed[r.IntN(len(w.managed))].ID
			case backend.FieldCountryISO:
				q.Filters[d] = "GB"
			case backend.FieldDirection:
				q.Filters[d] = backend.DirectionOutbound
			case backend.FieldMessageType:
				q.Filters[d] = backend.MessageTypeMMS
			case backend.FieldProductName:
				q.Filters[d] = p.ProductNames[0]
			}
		}
		for _, m := range p.Metrics {
			if r.IntN(2) == 0 {
				q.Metrics = append(q.Metrics, m)
			}
		}
		keys := append(slices.Clone(q.GroupBy), q.Metrics...)
		for range min(len(keys), r.IntN(3)) {
			k := keys[r.IntN(len(keys))]
			if !slices.ContainsFunc(q.Sort, func(s backend.UsageSort) bool { return s.Key == k }) {
				q.Sort = append(q.Sort, backend.UsageSort{Key: k, Descending: r.IntN(2) == 0})
			}
		}
		want := w.expectReport(q)
		q.Page = backend.Page{Number: 1, Size: 1 + r.IntN(25)}
		var got []backend.UsageReportRow
		for {
			page, total := w.report(q)
			if total != len(want) {
				t.Fatalf("query %d %+v: total %d, want %d", i, q, total, len(want))
			}
			got = append(got, page...)
			if len(page) < q.Page.Size {
				break
			}
			q.Page.Number++
		}
		if len(got) != len(want) {
			t.Fatalf("query %d %+v: %d rows over all pages, want %d", i, q, len(got), len(want))
		}
		for j := range want {
			if !slices.Equal(got[j].Values, want[j].Values) || got[j].UsageTotals != want[j].UsageTotals {
				t.Fatalf("query %d %+v: row %d is %+v, want %+v", i, q, j, got[j], want[j])
			}
		}
	}
}

// testUsageReportPaging: a page past the last is empty but still counts the
// groups; a report of no usage is empty, even without dimensions.
func testUsageReportPaging(t *testing.T, s backend.Store) {
	w := newReportWorld(t, s, rand.New(rand.NewPCG(1, 2))) //nolint:gosec // G404: test data
	q := backend.UsageReportQuery{
		ManagerID: w.manager.ID, Product: backend.ProductMessaging, From: "2025-01-01", To: "2025-03-31", Metrics: []string{backend.MetricParts},
		GroupBy: []string{backend.DimensionUserID, backend.DimensionDate}, Page: backend.Page{Number: 1, Size: 5},
	}
	want := len(w.expectReport(q))
	if want < 10 {
		t.Fatalf("the world has %d groups; the test needs more", want)
	}
	q.Page.Number = want/5 + 3
	if rows, total := w.report(q); len(rows) != 0 || total != want {
		t.Fatalf("page past the end: %d rows, total %d; want none and %d", len(rows), total, want)
	}
	for _, empty := range []backend.UsageReportQuery{
		{AccountID: w.manager.ID, Product: backend.ProductVoice, From: "2024-01-01", To: "2024-02-01", Page: backend.Page{Number: 1, Size: 5}},
		{ManagerID: w.manager.ID, Product: backend.ProductVoice, From: "2024-01-01", To: "2024-02-01", Page: backend.Page{Number: 1, Size: 5}},
		{ManagerID: w.manager.ID, Product: backend.ProductVoice, From: "2025-01-01", To: "2025-04-01", Page: backend.Page{Number: 1, Size: 5},
			Filters: map[string]string{backend.FieldCountryISO: "FR"}},
	} {
		if rows, total := w.report(empty); len(rows) != 0 || total != 0 {
			t.Fatalf("%+v: %d rows (%+v), total %d; want none", empty, len(rows), rows, total)
		}
	}
	// Without dimensions, a report with usage is one row: the grand total.
	all := backend.UsageReportQuery{ManagerID: w.manager.ID, Product: backend.ProductVoice, From: "2025-01-20", To: "2025-02-20",
		Metrics: []string{backend.MetricBilledSec, backend.MetricCost}, Page: backend.Page{Number: 1, Size: 5}}
	rows, total := w.report(all)
	if wantRows := w.expectReport(all); total != 1 || len(rows) != 1 || rows[0].UsageTotals != wantRows[0].UsageTotals {
		t.Fatalf("grand total: %+v (total %d), want %+v", rows, total, wantRows)
	}
}
