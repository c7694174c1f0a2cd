package portal_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/portal"
)

func TestSignInAndOut(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	b := newBrowser(t, w.srv.RootURL)
	b.get("/portal/").wantRedirect(t, "/portal/sign-in")
	if p := b.get("/portal"); p.location() != "/portal/" {
		t.Errorf("%s, want a redirect to /portal/", p)
	}

	form := b.get("/portal/sign-in").wantStatus(t, http.StatusOK).
		wantContains(t, `<label for="email">Email</label>`, `<label for="password">Password</label>`, `autocomplete="current-password"`)
	wrong := b.submit(form, "/portal/sign-in", url.Values{"email": {w.managerEmail}, "password": {"not it at all"}})
	wrong.wantStatus(t, http.StatusUnauthorized).wantContains(t, "The email or password is not right.", w.managerEmail)
	if strings.Contains(wrong.body, "not it at all") {
		t.Error("the sign-in page wrote the password back")
	}
	if b.cookie("mc_session") != nil {
		t.Fatal("a failed sign-in set a session cookie")
	}

	home := b.signIn(w.managerEmail, w.managerPassword).wantStatus(t, http.StatusOK)
	home.wantContains(t, "<h1>Managed accounts</h1>", w.managerEmail, `aria-current="page"`)
	session := b.cookie("mc_session")
	if session == nil || session.Value == "" {
		t.Fatal("no session cookie after signing in")
	}
	if b.cookie("mc_signin") != nil {
		t.Error("the sign-in form's cookie outlived the sign-in")
	}
	// Signed in, the sign-in page sends the user home.
	b.get("/portal/sign-in").wantRedirect(t, "/portal/")

	out := b.follow(b.submit(home, "/portal/sign-out", nil))
	out.wantStatus(t, http.StatusOK).wantContains(t, "You have signed out.")
	b.get("/portal/managed-accounts").wantRedirect(t, "/portal/sign-in")

	// The old cookie is worthless: the session is gone from the database.
	replay := newBrowser(t, w.srv.RootURL)
	u, _ := url.Parse(w.srv.RootURL + "/portal/")
	replay.client.Jar.SetCookies(u, []*http.Cookie{{Name: "mc_session", Value: session.Value, Path: "/portal"}})
	replay.get("/portal/managed-accounts").wantRedirect(t, "/portal/sign-in?done=session-ended")
}

