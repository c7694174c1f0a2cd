package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The billing rows of TestTenancyMatrix: payment methods, top-ups and
// auto-recharge act on the caller's own account only (DESIGN 2.3).

// payTargets are the billing state of a tenancy world.
type payTargets struct {
	// methods are each enabled account's target payment method (its default).
	methods map[caller]string
	// topUps count the top-ups each account made in the world.
	topUps map[caller]int
	// prefIDs are the auto-recharge preference ids each account was shown.
	prefIDs map[caller]string
	// patchedPrefs are the accounts whose preferences the matrix changed.
	patchedPrefs map[caller]bool
}

// billingAccounts are the enabled accounts of the matrix.
var billingAccounts = []caller{asManager, asManaged, asOtherManager, asOtherManaged}

// addPayTargets gives each enabled account a default card.
func (w *tenancyWorld) addPayTargets(t *testing.T) {
	t.Helper()
	w.pay = &payTargets{methods: map[caller]string{}, topUps: map[caller]int{}, prefIDs: map[caller]string{}, patchedPrefs: map[caller]bool{}}
	for _, who := range billingAccounts {
		w.newTargetPaymentMethod(t, who)
	}
}

// newTargetPaymentMethod gives an account a fresh card for the per-method
// endpoints; it is the default when the account has no other.
func (w *tenancyWorld) newTargetPaymentMethod(t *testing.T, owner caller) {
	t.Helper()
	w.pay.methods[owner] = createCard(t, w.srv, w.keys[owner], testVisa).ID
}

// paymentMethodOf is the expectation of an endpoint on one of owner's
// payment methods: like keys, only the owner's own key reaches it.
func paymentMethodOf(owner caller) expectation { return keyOf(owner) }

func checkTargetPaymentMethod(owner caller) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
	return func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
		t.Helper()
		var got single[paymentMethodOut]
		r.decode(t, &got)
		if got.Data.ID != w.pay.methods[owner] {
			t.Fatalf("%s; want the target payment method of %s", r, owner)
		}
	}
}

func billingEndpoints(endpoints map[string]endpoint) {
	endpoints["create payment method"] = endpoint{
		method: http.MethodPost, path: fixedPath("/v2/payment_methods"), body: cardBody(testAmex), want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			var got single[paymentMethodOut]
			r.decode(t, &got)
			// It is the caller's account's: that account's key reads it.
			own := call(t, w.srv, http.MethodGet, "/v2/payment_methods/"+got.Data.ID, w.keys[accountOf(who)], nil)
			own.wantStatus(t, http.StatusOK)
			if got.Data.Default || got.Data.Card.Brand != "amex" {
				t.Fatalf("%s; want a second card that is not the default", r)
			}
		},
	}
	endpoints["list payment methods"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/payment_methods"), want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			var got list[paymentMethodOut]
			r.decode(t, &got)
			var listed []string
			for _, pm := range got.Data {
				listed = append(listed, pm.ID)
			}
			if want := []string{w.pay.methods[accountOf(who)]}; !slices.Equal(listed, want) {
				t.Fatalf("%s; %s must list exactly its own method %v", r, who, want)
			}
		},
	}
	for _, owner := range []caller{asManager, asManaged} {
		path := func(w *tenancyWorld) string { return "/v2/payment_methods/" + w.pay.methods[owner] }
		endpoints["retrieve payment method of the "+string(owner)] = endpoint{
			method: http.MethodGet, path: path, want: paymentMethodOf(owner), check: checkTargetPaymentMethod(owner),
		}
		endpoints["update payment method of the "+string(owner)] = endpoint{
			method: http.MethodPatch, path: path, want: paymentMethodOf(owner),
			body: map[string]any{"billing_details": map[string]any{"name": "Renamed by the matrix"}},
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				checkTargetPaymentMethod(owner)(t, w, who, r)
				var got single[paymentMethodOut]
				r.decode(t, &got)
				if got.Data.BillingDetails.Name != "Renamed by the matrix" {
					t.Fatalf("%s; the name did not change", r)
				}
			},
		}
		endpoints["delete payment method of the "+string(owner)] = endpoint{
			method: http.MethodDelete, path: path, want: paymentMethodOf(owner),
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				checkTargetPaymentMethod(owner)(t, w, who, r)
				call(t, w.srv, http.MethodGet, "/v2/payment_methods/"+w.pay.methods[owner], w.keys[owner], nil).
					wantError(t, errWant{status: 404, code: "10005"})
			},
			after: func(t *testing.T, w *tenancyWorld) { w.newTargetPaymentMethod(t, owner) },
		}
	}
	endpoints["top-up"] = endpoint{
		method: http.MethodPost, path: fixedPath("/v2/payment/stored_payment_transactions"),
		body: map[string]any{"amount": "1.00"}, want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			// The caller's own balance grew, and only its.
			w.pay.topUps[accountOf(who)]++
			for _, acct := range billingAccounts {
				start, err := backend.ParseMoney(balances[acct])
				if err != nil {
					t.Fatal(err)
				}
				want := start + backend.Money(w.pay.topUps[acct])*backend.MicrosPerUnit
				if b := getBalance(t, w.srv, w.keys[acct]); b.Balance != want.String() {
					t.Fatalf("after %s's top-up, %s's balance is %s, want %s", who, acct, b.Balance, want)
				}
			}
		},
	}
	endpoints["auto-recharge preferences"] = endpoint{
		method: http.MethodGet, path: fixedPath("/v2/payment/auto_recharge_prefs"), want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			var got single[autoRechargeOut]
			r.decode(t, &got)
			acct := accountOf(who)
			if seen, ok := w.pay.prefIDs[acct]; ok && seen != got.Data.ID {
				t.Fatalf("%s; %s saw id %s before", r, acct, seen)
			}
			for other, id := range w.pay.prefIDs {
				if other != acct && id == got.Data.ID {
					t.Fatalf("%s; %s shares its preferences with %s", r, who, other)
				}
			}
			w.pay.prefIDs[acct] = got.Data.ID
		},
	}
	endpoints["update auto-recharge preferences"] = endpoint{
		method: http.MethodPatch, path: fixedPath("/v2/payment/auto_recharge_prefs"),
		body: map[string]any{"threshold_amount": "3.00"}, want: anyAccount,
		check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			w.pay.patchedPrefs[accountOf(who)] = true
			for _, other := range billingAccounts {
				pr := call(t, w.srv, http.MethodGet, "/v2/payment/auto_recharge_prefs", w.keys[other], nil)
				pr.wantStatus(t, http.StatusOK)
				var got single[autoRechargeOut]
				pr.decode(t, &got)
				want := "0.00"
				if w.pay.patchedPrefs[other] {
					want = "3.00"
				}
				if got.Data.ThresholdAmount != want {
					t.Fatalf("after %s's update, %s's threshold is %s, want %s", who, other, got.Data.ThresholdAmount, want)
				}
			}
		},
	}
}
