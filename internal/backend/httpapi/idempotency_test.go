package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// TestReplayedSecretsAreSealedInTheDatabase: the recorded answers of creates
// hold secrets shown once (a new key, a managed account's credentials),
// which must not reach the database file in plaintext.
func TestReplayedSecretsAreSealedInTheDatabase(t *testing.T) {
	srv := backendtest.Start(t)
	createKey := idempotentRequest{method: http.MethodPost, path: "/v2/api_keys", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"description": "sealed replay"}}
	first := send(t, srv, createKey)
	first.wantFresh(t, http.StatusOK)
	send(t, srv, createKey).wantReplayOf(t, first)
	var key single[struct {
		APIKey string `json:"api_key"`
	}]
	first.decode(t, &key)

	createAccount := idempotentRequest{method: http.MethodPost, path: "/v2/managed_accounts", key: srv.ManagerKey,
		idempotencyKey: uuid.NewString(), body: map[string]any{"business_name": "Sealed Replay Co"}}
	account := send(t, srv, createAccount)
	account.wantFresh(t, http.StatusOK)
	var created single[managedAccount]
	account.decode(t, &created)

	stored := srv.StoredData(t) // the SQLite file and its log, or every PostgreSQL table
	if !bytes.Contains(stored, []byte(createKey.idempotencyKey)) {
		t.Fatal("the scan does not find the idempotency key, which is stored in the clear: it does not see the data")
	}
	for _, secret := range secretParts([]string{key.Data.APIKey, created.Data.APIKey, created.Data.APIToken}) {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("the database holds a secret in plaintext (%d characters, ending %q)", len(secret), secret[len(secret)-4:])
		}
	}
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
			return "/v2/payment_methods", manager, [2]any{cardBody(testVisa), cardBody(testAmex)}
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