func TestSessionCookieAttributes(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	b := newBrowser(t, w.srv.RootURL)
	form := b.get("/portal/sign-in")
	answer := b.submit(form, "/portal/sign-in", url.Values{"email": {w.managerEmail}, "password": {w.managerPassword}})
	answer.wantRedirect(t, "/portal/")
	var session *http.Cookie
	for _, c := range (&http.Response{Header: answer.header}).Cookies() {
		if c.Name == "mc_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("the sign-in set no session cookie")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/portal" {
		t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Lax, /portal", session.HttpOnly, session.SameSite, session.Path)
	}
	if session.Secure {
		t.Error("the cookie is Secure on plain HTTP to loopback, where the browser would never send it back")
	}
	if session.MaxAge != 0 || !session.Expires.IsZero() {
		t.Error("the session cookie outlives the browser's session")
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"} {
		if form.header.Get(h) == "" {
			t.Errorf("the sign-in page has no %s header", h)
		}
	}
	if cc := form.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
}

func TestFormsWithoutTheirTokenAreRefused(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", "")

	anonymous := newBrowser(t, w.srv.RootURL)
	anonymous.get("/portal/sign-in")
	anonymous.post("/portal/sign-in", url.Values{"email": {w.managerEmail}, "password": {w.managerPassword}}).
		wantStatus(t, http.StatusForbidden).wantContains(t, "This sign-in form has expired")
	if anonymous.cookie("mc_session") != nil {
		t.Fatal("a sign-in without its form token opened a session")
	}
	// A token of another browser's sign-in form does not pass either.
	other := newBrowser(t, w.srv.RootURL)
	otherForm := other.get("/portal/sign-in")
	anonymous.post("/portal/sign-in", url.Values{"email": {w.managerEmail}, "password": {w.managerPassword},
		"csrf_token": {otherForm.formToken(t)}}).wantStatus(t, http.StatusForbidden)

	b := newBrowser(t, w.srv.RootURL)
	list := b.signIn(w.managerEmail, w.managerPassword)
	stranger := newBrowser(t, w.srv.RootURL)
	strangerPage := stranger.signIn(w.managerEmail, w.managerPassword)
	for name, form := range map[string]url.Values{
		"no token":                 {},
		"an empty token":           {"csrf_token": {""}},
		"another session's token":  {"csrf_token": {strangerPage.formToken(t)}},
		"a token with a typo":      {"csrf_token": {list.formToken(t) + "x"}},
		"the sign-in form's token": {"csrf_token": {otherForm.formToken(t)}},
	} {
		t.Run(name, func(t *testing.T) {
			b.post("/portal/managed-accounts/"+acme.ID+"/disable", form).wantStatus(t, http.StatusForbidden).
				wantContains(t, "This form has expired")
			b.post("/portal/managed-accounts", mergeForm(form, url.Values{"business_name": {"Forged Ltd"}})).wantStatus(t, http.StatusForbidden)
			b.post("/portal/sign-out", form).wantStatus(t, http.StatusForbidden)
		})
	}
	view, err := w.srv.Service.GetManagedAccount(context.Background(), callerOf(t, w.srv, w.srv.ManagerKey), acme.ID)
	if err != nil || view.Account.Status != backend.StatusEnabled {
		t.Fatalf("after forged forms the account is %v (%v), want enabled", view.Account.Status, err)
	}
	b.get("/portal/managed-accounts?q=Forged").wantStatus(t, http.StatusOK).wantContains(t, "No managed account matches")
	// With its token, the same form works.
	b.submit(list, "/portal/managed-accounts/"+acme.ID+"/disable", nil).wantRedirect(t, "/portal/managed-accounts?done=disabled")
}

func mergeForm(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func callerOf(t *testing.T, srv *backendtest.Server, key string) *backend.Caller {
	t.Helper()
	c, err := srv.Service.Authenticate(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignInIsRateLimitedPerAddress(t *testing.T) {
	w := newWorld(t, backendtest.Options{HTTP: httpapi.Options{Portal: portal.Options{
		SignInAddressRate: 1.0 / 3600, SignInAddressBurst: 3, SignInEmailRate: -1,
	}}})
	b := newBrowser(t, w.srv.RootURL)
	for i := range 3 {
		form := b.get("/portal/sign-in")
		email := "guess" + string(rune('a'+i)) + "@example.com"
		b.submit(form, "/portal/sign-in", url.Values{"email": {email}, "password": {"guessing"}}).wantStatus(t, http.StatusUnauthorized)
	}
	// The address is spent: even the right password waits, unchecked.
	form := b.get("/portal/sign-in")
	limited := b.submit(form, "/portal/sign-in", url.Values{"email": {w.managerEmail}, "password": {w.managerPassword}})
	limited.wantStatus(t, http.StatusTooManyRequests).wantContains(t, "Too many failed sign-ins")
	if limited.header.Get("Retry-After") == "" {
		t.Error("the 429 has no Retry-After")
	}
	if b.cookie("mc_session") != nil {
		t.Error("a throttled sign-in opened a session")
	}
}

func TestSignInIsRateLimitedPerEmail(t *testing.T) {
	w := newWorld(t, backendtest.Options{HTTP: httpapi.Options{Portal: portal.Options{
		SignInAddressRate: -1, SignInEmailRate: 1.0 / 3600, SignInEmailBurst: 2,
	}}})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	b := newBrowser(t, w.srv.RootURL)
	for range 2 {
		form := b.get("/portal/sign-in")
		b.submit(form, "/portal/sign-in", url.Values{"email": {strings.ToUpper(w.managerEmail)}, "password": {"guessing"}}).
			wantStatus(t, http.StatusUnauthorized)
	}
	form := b.get("/portal/sign-in")
	b.submit(form, "/portal/sign-in", url.Values{"email": {w.managerEmail}, "password": {w.managerPassword}}).
		wantStatus(t, http.StatusTooManyRequests)
	// Another email from the same address is not held back.
	b.signIn(acme.Email, acme.Password).wantStatus(t, http.StatusOK).wantContains(t, "<h1>Acme Rockets</h1>")
}

func TestSignedInUserCannotReachAnotherAccountsPages(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	sibling := w.createManaged(t, w.srv.ManagerKey, "Sibling Corp", testPassword)
	_, otherManagerKey := w.srv.NewManager(t)
	foreign := w.createManaged(t, otherManagerKey, "Foreign Ltd", testPassword)
	siblingCard := addCardThroughAPI(t, w.srv, sibling.APIKey)
	siblingKeyID, _ := w.srv.CreateAPIKey(t, sibling.APIKey, map[string]any{"description": "sibling's"})

	b := newBrowser(t, w.srv.RootURL)
	own := b.signIn(acme.Email, acme.Password).wantStatus(t, http.StatusOK)
	for _, path := range accountPages(acme.ID)[:4] {
		b.get(path).wantStatus(t, http.StatusOK)
	}
	notFound := b.get("/portal/accounts/00000000-0000-0000-0000-000000000000").wantStatus(t, http.StatusNotFound)
	for _, other := range []string{sibling.ID, foreign.ID, w.srv.ManagerID} {
		for _, path := range accountPages(other) {
			p := b.get(path).wantStatus(t, http.StatusNotFound)
			if strings.ReplaceAll(p.body, p.path, "") != strings.ReplaceAll(notFound.body, notFound.path, "") {
				t.Errorf("%s differs from the page of an account that does not exist", p)
			}
		}
		base := "/portal/accounts/" + other
		b.submit(own, base+"/api-keys", url.Values{"description": {"intruder"}}).wantStatus(t, http.StatusNotFound)
		b.submit(own, base+"/payment-methods", cardForm("4242424242424242", "123")).wantStatus(t, http.StatusNotFound)
	}
	// The sibling's objects, through the user's own pages: not found either.
	b.submit(own, "/portal/accounts/"+acme.ID+"/api-keys/"+siblingKeyID+"/revoke", nil).wantStatus(t, http.StatusNotFound)
	b.submit(own, "/portal/accounts/"+acme.ID+"/payment-methods/"+siblingCard+"/remove", nil).wantStatus(t, http.StatusNotFound)
	// Nor the manager's pages, nor acting as anyone.
	b.get("/portal/managed-accounts").wantStatus(t, http.StatusForbidden)
	b.submit(own, "/portal/managed-accounts/"+sibling.ID+"/log-in-as", nil).wantStatus(t, http.StatusNotFound)
	b.submit(own, "/portal/managed-accounts/"+sibling.ID+"/disable", nil).wantStatus(t, http.StatusForbidden)
	if status, _, _ := w.srv.Do(t, http.MethodGet, "/v2/api_keys/"+siblingKeyID, sibling.APIKey, nil); status != http.StatusOK {
		t.Errorf("the sibling's key after the attempts: %d, want it alive", status)
	}

	// A manager that is not acting sees its managed accounts' pages as 404 too.
	m := newBrowser(t, w.srv.RootURL)
	m.signIn(w.managerEmail, w.managerPassword)
	for _, other := range []string{acme.ID, foreign.ID} {
		m.get("/portal/accounts/"+other).wantStatus(t, http.StatusNotFound)
	}
}

func cardForm(number, cvc string) url.Values {
	return url.Values{"card_number": {number}, "card_cvc": {cvc}, "exp_month": {"12"}, "exp_year": {strconv.Itoa(time.Now().Year() + 3)},
		"name": {"Ada Lovelace"}, "postal_code": {"EC1A 1BB"}, "country": {"GB"}}
}

// addCardThroughAPI adds a Visa test card to key's account and returns its id.
func addCardThroughAPI(t *testing.T, srv *backendtest.Server, key string) string {
	t.Helper()
	status, _, raw := srv.Do(t, http.MethodPost, "/v2/payment_methods", key, map[string]any{
		"type": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": time.Now().Year() + 3, "cvc": "123"},
		"billing_details": map[string]any{"name": "Ada", "country": "GB"},
	})
	if status != http.StatusOK {
		t.Fatalf("add card: %d %s", status, raw)
	}
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(string(raw))
	if m == nil {
		t.Fatalf("add card: no id in %s", raw)
	}
	return m[1]
}

func TestLogInAsIsAuditedAndShowsTheBanner(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", "")
	b := newBrowser(t, w.srv.RootURL)
	list := b.signIn(w.managerEmail, w.managerPassword)
	managerCookie := b.cookie("mc_session").Value

	w.srv.AdvanceTime(time.Second) // the audit log orders events by time
	overview := b.follow(b.submit(list, "/portal/managed-accounts/"+acme.ID+"/log-in-as", nil)).wantStatus(t, http.StatusOK)
	overview.wantContains(t, "<h1>Acme Rockets</h1>", "Acting as <strong>Acme Rockets</strong> —", "return to manager")
	if b.cookie("mc_session").Value == managerCookie {
		t.Error("logging in as an account kept the session's token")
	}
	for _, path := range accountPages(acme.ID)[:4] {
		b.get(path).wantStatus(t, http.StatusOK).wantContains(t, "Acting as <strong>Acme Rockets</strong>")
	}
	// Changes made while acting.
	w.srv.AdvanceTime(time.Second)
	keys := b.get("/portal/accounts/" + acme.ID + "/api-keys")
	b.submit(keys, "/portal/accounts/"+acme.ID+"/api-keys", url.Values{"description": {"made by the manager"}}).wantStatus(t, http.StatusOK)
	w.srv.AdvanceTime(time.Second)
	cards := b.get("/portal/accounts/" + acme.ID + "/payment-methods")
	b.submit(cards, "/portal/accounts/"+acme.ID+"/payment-methods", cardForm("4242424242424242", "123")).
		wantRedirect(t, "/portal/accounts/"+acme.ID+"/payment-methods?done=card-added")
	// The manager's own pages wait until it returns.
	b.get("/portal/managed-accounts").wantStatus(t, http.StatusForbidden).wantContains(t, "return to manager")
	b.get("/portal/accounts/"+w.srv.ManagerID).wantStatus(t, http.StatusNotFound)

	w.srv.AdvanceTime(time.Second)
	back := b.follow(b.submit(cards, "/portal/return", nil)).wantStatus(t, http.StatusOK)
	back.wantContains(t, "<h1>Managed accounts</h1>", "You are back in your own account.")
	if strings.Contains(back.body, "Acting as") {
		t.Error("the banner outlived the return to the manager")
	}

	events, _, err := w.srv.Service.OperatorAuditEvents(context.Background(), backend.AuditFilter{AccountID: acme.ID, Page: backend.Page{Size: 50}})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		actions = append(actions, e.Action)
		if e.ChangeMadeBy != backend.ChangeByAccountManager || e.ActorAccountID != w.srv.ManagerID {
			t.Errorf("%s made by %s (actor %s), want account_manager %s", e.Action, e.ChangeMadeBy, e.ActorAccountID, w.srv.ManagerID)
		}
	}
	want := []string{"managed_account.create", "portal.act_as", "api_key.create", "payment_method.create", "portal.act_as_end"}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Errorf("audit of the account = %v, want %v", actions, want)
	}
}

func TestDisablingEndsActingAndTheUsersSession(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	user := newBrowser(t, w.srv.RootURL)
	user.signIn(acme.Email, acme.Password).wantStatus(t, http.StatusOK)
	acting := newBrowser(t, w.srv.RootURL)
	list := acting.signIn(w.managerEmail, w.managerPassword)
	acting.follow(acting.submit(list, "/portal/managed-accounts/"+acme.ID+"/log-in-as", nil)).wantStatus(t, http.StatusOK)

	manager := newBrowser(t, w.srv.RootURL)
	managerList := manager.signIn(w.managerEmail, w.managerPassword)
	manager.follow(manager.submit(managerList, "/portal/managed-accounts/"+acme.ID+"/disable", url.Values{"return": {"https://evil.example/"}})).
		wantStatus(t, http.StatusOK).wantContains(t, "The managed account was disabled", `class="status status-disabled"`)

	user.get("/portal/accounts/"+acme.ID).wantRedirect(t, "/portal/sign-in")
	again := user.signIn(acme.Email, acme.Password)
	again.wantStatus(t, http.StatusUnauthorized).wantContains(t, "This account is disabled")
	acting.follow(acting.get("/portal/accounts/"+acme.ID)).wantStatus(t, http.StatusOK).
		wantContains(t, "<h1>Managed accounts</h1>", "no longer available")

	// Enabled again, the user signs in.
	managerList = manager.get("/portal/managed-accounts")
	manager.submit(managerList, "/portal/managed-accounts/"+acme.ID+"/enable", nil).wantRedirect(t, "/portal/managed-accounts?done=enabled")
	user.signIn(acme.Email, acme.Password).wantStatus(t, http.StatusOK)
}

func TestManagerCreatesSearchesAndPagesManagedAccounts(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	b := newBrowser(t, w.srv.RootURL)
	list := b.signIn(w.managerEmail, w.managerPassword)
	list.wantContains(t, "You have no managed accounts yet.")
	form := b.get("/portal/managed-accounts/new").wantStatus(t, http.StatusOK)

	// A refused form keeps what was typed, never the password.
	taken := b.submit(form, "/portal/managed-accounts", url.Values{"business_name": {"Taken Email"}, "email": {w.managerEmail}, "password": {"secret password 1"}})
	taken.wantStatus(t, http.StatusUnprocessableEntity).wantContains(t, "An account with this email already exists.", `value="Taken Email"`, `aria-invalid="true"`)
	if strings.Contains(taken.body, "secret password 1") {
		t.Error("the create form wrote the password back")
	}
	created := b.follow(b.submit(form, "/portal/managed-accounts", url.Values{
		"business_name": {"Acme Rockets"}, "email": {"acme-rockets@example.com"}, "password": {"secret password 1"}, "rollup_billing": {"on"},
	})).wantStatus(t, http.StatusOK)
	created.wantContains(t, "The managed account was created.", "Acme Rockets", "acme-rockets@example.com", "Rollup billing")
	for i := range 24 {
		w.createManaged(t, w.srv.ManagerKey, "Filler "+string(rune('A'+i)), "")
	}
	first := b.get("/portal/managed-accounts").wantStatus(t, http.StatusOK)
	first.wantContains(t, "Page 1 of 2 · 25 accounts", `rel="next"`)
	if n := strings.Count(first.body, `<th scope="row" data-label="Account">`); n != 20 {
		t.Errorf("page 1 has %d rows, want 20", n)
	}
	second := b.get("/portal/managed-accounts?page=2").wantContains(t, "Page 2 of 2", `rel="prev"`)
	if n := strings.Count(second.body, `<th scope="row" data-label="Account">`); n != 5 {
		t.Errorf("page 2 has %d rows, want 5", n)
	}
	b.get("/portal/managed-accounts?q=rocket").wantStatus(t, http.StatusOK).wantContains(t, "Acme Rockets", "1 account")
	b.get("/portal/managed-accounts?q=acme-rockets%40&field=email").wantContains(t, "Acme Rockets")
	b.get("/portal/managed-accounts?q=ro").wantStatus(t, http.StatusBadRequest).wantContains(t, "Type at least 3 characters")
	b.get("/portal/managed-accounts?status=disabled").wantContains(t, "No managed account matches")
	// The new account signs in with its password.
	newBrowser(t, w.srv.RootURL).signIn("acme-rockets@example.com", "secret password 1").wantStatus(t, http.StatusOK).
		wantContains(t, "<h1>Acme Rockets</h1>", "rollup billing")
}

// priceWords are what would tell a managed account a price, a rate or a
// cost: words on the page (not in the stylesheet's class names, which the
// HTML does not contain) and money per unit.
var priceWords = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(costs?|prices?|pricing|rates?|tariffs?)\b`),
	regexp.MustCompile(`(?i)\bper\s+(part|message|minute|min|second|MB|megabyte|call|unit)\b`),
	regexp.MustCompile(`\$\s*[0-9][0-9,.]*\s*/\s*[A-Za-z]`),
}

func priceLeaks(body string) []string {
	var leaks []string
	for _, re := range priceWords {
		leaks = append(leaks, re.FindAllString(body, -1)...)
	}
	return leaks
}

func TestNoPriceInAManagedAccountsPages(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	if status, _, raw := w.srv.Do(t, http.MethodPatch, "/v2/managed_accounts/"+acme.ID, w.srv.ManagerKey,
		map[string]any{"managed_account_allow_custom_pricing": true}); status != http.StatusOK {
		t.Fatalf("allow custom pricing: %d %s", status, raw)
	}
	if status, _, raw := w.srv.Do(t, http.MethodPut, "/v2/managed_accounts/"+acme.ID+"/pricing", w.srv.ManagerKey, map[string]any{"rates": []map[string]any{
		{"product": "messaging", "direction": "outbound", "message_type": "SMS", "country_iso": "US", "rate": "0.0031"},
	}}); status != http.StatusOK {
		t.Fatalf("custom rates: %d %s", status, raw)
	}
	for _, day := range []int{0, 1, 5} {
		w.ingestUsage(t, acme.ID, day)
	}
	w.srv.Adjust(t, acme.ID, "50.00")
	w.srv.Adjust(t, w.srv.ManagerID, "20.00")
	transferThroughAPI(t, w.srv, w.srv.ManagerKey, acme.ID, "7.25", "Welcome credit")
	addCardThroughAPI(t, w.srv, acme.APIKey)
	w.srv.CreateAPIKey(t, acme.APIKey, map[string]any{"description": "ci"})

	scan := func(t *testing.T, b *browser, who string) {
		t.Helper()
		pages := map[string]*page{}
		for _, path := range accountPages(acme.ID) {
			pages[path] = b.get(path)
		}
		keys := pages[accountPages(acme.ID)[3]]
		pages["api-key created"] = b.submit(keys, "/portal/accounts/"+acme.ID+"/api-keys", url.Values{"description": {"fresh"}})
		cards := pages[accountPages(acme.ID)[2]]
		pages["card refused"] = b.submit(cards, "/portal/accounts/"+acme.ID+"/payment-methods", cardForm("4242424242424241", "123"))
		pages["not found"] = b.get("/portal/no-such-page")
		for name, p := range pages {
			if leaks := priceLeaks(p.body); len(leaks) > 0 {
				t.Errorf("%s, %s: price words %q", who, name, leaks)
			}
		}
		pages[accountPages(acme.ID)[0]].wantStatus(t, http.StatusOK).
			wantContains(t, "Usage in the last 31 days", "<svg", "<dt>Balance</dt>", "<dt>Available credit</dt>", "<dt>Pending</dt>", "Welcome credit")
		pages[accountPages(acme.ID)[4]].wantStatus(t, http.StatusForbidden)
	}
	t.Run("its own user", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		b.signIn(acme.Email, acme.Password)
		scan(t, b, "the account's user")
	})
	t.Run("its manager acting as it", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		list := b.signIn(w.managerEmail, w.managerPassword)
		b.follow(b.submit(list, "/portal/managed-accounts/"+acme.ID+"/log-in-as", nil)).wantStatus(t, http.StatusOK)
		scan(t, b, "the manager acting as it")
	})
	// The scan can fail: the manager's own pages do show prices and costs.
	t.Run("the manager's own view", func(t *testing.T) {
		b := newBrowser(t, w.srv.RootURL)
		list := b.signIn(w.managerEmail, w.managerPassword)
		if len(priceLeaks(list.body)) == 0 {
			t.Error("the managed accounts list shows no cost this month")
		}
		pricing := b.get("/portal/accounts/"+w.srv.ManagerID+"/pricing").wantStatus(t, http.StatusOK)
		if len(priceLeaks(pricing.body)) == 0 {
			t.Error("the pricing page shows no rate")
		}
	})
}

func TestSecretsAreNeverEchoed(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	b := newBrowser(t, w.srv.RootURL)
	b.signIn(acme.Email, acme.Password)
	cardsURL := "/portal/accounts/" + acme.ID + "/payment-methods"
	cards := b.get(cardsURL)
	for name, tc := range map[string]struct{ number, cvc, wantError string }{
		"bad security code": {"4242424242424242", "x9q", "The security code must be 3 digits"},
		"bad check digit":   {"4242424242424241", "987", "The card number is not a valid card number"},
		"expired":           {"4242424242424242", "987", "expired"},
	} {
		t.Run(name, func(t *testing.T) {
			form := cardForm(tc.number, tc.cvc)
			if name == "expired" {
				form.Set("exp_year", "2001")
			}
			p := b.submit(cards, cardsURL, form).wantStatus(t, http.StatusUnprocessableEntity).wantContains(t, tc.wantError, "Ada Lovelace")
			for _, secret := range []string{tc.number, tc.cvc, tc.number[len(tc.number)-8:]} {
				if echoes(p.body, secret) {
					t.Errorf("the refused form wrote back %q", secret)
				}
			}
		})
	}
	added := b.follow(b.submit(cards, cardsURL, cardForm("4242424242424242", "987"))).wantStatus(t, http.StatusOK)
	added.wantContains(t, "The card was added.", "•••• 4242")
	if echoes(added.body, "4242424242424242") || echoes(added.body, "987") {
		t.Error("the cards page shows the number or the security code")
	}

	keysURL := "/portal/accounts/" + acme.ID + "/api-keys"
	created := b.submit(b.get(keysURL), keysURL, url.Values{"description": {"deploys"}, "expires_in": {"30d"}}).wantStatus(t, http.StatusOK)
	secret := regexp.MustCompile(`id="new-key-secret"[^>]*value="(KEY[^"]+)"`).FindStringSubmatch(created.body)
	if secret == nil {
		t.Fatalf("the page after creating a key does not show its secret:\n%s", created.body)
	}
	if status, _, _ := w.srv.Do(t, http.MethodGet, "/v2/balance", secret[1], nil); status != http.StatusOK {
		t.Errorf("the secret shown does not work: %d", status)
	}
	if later := b.get(keysURL); strings.Contains(later.body, secret[1]) {
		t.Error("the keys page shows the secret again")
	}
}

