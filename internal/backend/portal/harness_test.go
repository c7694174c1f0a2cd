package portal_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// world is a running backend with a manager that has a password, and
// helpers to make what the portal shows.
type world struct {
	srv                           *backendtest.Server
	managerEmail, managerPassword string
	managerOrganization           string
}

const testPassword = "correct horse battery"

func newWorld(t *testing.T, opts backendtest.Options) *world {
	t.Helper()
	srv := backendtest.StartWith(t, opts)
	m, _, err := srv.Service.GetAccount(context.Background(), srv.ManagerID)
	if err != nil {
		t.Fatalf("the manager: %v", err)
	}
	if err := srv.Service.SetAccountPassword(context.Background(), srv.ManagerID, testPassword); err != nil {
		t.Fatalf("set the manager's password: %v", err)
	}
	return &world{srv: srv, managerEmail: m.Email, managerPassword: testPassword, managerOrganization: m.OrganizationName}
}

// managedAccount is a managed account made through the API.
type managedAccount struct {
	ID, Email, Organization, Password, APIKey string
}

// createManaged creates a managed account of key's manager, with a password
// when password is not empty.
func (w *world) createManaged(t *testing.T, key, organization, password string) managedAccount {
	t.Helper()
	// Letters only, so that the digits of a card or a code a test looks for
	// cannot turn up in an email on the page.
	email := strings.ToLower(strings.ReplaceAll(organization, " ", "-")) + "-" + randomLetters(t, 12) + "@example.com"
	body := map[string]any{"business_name": organization, "email": email}
	if password != "" {
		body["password"] = password
	}
	status, _, raw := w.srv.Do(t, http.MethodPost, "/v2/managed_accounts", key, body)
	if status != http.StatusOK {
		t.Fatalf("create managed account %q: %d %s", organization, status, raw)
	}
	var created struct {
		Data struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatalf("create managed account: %v", err)
	}
	return managedAccount{ID: created.Data.ID, Email: email, Organization: organization, Password: password, APIKey: created.Data.APIKey}
}

// ingestUsage gives an account a day of each product's usage, daysAgo days
// before now.
func (w *world) ingestUsage(t *testing.T, accountID string, daysAgo int) {
	t.Helper()
	at := w.srv.Now().UTC().AddDate(0, 0, -daysAgo).Truncate(24 * time.Hour).Add(10 * time.Hour)
	if daysAgo == 0 {
		at = w.srv.Now().UTC().Add(-time.Minute)
	}
	stamp := at.Format("2006-01-02T15:04:05.000Z")
	id := func(kind string) string { return fmt.Sprintf("%s-%s-%d", accountID, kind, daysAgo) }
	w.srv.IngestUsage(t, []map[string]any{
		{"id": id("sms"), "account_id": accountID, "product": "messaging", "occurred_at": stamp,
			"direction": "outbound", "message_type": "SMS", "country_iso": "US", "product_name": "long_code", "parts": 3 + daysAgo},
		{"id": id("call"), "account_id": accountID, "product": "voice", "occurred_at": stamp,
			"direction": "outbound", "country_iso": "GB", "product_name": "sip_trunking", "billed_sec": 125 + 60*daysAgo},
		{"id": id("data"), "account_id": accountID, "product": "wireless", "occurred_at": stamp,
			"country_iso": "MX", "product_name": "sim", "bytes": 3_500_000 + 1_000_000*daysAgo},
	})
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects by itself, so that tests see each answer.
type browser struct {
	t      *testing.T
	root   string
	client *http.Client
}

func newBrowser(t *testing.T, root string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, root: root, client: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one answer.
type page struct {
	method, path string
	status       int
	header       http.Header
	body         string
}

func (p *page) String() string {
	return fmt.Sprintf("%s %s: %d (Location %q)", p.method, p.path, p.status, p.header.Get("Location"))
}

func (p *page) location() string { return p.header.Get("Location") }

var formTokenPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formToken is the anti-forgery token of the page's forms.
func (p *page) formToken(t *testing.T) string {
	t.Helper()
	m := formTokenPattern.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("%s has no form token", p)
	}
	return m[1]
}

func (p *page) wantStatus(t *testing.T, status int) *page {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s, want %d; body:\n%s", p, status, p.body)
	}
	return p
}

func (p *page) wantRedirect(t *testing.T, prefix string) *page {
	t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), prefix) {
		t.Fatalf("%s, want 303 to %s", p, prefix)
	}
	return p
}

func (p *page) wantContains(t *testing.T, parts ...string) *page {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(p.body, part) {
			t.Errorf("%s does not contain %q", p, part)
		}
	}
	return p
}

func (b *browser) do(method, path string, form url.Values) *page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.root+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{method: method, path: path, status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string) *page { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

// post sends a form as it is, token or not.
func (b *browser) post(path string, form url.Values) *page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return b.do(http.MethodPost, path, form)
}

// submit sends a form with the token of the page it was on.
func (b *browser) submit(from *page, path string, form url.Values) *page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", from.formToken(b.t))
	return b.post(path, form)
}

// follow follows p's redirects, as a browser would, to the page they end on.
func (b *browser) follow(p *page) *page {
	b.t.Helper()
	for range 5 {
		if p.status != http.StatusSeeOther && p.status != http.StatusFound && p.status != http.StatusMovedPermanently {
			return p
		}
		p = b.get(p.location())
	}
	b.t.Fatalf("too many redirects, last %s", p)
	return nil
}

// signIn signs in through the form and returns the page it lands on.
func (b *browser) signIn(email, password string) *page {
	b.t.Helper()
	form := b.get("/portal/sign-in").wantStatus(b.t, http.StatusOK)
	return b.follow(b.submit(form, "/portal/sign-in", url.Values{"email": {email}, "password": {password}}))
}

// cookie returns the browser's cookie of name for the portal.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.root + "/portal/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// accountPages are the GET pages of an account.
func accountPages(accountID string) []string {
	base := "/portal/accounts/" + accountID
	return []string{base, base + "/invoices", base + "/payment-methods", base + "/api-keys", base + "/pricing", base + "/notifications"}
}

func randomLetters(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
