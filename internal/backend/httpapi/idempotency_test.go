package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// idempotentRequest is one request of these tests: body is sent as is when
// it is a string, as JSON otherwise, and not at all when nil.
type idempotentRequest struct {
	method, path, key, idempotencyKey string
	body                              any
}

func encodeBody(t testing.TB, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		return bytes.NewReader(raw)
	}
}

// sendTo sends req to the backend at rootURL; it may run on any goroutine
// and returns what went wrong rather than failing the test.
func sendTo(ctx context.Context, rootURL string, req idempotentRequest, body io.Reader) (*apiResponse, error) {
	httpReq, err := http.NewRequestWithContext(ctx, req.method, rootURL+req.path, body)
	if err != nil {
		return nil, err
	}
	httpReq.Header.Set("Authorization", "Bearer "+req.key)
	if req.idempotencyKey != "" {
		httpReq.Header.Set("Idempotency-Key", req.idempotencyKey)
	}
	if body != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &apiResponse{method: req.method, path: req.path, status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func send(t *testing.T, srv *backendtest.Server, req idempotentRequest) *apiResponse {
	t.Helper()
	r, err := sendTo(t.Context(), srv.RootURL, req, encodeBody(t, req.body))
	if err != nil {
		t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	return checkAnswer(t, r)
}

func (r *apiResponse) replayed() bool { return r.header.Get("Idempotent-Replayed") == "true" }

// wantReplayOf fails unless r replays first: same status, body byte for
// byte, Content-Type, and the replay header.
func (r *apiResponse) wantReplayOf(t *testing.T, first *apiResponse) {
	t.Helper()
	if !r.replayed() {
		t.Fatalf("%s; want a replay (Idempotent-Replayed: true)", r)
	}
	if r.status != first.status || !bytes.Equal(r.body, first.body) {
		t.Fatalf("replay %s\nof        %s\nwant the same status and body", r, first)
	}
	for _, h := range []string{"Content-Type", "Location"} {
		if r.header.Get(h) != first.header.Get(h) {
			t.Fatalf("replay has %s %q, first answer %q", h, r.header.Get(h), first.header.Get(h))
		}
	}
	if r.header.Get("X-Request-Id") == first.header.Get("X-Request-Id") {
		t.Fatalf("the replay repeats the first answer's request id; each request has its own")
	}
}

func (r *apiResponse) wantFresh(t *testing.T, status int) {
	t.Helper()
	r.wantStatus(t, status)
	if r.replayed() {
		t.Fatalf("%s; want a fresh answer, not a replay", r)
	}
}

func managedAccountCount(t *testing.T, srv *backendtest.Server, key string) int {
	t.Helper()
	return listManaged(t, srv, key, "page[size]=1").Meta.TotalResults
}

func TestIdempotencyReplaysTheFirstSuccessfulAnswer(t *testing.T) {
	srv := backendtest.Start(t)
	req := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"business_name": "Once Only"}}
	first := send(t, srv, req)
	first.wantFresh(t, http.StatusOK)
	again := send(t, srv, req)
	again.wantReplayOf(t, first)
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != 1 {
		t.Fatalf("%d managed accounts after a replayed create, want 1", n)
	}
	// The replay is an answer of the contract, like the first.
	validateAgainstContract(t, again)

	// Without the key, the same body creates again.
	req.idempotencyKey = ""
	send(t, srv, req).wantFresh(t, http.StatusOK)
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != 2 {
		t.Fatalf("%d managed accounts, want 2", n)
	}
}

func TestIdempotencyKeyWithAnotherBodyIsRefused(t *testing.T) {
	srv := backendtest.Start(t)
	req := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"business_name": "First"}}
	send(t, srv, req).wantFresh(t, http.StatusOK)
	req.body = map[string]any{"business_name": "Second"}
	r := send(t, srv, req)
	r.wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", parameter: "Idempotency-Key"})
	if d := r.detail(t); !strings.Contains(d, "different request body") {
		t.Fatalf("detail %q does not say what is wrong", d)
	}
	// Even white space makes another body: the bodies are compared as bytes.
	req.body = `{"business_name": "First"}`
	send(t, srv, req).wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", parameter: "Idempotency-Key"})
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != 1 {
		t.Fatalf("%d managed accounts, want 1", n)
	}
}

