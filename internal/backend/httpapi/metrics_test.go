package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// What the HTTP layer tells its Metrics, on the store of this run. The
// counts as Prometheus serves them are checked end to end in
// cmd/reference-backend (TestMetricsCountWhatTheServerDoes).

// rerunFirstWrite is a store whose next write transaction, once armed, runs
// its function whole, rolls it back and runs it again, as PostgreSQL does
// after a serialization failure at COMMIT; between the two runs it calls
// between, when set.
type rerunFirstWrite struct {
	backend.Store
	armed   atomic.Bool
	between func()
}

var errRunAgain = errors.New("run again")

func (s *rerunFirstWrite) WriteTx(ctx context.Context, fn func(backend.Tx) error) error {
	if s.armed.CompareAndSwap(true, false) {
		err := s.Store.WriteTx(ctx, func(tx backend.Tx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errRunAgain
		})
		if !errors.Is(err, errRunAgain) {
			return err
		}
		if s.between != nil {
			s.between()
		}
	}
	return s.Store.WriteTx(ctx, fn)
}

// usageEvents is a batch of one SMS for accountID at at per id.
func usageEvents(accountID, at string, ids ...string) map[string]any {
	events := make([]map[string]any, len(ids))
	for i, id := range ids {
		events[i] = map[string]any{"id": id, "account_id": accountID, "product": "messaging", "occurred_at": at,
			"direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": 1}
	}
	return map[string]any{"events": events}
}

// TestMetricsCountUsageOnceWhenTheRequestRunsAgain: an idempotent usage
// batch whose transaction runs twice (its first run rolled back) ingests its
// events once, and the metrics count them once; its replay counts none, nor
// does a refused batch, nor one whose first run was rolled back before it
// replayed another request's answer.
func TestMetricsCountUsageOnceWhenTheRequestRunsAgain(t *testing.T) {
	rec := &httpapi.MetricsRecorder{}
	var store *rerunFirstWrite
	srv := backendtest.StartWith(t, backendtest.Options{
		HTTP: httpapi.Options{Metrics: rec},
		WrapStore: func(s backend.Store) backend.Store {
			store = &rerunFirstWrite{Store: s}
			return store
		},
	})
	at := srv.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	batch := idempotentRequest{method: http.MethodPost, path: "/reference/usage_events", key: srv.OperatorKey,
		idempotencyKey: "usage-run-twice", body: usageEvents(srv.ManagerID, at, "twice-1", "twice-2", "twice-3")}

	store.armed.Store(true)
	first := send(t, srv, batch)
	first.wantFresh(t, http.StatusOK)
	if store.armed.Load() {
		t.Fatal("the batch's transaction did not run twice: the test proves nothing")
	}
	if !strings.Contains(string(first.body), `"accepted":3,"duplicates":0`) {
		t.Fatalf("the batch run twice answered %s, want 3 accepted", first.body)
	}
	send(t, srv, batch).wantReplayOf(t, first)
	refused := map[string]any{"events": []map[string]any{{"id": "refused-1", "account_id": srv.ManagerID, "product": "no-such-product",
		"occurred_at": at, "direction": "outbound", "message_type": "SMS", "country_iso": "US", "parts": 1}}}
	raw(t, srv, http.MethodPost, "/reference/usage_events", srv.OperatorKey, refused).wantStatus(t, http.StatusUnprocessableEntity)

	// A batch whose first run is rolled back while another request with its
	// key commits: its second run finds the other's record and replays it.
	// What its first run ingested is not counted.
	race := batch
	race.idempotencyKey = "usage-lost-race"
	race.body = usageEvents(srv.ManagerID, at, "race-1", "race-2")
	var winner *apiResponse
	store.between = func() {
		var err error
		if winner, err = sendTo(t.Context(), srv.RootURL, race, encodeBody(t, race.body)); err != nil {
			t.Error(err)
		}
	}
	store.armed.Store(true)
	loser := send(t, srv, race)
	if winner == nil || winner.status != http.StatusOK || winner.replayed() {
		t.Fatalf("the request between the runs answered %v, want a fresh 200", winner)
	}
	loser.wantReplayOf(t, winner)

	want := map[string]int{
		"usage accepted": 3 + 2, "usage duplicates": 0,
		"replay POST /reference/usage_events":     2,
		"served POST /reference/usage_events 200": 4,
		"served POST /reference/usage_events 422": 1,
	}
	for what, n := range want {
		if got := rec.Count(what); got != n {
			t.Errorf("%q counted %d, want %d (all: %v)", what, got, n, rec.Counts())
		}
	}
}

