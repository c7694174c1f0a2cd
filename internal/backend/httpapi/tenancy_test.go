package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// caller is a kind of client of the API, as the tenancy matrix knows them.
type caller string

const (
	asManager          caller = "manager"
	asManagerExtraKey  caller = "manager's extra API key"
	asManaged          caller = "its managed account"
	asOtherManager     caller = "another manager"
	asOtherManaged     caller = "another manager's managed account"
	asDisabledManaged  caller = "disabled managed account"
	asCancelledManaged caller = "cancelled managed account"
	asCancelledManager caller = "cancelled manager"
	asRevokedKey       caller = "revoked key"
	asExpiredKey       caller = "expired key"
	asDisabledKey      caller = "disabled key"
	asOperator         caller = "operator key"
	asNoKey            caller = "no key"
	asGarbageKey       caller = "garbage key"
	asMalformedHeader  caller = "malformed Authorization header"
)

var allCallers = []caller{
	asManager, asManagerExtraKey, asManaged, asOtherManager, asOtherManaged, asDisabledManaged,
	asCancelledManaged, asCancelledManager, asRevokedKey, asExpiredKey, asDisabledKey,
	asOperator, asNoKey, asGarbageKey, asMalformedHeader,
}

// refusedCallers never get past authentication on /v2. The revoked, expired
// and disabled keys are the manager's own, so that nothing but the key's
// state refuses them.
var refusedCallers = []caller{
	asDisabledManaged, asCancelledManaged, asCancelledManager, asRevokedKey, asExpiredKey,
	asDisabledKey, asOperator, asNoKey, asGarbageKey, asMalformedHeader,
}

// refusalDetails is what the 401 of each refused caller must say on /v2, so
// that a client learns why its key no longer works.
var refusalDetails = map[caller]string{
	asDisabledManaged:  "the account is disabled",
	asCancelledManaged: "the account is cancelled",
	asCancelledManager: "the account is cancelled",
	asRevokedKey:       "the API key has been revoked",
	asExpiredKey:       "the API key has expired",
	asDisabledKey:      "the API key is disabled",
	asOperator:         "the API key is not valid",
	asNoKey:            "no API key was given",
	asGarbageKey:       "the API key is not valid",
	asMalformedHeader:  "'Bearer <key>'",
}

// accountOf is the caller whose account a caller's key belongs to.
func accountOf(who caller) caller {
	if who == asManagerExtraKey {
		return asManager
	}
	return who
}

// tenancyWorld is a backend with one account of every kind, and targets: the
// manager's managed account that per-account endpoints act on, and an extra
// API key of each enabled account that per-key endpoints act on.
type tenancyWorld struct {
	srv    *backendtest.Server
	keys   map[caller]string
	target managedAccount
	// accountIDs are the account ids of the callers that have one.
	accountIDs map[caller]string
	// targetKeys are the ids of the per-key endpoints' targets, by account.
	targetKeys map[caller]string
	// listedKeys are the ids GET /v2/api_keys answers each account.
	listedKeys map[caller][]string
	// trees are the accounts each manager's audit log covers.
	trees map[caller][]string
	// pay holds the billing rows' targets (billing_tenancy_test.go).
	pay *payTargets
	// notify holds the notification rows' targets (notifications_tenancy_test.go).
	notify *notifyTargets
}

// balances give each caller a distinct balance, so that GET /balance shows
// whose balance it answers.
var balances = map[caller]string{
	asManager: "10.00", asManaged: "1.25", asOtherManager: "20.00", asOtherManaged: "2.50",
}