var markup = regexp.MustCompile(`<[^>]*>`)

// echoes tells whether a page shows secret: as its text, or as the value of
// a field. (Short secrets may well occur inside ids and tokens in the
// markup, which show nothing.)
func echoes(body, secret string) bool {
	return strings.Contains(markup.ReplaceAllString(body, " "), secret) || strings.Contains(body, `value="`+secret+`"`)
}

func TestRevokeKeyAndManageCards(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	keyID, secret := w.srv.CreateAPIKey(t, acme.APIKey, map[string]any{"description": "old"})
	first := addCardThroughAPI(t, w.srv, acme.APIKey)
	b := newBrowser(t, w.srv.RootURL)
	b.signIn(acme.Email, acme.Password)
	base := "/portal/accounts/" + acme.ID
	keys := b.get(base+"/api-keys").wantContains(t, "old", "Revoke")
	b.follow(b.submit(keys, base+"/api-keys/"+keyID+"/revoke", nil)).wantContains(t, "The API key was revoked.")
	if status, _, _ := w.srv.Do(t, http.MethodGet, "/v2/balance", secret, nil); status != http.StatusUnauthorized {
		t.Errorf("the revoked key answers %d, want 401", status)
	}
	cards := b.get(base + "/payment-methods")
	b.follow(b.submit(cards, base+"/payment-methods", cardForm("5555555555554444", "123"))).wantContains(t, "•••• 4444")
	cards = b.get(base + "/payment-methods")
	second := regexp.MustCompile(`/payment-methods/([0-9a-f-]{36})/default`).FindStringSubmatch(cards.body)
	if second == nil {
		t.Fatalf("no card to make default:\n%s", cards.body)
	}
	b.follow(b.submit(cards, base+"/payment-methods/"+second[1]+"/default", nil)).wantContains(t, "The default card was changed.")
	b.follow(b.submit(cards, base+"/payment-methods/"+first+"/remove", nil)).wantContains(t, "The card was removed.")
	if status, _, _ := w.srv.Do(t, http.MethodGet, "/v2/payment_methods/"+first, acme.APIKey, nil); status != http.StatusNotFound {
		t.Errorf("the removed card answers %d, want 404", status)
	}
}

