package httpapi_test

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// overflowWrite is one operator write of a sequence that tries to make an
// account's sums overflow.
type overflowWrite struct {
	method, path string // path after /reference/accounts/{id}
	body         map[string]any
	pointer      string // the field a refusal must point at
}

func adjustment(amount string) overflowWrite {
	return overflowWrite{http.MethodPost, "/adjustments", map[string]any{"amount": amount, "description": "overflow"}, "/amount"}
}

func creditLimit(amount string) overflowWrite {
	return overflowWrite{http.MethodPut, "/credit_limit", map[string]any{"credit_limit": amount}, "/credit_limit"}
}

// TestOverflowingWritesAreRefused: no write the operator can make leaves an
// account whose balance or invoices answer 500 (issue 14, finding 3: one
// adjustment of -9223372036854.775808 was accepted, and the account's
// invoices answered 500 for ever after). Each write is either accepted or
// refused with a 422 that points at its field; afterwards every read of the
// account's money answers 200.
func TestOverflowingWritesAreRefused(t *testing.T) {
	srv := backendtest.Start(t)
	const (
		maxInt64 = "9223372036854.775807"
		minInt64 = "-9223372036854.775808"
	)
	for _, tc := range []struct {
		name   string
		writes []overflowWrite
		// refused are the indexes of the writes that must be refused.
		refused []int
	}{
		{"finding 3: the most negative amount", []overflowWrite{adjustment(minInt64)}, []int{0}},
		{"the most positive amount", []overflowWrite{adjustment(maxInt64)}, []int{0}},
		// The balance stays in range while the month's charges add up
		// past it.
		{"charges past the range", []overflowWrite{adjustment(maxInt64), adjustment("-" + maxInt64), adjustment("-1.00"), adjustment("-1.00")}, []int{0}},
		{"credits past the range", []overflowWrite{adjustment("-4611686018427.387904"), adjustment("4611686018427.387904"), adjustment("4611686018427.387904"), adjustment("4611686018427.387904")}, nil},
		{"credit limit at the top of the range", []overflowWrite{creditLimit(maxInt64), adjustment("1.00")}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, key := srv.NewManager(t)
			refused := map[int]bool{}
			for i, w := range tc.writes {
				r := raw(t, srv, w.method, "/reference/accounts/"+id+w.path, srv.OperatorKey, w.body)
				switch {
				case r.status == http.StatusUnprocessableEntity:
					var env errorEnvelope
					r.decode(t, &env)
					if len(env.Errors) == 0 || env.Errors[0].Source == nil || env.Errors[0].Source.Pointer != w.pointer {
						t.Fatalf("%s; want a refusal that points at %s", r, w.pointer)
					}
					refused[i] = true
				case r.status >= 300:
					t.Fatalf("%s; want it accepted or refused with 422", r)
				}
			}
			for _, i := range tc.refused {
				if !refused[i] {
					t.Errorf("write %d (%s %v) was accepted; want it refused", i, tc.writes[i].path, tc.writes[i].body)
				}
			}
			wantMoneyReadable(t, srv, key)
		})
	}
}

// wantMoneyReadable reads the balance, the invoices and each invoice of the
// account of key, and wants every answer to be a 200.
func wantMoneyReadable(t *testing.T, srv *backendtest.Server, key string) {
	t.Helper()
	call(t, srv, http.MethodGet, "/v2/balance", key, nil).wantStatus(t, http.StatusOK)
	r := call(t, srv, http.MethodGet, "/v2/invoices?page[size]=250", key, nil)
	r.wantStatus(t, http.StatusOK)
	var invoices list[invoiceJSON]
	r.decode(t, &invoices)
	for _, inv := range invoices.Data {
		call(t, srv, http.MethodGet, "/v2/invoices/"+inv.InvoiceID, key, nil).wantStatus(t, http.StatusOK)
	}
}