func TestIdempotencyIsPerAccountMethodAndPath(t *testing.T) {
	srv := backendtest.Start(t)
	_, otherManagerKey := srv.NewManager(t)
	key := uuid.NewString()
	create := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: key, body: map[string]any{"business_name": "Scoped"}}
	first := send(t, srv, create)
	first.wantFresh(t, http.StatusOK)

	// Another account, same key, path and body: its own request.
	other := create
	other.key = otherManagerKey
	send(t, srv, other).wantFresh(t, http.StatusOK)
	if n := managedAccountCount(t, srv, otherManagerKey); n != 1 {
		t.Fatalf("the other manager has %d managed accounts, want 1", n)
	}

	// Same account and key, another path.
	apiKey := idempotentRequest{method: http.MethodPost, path: "/v2/api_keys", key: srv.ManagerKey,
		idempotencyKey: key, body: map[string]any{"description": "scoped"}}
	send(t, srv, apiKey).wantFresh(t, http.StatusOK)

	// Another method: only POSTs are idempotent; a PATCH with the key runs.
	var created single[managedAccount]
	first.decode(t, &created)
	patch := idempotentRequest{method: http.MethodPatch, path: "/v2/managed_accounts/" + created.Data.ID,
		key: srv.ManagerKey, idempotencyKey: key, body: map[string]any{"managed_account_allow_custom_pricing": true}}
	send(t, srv, patch).wantFresh(t, http.StatusOK)
	send(t, srv, patch).wantFresh(t, http.StatusOK)

	send(t, srv, create).wantReplayOf(t, first)
}

func TestConcurrentRequestsWithOneKeyRunOnce(t *testing.T) {
	srv := backendtest.Start(t)
	req := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"business_name": "Raced"}}
	raw, err := json.Marshal(req.body)
	if err != nil {
		t.Fatal(err)
	}
	const racers = 12
	answers := make([]*apiResponse, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { answers[i], errs[i] = sendTo(t.Context(), srv.RootURL, req, bytes.NewReader(raw)) })
	}
	wg.Wait()
	fresh := 0
	for i, r := range answers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		r.wantStatus(t, http.StatusOK)
		if !r.replayed() {
			fresh++
		}
		if !bytes.Equal(r.body, answers[0].body) {
			t.Fatalf("racers 0 and %d got different answers:\n%s\n%s", i, answers[0].body, r.body)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d of %d racers ran the create, want exactly 1", fresh, racers)
	}
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != 1 {
		t.Fatalf("%d managed accounts, want 1", n)
	}
}

func TestIdempotencyRecordsExpireAfter24Hours(t *testing.T) {
	srv := backendtest.Start(t)
	srv.SetTime(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	req := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"business_name": "Day Old"}}
	first := send(t, srv, req)
	first.wantFresh(t, http.StatusOK)

	srv.AdvanceTime(24*time.Hour - time.Millisecond)
	send(t, srv, req).wantReplayOf(t, first)

	srv.AdvanceTime(time.Millisecond)
	second := send(t, srv, req)
	second.wantFresh(t, http.StatusOK)
	if bytes.Equal(second.body, first.body) {
		t.Fatal("an expired key replayed the old answer")
	}
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != 2 {
		t.Fatalf("%d managed accounts, want 2: the expired key created again", n)
	}
	// The new answer is the one replayed from now on, and a new body is
	// refused against it.
	send(t, srv, req).wantReplayOf(t, second)
}

func TestFailedRequestsAreNotReplayed(t *testing.T) {
	srv := backendtest.Start(t)
	req := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"business_name": ""}}
	for range 2 {
		r := send(t, srv, req)
		r.wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", pointer: "/business_name"})
		if r.replayed() {
			t.Fatalf("%s; an error was replayed", r)
		}
	}
	// The failures recorded nothing: the key is free for a corrected body.
	req.body = map[string]any{"business_name": "Corrected"}
	first := send(t, srv, req)
	first.wantFresh(t, http.StatusOK)
	send(t, srv, req).wantReplayOf(t, first)

	// A 4xx from authentication or the rate limit comes before the key is
	// even looked at.
	bad := req
	bad.key = "KEYnot-a-key"
	send(t, srv, bad).wantError(t, errWant{status: http.StatusUnauthorized, code: "10009"})
}

// TestDeclinedTopUpKeepsWhatItCommits: a failing request keeps, with a key,
// exactly the writes it keeps without one.
func TestDeclinedTopUpKeepsWhatItCommits(t *testing.T) {
	for _, withKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("idempotency key %v", withKey), func(t *testing.T) {
			srv := backendtest.Start(t)
			createCard(t, srv, srv.ManagerKey, testDeclined)
			before := auditActions(t, srv, srv.ManagerKey, srv.ManagerID)
			req := idempotentRequest{method: http.MethodPost, path: "/v2/payment/stored_payment_transactions",
				key: srv.ManagerKey, body: map[string]any{"amount": "10.00"}}
			if withKey {
				req.idempotencyKey = uuid.NewString()
			}
			r := send(t, srv, req)
			r.wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", pointer: "/"})
			after := auditActions(t, srv, srv.ManagerKey, srv.ManagerID)
			if fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("audit log changed from %v to %v", before, after)
			}
			wantHTTPBalance(t, srv, srv.ManagerKey, "0.00", "0.00")
		})
	}
}