func newTenancyWorld(t *testing.T) *tenancyWorld {
	t.Helper()
	srv := backendtest.Start(t)
	w := &tenancyWorld{
		srv: srv, keys: map[caller]string{}, accountIDs: map[caller]string{},
		targetKeys: map[caller]string{}, listedKeys: map[caller][]string{}, trees: map[caller][]string{},
	}
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
	// The malformed header carries a valid key under another scheme, so that
	// only the header's form refuses it.
	w.keys[asMalformedHeader] = srv.ManagerKey
	// The target may be given custom rates (the pricing rows).
	w.target = createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Target", "managed_account_allow_custom_pricing": true})
	for who, amount := range balances {
		srv.Adjust(t, w.accountIDs[who], amount)
	}
	w.trees[asManager] = []string{srv.ManagerID, w.accountIDs[asManaged], disabled.ID, cancelled.ID, w.target.ID}
	w.trees[asOtherManager] = []string{otherID, w.accountIDs[asOtherManaged]}

	for _, who := range []caller{asManager, asManaged, asOtherManager, asOtherManaged} {
		w.newTargetKey(t, who)
	}
	w.addPayTargets(t)
	newKey := func(body map[string]any) (id, secret string) {
		id, secret = srv.CreateAPIKey(t, srv.ManagerKey, body)
		w.listedKeys[asManager] = append(w.listedKeys[asManager], id)
		return id, secret
	}
	_, w.keys[asManagerExtraKey] = newKey(map[string]any{"description": "extra"})
	w.accountIDs[asManagerExtraKey] = srv.ManagerID
	revokedID, revoked := srv.CreateAPIKey(t, srv.ManagerKey, map[string]any{"description": "revoked"})
	srv.RevokeAPIKey(t, srv.ManagerKey, revokedID)
	w.keys[asRevokedKey] = revoked
	disabledKeyID, disabledKey := newKey(map[string]any{"description": "disabled"})
	call(t, srv, http.MethodPatch, "/v2/api_keys/"+disabledKeyID, srv.ManagerKey, map[string]any{"status": "disabled"}).wantStatus(t, http.StatusOK)
	w.keys[asDisabledKey] = disabledKey
	// Expiry is moved past on the backend's clock rather than waited for.
	_, w.keys[asExpiredKey] = newKey(map[string]any{"description": "expiring", "expires_at": msTime(srv.Now().Add(2 * time.Second))})
	srv.AdvanceTime(3 * time.Second)
	return w
}

// newTargetKey gives an account a fresh key for the per-key endpoints.
func (w *tenancyWorld) newTargetKey(t *testing.T, owner caller) {
	t.Helper()
	id, _ := w.srv.CreateAPIKey(t, w.keys[owner], map[string]any{"description": "target of " + string(owner)})
	w.targetKeys[owner] = id
	w.listedKeys[owner] = append(w.listedKeys[owner], id)
}

// msTime renders a time as the API does.
func msTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// expectation is the status each caller gets from an endpoint.
type expectation map[caller]int

// accountExpectation completes the statuses of the four enabled accounts:
// the manager's extra key gets what the manager gets, and every refused
// caller 401.
func accountExpectation(m map[caller]int) expectation {
	e := expectation{}
	for _, c := range refusedCallers {
		e[c] = 401
	}
	for c, status := range m {
		e[c] = status
	}
	e[asManagerExtraKey] = m[asManager]
	return e
}

// Expectations shared by endpoints with the same rule.
var (
	// Manager-only endpoints that act on the caller's own tree.
	managerOnly = accountExpectation(map[caller]int{asManager: 200, asManaged: 403, asOtherManager: 200, asOtherManaged: 403})
	// Endpoints on one of the manager's managed accounts: another manager
	// gets 404, not 403, so that ids cannot be probed.
	targetOfManager = accountExpectation(map[caller]int{asManager: 200, asManaged: 403, asOtherManager: 404, asOtherManaged: 403})
	// Endpoints every enabled account may call about itself.
	anyAccount = accountExpectation(map[caller]int{asManager: 200, asManaged: 200, asOtherManager: 200, asOtherManaged: 200})
)

// keyOf is the expectation of an endpoint on one of owner's API keys: keys
// act on their own account only, so even the owner's manager gets 404 (it
// acts as the managed account, with its key, to reach them).
func keyOf(owner caller) expectation {
	m := map[caller]int{asManager: 404, asManaged: 404, asOtherManager: 404, asOtherManaged: 404}
	m[owner] = 200
	return accountExpectation(m)
}

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
var errorCodes = map[int]string{401: "10009", 403: "10010", 404: "10005", 422: "10004"}

