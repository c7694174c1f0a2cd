package httpapi_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// simEvent is a random event of the property test, with what the backend
// stored for it.
type simEvent struct {
	body      map[string]any
	accountID string
	managerID string // "" for a manager's own
	product   string
	day       string
	dims      map[string]string // direction, country_iso, message_type, product_name
	quantity  int64
	cost      backend.Money // as rated at ingestion, read back from the store
}

// propertyCountries are the countries of the property test's events.
var propertyCountries = []string{"US", "GB", "DE", "FR"}

// TestUsageReportsAgreeWithBruteForce: random events go in through the
// ingestion API (some twice), and random reports (any caller, product,
// dimensions, metrics, dates, filters, sort and page size, arrays sent
// comma-separated or repeated) read over all their pages equal the same
// report worked out in Go from the events; the CSV of each report has the
// same rows in the same order.
func TestUsageReportsAgreeWithBruteForce(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 11))

	srv := backendtest.Start(t)
	srv.SetTime(usageNow)
	type account struct {
		id, key, managerID string
	}
	manager := account{id: srv.ManagerID, key: srv.ManagerKey}
	accounts := []account{manager}
	for i := range 3 {
		a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": fmt.Sprintf("Prop %d", i), "rollup_billing": i == 0})
		accounts = append(accounts, account{id: a.ID, key: a.APIKey, managerID: srv.ManagerID})
	}
	otherID, otherKey := srv.NewManager(t)
	otherManaged := createManaged(t, srv, otherKey, map[string]any{"business_name": "Prop other"})
	accounts = append(accounts, account{id: otherID, key: otherKey}, account{id: otherManaged.ID, key: otherManaged.APIKey, managerID: otherID})

	var userIDs []string // every account: a filter may name one outside the caller's tree
	for _, a := range accounts {
		userIDs = append(userIDs, a.id)
	}
	firstDay := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	days := int(usageNow.Sub(firstDay)/(24*time.Hour)) + 1
	products := backend.Products()
	var events []*simEvent
	for i := range 700 {
		a := accounts[r.IntN(len(accounts))]
		p := products[r.IntN(len(products))]
		at := firstDay.Add(time.Duration(r.Int64N(int64(days) * int64(24*time.Hour))))
		if at.After(usageNow) {
			at = usageNow.Add(-time.Duration(r.Int64N(int64(time.Hour))))
		}
		e := &simEvent{accountID: a.id, managerID: a.managerID, product: p.Name, day: at.Format(time.DateOnly), dims: map[string]string{}}
		e.dims[backend.FieldCountryISO] = propertyCountries[r.IntN(len(propertyCountries))]
		e.dims[backend.FieldProductName] = p.ProductNames[r.IntN(len(p.ProductNames))]
		if p.HasDimension(backend.FieldDirection) {
			e.dims[backend.FieldDirection] = []string{backend.DirectionInbound, backend.DirectionOutbound}[r.IntN(2)]
		}
		if p.HasDimension(backend.FieldMessageType) {
			e.dims[backend.FieldMessageType] = []string{backend.MessageTypeSMS, backend.MessageTypeMMS}[r.IntN(2)]
		}
		switch p.Quantity {
		case backend.MetricParts:
			e.quantity = 1 + r.Int64N(5)
		case backend.MetricBilledSec:
			e.quantity = r.Int64N(900)
		case backend.MetricBytes:
			e.quantity = r.Int64N(5_000_000)
		}
		fields := map[string]any{p.Quantity: e.quantity}
		for k, v := range e.dims {
			fields[k] = v
		}
		e.body = usageEvent(fmt.Sprintf("prop-%d-%d", seed, i), a.id, p.Name, at.Format("2006-01-02T15:04:05.000Z"), fields)
		events = append(events, e)
	}
	for start := 0; start < len(events); start += 250 {
		var batch []map[string]any
		for _, e := range events[start:min(start+250, len(events))] {
			batch = append(batch, e.body)
		}
		// Some events are sent again: at-least-once producers.
		batch = append(batch, events[r.IntN(len(events))].body)
		srv.IngestUsage(t, batch)
	}
	err := srv.Store.ReadTx(t.Context(), func(tx backend.Tx) error {
		for _, e := range events {
			id, _ := e.body["id"].(string)
			stored, err := tx.GetUsageEvent(t.Context(), id)
			if err != nil {
				return err
			}
			e.cost = stored.Cost
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the events' costs: %v", err)
	}

	nonEmpty := 0
	for i := range 80 {
		who := accounts[r.IntN(len(accounts))]
		q := randomReportQuery(r, who.managerID == "", userIDs)
		t.Run(fmt.Sprintf("report %d", i), func(t *testing.T) {
			want := bruteForceReport(events, who.id, q)
			got, csvRows := readWholeReport(t, srv, who.key, q)
			if len(got) != len(want) {
				t.Fatalf("%s as %s: %d rows, want %d:\ngot  %v\nwant %v", q.values.Encode(), who.id, len(got), len(want), got, want)
			}
			for j := range want {
				if !slices.Equal(got[j], want[j]) {
					t.Fatalf("%s: row %d is %v, want %v", q.values.Encode(), j, got[j], want[j])
				}
			}
			if len(csvRows) != len(got) {
				t.Fatalf("%s: CSV has %d rows, JSON %d", q.values.Encode(), len(csvRows), len(got))
			}
			for j := range got {
				if !slices.Equal(csvRows[j], got[j]) {
					t.Fatalf("%s: CSV row %d is %v, JSON row %v", q.values.Encode(), j, csvRows[j], got[j])
				}
			}
			if len(want) > 0 {
				nonEmpty++
			}
		})
	}
	// Reports of nothing prove little: most must have rows.
	if nonEmpty < 40 {
		t.Fatalf("only %d of 80 reports had rows", nonEmpty)
	}
}

// propertyQuery is a random report request and what it means.
type propertyQuery struct {
	values   url.Values
	product  backend.Product
	managed  bool
	dims     []string // as the report lays them out: user_id first when managed
	metrics  []string
	from, to string // days, to excluded
	filters  map[string]string
	sort     []backend.UsageSort
}

// randomReportQuery is a random report a manager (isManager) or a managed
// account may ask; userIDs are the accounts a user_id filter picks from.
func randomReportQuery(r *rand.Rand, isManager bool, userIDs []string) propertyQuery {
	products := backend.Products()
	q := propertyQuery{values: url.Values{}, product: products[r.IntN(len(products))], filters: map[string]string{}}
	p := q.product
	q.values.Set("product", p.Name)
	q.managed = isManager && r.IntN(2) == 0
	if q.managed {
		q.values.Set("managed_accounts", "true")
		q.dims = append(q.dims, backend.DimensionUserID)
	} else if r.IntN(4) == 0 {
		q.values.Set("managed_accounts", "false")
	}
	pick := func(from []string) []string {
		var out []string
		for _, v := range from {
			if r.IntN(2) == 0 {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			out = []string{from[r.IntN(len(from))]}
		}
		r.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
		return out
	}
	dims := pick(p.Dimensions)
	q.dims = append(q.dims, dims...)
	metricChoices := slices.Clone(p.Metrics)
	if !isManager {
		metricChoices = slices.DeleteFunc(metricChoices, func(m string) bool { return m == backend.MetricCost })
	}
	q.metrics = pick(metricChoices)
	addArray := func(name string, items []string) {
		if r.IntN(2) == 0 {
			q.values.Set(name, strings.Join(items, ","))
			return
		}
		for _, it := range items {
			q.values.Add(name, it)
		}
	}
	addArray("dimensions", dims)
	addArray("metrics", q.metrics)

	today := usageNow.Truncate(24 * time.Hour)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	switch r.IntN(5) {
	case 0:
		ranges := []string{"today", "yesterday", "month_to_date", "last_" + strconv.Itoa(1+r.IntN(backend.MaxUsageReportDays)) + "_days"}
		v := ranges[r.IntN(len(ranges))]
		q.values.Set("date_range", v)
		switch v {
		case "today":
			q.from, q.to = day(today), day(today.AddDate(0, 0, 1))
		case "yesterday":
			q.from, q.to = day(today.AddDate(0, 0, -1)), day(today)
		case "month_to_date":
			q.from, q.to = "2025-03-01", day(today.AddDate(0, 0, 1))
		default:
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, "last_"), "_days"))
			q.from, q.to = day(today.AddDate(0, 0, -n)), day(today.AddDate(0, 0, 1))
		}
	default:
		start := time.Date(2025, 1, 25, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(45))
		end := start.AddDate(0, 0, 1+r.IntN(backend.MaxUsageReportDays))
		q.values.Set("start_date", start.Format(time.RFC3339))
		q.values.Set("end_date", end.Format(time.RFC3339))
		q.from, q.to = day(start), day(end)
	}

	for range r.IntN(3) {
		candidates := slices.Clone(p.Dimensions)
		if q.managed {
			candidates = append(candidates, backend.DimensionUserID)
		}
		d := candidates[r.IntN(len(candidates))]
		name := d
		if d == backend.FieldCountryISO && r.IntN(2) == 0 {
			name = backend.DimensionCountryCode
		}
		if _, dup := q.filters[d]; dup { // country_code and country_iso are one dimension
			continue
		}
		var v string
		switch d {
		case backend.DimensionUserID:
			v = userIDs[r.IntN(len(userIDs))]
		case backend.DimensionCurrency:
			v = []string{"USD", "USD", "EUR"}[r.IntN(3)]
		case backend.DimensionDate:
			v = day(time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(38)))
		case backend.FieldCountryISO:
			v = propertyCountries[r.IntN(len(propertyCountries))]
		case backend.FieldDirection:
			v = []string{backend.DirectionInbound, backend.DirectionOutbound}[r.IntN(2)]
		case backend.FieldMessageType:
			v = []string{backend.MessageTypeSMS, backend.MessageTypeMMS}[r.IntN(2)]
		case backend.FieldProductName:
			v = p.ProductNames[r.IntN(len(p.ProductNames))]
		}
		q.filters[d] = v
		q.values.Set("filter["+name+"]", v)
	}

	var sortKeys []string
	keys := append(slices.Clone(q.dims), q.metrics...)
	for range r.IntN(3) {
		k := keys[r.IntN(len(keys))]
		if slices.ContainsFunc(q.sort, func(s backend.UsageSort) bool { return s.Key == k }) {
			continue
		}
		s := backend.UsageSort{Key: k, Descending: r.IntN(2) == 0}
		q.sort = append(q.sort, s)
		if s.Descending {
			k = "-" + k
		}
		sortKeys = append(sortKeys, k)
	}
	if len(sortKeys) > 0 {
		addArray("sort", sortKeys)
	}
	q.values.Set("page[size]", strconv.Itoa(1+r.IntN(40)))
	return q
}