func TestIdempotencyKeyLength(t *testing.T) {
	srv := backendtest.Start(t)
	req := idempotentRequest{method: http.MethodPost, path: "/v2/api_keys", key: srv.ManagerKey,
		idempotencyKey: strings.Repeat("k", 256), body: map[string]any{"description": "long key"}}
	send(t, srv, req).wantError(t, errWant{status: http.StatusBadRequest, code: "10015", parameter: "Idempotency-Key"})
	req.idempotencyKey = strings.Repeat("k", 255)
	first := send(t, srv, req)
	first.wantFresh(t, http.StatusOK)
	send(t, srv, req).wantReplayOf(t, first)
}

func TestIdempotentBodyOverTheLimitIs413(t *testing.T) {
	srv := backendtest.Start(t)
	// An account's POSTs take at most 1 MiB, read once to fingerprint the
	// request.
	big := `{"description":"` + strings.Repeat("x", 1<<20) + `"}`
	req := idempotentRequest{method: http.MethodPost, path: "/v2/api_keys", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: big}
	send(t, srv, req).wantError(t, errWant{status: http.StatusRequestEntityTooLarge, code: "10015"})
	// The operator's usage batches take more; an adjustment still refuses
	// what is over its own limit.
	req = idempotentRequest{method: http.MethodPost, path: "/reference/accounts/" + srv.ManagerID + "/adjustments",
		key: srv.OperatorKey, idempotencyKey: uuid.NewString(), body: big}
	send(t, srv, req).wantError(t, errWant{status: http.StatusRequestEntityTooLarge, code: "10015"})
	req.path, req.body = "/reference/usage_events", `{"events":[],"padding":"`+strings.Repeat("x", 9<<20)+`"}`
	send(t, srv, req).wantError(t, errWant{status: http.StatusRequestEntityTooLarge, code: "10015"})
}

// TestReplaysSurviveARestart reopens the same database file in a new server
// with the same server secret: the record is in the database, not in memory.
func TestReplaysSurviveARestart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "reference.db")
	secret := backend.NewServerSecret()
	const operatorKey = "operator-key-for-restart-test"
	start := func() (rootURL string, stop func()) {
		store, err := sqlite.Open(t.Context(), dbPath)
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		secrets, err := backend.NewSecrets(secret)
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(httpapi.New(backend.NewService(store, secrets), httpapi.Options{OperatorKey: operatorKey}))
		return ts.URL, func() {
			ts.Close()
			if err := store.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		}
	}
	req := idempotentRequest{method: http.MethodPost, path: "/reference/accounts", key: operatorKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"email": "restart@example.com"}}
	do := func(rootURL string) *apiResponse {
		t.Helper()
		r, err := sendTo(t.Context(), rootURL, req, encodeBody(t, req.body))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rootURL, stop := start()
	first := do(rootURL)
	first.wantFresh(t, http.StatusCreated)
	stop()

	rootURL, stop = start()
	defer stop()
	do(rootURL).wantReplayOf(t, first)
}

