package httpapi_test

import (
	"net/http"
	"testing"

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
