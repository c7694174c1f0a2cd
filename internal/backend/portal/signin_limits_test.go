package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// The sign-in limits under concurrency: however many sign-ins arrive at once,
// no more passwords are checked than the limits allow (README, Mission
// Control: 5 at once and 1 a minute per email, 10 at once and 10 a minute per
// client address). The checks are counted by the service
// (Service.PasswordChecks), so the bound is on the bcrypt work itself, not
// on the answers.

// signInsAtOnce sends n sign-ins released together (backendtest.DoAtOnce),
// form(i) giving the i-th one's email and password, and returns how many got
// each status. They all carry the token and cookie of one sign-in form, as a
// script that read the form once would.
func signInsAtOnce(t *testing.T, w *world, n int, form func(i int) url.Values) map[int]int {
	t.Helper()
	b := newBrowser(t, w.srv.RootURL)
	token := b.get("/portal/sign-in").wantStatus(t, http.StatusOK).formToken(t)
	nonce := b.cookie("mc_signin")
	if nonce == nil {
		t.Fatal("the sign-in form set no mc_signin cookie")
	}
	requests := make([]*http.Request, n)
	for i := range requests {
		values := form(i)
		values.Set("csrf_token", token)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.srv.RootURL+"/portal/sign-in", strings.NewReader(values.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: nonce.Name, Value: nonce.Value})
		requests[i] = req
	}
	tally := map[int]int{}
	for _, a := range backendtest.DoAtOnce(t, requests) {
		tally[a.Status]++
	}
	return tally
}

// wantTally fails unless got has exactly the statuses of want.
func wantTally(t *testing.T, what string, got, want map[int]int) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: statuses %v, want %v", what, got, want)
	}
}

// passwordChecks runs fn and returns how many passwords the service checked
// meanwhile.
func passwordChecks(w *world, fn func()) uint64 {
	before := w.srv.Service.PasswordChecks()
	fn()
	return w.srv.Service.PasswordChecks() - before
}

// newLimitedWorld is a world with the portal's default sign-in limits on a
// clock that stands still until the test moves it, whose lookups of an
// account by email take a few milliseconds before its password is checked
// (backendtest.SlowLookups): as wide a window as a check at the production
// bcrypt cost leaves, without its work.
func newLimitedWorld(t *testing.T) (*world, *backendtest.ManualClock) {
	t.Helper()
	clock := backendtest.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	return newWorld(t, backendtest.Options{
		HTTP: httpapi.Options{Now: clock.Now},
		WrapStore: func(s backend.Store) backend.Store {
			return &backendtest.SlowLookups{Store: s, Delay: 5 * time.Millisecond}
		},
	}), clock
}

func TestSignInGuessesAtOnceCheckNoMoreThanTheEmailsLimit(t *testing.T) {
	w, clock := newLimitedWorld(t)
	guess := func(i int) url.Values {
		return url.Values{"email": {w.managerEmail}, "password": {fmt.Sprint("guess-", i)}}
	}
	var got map[int]int
	if n := passwordChecks(w, func() { got = signInsAtOnce(t, w, 60, guess) }); n != 5 {
		t.Errorf("60 guesses at once for one email: %d passwords checked, want 5 (the email's burst)", n)
	}
	wantTally(t, "60 guesses at once", got, map[int]int{http.StatusUnauthorized: 5, http.StatusTooManyRequests: 55})

	clock.Advance(time.Minute)
	if n := passwordChecks(w, func() { got = signInsAtOnce(t, w, 60, guess) }); n != 1 {
		t.Errorf("60 more guesses a minute later: %d passwords checked, want 1 (one a minute)", n)
	}
	wantTally(t, "60 guesses a minute later", got, map[int]int{http.StatusUnauthorized: 1, http.StatusTooManyRequests: 59})

	// A right password is checked and gives its token back: the guess after
	// it is still checked.
	clock.Advance(time.Minute)
	right := func(int) url.Values { return url.Values{"email": {w.managerEmail}, "password": {w.managerPassword}} }
	if n := passwordChecks(w, func() { got = signInsAtOnce(t, w, 1, right) }); n != 1 {
		t.Errorf("the right password: %d passwords checked, want 1", n)
	}
	wantTally(t, "the right password", got, map[int]int{http.StatusSeeOther: 1})
	wantTally(t, "a guess after it", signInsAtOnce(t, w, 1, guess), map[int]int{http.StatusUnauthorized: 1})
	wantTally(t, "and another", signInsAtOnce(t, w, 1, guess), map[int]int{http.StatusTooManyRequests: 1})
}

func TestSignInGuessesAtOnceCheckNoMoreThanTheAddressLimit(t *testing.T) {
	w, clock := newLimitedWorld(t)
	// A new email each time, most of them unknown: each is checked (against
	// a stand-in hash when unknown), so the address's limit is what binds.
	round := 0
	guess := func(i int) url.Values {
		email := fmt.Sprintf("guess-%d-%d@example.com", round, i)
		if i == 0 {
			email = w.managerEmail
		}
		return url.Values{"email": {email}, "password": {"guessing"}}
	}
	for ; round < 3; round++ {
		var got map[int]int
		if n := passwordChecks(w, func() { got = signInsAtOnce(t, w, 60, guess) }); n != 10 {
			t.Errorf("round %d, 60 emails at once from one address: %d passwords checked, want 10", round, n)
		}
		wantTally(t, fmt.Sprint("round ", round), got, map[int]int{http.StatusUnauthorized: 10, http.StatusTooManyRequests: 50})
		clock.Advance(time.Minute) // 10 a minute
	}
}

func TestSignInsAtOnceOfRightAndWrongPasswords(t *testing.T) {
	w, _ := newLimitedWorld(t)
	// Half of them right: each right one gives its token back, so only the
	// wrong ones are held to the email's 5, exactly.
	mixed := func(i int) url.Values {
		password := w.managerPassword
		if i%2 == 1 {
			password = fmt.Sprint("guess-", i)
		}
		return url.Values{"email": {w.managerEmail}, "password": {password}}
	}
	var got map[int]int
	checks := passwordChecks(w, func() { got = signInsAtOnce(t, w, 60, mixed) })
	signedIn, failed, throttled := got[http.StatusSeeOther], got[http.StatusUnauthorized], got[http.StatusTooManyRequests]
	if failed != 5 || signedIn+failed+throttled != 60 || checks != uint64(signedIn+failed) {
		t.Fatalf("30 right and 30 wrong passwords at once: statuses %v, %d passwords checked; want exactly 5 wrong ones checked, "+
			"and a check for each answer that is not a 429", got, checks)
	}
}

func TestSignInsAtOnceWithTheRightPasswordAreNotThrottled(t *testing.T) {
	w, _ := newLimitedWorld(t)
	// Far more than the email's 5 at once: each gives its token back, and
	// those that found the bucket empty waited for them rather than fail.
	right := func(int) url.Values { return url.Values{"email": {w.managerEmail}, "password": {w.managerPassword}} }
	var got map[int]int
	if n := passwordChecks(w, func() { got = signInsAtOnce(t, w, 40, right) }); n != 40 {
		t.Errorf("40 right sign-ins at once: %d passwords checked, want 40", n)
	}
	wantTally(t, "40 right sign-ins at once", got, map[int]int{http.StatusSeeOther: 40})
}