// TestEveryPostIsIdempotent walks the router's POST routes: each must replay
// its first successful answer and refuse the key with another body. A POST
// route added without a case here fails the test.
func TestEveryPostIsIdempotent(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.ManagerKey
	accountFor := func(name string) managedAccount {
		return createManaged(t, srv, manager, map[string]any{"business_name": name})
	}
	at := srv.Now().Add(-time.Hour)
	// Each case gives the path, the key, and two different bodies.
	cases := map[string]func() (path, key string, bodies [2]any){
		"POST /v2/managed_accounts": func() (string, string, [2]any) {
			return "/v2/managed_accounts", manager,
				[2]any{map[string]any{"business_name": "Walk One"}, map[string]any{"business_name": "Walk Two"}}
		},
		"POST /v2/managed_accounts/{id}/actions/disable": func() (string, string, [2]any) {
			return "/v2/managed_accounts/" + accountFor("Walk Disable").ID + "/actions/disable", manager, [2]any{nil, "{}"}
		},
		"POST /v2/managed_accounts/{id}/actions/enable": func() (string, string, [2]any) {
			return "/v2/managed_accounts/" + accountFor("Walk Enable").ID + "/actions/enable", manager, [2]any{nil, "{}"}
		},
		"POST /v2/api_keys": func() (string, string, [2]any) {
			return "/v2/api_keys", manager,
				[2]any{map[string]any{"description": "walk one"}, map[string]any{"description": "walk two"}}
		},
		"POST /v2/payment_methods": func() (string, string, [2]any) {
			return "/v2/payment_methods", manager, [2]any{cardBody(testVisa),
				cardBodyWith(testVisa, func(_, billing map[string]any) { billing["name"] = "Another Holder" })}
		},
		"POST /v2/managed_accounts/{id}/balance_transfers": func() (string, string, [2]any) {
			srv.Adjust(t, srv.ManagerID, "10.00")
			return "/v2/managed_accounts/" + accountFor("Walk Transfer").ID + "/balance_transfers", manager,
				[2]any{map[string]any{"amount": "1.00"}, map[string]any{"amount": "1.00", "description": "another"}}
		},
		"POST /v2/payment/stored_payment_transactions": func() (string, string, [2]any) {
			payer := accountFor("Walk Payer")
			createCard(t, srv, payer.APIKey, testVisa)
			return "/v2/payment/stored_payment_transactions", payer.APIKey,
				[2]any{map[string]any{"amount": "10.00"}, map[string]any{"amount": "11.00"}}
		},
		"POST /reference/accounts": func() (string, string, [2]any) {
			return "/reference/accounts", srv.OperatorKey,
				[2]any{map[string]any{"email": "walk-one@example.com"}, map[string]any{"email": "walk-two@example.com"}}
		},
		"POST /reference/accounts/{id}/adjustments": func() (string, string, [2]any) {
			return "/reference/accounts/" + srv.ManagerID + "/adjustments", srv.OperatorKey,
				[2]any{map[string]any{"amount": "1.00"}, map[string]any{"amount": "2.00"}}
		},
		"POST /reference/usage_events": func() (string, string, [2]any) {
			event := func(id string) map[string]any {
				return map[string]any{"events": []any{usageEventBody(id, srv.ManagerID, at, 1)}}
			}
			return "/reference/usage_events", srv.OperatorKey, [2]any{event("walk-1"), event("walk-2")}
		},
	}
	maps.Copy(cases, notificationIdempotencyCases(t, srv))
	walked := 0
	for _, pattern := range httpapi.Routes() {
		if !strings.HasPrefix(pattern, "POST ") {
			continue
		}
		walked++
		t.Run(pattern, func(t *testing.T) {
			fixture, ok := cases[pattern]
			if !ok {
				t.Fatalf("no idempotency case for %s: add one", pattern)
			}
			path, key, bodies := fixture()
			req := idempotentRequest{method: http.MethodPost, path: path, key: key, idempotencyKey: uuid.NewString(), body: bodies[0]}
			first := send(t, srv, req)
			if first.status < 200 || first.status > 299 || first.replayed() {
				t.Fatalf("%s; want a fresh 2xx", first)
			}
			send(t, srv, req).wantReplayOf(t, first)
			req.body = bodies[1]
			send(t, srv, req).wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", parameter: "Idempotency-Key"})
		})
	}
	if walked != len(cases) {
		t.Errorf("walked %d POST routes, but %d cases exist: remove the cases of routes that are gone", walked, len(cases))
	}
}

// secretRouteCase is a POST that takes write-only secrets: a body, the same
// request with other secrets, and the same request with one other
// non-secret member each.
type secretRouteCase struct {
	path, key     string
	body, secrets map[string]any
	others        map[string]map[string]any // by the member changed
	// count counts what the route creates, to see it created once.
	count func() int
}