// endpoint is one row of the matrix.
type endpoint struct {
	method string
	path   func(w *tenancyWorld) string
	body   any
	want   expectation
	// check, when set, looks further into a successful answer.
	check func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse)
	// after, when set, runs after a successful call, to restore a target
	// that the call used up for the callers after it.
	after func(t *testing.T, w *tenancyWorld)
	// link, when set instead of path, is a signed document link (a full URL)
	// that each caller GETs, sending its key, although the link needs none.
	link func(t *testing.T, w *tenancyWorld) string
	// setup, when set, prepares the row's world before the first call.
	setup func(t *testing.T, w *tenancyWorld)
	// contentType, when set, is the type of a successful answer instead of
	// JSON (the OpenAPI document).
	contentType string
	// pointer is the source of a 422 refusal: a body that names another
	// account's object.
	pointer string
}

func targetPath(suffix string) func(w *tenancyWorld) string {
	return func(w *tenancyWorld) string { return "/v2/managed_accounts/" + w.target.ID + suffix }
}

func fixedPath(p string) func(w *tenancyWorld) string {
	return func(*tenancyWorld) string { return p }
}

func targetKeyPath(owner caller) func(w *tenancyWorld) string {
	return func(w *tenancyWorld) string { return "/v2/api_keys/" + w.targetKeys[owner] }
}

// checkTargetKey checks that an answer is the target key of owner.
func checkTargetKey(owner caller) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
	return func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
		t.Helper()
		var got single[apiKeyJSON]
		r.decode(t, &got)
		if got.Data.ID != w.targetKeys[owner] || got.Data.APIKey != nil {
			t.Fatalf("%s; want the target key of %s, without a secret", r, owner)
		}
	}
}

// keyEndpoints are the rows of one per-key endpoint acting on the target key
// of each account that the matrix distinguishes: the manager's and its
// managed account's.
func keyEndpoints(endpoints map[string]endpoint, name, method string, body any,
	check func(owner caller) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse),
	after func(owner caller) func(t *testing.T, w *tenancyWorld),
) {
	for _, owner := range []caller{asManager, asManaged} {
		ep := endpoint{method: method, path: targetKeyPath(owner), body: body, want: keyOf(owner), check: check(owner)}
		if after != nil {
			ep.after = after(owner)
		}
		endpoints[name+" of the "+string(owner)] = ep
	}
}

// orderedCallers puts the callers that succeed last, so that a refused call
// runs while the target is still there to be wrongly changed.
func orderedCallers(want expectation) []caller {
	var refused, allowed []caller
	for _, who := range allCallers {
		if want[who] >= 400 {
			refused = append(refused, who)
		} else {
			allowed = append(allowed, who)
		}
	}
	return append(refused, allowed...)
}