// TestUsageSumsCannotOverflow: usage ingested at the extremes (the highest
// rate a manager may be given, the most bytes an event may carry) is either
// accepted or refused with a 422 that points at an event, and the usage
// reports afterwards answer 200: here ten managed accounts with ledgers of
// their own each take as much as their ledger allows, which together is more
// than a report over the manager's managed accounts could add up.
func TestUsageSumsCannotOverflow(t *testing.T) {
	srv := backendtest.Start(t)
	if status, body := srv.Operator(t, http.MethodPut, "/reference/accounts/"+srv.ManagerID+"/rates", map[string]any{
		"rates": []map[string]any{{"product": "wireless", "country_iso": "*", "rate": "1000.00"}},
	}); status != http.StatusOK {
		t.Fatalf("committed rates: %d %s", status, body)
	}
	// A minute ahead: the committed rate is in force from now on.
	day := srv.Now().UTC().Add(time.Minute).Format("2006-01-02T15:04:05.000Z")
	accepted := 0
	for i := range 10 {
		a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": fmt.Sprintf("Heavy %d", i)})
		// 1000 events of 10^12 bytes at 1000.00 a MB: 10^18 micro-units,
		// all that one ledger may take.
		events := make([]map[string]any, 1000)
		for j := range events {
			events[j] = map[string]any{"id": fmt.Sprintf("heavy-%d-%d", i, j), "account_id": a.ID, "product": "wireless",
				"occurred_at": day, "country_iso": "US", "bytes": int64(1_000_000_000_000)}
		}
		r := raw(t, srv, http.MethodPost, "/reference/usage_events", srv.OperatorKey, map[string]any{"events": events})
		switch r.status {
		case http.StatusOK:
			accepted++
		case http.StatusUnprocessableEntity:
			var env errorEnvelope
			r.decode(t, &env)
			if len(env.Errors) == 0 || env.Errors[0].Source == nil || !strings.HasPrefix(env.Errors[0].Source.Pointer, "/events") {
				t.Fatalf("%s; want a refusal that points at the events", r)
			}
		default:
			t.Fatalf("%s; want the batch accepted or refused with 422", r)
		}
	}
	t.Logf("%d of 10 batches accepted", accepted)
	for _, q := range []string{
		"product=wireless&dimensions=country_iso&metrics=count,bytes,cost&managed_accounts=true&date_range=last_31_days",
		"product=wireless&dimensions=date&metrics=count,bytes,cost&managed_accounts=true&date_range=last_31_days",
		"product=wireless&dimensions=country_iso&metrics=count,bytes,cost&date_range=last_31_days",
	} {
		call(t, srv, http.MethodGet, "/v2/usage_reports?"+q, srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	}
}

// TestUsageQuantitiesCannotOverflow: usage is not bounded by money (free
// usage charges nothing), so quantities have bounds of their own. An
// account's history is written straight to the store (as the millions of
// events it stands for would have left it): usage of one day past the
// bound, and a month of days each at it. An event that would add to a day
// past the bound is refused with a 422 that points at it, never a 500, and
// the account's usage reports answer 200.
func TestUsageQuantitiesCannotOverflow(t *testing.T) {
	srv := backendtest.Start(t)
	a := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Busy SIMs"})
	now := srv.Now().UTC()
	today := now.Format("2006-01-02")
	history := []*backend.UsageRollup{{
		UsageRollupKey: backend.UsageRollupKey{AccountID: a.ID, Product: "wireless", Day: today, CountryISO: "US", ProductName: "sim"},
		ManagerID:      srv.ManagerID, Count: 1, Bytes: math.MaxInt64 - 500_000_000_000,
	}}
	for d := 1; d <= 31; d++ {
		history = append(history, &backend.UsageRollup{
			UsageRollupKey: backend.UsageRollupKey{AccountID: a.ID, Product: "wireless", Day: now.AddDate(0, 0, -d).Format("2006-01-02"),
				CountryISO: "MX", ProductName: "sim"},
			ManagerID: srv.ManagerID, Count: 1, Bytes: backend.MaxUsageDayTotal,
		})
	}
	// Two days ago has room for two more events of a terabyte, which come
	// from another country than its history: a day adds up every dimension.
	history[2].Bytes -= 2_000_000_000_000
	if err := srv.Store.WriteTx(t.Context(), func(tx backend.Tx) error { return tx.AddUsageRollups(t.Context(), history) }); err != nil {
		t.Fatal(err)
	}
	event := func(id string, at time.Time, country string) map[string]any {
		return map[string]any{"id": id, "account_id": a.ID, "product": "wireless", "occurred_at": at.Format("2006-01-02T15:04:05.000Z"),
			"country_iso": country, "bytes": int64(1_000_000_000_000)}
	}
	for _, batch := range [][]map[string]any{
		{event("past-the-top", now, "US")},
		{event("fine", now.AddDate(0, 0, -40), "MX"), event("a-full-day", now.AddDate(0, 0, -1), "MX")},
		{event("room-1", now.AddDate(0, 0, -2), "US"), event("room-2", now.AddDate(0, 0, -2), "US"), event("no-room", now.AddDate(0, 0, -2), "US")},
	} {
		r := raw(t, srv, http.MethodPost, "/reference/usage_events", srv.OperatorKey, map[string]any{"events": batch})
		r.wantError(t, errWant{status: 422, code: "10004", pointer: fmt.Sprintf("/events/%d", len(batch)-1)})
	}
	for _, q := range []string{
		"product=wireless&dimensions=country_iso&metrics=count,bytes&date_range=last_31_days",
		"product=wireless&dimensions=date&metrics=count,bytes&date_range=last_31_days",
	} {
		call(t, srv, http.MethodGet, "/v2/usage_reports?"+q, a.APIKey, nil).wantStatus(t, http.StatusOK)
		call(t, srv, http.MethodGet, "/v2/usage_reports?"+q+"&managed_accounts=true", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	}
}
