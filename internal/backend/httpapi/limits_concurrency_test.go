package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// Every limit of the API under concurrency: many requests released together,
// and exactly as many pass as the limit allows, never one more. The limits
// kept in the database (managed accounts, channels) run on the store that
// backendtest opens, so on PostgreSQL too when
// REFERENCE_BACKEND_TEST_POSTGRES_URL is set. (The sign-in limits are tested
// the same way in package portal; the concurrency cap in
// limits_internal_test.go.)

// outcome is how a request ended: its status, and the error code of an error.
type outcome struct {
	status int
	code   string
}

func (o outcome) String() string {
	if o.code == "" {
		return fmt.Sprint(o.status)
	}
	return fmt.Sprintf("%d %s", o.status, o.code)
}

// newRequest is one request to srv with key as its bearer token (no
// Authorization header when key is empty) and body as JSON (none when nil).
func newRequest(t *testing.T, srv *backendtest.Server, method, path, key string, body any) *http.Request {
	t.Helper()
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.RootURL+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// atOnce sends n requests, made by request(i), released together
// (backendtest.DoAtOnce), and returns how each ended.
func atOnce(t *testing.T, n int, request func(i int) *http.Request) []outcome {
	t.Helper()
	requests := make([]*http.Request, n)
	for i := range requests {
		requests[i] = request(i)
	}
	outcomes := make([]outcome, n)
	for i, a := range backendtest.DoAtOnce(t, requests) {
		outcomes[i].status = a.Status
		if a.Status < 300 {
			continue
		}
		var env errorEnvelope
		if err := json.Unmarshal(a.Body, &env); err != nil || len(env.Errors) == 0 {
			t.Fatalf("%s %s answered %d without the error envelope: %s", requests[i].Method, requests[i].URL.Path, a.Status, a.Body)
		}
		outcomes[i].code = env.Errors[0].Code
	}
	return outcomes
}

// tally counts the outcomes of each kind.
func tally(outcomes []outcome) map[outcome]int {
	counts := map[outcome]int{}
	for _, o := range outcomes {
		counts[o]++
	}
	return counts
}

// wantOutcomes fails unless outcomes are, in number, exactly want.
func wantOutcomes(t *testing.T, what string, outcomes []outcome, want map[outcome]int) {
	t.Helper()
	if got := tally(outcomes); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

var (
	ok            = outcome{status: http.StatusOK}
	unauthorized  = outcome{status: http.StatusUnauthorized, code: "10009"}
	rateLimited   = outcome{status: http.StatusTooManyRequests, code: "10011"}
	invalidRecord = outcome{status: http.StatusUnprocessableEntity, code: "10004"}
)

// The serve command's defaults (README, Configuration): a client address
// may fail 10 authentications at once and 1 a second; a key may make 200
// requests at once and 100 a second.
const (
	defaultAuthFailureRate, defaultAuthFailureBurst = 1, 10
	defaultKeyRate, defaultKeyBurst                 = 100, 200
)

// startWithSlowKeyLookups starts a backend with the serve command's default
// limit of failed authentications, whose key lookups are counted and slow
// (backendtest.SlowLookups).
func startWithSlowKeyLookups(t *testing.T, clock *backendtest.ManualClock) (*backendtest.Server, *backendtest.SlowLookups) {
	t.Helper()
	var store *backendtest.SlowLookups
	srv := backendtest.StartWith(t, backendtest.Options{
		HTTP: httpapi.Options{AuthFailureRateLimit: defaultAuthFailureRate, AuthFailureBurst: defaultAuthFailureBurst, Now: clock.Now},
		WrapStore: func(s backend.Store) backend.Store {
			store = &backendtest.SlowLookups{Store: s, Delay: 5 * time.Millisecond}
			return store
		},
	})
	return srv, store
}

// keyLookups runs fn and returns how many API keys were looked up meanwhile.
func keyLookups(store *backendtest.SlowLookups, fn func()) int64 {
	before := store.KeyLookups()
	fn()
	return store.KeyLookups() - before
}

func TestFailedAuthenticationsAtOnceAreBoundedPerAddress(t *testing.T) {
	clock := newTestClock()
	srv, store := startWithSlowKeyLookups(t, clock)
	guess := func(i int) *http.Request {
		return newRequest(t, srv, http.MethodGet, "/v2/balance", fmt.Sprintf("KEYguess%04d", i), nil)
	}
	var got []outcome
	if n := keyLookups(store, func() { got = atOnce(t, 200, guess) }); n != defaultAuthFailureBurst {
		t.Errorf("200 guessed keys at once: %d looked up, want %d (the address's burst)", n, defaultAuthFailureBurst)
	}
	wantOutcomes(t, "200 guessed keys at once", got,
		map[outcome]int{unauthorized: defaultAuthFailureBurst, rateLimited: 200 - defaultAuthFailureBurst})
	clock.Advance(time.Second)
	if n := keyLookups(store, func() { got = atOnce(t, 200, guess) }); n != 1 {
		t.Errorf("200 guessed keys a second later: %d looked up, want 1 (one a second)", n)
	}
	wantOutcomes(t, "200 guessed keys a second later", got, map[outcome]int{unauthorized: 1, rateLimited: 199})

	// Wrong operator keys and malformed headers are guesses too, from the
	// same bucket.
	clock.Advance(time.Minute)
	wantOutcomes(t, "200 guesses of every kind at once", atOnce(t, 200, func(i int) *http.Request {
		switch i % 3 {
		case 0:
			return guess(i)
		case 1:
			return newRequest(t, srv, http.MethodGet, "/reference/price_book", fmt.Sprint("operator-guess-", i), nil)
		}
		r := newRequest(t, srv, http.MethodGet, "/v2/managed_accounts", "", nil)
		r.Header.Set("Authorization", fmt.Sprint("Basic guess", i))
		return r
	}), map[outcome]int{unauthorized: defaultAuthFailureBurst, rateLimited: 200 - defaultAuthFailureBurst})

	// Valid keys among the guesses: whatever the order, exactly the burst's
	// guesses are checked; a valid key gets its answer or, once the address
	// is spent, a 429 like any other request from it.
	clock.Advance(time.Minute)
	mixed := tally(atOnce(t, 200, func(i int) *http.Request {
		if i%2 == 0 {
			return newRequest(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil)
		}
		return guess(i)
	}))
	if mixed[unauthorized] != defaultAuthFailureBurst || mixed[ok]+mixed[unauthorized]+mixed[rateLimited] != 200 {
		t.Fatalf("100 valid keys and 100 guesses at once: %v, want exactly %d guesses checked (401), the rest 200 or 429",
			mixed, defaultAuthFailureBurst)
	}
}

func TestValidKeysAtOnceAreNotHeldToTheFailureLimit(t *testing.T) {
	clock := newTestClock()
	srv, store := startWithSlowKeyLookups(t, clock)
	// Far more at once than the address's 10: each authenticates and gives
	// its reservation back, and those that found none left waited for it.
	var got []outcome
	if n := keyLookups(store, func() {
		got = atOnce(t, 200, func(int) *http.Request { return newRequest(t, srv, http.MethodGet, "/v2/balance", srv.ManagerKey, nil) })
	}); n != 200 {
		t.Errorf("200 valid requests at once: %d keys looked up, want 200", n)
	}
	wantOutcomes(t, "200 valid requests at once", got, map[outcome]int{ok: 200})
	// And they spent nothing: the address still has all its failures.
	wantOutcomes(t, "guesses after them", atOnce(t, 20, func(i int) *http.Request {
		return newRequest(t, srv, http.MethodGet, "/v2/balance", fmt.Sprintf("KEYguess%04d", i), nil)
	}), map[outcome]int{unauthorized: defaultAuthFailureBurst, rateLimited: 20 - defaultAuthFailureBurst})
}

func TestAKeysRequestsAtOnceAreBoundedByItsLimit(t *testing.T) {
	clock := newTestClock()
	srv := backendtest.StartWith(t, backendtest.Options{HTTP: httpapi.Options{
		RateLimit: defaultKeyRate, RateBurst: defaultKeyBurst, Now: clock.Now,
	}})
	_, otherKey := srv.CreateAPIKey(t, srv.ManagerKey, nil) // spends one of the manager key's tokens
	balance := func(key string) func(int) *http.Request {
		return func(int) *http.Request { return newRequest(t, srv, http.MethodGet, "/v2/balance", key, nil) }
	}
	wantOutcomes(t, "250 requests at once with one key", atOnce(t, 250, balance(srv.ManagerKey)),
		map[outcome]int{ok: defaultKeyBurst - 1, rateLimited: 250 - defaultKeyBurst + 1})
	clock.Advance(time.Second)
	wantOutcomes(t, "250 more a second later", atOnce(t, 250, balance(srv.ManagerKey)),
		map[outcome]int{ok: defaultKeyRate, rateLimited: 250 - defaultKeyRate})
	// Another key of the same account has its own bucket, full.
	wantOutcomes(t, "250 at once with another key", atOnce(t, 250, balance(otherKey)),
		map[outcome]int{ok: defaultKeyBurst, rateLimited: 250 - defaultKeyBurst})
}

func TestManagedAccountLimitHoldsUnderConcurrentCreates(t *testing.T) {
	srv := backendtest.Start(t)
	const limit = 7
	if status, body := srv.Operator(t, http.MethodPatch, "/reference/accounts/"+srv.ManagerID, map[string]any{"managed_account_limit": limit}); status != http.StatusOK {
		t.Fatalf("set the limit: %d %s", status, body)
	}
	create := func(i int) *http.Request {
		return newRequest(t, srv, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{"business_name": fmt.Sprint("Racer ", i)})
	}
	wantOutcomes(t, "60 creates at once", atOnce(t, 60, create), map[outcome]int{ok: limit, invalidRecord: 60 - limit})
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != limit {
		t.Fatalf("%d managed accounts after the race, want %d", n, limit)
	}
	// A cancelled account makes room for exactly one more.
	srv.CancelAccount(t, listManaged(t, srv, srv.ManagerKey, "page[size]=1").Data[0].ID)
	wantOutcomes(t, "60 creates at once after a cancellation", atOnce(t, 60, create), map[outcome]int{ok: 1, invalidRecord: 59})
	if n := managedAccountCount(t, srv, srv.ManagerKey); n != limit {
		t.Fatalf("%d managed accounts after the second race, want %d", n, limit)
	}
}

func TestChannelPoolHoldsUnderConcurrentAllocations(t *testing.T) {
	srv := backendtest.Start(t)
	const accounts, each, pool = 60, 3, 31 // room for 10 accounts' 3, and 1 channel over
	if status, body := srv.Operator(t, http.MethodPatch, "/reference/accounts/"+srv.ManagerID,
		map[string]any{"allocatable_global_outbound_channels": pool}); status != http.StatusOK {
		t.Fatalf("set the pool: %d %s", status, body)
	}
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": fmt.Sprint("Channels ", i)}).ID
	}
	// allocate asks, at once, for n channels for each of the accounts.
	allocate := func(accounts []string, n int) []outcome {
		return atOnce(t, len(accounts), func(i int) *http.Request {
			return newRequest(t, srv, http.MethodPatch, "/v2/managed_accounts/"+accounts[i]+"/update_global_channel_limit", srv.ManagerKey,
				map[string]any{"channel_limit": n})
		})
	}
	allocated := func() int {
		t.Helper()
		var pool single[allocatableChannelsJSON]
		call(t, srv, http.MethodGet, "/v2/managed_accounts/allocatable_global_outbound_channels", srv.ManagerKey, nil).decode(t, &pool)
		return pool.Data.TotalAllocated
	}

	first := allocate(ids, each)
	wantOutcomes(t, "60 accounts asking for 3 channels at once", first, map[outcome]int{ok: pool / each, invalidRecord: accounts - pool/each})
	if got := allocated(); got != pool/each*each {
		t.Fatalf("%d channels allocated after the race, want %d", got, pool/each*each)
	}
	var holders, others []string
	for i, o := range first {
		if o == ok {
			holders = append(holders, ids[i])
		} else {
			others = append(others, ids[i])
		}
	}
	// The channel left over goes to exactly one of the others.
	wantOutcomes(t, "50 accounts asking for the last channel at once", allocate(others, 1),
		map[outcome]int{ok: 1, invalidRecord: len(others) - 1})
	if got := allocated(); got != pool {
		t.Fatalf("%d channels allocated, want the whole pool of %d", got, pool)
	}
	// A cancelled account gives its 3 back, to exactly 3 of those asking.
	srv.CancelAccount(t, holders[0])
	wantOutcomes(t, "50 accounts asking for 1 channel after a cancellation", allocate(others, 1),
		map[outcome]int{ok: 1 + each, invalidRecord: len(others) - 1 - each})
	if got := allocated(); got != pool {
		t.Fatalf("%d channels allocated, want the whole pool of %d", got, pool)
	}
}