// bruteForceReport works q out from the events, as callerID asks it: rows of
// the dimension values, the product and the metric literals, in q's order.
func bruteForceReport(events []*simEvent, callerID string, q propertyQuery) [][]string {
	type group struct {
		values []string
		totals backend.UsageTotals
	}
	groups := map[string]*group{}
	for _, e := range events {
		inScope := (q.managed && e.managerID == callerID) || (!q.managed && e.accountID == callerID)
		if !inScope || e.product != q.product.Name || e.day < q.from || e.day >= q.to {
			continue
		}
		value := func(d string) string {
			switch d {
			case backend.DimensionUserID:
				return e.accountID
			case backend.DimensionCurrency:
				return "USD"
			case backend.DimensionDate:
				return e.day
			}
			return e.dims[d]
		}
		keep := true
		for d, v := range q.filters {
			keep = keep && value(d) == v
		}
		if !keep {
			continue
		}
		values := make([]string, len(q.dims))
		for i, d := range q.dims {
			values[i] = value(d)
		}
		k := strings.Join(values, "\x00")
		g := groups[k]
		if g == nil {
			g = &group{values: values}
			groups[k] = g
		}
		g.totals.Count++
		switch q.product.Quantity {
		case backend.MetricParts:
			g.totals.Parts += e.quantity
		case backend.MetricBilledSec:
			g.totals.BilledSec += e.quantity
		case backend.MetricBytes:
			g.totals.Bytes += e.quantity
		}
		g.totals.Cost += e.cost
	}
	metric := func(t backend.UsageTotals, m string) int64 {
		return map[string]int64{backend.MetricCount: t.Count, backend.MetricParts: t.Parts, backend.MetricBilledSec: t.BilledSec,
			backend.MetricBytes: t.Bytes, backend.MetricCost: int64(t.Cost)}[m]
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *group) int {
		for _, s := range q.sort {
			var c int
			if i := slices.Index(q.dims, s.Key); i >= 0 {
				c = strings.Compare(a.values[i], b.values[i])
			} else {
				c = cmp.Compare(metric(a.totals, s.Key), metric(b.totals, s.Key))
			}
			if s.Descending {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return slices.Compare(a.values, b.values)
	})
	out := make([][]string, len(list))
	for i, g := range list {
		row := append(slices.Clone(g.values), q.product.Name)
		for _, m := range q.metrics {
			v := metric(g.totals, m)
			if m == backend.MetricCost {
				row = append(row, fmt.Sprintf("%d.%06d", v/backend.MicrosPerUnit, v%backend.MicrosPerUnit))
			} else {
				row = append(row, strconv.FormatInt(v, 10))
			}
		}
		out[i] = row
	}
	return out
}

// readWholeReport reads every page of a report as JSON (each answer
// validated against the contract, each row's keys exactly the report's) and
// as CSV, and returns both as rows of strings: dimension values, product,
// metric literals.
func readWholeReport(t *testing.T, srv *backendtest.Server, key string, q propertyQuery) (jsonRows, csvRows [][]string) {
	t.Helper()
	values := cloneValues(q.values)
	for page := 1; ; page++ {
		values.Set("page[number]", strconv.Itoa(page))
		got := getReport(t, srv, key, values)
		for _, row := range got.Data {
			if len(row) != len(q.dims)+1+len(q.metrics) {
				t.Fatalf("%s: row %v has other keys than %v, product and %v", values.Encode(), row, q.dims, q.metrics)
			}
			var out []string
			for _, d := range q.dims {
				out = append(out, str(t, row[d]))
			}
			out = append(out, str(t, row["product"]))
			for _, m := range q.metrics {
				var n json.Number
				if err := json.Unmarshal(row[m], &n); err != nil {
					t.Fatalf("%s: metric %s is %s, not a JSON number", values.Encode(), m, row[m])
				}
				out = append(out, string(row[m]))
			}
			jsonRows = append(jsonRows, out)
		}
		records := getReportCSV(t, srv, key, values)
		wantHeader := append(append(slices.Clone(q.dims), "product"), q.metrics...)
		if len(records) == 0 || !slices.Equal(records[0], wantHeader) {
			t.Fatalf("%s: CSV header %v, want %v", values.Encode(), records, wantHeader)
		}
		csvRows = append(csvRows, records[1:]...)
		if page >= got.Meta.TotalPages {
			if got.Meta.TotalResults != len(jsonRows) {
				t.Fatalf("%s: total_results %d, but the pages held %d rows", values.Encode(), got.Meta.TotalResults, len(jsonRows))
			}
			return jsonRows, csvRows
		}
	}
}