func TestInvoicesLinkToTheirDocuments(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	w.srv.Adjust(t, acme.ID, "20.00")
	w.ingestUsage(t, acme.ID, 0)
	b := newBrowser(t, w.srv.RootURL)
	b.signIn(acme.Email, acme.Password)
	invoices := b.get("/portal/accounts/"+acme.ID+"/invoices").wantStatus(t, http.StatusOK).wantContains(t, "Open document", "$20.00")
	link := regexp.MustCompile(`href="(/portal/accounts/[^"]+/document)"`).FindStringSubmatch(invoices.body)
	if link == nil {
		t.Fatalf("no document link:\n%s", invoices.body)
	}
	doc := b.get(link[1]).wantRedirect(t, "/documents/invoices/")
	b.get(doc.location()).wantStatus(t, http.StatusOK).wantContains(t, "Acme Rockets")
	b.get("/portal/accounts/"+acme.ID+"/invoices/not-an-id/document").wantStatus(t, http.StatusNotFound)
}

func TestUnknownPortalPathsAnswerAPage(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	b := newBrowser(t, w.srv.RootURL)
	for _, p := range []*page{b.get("/portal/nothing/here"), b.post("/portal/return", nil), b.get("/portal/return")} {
		if p.path == "/portal/return" && p.method == http.MethodPost {
			p.wantRedirect(t, "/portal/sign-in") // a POST without a session goes to sign in
			continue
		}
		p.wantStatus(t, http.StatusNotFound).wantContains(t, "Page not found")
		if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q, want HTML", p, ct)
		}
	}
	css := b.get("/portal/static/portal.css").wantStatus(t, http.StatusOK)
	if !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.header.Get("Cache-Control"), "max-age") {
		t.Errorf("stylesheet headers %v", css.header)
	}
}