// tenancyEndpoints are the rows of the tenancy matrix, by name: at least one
// for every operation of the OpenAPI document the backend serves
// (TestTenancyMatrixCoversEveryRoute).
func tenancyEndpoints() map[string]endpoint {
	endpoints := map[string]endpoint{
		"list managed accounts": {
			method: http.MethodGet, path: fixedPath("/v2/managed_accounts?include_cancelled_accounts=true"), want: managerOnly,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got list[managedAccount]
				r.decode(t, &got)
				listed := ids(got.Data)
				mine := slices.Contains(listed, w.target.ID) && slices.Contains(listed, w.accountIDs[asManaged])
				theirs := slices.Contains(listed, w.accountIDs[asOtherManaged])
				if (accountOf(who) == asManager) != mine || (who == asOtherManager) != theirs {
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
				if want := balances[accountOf(who)]; got.Data.Balance != want {
					t.Fatalf("%s sees balance %s, want its own %s", who, got.Data.Balance, want)
				}
			},
		},
		"create API key": {
			method: http.MethodPost, path: fixedPath("/v2/api_keys"),
			body: map[string]any{"description": "matrix"}, want: anyAccount,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got single[apiKeyJSON]
				r.decode(t, &got)
				if got.Data.APIKey == nil {
					t.Fatalf("%s; want the new key's secret", r)
				}
				// The new key is the caller's account's: it sees that balance.
				b := call(t, w.srv, http.MethodGet, "/v2/balance", *got.Data.APIKey, nil)
				b.wantStatus(t, http.StatusOK)
				var bal single[userBalanceJSON]
				b.decode(t, &bal)
				if want := balances[accountOf(who)]; bal.Data.Balance != want {
					t.Fatalf("a key created by %s sees balance %s, want the caller's %s", who, bal.Data.Balance, want)
				}
			},
		},
		"list API keys": {
			method: http.MethodGet, path: fixedPath("/v2/api_keys?page[size]=250"), want: anyAccount,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got list[apiKeyJSON]
				r.decode(t, &got)
				listed := keyIDs(got.Data)
				want := slices.Clone(w.listedKeys[accountOf(who)])
				slices.Sort(listed)
				slices.Sort(want)
				if !slices.Equal(listed, want) || strings.Contains(string(r.body), `"api_key":`) {
					t.Fatalf("%s; %s must list exactly its own keys %v, without secrets", r, who, want)
				}
			},
		},
		"audit events": {
			method: http.MethodGet, path: fixedPath("/v2/audit_events?page[size]=250"), want: managerOnly,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got list[auditEventJSON]
				r.decode(t, &got)
				tree := w.trees[accountOf(who)]
				if len(got.Data) == 0 {
					t.Fatalf("%s; %s has events", r, who)
				}
				for _, e := range got.Data {
					if !slices.Contains(tree, e.AccountID) {
						t.Fatalf("%s sees an event about %s, outside its tree %v", who, e.AccountID, tree)
					}
				}
			},
		},
		"list invoices": {
			method: http.MethodGet, path: fixedPath("/v2/invoices"), want: anyAccount,
			check: func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				var got list[invoiceJSON]
				r.decode(t, &got)
				if want := []string{currentInvoiceID(w, accountOf(who))}; !slices.Equal(invoiceIDs(got.Data), want) {
					t.Fatalf("%s; %s must list exactly its own invoice %v", r, who, want)
				}
			},
		},
		"retrieve invoice of the manager": {
			method: http.MethodGet, path: invoicePath(asManager), want: invoiceOf(asManager), check: checkInvoice(asManager),
		},
		"retrieve invoice of the managed account": {
			method: http.MethodGet, path: invoicePath(asManaged), want: invoiceOf(asManaged), check: checkInvoice(asManaged),
		},
		"invoice document": {
			method: http.MethodGet, link: documentLink(asManager), want: everyCaller(200),
			check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
				if !strings.Contains(string(r.body), currentInvoiceID(w, asManager)) {
					t.Fatalf("%s; want the manager's invoice", r)
				}
			},
		},
		"invoice document signed for another invoice": {
			method: http.MethodGet, link: documentLinkSwapped(asManager, asManaged), want: everyCaller(403),
		},
		// The probes and the document answer anyone, whatever key it sends
		// or fails to send.
		"health probe":    {method: http.MethodGet, path: fixedPath("/healthz"), want: everyCaller(200)},
		"readiness probe": {method: http.MethodGet, path: fixedPath("/readyz"), want: everyCaller(200)},
		"OpenAPI document": {
			method: http.MethodGet, path: fixedPath("/openapi.yaml"), want: everyCaller(200), contentType: "application/yaml",
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
		"operator: audit events": {
			method: http.MethodGet, path: fixedPath("/reference/audit_events?page[size]=250"), want: operatorOnly(200),
			check: func(t *testing.T, w *tenancyWorld, _ caller, r *apiResponse) {
				var got list[auditEventJSON]
				r.decode(t, &got)
				var seen []string
				for _, e := range got.Data {
					seen = append(seen, e.AccountID)
				}
				if !slices.Contains(seen, w.accountIDs[asManaged]) || !slices.Contains(seen, w.accountIDs[asOtherManaged]) {
					t.Fatalf("%s; the operator sees every account's events", r)
				}
			},
		},
	}
	keyEndpoints(endpoints, "retrieve API key", http.MethodGet, nil, checkTargetKey, nil)
	keyEndpoints(endpoints, "update API key", http.MethodPatch, map[string]any{"description": "renamed by the matrix"},
		func(owner caller) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			return func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				checkTargetKey(owner)(t, w, who, r)
				var got single[apiKeyJSON]
				r.decode(t, &got)
				if got.Data.Description != "renamed by the matrix" {
					t.Fatalf("%s; the description did not change", r)
				}
			}
		}, nil)
	keyEndpoints(endpoints, "revoke API key", http.MethodDelete, nil,
		func(owner caller) func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
			return func(t *testing.T, w *tenancyWorld, who caller, r *apiResponse) {
				checkTargetKey(owner)(t, w, who, r)
				var got single[apiKeyJSON]
				r.decode(t, &got)
				if got.Data.Status != "revoked" {
					t.Fatalf("%s; want status revoked", r)
				}
				call(t, w.srv, http.MethodGet, "/v2/api_keys/"+got.Data.ID, w.keys[owner], nil).wantError(t, errWant{status: 404, code: "10005"})
			}
		},
		func(owner caller) func(t *testing.T, w *tenancyWorld) {
			return func(t *testing.T, w *tenancyWorld) { w.newTargetKey(t, owner) }
		})
	billingEndpoints(endpoints)
	pricingEndpoints(endpoints)
	usageReportEndpoints(endpoints)
	notificationEndpoints(endpoints)
	balanceTransferEndpoints(endpoints)
	return endpoints
}