// TestMetricsNameTheRouteOfEveryRequest: a request is counted under the
// pattern it matched, never its path, even when it is refused before it is
// routed (a header block over the limit); one that matches no route is
// (unmatched). Wrong keys and a key over its rate are told apart.
func TestMetricsNameTheRouteOfEveryRequest(t *testing.T) {
	rec := &httpapi.MetricsRecorder{}
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{Metrics: rec,
		MaxHeaderBytes: 4096, RateLimit: 0.0001, RateBurst: 2, AuthFailureRateLimit: 1000, AuthFailureBurst: 1000}})
	managed := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Routed"})
	raw(t, srv, http.MethodGet, "/v2/managed_accounts/"+managed.ID, srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	raw(t, srv, http.MethodGet, "/v2/managed_accounts/"+managed.ID, srv.ManagerKey, nil).wantStatus(t, http.StatusTooManyRequests)
	raw(t, srv, http.MethodGet, "/v2/balance", backend.NewAPIKey(), nil).wantStatus(t, http.StatusUnauthorized)
	raw(t, srv, http.MethodGet, "/reference/price_book", "wrong-operator-key-0123456789", nil).wantStatus(t, http.StatusUnauthorized)
	raw(t, srv, http.MethodGet, "/v2/no_such_thing/"+managed.ID, srv.ManagerKey, nil).wantStatus(t, http.StatusNotFound)
	raw(t, srv, http.MethodDelete, "/v2/balance", srv.ManagerKey, nil).wantStatus(t, http.StatusMethodNotAllowed)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/managed_accounts/"+managed.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padding", strings.Repeat("x", 5000))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a header block over the limit answered %d, want 431", resp.StatusCode)
	}

	want := map[string]int{
		"served POST /v2/managed_accounts 200":         1,
		"served GET /v2/managed_accounts/{id} 200":     1,
		"served GET /v2/managed_accounts/{id} 429":     1,
		"served GET /v2/managed_accounts/{id} 431":     1,
		"served GET /v2/balance 401":                   1,
		"served GET /reference/price_book 401":         1,
		"served (unmatched) 404":                       1,
		"served (unmatched) 405":                       1,
		"rate limited " + httpapi.LimitAPIKey:          1,
		"authentication failed " + httpapi.APIAccount:  1,
		"authentication failed " + httpapi.APIOperator: 1,
	}
	got := rec.Counts()
	for what, n := range want {
		if got[what] != n {
			t.Errorf("%q counted %d, want %d", what, got[what], n)
		}
	}
	for what := range got {
		if _, ok := want[what]; !ok && !strings.HasPrefix(what, "served POST /reference/accounts ") {
			t.Errorf("%q counted, which the test did not do", what)
		}
		if strings.Contains(what, managed.ID) || strings.Contains(what, "no_such_thing") {
			t.Errorf("%q names a path, not a route", what)
		}
	}
	if now, _ := rec.InFlight(); now != 0 {
		t.Errorf("%d requests in flight after all answered", now)
	}
}

// TestMetricsCountPortalSignInRefusals: a wrong password at the portal's
// sign-in is a failed authentication of the portal, and a sign-in refused
// by the sign-in limits is a rate-limit refusal of its own.
func TestMetricsCountPortalSignInRefusals(t *testing.T) {
	rec := &httpapi.MetricsRecorder{}
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{Metrics: rec}})
	email := "portal-metrics@example.com"
	raw(t, srv, http.MethodPost, "/reference/accounts", srv.OperatorKey,
		map[string]any{"email": email, "password": "right-password-1"}).wantStatus(t, http.StatusCreated)
	// The email's default limit lets 5 wrong passwords be checked at once.
	statuses := map[int]int{}
	for i := range 7 {
		statuses[portalSignIn(t, srv, email, fmt.Sprint("wrong-password-", i))]++
	}
	if statuses[http.StatusUnauthorized] != 5 || statuses[http.StatusTooManyRequests] != 2 {
		t.Fatalf("7 wrong passwords answered %v, want 5 × 401 and 2 × 429", statuses)
	}
	if got := rec.Count("authentication failed " + httpapi.APIPortal); got != 5 {
		t.Errorf("portal authentication failures counted %d, want 5", got)
	}
	if got := rec.Count("rate limited " + httpapi.LimitPortalSignIn); got != 2 {
		t.Errorf("portal sign-ins refused by the limits counted %d, want 2", got)
	}
}

var formToken = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// portalSignIn signs in at the portal as a browser does (the form, its
// token and cookie) and returns the status of the answer.
func portalSignIn(t *testing.T, srv *backendtest.Server, email, password string) int {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, form := getPage(t, client, srv.RootURL+"/portal/sign-in")
	m := formToken.FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("the sign-in form has no token: %s", form)
	}
	values := url.Values{"email": {email}, "password": {password}, "csrf_token": {m[1]}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.RootURL+"/portal/sign-in", strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func getPage(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
