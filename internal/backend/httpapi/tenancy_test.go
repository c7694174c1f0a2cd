package httpapi_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// caller is a kind of client of the API, as the tenancy matrix knows them.
type caller string

const (
	asManager          caller = "manager"
	asManaged          caller = "its managed account"
	asOtherManager     caller = "another manager"
	asOtherManaged     caller = "another manager's managed account"
	asDisabledManaged  caller = "disabled managed account"
	asCancelledManaged caller = "cancelled managed account"
	asCancelledManager caller = "cancelled manager"
	asOperator         caller = "operator key"
	asNoKey            caller = "no key"
	asGarbageKey       caller = "garbage key"
)

var allCallers = []caller{
	asManager, asManaged, asOtherManager, asOtherManaged, asDisabledManaged,
	asCancelledManaged, asCancelledManager, asOperator, asNoKey, asGarbageKey,
}

// tenancyWorld is a backend with one account of every kind, and a target:
// the manager's managed account that per-account endpoints act on.
type tenancyWorld struct {
	srv    *backendtest.Server
	keys   map[caller]string
	target managedAccount
	// accountIDs are the account ids of the callers that have one.
	accountIDs map[caller]string
}

// balances give each caller a distinct balance, so that GET /balance shows
// whose balance it answers.
var balances = map[caller]string{
	asManager: "10.00", asManaged: "1.25", asOtherManager: "20.00", asOtherManaged: "2.50",
}

func newTenancyWorld(t *testing.T) *tenancyWorld {
	t.Helper()
	srv := backendtest.Start(t)
	w := &tenancyWorld{srv: srv, keys: map[caller]string{}, accountIDs: map[caller]string{}}
	w.keys[asManager], w.accountIDs[asManager] = srv.ManagerKey, srv.ManagerID
	otherID, otherKey := srv.NewManager(t)
	w.keys[asOtherManager], w.accountIDs[asOtherManager] = otherKey, otherID

	add := func(who caller, managerKey, name string) managedAccount {
		a := createManaged(t, srv, managerKey, map[string]any{"business_name": name})
		w.keys[who], w.accountIDs[who] = a.APIKey, a.ID
		return a
	}
	add(asManaged, srv.ManagerKey, "Managed One")
	add(asOtherManaged, otherKey, "Other Managed")
	disabled := add(asDisabledManaged, srv.ManagerKey, "Disabled One")
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+disabled.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	cancelled := add(asCancelledManaged, srv.ManagerKey, "Cancelled One")
	srv.CancelAccount(t, cancelled.ID)
	cancelledManagerID, cancelledManagerKey := srv.NewManager(t)
	w.keys[asCancelledManager], w.accountIDs[asCancelledManager] = cancelledManagerKey, cancelledManagerID
	srv.CancelAccount(t, cancelledManagerID)

	w.keys[asOperator] = srv.OperatorKey
	w.keys[asNoKey] = ""
	w.keys[asGarbageKey] = "KEY0000000000000000000000000000000_not-a-real-key"
	w.target = createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Target"})
	for who, amount := range balances {
		srv.Adjust(t, w.accountIDs[who], amount)
	}
	return w
}

// expectation is the status each caller gets from an endpoint.
type expectation map[caller]int

// Expectations shared by endpoints with the same rule.
var (
	// Manager-only endpoints that act on the caller's own tree.
	managerOnly = expectation{
		asManager: 200, asManaged: 403, asOtherManager: 200, asOtherManaged: 403,
		asDisabledManaged: 401, asCancelledManaged: 401, asCancelledManager: 401,
		asOperator: 401, asNoKey: 401, asGarbageKey: 401,
	}
	// Endpoints on one of the manager's managed accounts: another manager
	// gets 404, not 403, so that ids cannot be probed.
	targetOfManager = expectation{
		asManager: 200, asManaged: 403, asOtherManager: 404, asOtherManaged: 403,
		asDisabledManaged: 401, asCancelledManaged: 401, asCancelledManager: 401,
		asOperator: 401, asNoKey: 401, asGarbageKey: 401,
	}
	// Endpoints every enabled account may call about itself.
	anyAccount = expectation{
		asManager: 200, asManaged: 200, asOtherManager: 200, asOtherManaged: 200,
		asDisabledManaged: 401, asCancelledManaged: 401, asCancelledManager: 401,
		asOperator: 401, asNoKey: 401, asGarbageKey: 401,
	}
)

// operatorOnly is the expectation of an operator endpoint that answers status.
func operatorOnly(status int) expectation {
	e := expectation{}
	for _, c := range allCallers {
		e[c] = 401
	}
	e[asOperator] = status
	return e
}

// errorCodes are the Telnyx codes of the refusals the matrix expects.
var errorCodes = map[int]string{401: "10009", 403: "10010", 404: "10005"}

// endpoint is one row of the matrix.
type endpoint struct {
	method string
	path   func(w *tenancyWorld) string
	body   any
	want   expectation
	// check, when set, looks further into a successful answer.
	check func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse)
}

func targetPath(suffix string) func(w *tenancyWorld) string {
	return func(w *tenancyWorld) string { return "/v2/managed_accounts/" + w.target.ID + suffix }
}

func fixedPath(p string) func(w *tenancyWorld) string {
	return func(*tenancyWorld) string { return p }
}

