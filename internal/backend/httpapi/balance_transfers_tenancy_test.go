package httpapi_test

import (
	"net/http"
	"testing"
)

// The balance transfer rows of TestTenancyMatrix: only the target's manager
// may transfer to it or list its transfers (DESIGN 3.1); its managed account
// gets 403, another manager 404, and every refused key 401.

func balanceTransferEndpoints(endpoints map[string]endpoint) {
	endpoints["create balance transfer"] = endpoint{
		method: http.MethodPost, path: targetPath("/balance_transfers"),
		body: map[string]any{"amount": "1.00", "description": "matrix"}, want: targetOfManager,
		check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
			var got single[balanceTransferOut]
			r.decode(t, &got)
			if got.Data.ManagedAccountID != w.target.ID || got.Data.ManagerAccountID != w.accountIDs[asManager] {
				t.Fatalf("%s; want a transfer from the manager to the target", r)
			}
			// Only the callers that may transfer moved money: one
			// transfer of 1.00 each so far (the manager's two keys).
			n := listTransfers(t, w.srv, w.keys[asManager], w.target.ID, "").Meta.TotalResults
			if b := getBalance(t, w.srv, w.target.APIKey); b.Balance != []string{"", "1.00", "2.00"}[n] {
				t.Fatalf("the target's balance %s after %d transfers", b.Balance, n)
			}
		},
	}
	endpoints["list balance transfers"] = endpoint{
		method: http.MethodGet, path: targetPath("/balance_transfers"), want: targetOfManager,
		setup: func(t *testing.T, w *tenancyWorld) {
			transfer(t, w.srv, w.keys[asManager], w.target.ID, "2.50", "listed")
		},
		check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
			var got list[balanceTransferOut]
			r.decode(t, &got)
			if len(got.Data) != 1 || got.Data[0].Amount != "2.50" || got.Data[0].ManagedAccountID != w.target.ID {
				t.Fatalf("%s; want the target's one transfer", r)
			}
		},
	}
}