// visibleText is what a page shows: its HTML without the tags, so that an id
// in a form's action or a link does not count as shown.
func visibleText(body string) string {
	return html.UnescapeString(regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " "))
}

// TestAccountIDsAreShown: the docs send a user to the portal for a managed
// account's id (to import it, to act as it); the list of managed accounts
// and each account's own page show it as text, as does the manager's own
// page its own id (the operator API's adjustments name it).
func TestAccountIDsAreShown(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", "")
	globex := w.createManaged(t, w.srv.ManagerKey, "Globex Voice", "")
	b := newBrowser(t, w.srv.RootURL)
	list := b.signIn(w.managerEmail, w.managerPassword).wantStatus(t, http.StatusOK)
	shown := visibleText(list.body)
	for _, a := range []managedAccount{acme, globex} {
		if !strings.Contains(shown, a.ID) {
			t.Errorf("the managed accounts list does not show the id of %s (%s)", a.Organization, a.ID)
		}
	}
	if own := visibleText(b.get("/portal/accounts/"+w.srv.ManagerID).wantStatus(t, http.StatusOK).body); !strings.Contains(own, w.srv.ManagerID) {
		t.Errorf("the manager's own page does not show its id %s", w.srv.ManagerID)
	}
	overview := b.follow(b.submit(list, "/portal/managed-accounts/"+acme.ID+"/log-in-as", nil)).wantStatus(t, http.StatusOK)
	if !strings.Contains(visibleText(overview.body), acme.ID) {
		t.Errorf("the page of %s does not show its id %s", acme.Organization, acme.ID)
	}
}