// TestTenancyMatrix calls every endpoint as every kind of caller: a manager
// reaches only its own managed accounts, a managed account cannot use the
// managed-accounts endpoints, disabled and cancelled accounts' keys are
// refused, and the operator API takes only the operator key. Each endpoint
// gets a fresh backend, so that rows cannot affect each other.
func TestTenancyMatrix(t *testing.T) {
	endpoints := map[string]endpoint{
		"list managed accounts": {
			method: http.MethodGet, path: fixedPath("/v2/managed_accounts?include_cancelled_accounts=true"), want: managerOnly,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got list[managedAccount]
				r.decode(t, &got)
				listed := ids(got.Data)
				mine := slices.Contains(listed, w.target.ID) && slices.Contains(listed, w.accountIDs[asManaged])
				theirs := slices.Contains(listed, w.accountIDs[asOtherManaged])
				if (who == asManager) != mine || (who == asOtherManager) != theirs {
					t.Fatalf("%s lists %v: its own tree only, please", who, listed)
				}
			},
		},
		"create managed account": {
			method: http.MethodPost, path: fixedPath("/v2/managed_accounts"),
			body: map[string]any{"business_name": "Matrix Co"}, want: managerOnly,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got single[managedAccount]
				r.decode(t, &got)
				if got.Data.ManagerAccountID != w.accountIDs[who] {
					t.Fatalf("created under %s, want the caller %s", got.Data.ManagerAccountID, w.accountIDs[who])
				}
			},
		},
		"allocatable global outbound channels": {
			method: http.MethodGet, path: fixedPath("/v2/managed_accounts/allocatable_global_outbound_channels"), want: managerOnly,
		},
		"retrieve managed account": {
			method: http.MethodGet, path: targetPath(""), want: targetOfManager,
			check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
				var got single[managedAccount]
				r.decode(t, &got)
				if got.Data.ID != w.target.ID || got.Data.APIKey != w.target.APIKey || got.Data.APIToken != w.target.APIToken {
					t.Fatalf("retrieve answered %+v, want the target with the credentials it was created with", got.Data)
				}
			},
		},
		"update managed account": {
			method: http.MethodPatch, path: targetPath(""),
			body: map[string]any{"managed_account_allow_custom_pricing": true}, want: targetOfManager,
		},
		"disable managed account": {
			method: http.MethodPost, path: targetPath("/actions/disable"), want: targetOfManager,
		},
		"enable managed account": {
			method: http.MethodPost, path: targetPath("/actions/enable"),
			body: map[string]any{"reenable_all_connections": true}, want: targetOfManager,
		},
		"update global channel limit": {
			method: http.MethodPatch, path: targetPath("/update_global_channel_limit"),
			body: map[string]any{"channel_limit": 3}, want: targetOfManager,
		},
		"balance": {
			method: http.MethodGet, path: fixedPath("/v2/balance"), want: anyAccount,
			check: func(t *testing.T, _ *tenancyWorld, who caller, r *apiResponse) {
				var got single[userBalanceJSON]
				r.decode(t, &got)
				if got.Data.Balance != balances[who] {
					t.Fatalf("%s sees balance %s, want its own %s", who, got.Data.Balance, balances[who])
				}
			},
		},
		"operator: create account": {
			method: http.MethodPost, path: fixedPath("/reference/accounts"),
			body: map[string]any{"email": "matrix-manager@example.com"}, want: operatorOnly(201),
		},
		"operator: get account": {
			method: http.MethodGet, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.target.ID },
			want: operatorOnly(200),
		},
		"operator: update limits": {
			method: http.MethodPatch, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.accountIDs[asManager] },
			body: map[string]any{"managed_account_limit": 50}, want: operatorOnly(200),
		},
		"operator: set credit limit": {
			method: http.MethodPut, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.target.ID + "/credit_limit" },
			body: map[string]any{"credit_limit": "100.00"}, want: operatorOnly(200),
		},
		"operator: post adjustment": {
			method: http.MethodPost, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.target.ID + "/adjustments" },
			body: map[string]any{"amount": "5.00", "description": "matrix"}, want: operatorOnly(201),
		},
		"operator: cancel account": {
			method: http.MethodDelete, path: func(w *tenancyWorld) string { return "/reference/accounts/" + w.target.ID },
			want: operatorOnly(200),
		},
	}
	for name, ep := range endpoints {
		t.Run(name, func(t *testing.T) {
			w := newTenancyWorld(t)
			path := ep.path(w)
			for _, who := range allCallers {
				want, ok := ep.want[who]
				if !ok {
					t.Fatalf("no expectation for %s", who)
				}
				r := call(t, w.srv, ep.method, path, w.keys[who], ep.body)
				if want >= 400 {
					r.wantError(t, errWant{status: want, code: errorCodes[want]})
					continue
				}
				r.wantStatus(t, want)
				if ep.check != nil {
					ep.check(t, w, who, r)
				}
			}
		})
	}
}

// userBalanceJSON is the contract's UserBalance.
type userBalanceJSON struct {
	RecordType      string `json:"record_type"`
	Balance         string `json:"balance"`
	Pending         string `json:"pending"`
	CreditLimit     string `json:"credit_limit"`
	AvailableCredit string `json:"available_credit"`
	Currency        string `json:"currency"`
}