// secretRouteCases builds a case for every POST of SecretRequestMembers
// (a POST added there without a case fails the caller).
func secretRouteCases(t *testing.T, srv *backendtest.Server) map[string]secretRouteCase {
	t.Helper()
	card := func(change func(card, billing map[string]any)) map[string]any { return cardBodyWith(testVisa, change) }
	managed := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"business_name": "Secret Route Co", "email": "secret-route@example.com", "password": "first password",
			"rollup_billing": false, "managed_account_allow_custom_pricing": false}
		change(b)
		return b
	}
	operator := func(change func(map[string]any)) map[string]any {
		b := map[string]any{"email": "secret-operator@example.com", "organization_name": "Secret Operator", "password": "first password",
			"managed_account_limit": 5, "allocatable_global_outbound_channels": 5, "credit_limit": "10.00"}
		change(b)
		return b
	}
	set := func(k string, v any) func(map[string]any) { return func(b map[string]any) { b[k] = v } }
	cardSet := func(k string, v any) func(card, billing map[string]any) {
		return func(card, _ map[string]any) { card[k] = v }
	}
	billingSet := func(k string, v any) func(card, billing map[string]any) {
		return func(_, billing map[string]any) { billing[k] = v }
	}
	return map[string]secretRouteCase{
		"POST /v2/payment_methods": {path: "/v2/payment_methods", key: srv.ManagerKey,
			body: card(func(map[string]any, map[string]any) {}),
			// Another card altogether: number and CVC, even its brand.
			secrets: cardBodyWith(testAmex, func(map[string]any, map[string]any) {}),
			others: map[string]map[string]any{
				"/card/exp_month":              card(cardSet("exp_month", 11)),
				"/card/exp_year":               card(cardSet("exp_year", 2036)),
				"/billing_details/name":        card(billingSet("name", "Another Holder")),
				"/billing_details/postal_code": card(billingSet("postal_code", "10002")),
				"/billing_details/country":     card(billingSet("country", "GB")),
				"/default":                     withMember(card(func(map[string]any, map[string]any) {}), "default", true),
			},
			count: func() int {
				var out list[paymentMethodOut]
				call(t, srv, http.MethodGet, "/v2/payment_methods", srv.ManagerKey, nil).decode(t, &out)
				return len(out.Data)
			}},
		"POST /v2/managed_accounts": {path: "/v2/managed_accounts", key: srv.ManagerKey,
			body: managed(func(map[string]any) {}), secrets: managed(set("password", "another password")),
			others: map[string]map[string]any{
				"/business_name":                        managed(set("business_name", "Secret Route Two")),
				"/email":                                managed(set("email", "secret-route-2@example.com")),
				"/rollup_billing":                       managed(set("rollup_billing", true)),
				"/managed_account_allow_custom_pricing": managed(set("managed_account_allow_custom_pricing", true)),
			},
			count: func() int { return managedAccountCount(t, srv, srv.ManagerKey) }},
		"POST /reference/accounts": {path: "/reference/accounts", key: srv.OperatorKey,
			body: operator(func(map[string]any) {}), secrets: operator(set("password", "another password")),
			others: map[string]map[string]any{
				"/email":                                operator(set("email", "secret-operator-2@example.com")),
				"/organization_name":                    operator(set("organization_name", "Another Operator")),
				"/managed_account_limit":                operator(set("managed_account_limit", 6)),
				"/allocatable_global_outbound_channels": operator(set("allocatable_global_outbound_channels", 6)),
				"/credit_limit":                         operator(set("credit_limit", "11.00")),
			},
			count: func() int {
				status, body := srv.Operator(t, http.MethodGet, "/reference/audit_events?page[size]=250", nil)
				if status != http.StatusOK {
					t.Fatalf("operator audit events: %d %s", status, body)
				}
				return strings.Count(string(body), `"manager_account.create"`)
			}},
	}
}

func withMember(body map[string]any, name string, value any) map[string]any {
	body[name] = value
	return body
}

// TestIdempotencyWithOtherSecretsReplays: under one key, a body that
// differs only in its write-only secrets (another card, another password)
// gets the first answer again and creates nothing (the fingerprint leaves
// secrets out, so that none is stored); a body that differs in any other
// member is still refused with a 422. Every POST with a secret is walked.
func TestIdempotencyWithOtherSecretsReplays(t *testing.T) {
	srv := backendtest.Start(t)
	cases := secretRouteCases(t, srv)
	for route := range httpapi.SecretRequestMembers() {
		if !strings.HasPrefix(route, "POST ") {
			continue // only a POST takes an Idempotency-Key
		}
		t.Run(route, func(t *testing.T) {
			c, ok := cases[route]
			if !ok {
				t.Fatalf("no case for %s, a POST with write-only secrets: add one to secretRouteCases", route)
			}
			before := c.count()
			req := idempotentRequest{method: http.MethodPost, path: c.path, key: c.key, idempotencyKey: uuid.NewString(), body: c.body}
			first := send(t, srv, req)
			if first.status < 200 || first.status > 299 || first.replayed() {
				t.Fatalf("%s; want a fresh 2xx", first)
			}
			req.body = c.secrets
			send(t, srv, req).wantReplayOf(t, first)
			if got := c.count(); got != before+1 {
				t.Fatalf("%d created, want 1: other secrets under the same key ran again", got-before)
			}
			for member, body := range c.others {
				t.Run("another "+member, func(t *testing.T) {
					req.body = body
					send(t, srv, req).wantError(t, errWant{status: http.StatusUnprocessableEntity, code: "10004", parameter: "Idempotency-Key"})
				})
			}
		})
	}
}
