package httpapi_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// newTestClock is the rate limiters' clock in these tests, stopped until moved.
func newTestClock() *backendtest.ManualClock {
	return backendtest.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
}

func rateHeaders(r *apiResponse) (limit, remaining, reset string) {
	return r.header.Get("X-Ratelimit-Limit"), r.header.Get("X-Ratelimit-Remaining"), r.header.Get("X-Ratelimit-Reset")
}

func wantRateHeaders(t *testing.T, r *apiResponse, limit, remaining, reset string) {
	t.Helper()
	gotLimit, gotRemaining, gotReset := rateHeaders(r)
	if gotLimit != limit || gotRemaining != remaining || gotReset != reset {
		t.Fatalf("%s; rate-limit headers limit %q remaining %q reset %q, want %q %q %q",
			r, gotLimit, gotRemaining, gotReset, limit, remaining, reset)
	}
}

func TestEveryAPIAnswerCarriesRateLimitHeaders(t *testing.T) {
	clock := newTestClock()
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{
		RateLimit: 10, RateBurst: 20, AuthFailureRateLimit: 1, AuthFailureBurst: 5, Now: clock.Now,
	}})
	// An authenticated request shows its key's bucket: 20 at once, one spent,
	// full again in a tenth of a second (shown as whole seconds, rounded up).
	wantRateHeaders(t, raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil), "20", "19", "1")
	wantRateHeaders(t, raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil), "20", "18", "1")
	// The operator key has a bucket of its own (the harness spent one from
	// it creating the manager).
	wantRateHeaders(t, raw(t, srv, http.MethodGet, "/reference/accounts/"+srv.ManagerID, srv.OperatorKey, nil), "20", "18", "1")
	// Failed authentication shows, and spends from, the address's bucket.
	wantRateHeaders(t, raw(t, srv, http.MethodGet, "/v2/balance", "KEYwrong", nil), "5", "4", "1")
	wantRateHeaders(t, raw(t, srv, http.MethodGet, "/reference/price_book", "wrong-operator-key", nil), "5", "3", "2")
	// Answers before authentication (no route) show the address's bucket
	// without spending from it.
	wantRateHeaders(t, raw(t, srv, http.MethodGet, "/v2/no_such_route", srv.ManagerKey, nil), "5", "3", "2")
	wantRateHeaders(t, raw(t, srv, http.MethodDelete, "/v2/balance", srv.ManagerKey, nil), "5", "3", "2")
	// Outside the API there are none.
	status, header, _ := srv.Do(t, http.MethodGet, "/healthz", "", nil)
	if status != http.StatusOK || header.Get("X-Ratelimit-Limit") != "" {
		t.Fatalf("/healthz: %d with X-Ratelimit-Limit %q, want 200 without", status, header.Get("X-Ratelimit-Limit"))
	}
}

func TestAKeyOverItsLimitIsRefused(t *testing.T) {
	clock := newTestClock()
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{RateLimit: 1, RateBurst: 3, Now: clock.Now}})
	// A second key of the same account: limits are per key.
	_, otherKey := srv.CreateAPIKey(t, srv.ManagerKey, nil) // spends one of the manager key's three
	for range 2 {
		raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	}
	r := raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil)
	r.wantError(t, errWant{status: http.StatusTooManyRequests, code: "10011"})
	if got := r.header.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1 (a token comes back each second)", got)
	}
	wantRateHeaders(t, r, "3", "0", "3")
	// A refused POST is refused before anything runs.
	before := managedAccountCount(t, srv, otherKey)
	raw(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{"business_name": "Refused"}).
		wantError(t, errWant{status: http.StatusTooManyRequests, code: "10011"})
	if after := managedAccountCount(t, srv, otherKey); after != before {
		t.Fatalf("a refused create created: %d managed accounts, then %d", before, after)
	}
	raw(t, srv, http.MethodGet, "/v2/balance", otherKey, nil).wantStatus(t, http.StatusOK)

	clock.Advance(time.Second)
	raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).wantStatus(t, http.StatusTooManyRequests)

	// Retry-After says when: with a slower rate, several seconds.
	slow := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{RateLimit: 0.25, RateBurst: 1, Now: clock.Now}})
	raw(t, slow, http.MethodGet, "/v2/balance", slow.ManagerKey, nil).wantStatus(t, http.StatusOK)
	if got := raw(t, slow, http.MethodGet, "/v2/balance", slow.ManagerKey, nil).header.Get("Retry-After"); got != "4" {
		t.Fatalf("Retry-After %q at a quarter request per second, want 4", got)
	}
}

func TestFailedAuthenticationIsThrottledPerAddress(t *testing.T) {
	clock := newTestClock()
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{
		AuthFailureRateLimit: 0.5, AuthFailureBurst: 3, Now: clock.Now,
	}})
	// Successful requests do not spend the address's failures.
	for range 10 {
		r := raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil)
		r.wantStatus(t, http.StatusOK)
		if limit, _, _ := rateHeaders(r); limit != "" {
			t.Fatalf("%s; with no per-key limit, an authenticated answer shows no rate-limit headers", r)
		}
	}
	for _, authorization := range []string{"Bearer KEYguess1", "Basic dXNlcjpwYXNz", "Bearer KEYguess2"} {
		callAuthorization(t, srv, http.MethodGet, "/v2/balance", authorization, nil).
			wantError(t, errWant{status: http.StatusUnauthorized, code: "10009"})
	}
	// The address is throttled: even a valid key waits, so that a guesser
	// cannot tell a hit while it is throttled.
	r := raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil)
	r.wantError(t, errWant{status: http.StatusTooManyRequests, code: "10011"})
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After %q, want 2 (half a failure per second)", got)
	}
	raw(t, srv, http.MethodGet, "/reference/price_book", srv.OperatorKey, nil).wantStatus(t, http.StatusTooManyRequests)

	clock.Advance(2 * time.Second)
	raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	raw(t, srv, http.MethodGet, "/v2/balance", "KEYguess3", nil).wantStatus(t, http.StatusUnauthorized)
	raw(t, srv, http.MethodGet, "/v2/balance", "KEYguess4", nil).wantStatus(t, http.StatusTooManyRequests)
}

func TestRetryAfterIsWholeSeconds(t *testing.T) {
	clock := newTestClock()
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{RateLimit: 3, RateBurst: 1, Now: clock.Now}})
	raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	r := raw(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil)
	r.wantStatus(t, http.StatusTooManyRequests)
	// A third of a second rounds up to one: never 0, which would mean "now".
	if got, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || got != 1 {
		t.Fatalf("Retry-After %q, want 1", r.header.Get("Retry-After"))
	}
}