// TestTenancyMatrix calls every endpoint as every kind of caller: a manager
// reaches only its own managed accounts, a managed account cannot use the
// managed-accounts endpoints or the audit log, an API key reaches only its
// own account's keys, disabled and cancelled accounts' keys and revoked,
// expired and disabled keys are refused with a detail saying why, and the
// operator API takes only the operator key. Each endpoint gets a fresh
// backend, so that rows cannot affect each other.
func TestTenancyMatrix(t *testing.T) {
	for name, ep := range tenancyEndpoints() {
		t.Run(name, func(t *testing.T) {
			w := newTenancyWorld(t)
			if ep.setup != nil {
				ep.setup(t, w)
			}
			for _, who := range allCallers {
				if _, ok := ep.want[who]; !ok {
					t.Fatalf("no expectation for %s", who)
				}
			}
			for _, who := range orderedCallers(ep.want) {
				want := ep.want[who]
				var (
					path string
					r    *apiResponse
				)
				switch {
				case ep.link != nil:
					path = ep.link(t, w)
					r = fetchDocument(t, w.srv, path, authorizationOf(w, who))
				case ep.contentType != "":
					path = ep.path(w)
					status, header, body := w.srv.DoAuthorization(t, ep.method, path, authorizationOf(w, who), ep.body)
					r = &apiResponse{method: ep.method, path: path, status: status, header: header, body: body}
					if status >= 400 {
						checkAnswer(t, r)
					} else if ct := header.Get("Content-Type"); ct != ep.contentType {
						t.Fatalf("%s; Content-Type %q, want %q", r, ct, ep.contentType)
					}
				case who == asMalformedHeader:
					path = ep.path(w)
					r = callAuthorization(t, w.srv, ep.method, path, "Token "+w.keys[who], ep.body)
				default:
					path = ep.path(w)
					r = call(t, w.srv, ep.method, path, w.keys[who], ep.body)
				}
				if want >= 400 {
					refusal := errWant{status: want, code: errorCodes[want]}
					if want == http.StatusUnprocessableEntity {
						refusal.pointer = ep.pointer
					}
					r.wantError(t, refusal)
					if detail, ok := refusalDetails[who]; ok && strings.HasPrefix(path, "/v2/") && !strings.Contains(r.detail(t), detail) {
						t.Fatalf("%s; %s: want a detail saying %q", r, who, detail)
					}
					continue
				}
				r.wantStatus(t, want)
				if ep.check != nil {
					ep.check(t, w, who, r)
				}
				if ep.after != nil {
					ep.after(t, w)
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
