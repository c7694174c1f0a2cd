package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// TestSecretCanaries is the proof of what SECURITY.md promises: no card
// number, CVC, password, API key, operator key, portal session or server
// secret is stored or printed in any form cheaper to attack than the live
// API. It runs `serve` as an operator does (debug logging, the store of this
// run: SQLite, or PostgreSQL when REFERENCE_BACKEND_TEST_POSTGRES_URL is
// set), sends known canary values through every endpoint and form that takes
// a secret (accepted, refused, replayed under an Idempotency-Key), then looks
// in every byte the backend wrote (the data folder: the SQLite file, its WAL
// and SHM, while it runs and after it stopped; a pg_dump of the PostgreSQL
// database) and printed (its whole log) for each canary, its hex and base64,
// and the unkeyed MD5, SHA-1, SHA-256 and SHA-512 of the value and of every
// request body that carried it. The answers must not echo a secret the
// client sent.
//
// It joins new endpoints by construction: every write-only member of a
// request body in the OpenAPI document the server serves, and every secret
// input (password, card number, security code) of a portal template, must
// have carried a canary into an accepted request, or the test fails.
func TestSecretCanaries(t *testing.T) {
	c := startCanaryBackend(t)
	c.operatorRequests(t)
	c.managerRequests(t)
	c.cardRequests(t)
	c.notificationRequests(t)
	c.portalForms(t)
	c.requireEverySecretFieldCovered(t)
	c.scan(t)
}

// canaryBackend is a running `serve` and what the suite sent it.
type canaryBackend struct {
	*canaries
	run         *running
	metricsURL  string // where serve's --metrics-addr serves /metrics
	dataDir     string
	databaseURL string // PostgreSQL only
	operatorKey string
	// serverSecret derives the keys that are never stored (the webhook
	// signing key).
	serverSecret string
	managerKey   string
	manager      string // the bootstrap manager's email
	password     string // and its portal password
	// managed is a managed account the API created, with a password.
	managedID, managedKey, managedEmail, managedPassword string

	router routers.Router
	// requireFields are the secret members of the served OpenAPI document's
	// request bodies ("METHOD /path /pointer").
	requireFields []string
	client        *http.Client
	// answers are every answer's body and headers (apiAnswers the API's
	// only), which must not echo a secret the client sent.
	answers, apiAnswers bytes.Buffer
	// covered records "METHOD /path /pointer" of the OpenAPI document (and
	// "template input" of the portal) that carried a canary into a request
	// the backend accepted.
	covered map[string]bool
	// sent records the same for every request, accepted or not.
	sent map[string]bool
	// clear are values stored in the clear, which the scan must find (the
	// positive control that it reads the data).
	clear []string
}

func canaryHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func startCanaryBackend(t *testing.T) *canaryBackend {
	t.Helper()
	c := &canaryBackend{canaries: newCanaries(), dataDir: filepath.Join(t.TempDir(), "data"),
		covered: map[string]bool{}, sent: map[string]bool{}}
	c.operatorKey = c.add("operator key", "op-canary-"+canaryHex(20))
	serverSecret := c.add("server secret", "server-secret-canary-"+canaryHex(24))
	c.serverSecret = serverSecret
	c.managerKey = c.addAPIKey("bootstrap manager key", backend.NewAPIKey())
	c.manager = "canary-manager-" + canaryHex(4) + "@example.com"
	c.password = c.add("bootstrap manager password", "pw-bootstrap-"+canaryHex(10))
	c.clear = append(c.clear, c.manager)
	// The secrets reach serve as an operator passes them: the server secret
	// and the password through the environment, the keys as flags.
	env := map[string]string{
		"REFERENCE_BACKEND_SERVER_SECRET":              serverSecret,
		"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_PASSWORD": c.password,
		"REFERENCE_BACKEND_DB_MAX_CONNS":               "4",
	}
	args := []string{"--log-level", "debug", "--data-dir", c.dataDir, "--operator-key", c.operatorKey,
		"--bootstrap-manager-key", c.managerKey, "--bootstrap-manager-email", c.manager,
		// The suite fails authentication on purpose more often than the
		// default limit allows an address.
		"--auth-failure-rate-limit", "1000", "--auth-failure-burst", "1000"}
	if pgtest.Enabled() {
		c.databaseURL = pgtest.NewDatabase(t)
		args = append(args, "--database", c.databaseURL)
	} else {
		delete(env, "REFERENCE_BACKEND_DB_MAX_CONNS")
	}
	c.run, c.metricsURL = startServeWithMetrics(t, &app{getenv: func(k string) string { return env[k] }}, args...)
	c.client = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The OpenAPI document as the server serves it routes the requests.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.run.url+"/openapi.yaml", nil)
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.yaml answered %d (%v)", resp.StatusCode, err)
	}
	loaded, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		t.Fatalf("the served OpenAPI document does not load: %v", err)
	}
	loaded.Servers = nil
	if c.router, err = legacy.NewRouter(loaded); err != nil {
		t.Fatal(err)
	}
	c.requireFields = secretRequestFields(loaded)
	return c
}

// do sends one request: path relative to the server's root, authorization
// as the whole Authorization header (none when empty), body as JSON (none
// when empty). It records the answer, the body as a carrier of the canaries
// it holds, and, for an API route, which of its members carried one.
func (c *canaryBackend) do(t *testing.T, method, path, authorization, body, idempotencyKey string) (int, http.Header, []byte) {
	t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.run.url+path, reader)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
		c.carried("Authorization header of "+method+" "+path, []byte(authorization))
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, answer := c.exchange(t, c.client, req)
	c.apiAnswers.Write(answer)
	if body != "" {
		c.carried("body of "+method+" "+path, []byte(body))
		c.recordAPICoverage(t, req, body, resp.StatusCode)
	}
	return resp.StatusCode, resp.Header, answer
}

// recordAPICoverage records which members of an API request's JSON body
// carried a canary, under the route the document matches the request to.
func (c *canaryBackend) recordAPICoverage(t *testing.T, req *http.Request, body string, status int) {
	t.Helper()
	route, _, err := c.router.FindRoute(req)
	if err != nil {
		return // not a documented route: nothing to cover
	}
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return
	}
	var walk func(v any, pointer string)
	walk = func(v any, pointer string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, pointer+"/"+k)
			}
		case []any:
			for _, x := range v {
				walk(x, pointer+"/*")
			}
		case string:
			if _, ok := c.values[v]; ok {
				field := req.Method + " " + route.Path + " " + pointer
				c.sent[field] = true
				if status >= 200 && status <= 299 {
					c.covered[field] = true
				}
			}
		}
	}
	walk(v, "")
}

// api calls the API with a bearer key and decodes the answer's data into
// out (when not nil), failing unless the status is want.
func (c *canaryBackend) api(t *testing.T, want int, method, path, key, body, idempotencyKey string, out any) http.Header {
	t.Helper()
	auth := ""
	if key != "" {
		auth = "Bearer " + key
	}
	status, header, answer := c.do(t, method, path, auth, body, idempotencyKey)
	if status != want {
		t.Fatalf("%s %s answered %d, want %d: %s", method, path, status, want, answer)
	}
	if out != nil {
		if err := json.Unmarshal(answer, &struct {
			Data any `json:"data"`
		}{Data: out}); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, answer)
		}
	}
	return header
}

// exchange sends req with client and reads the whole answer, which it keeps,
// headers and all, among the answers to scan.
func (c *canaryBackend) exchange(t *testing.T, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	c.answers.Write(answer)
	_ = resp.Header.Write(&c.answers)
	return resp, answer
}

type keyAnswer struct {
	ID       string `json:"id"`
	APIKey   string `json:"api_key"`
	APIToken string `json:"api_token"`
}

func newIdempotencyKey() string { return "idem-" + canaryHex(8) }

// operatorRequests: an account created by the operator with a password
// (accepted, replayed, sent again with another password under the same key,
// refused), and a wrong operator key.
func (c *canaryBackend) operatorRequests(t *testing.T) {
	t.Helper()
	password := c.add("operator-created account password", "pw-operator-"+canaryHex(10))
	email := "canary-op-" + canaryHex(4) + "@example.com"
	c.clear = append(c.clear, email)
	key := newIdempotencyKey()
	body := `{"email":"` + email + `","organization_name":"Canary Operator Co","password":"` + password + `"}`
	var created keyAnswer
	c.api(t, http.StatusCreated, http.MethodPost, "/reference/accounts", c.operatorKey, body, key, &created)
	c.issuedKey("operator-created account key", created.APIKey)
	c.api(t, http.StatusCreated, http.MethodPost, "/reference/accounts", c.operatorKey, body, key, nil)
	other := c.add("operator-created account password sent again", "pw-operator-again-"+canaryHex(10))
	c.do(t, http.MethodPost, "/reference/accounts", "Bearer "+c.operatorKey, strings.Replace(body, password, other, 1), key)
	tooLong := c.add("operator-created account password, refused", "pw-too-long-"+strings.Repeat(canaryHex(10), 4))
	c.api(t, http.StatusUnprocessableEntity, http.MethodPost, "/reference/accounts", c.operatorKey,
		`{"email":"canary-refused-`+canaryHex(4)+`@example.com","password":"`+tooLong+`"}`, newIdempotencyKey(), nil)
	wrong := c.add("wrong operator key", "op-wrong-canary-"+canaryHex(16))
	c.api(t, http.StatusUnauthorized, http.MethodGet, "/reference/audit_events", wrong, "", "", nil)
	c.api(t, http.StatusOK, http.MethodGet, "/reference/accounts/"+created.ID, c.operatorKey, "", "", nil)
	// The new manager's key works, which writes its last use.
	c.api(t, http.StatusOK, http.MethodGet, "/v2/balance", created.APIKey, "", "", nil)
}

// managerRequests: a managed account created with a password, read back by
// its manager, its password changed; API keys created (one short-lived, as
// the provider's ephemeral key is), used, disabled, revoked; keys that are
// not keys.
func (c *canaryBackend) managerRequests(t *testing.T) {
	t.Helper()
	c.managedPassword = c.add("managed account password", "pw-managed-"+canaryHex(10))
	c.managedEmail = "canary-managed-" + canaryHex(4) + "@example.com"
	business := "Canary Managed " + canaryHex(4)
	c.clear = append(c.clear, c.managedEmail, business)
	key := newIdempotencyKey()
	body := `{"business_name":"` + business + `","email":"` + c.managedEmail + `","password":"` + c.managedPassword + `"}`
	var managed keyAnswer
	c.api(t, http.StatusOK, http.MethodPost, "/v2/managed_accounts", c.managerKey, body, key, &managed)
	c.managedID = managed.ID
	c.managedKey = c.issuedKey("managed account key", managed.APIKey)
	c.issued("managed account V1 token", managed.APIToken)
	c.api(t, http.StatusOK, http.MethodPost, "/v2/managed_accounts", c.managerKey, body, key, nil)
	again := c.add("managed account password sent again", "pw-managed-again-"+canaryHex(10))
	c.do(t, http.MethodPost, "/v2/managed_accounts", "Bearer "+c.managerKey, strings.Replace(body, c.managedPassword, again, 1), key)
	tooLong := c.add("managed account password, refused", strings.Repeat("x", 73)+canaryHex(4))
	c.api(t, http.StatusUnprocessableEntity, http.MethodPost, "/v2/managed_accounts", c.managerKey,
		`{"business_name":"Refused `+canaryHex(4)+`","password":"`+tooLong+`"}`, newIdempotencyKey(), nil)

	// The manager reads the credentials back; the account's password changes.
	var read keyAnswer
	c.api(t, http.StatusOK, http.MethodGet, "/v2/managed_accounts/"+managed.ID, c.managerKey, "", "", &read)
	if read.APIKey != managed.APIKey {
		t.Fatal("the managed account's key reads back differently")
	}
	c.managedPassword = c.add("managed account password, changed", "pw-changed-"+canaryHex(10))
	c.api(t, http.StatusOK, http.MethodPatch, "/v2/managed_accounts/"+managed.ID, c.managerKey, `{"password":"`+c.managedPassword+`"}`, "", nil)
	refused := c.add("managed account password change, refused", strings.Repeat("y", 80)+canaryHex(4))
	c.api(t, http.StatusUnprocessableEntity, http.MethodPatch, "/v2/managed_accounts/"+managed.ID, c.managerKey, `{"password":"`+refused+`"}`, "", nil)

	// API keys in every state, on the manager and on the managed account.
	for _, owner := range []struct{ name, key string }{{"manager", c.managerKey}, {"managed account", c.managedKey}} {
		var plain, expiring, disabled, revoked keyAnswer
		key := newIdempotencyKey()
		c.api(t, http.StatusOK, http.MethodPost, "/v2/api_keys", owner.key, `{"description":"canary key"}`, key, &plain)
		c.issuedKey(owner.name+" API key", plain.APIKey)
		c.api(t, http.StatusOK, http.MethodPost, "/v2/api_keys", owner.key, `{"description":"canary key"}`, key, nil) // replayed
		// What the provider's ephemeral telnyx_api_key does: a key that
		// expires within the hour, used, then revoked.
		expires := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
		c.api(t, http.StatusOK, http.MethodPost, "/v2/api_keys", owner.key,
			`{"description":"ephemeral canary","expires_at":"`+expires+`"}`, newIdempotencyKey(), &expiring)
		c.issuedKey(owner.name+" short-lived API key", expiring.APIKey)
		c.api(t, http.StatusOK, http.MethodPost, "/v2/api_keys", owner.key, `{"tags":["disabled"]}`, "", &disabled)
		c.issuedKey(owner.name+" disabled API key", disabled.APIKey)
		c.api(t, http.StatusOK, http.MethodPost, "/v2/api_keys", owner.key, `{}`, "", &revoked)
		c.issuedKey(owner.name+" revoked API key", revoked.APIKey)
		for _, k := range []string{plain.APIKey, expiring.APIKey, disabled.APIKey, revoked.APIKey} {
			c.api(t, http.StatusOK, http.MethodGet, "/v2/balance", k, "", "", nil)
		}
		c.api(t, http.StatusOK, http.MethodPatch, "/v2/api_keys/"+disabled.ID, owner.key, `{"status":"disabled"}`, "", nil)
		c.api(t, http.StatusOK, http.MethodDelete, "/v2/api_keys/"+revoked.ID, owner.key, "", "", nil)
		c.api(t, http.StatusOK, http.MethodDelete, "/v2/api_keys/"+expiring.ID, owner.key, "", "", nil)
		for _, k := range []string{disabled.APIKey, revoked.APIKey, expiring.APIKey} {
			c.api(t, http.StatusUnauthorized, http.MethodGet, "/v2/balance", k, "", "", nil)
		}
	}
	// Credentials that are no key: never issued, and malformed headers.
	unknown := c.addAPIKey("API key never issued", backend.NewAPIKey())
	c.api(t, http.StatusUnauthorized, http.MethodGet, "/v2/balance", unknown, "", "", nil)
	garbage := c.add("credential in a malformed header", "garbage-canary-"+canaryHex(12))
	for _, header := range []string{"Basic " + garbage, "Bearer " + garbage + " extra", garbage} {
		if status, _, _ := c.do(t, http.MethodGet, "/v2/balance", header, "", ""); status != http.StatusUnauthorized {
			t.Fatalf("a malformed Authorization header answered %d", status)
		}
	}
}

// luhnCard returns a random card number of n digits that starts with
// prefix and passes the Luhn check.
func luhnCard(t *testing.T, prefix string, n int) string {
	t.Helper()
	digits := []byte(prefix)
	for len(digits) < n-1 {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			t.Fatal(err)
		}
		digits = append(digits, byte('0'+d.Int64()))
	}
	for check := byte('0'); check <= '9'; check++ {
		candidate := string(append(slices.Clone(digits), check))
		if luhnSum(candidate)%10 == 0 {
			return candidate
		}
	}
	panic("unreachable: one check digit always fits")
}

func luhnSum(digits string) int {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}

func randomCVC(t *testing.T, n int) string {
	t.Helper()
	v, err := rand.Int(rand.Reader, big.NewInt(int64(pow10(n))))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%0*d", n, v.Int64())
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// spaced writes a card number in groups of four, as people type it.
func spaced(number string) string {
	var groups []string
	for i := 0; i < len(number); i += 4 {
		groups = append(groups, number[i:min(i+4, len(number))])
	}
	return strings.Join(groups, " ")
}

func (c *canaryBackend) addCard(t *testing.T, label, prefix string, digits, cvcLen int) (number, cvc string) {
	t.Helper()
	number = c.add(label+" number", luhnCard(t, prefix, digits))
	c.add(label+" number as typed", spaced(number))
	cvc = c.addShort(label+" CVC", randomCVC(t, cvcLen), "cvc", "card_cvc")
	return number, cvc
}

func cardBody(number, cvc, holder string, expYear int) string {
	return `{"type":"card","card":{"number":"` + number + `","exp_month":7,"exp_year":` + strconv.Itoa(expYear) +
		`,"cvc":"` + cvc + `"},"billing_details":{"name":"` + holder + `","postal_code":"94105","country":"US"}}`
}

// cardRequests: cards added through the API (accepted, replayed, another
// card under the same key, refused in every way), a charge, an update that
// tries to change the number.
func (c *canaryBackend) cardRequests(t *testing.T) {
	t.Helper()
	year := time.Now().Year() + 3
	holder := "Canary Holder " + canaryHex(4)
	c.clear = append(c.clear, holder)
	visa, visaCVC := c.addCard(t, "manager's Visa", "4", 16, 3)
	key := newIdempotencyKey()
	var card struct {
		ID string `json:"id"`
	}
	c.api(t, http.StatusOK, http.MethodPost, "/v2/payment_methods", c.managerKey, cardBody(spaced(visa), visaCVC, holder, year), key, &card)
	c.api(t, http.StatusOK, http.MethodPost, "/v2/payment_methods", c.managerKey, cardBody(spaced(visa), visaCVC, holder, year), key, nil)
	other, otherCVC := c.addCard(t, "another card under the same key", "4", 16, 3)
	c.do(t, http.MethodPost, "/v2/payment_methods", "Bearer "+c.managerKey, cardBody(other, otherCVC, holder, year), key)
	amex, amexCVC := c.addCard(t, "managed account's Amex", "37", 15, 4)
	c.api(t, http.StatusOK, http.MethodPost, "/v2/payment_methods", c.managedKey, cardBody(amex, amexCVC, holder, year), newIdempotencyKey(), nil)
	// The managed account's own charge.
	c.api(t, http.StatusOK, http.MethodPost, "/v2/payment/stored_payment_transactions", c.managedKey, `{"amount":"15.00"}`, newIdempotencyKey(), nil)

	// Refused: a wrong check digit, an expired card, a CVC of the wrong
	// length, malformed JSON, a number that is a JSON number, a number on
	// an update.
	bad, badCVC := c.addCard(t, "refused card", "4", 16, 3)
	wrongDigit := c.add("card number with a wrong check digit", bad[:15]+strconv.Itoa((int(bad[15]-'0')+1)%10))
	for _, refused := range []struct {
		body   string
		status int
	}{
		{cardBody(wrongDigit, badCVC, holder, year), http.StatusUnprocessableEntity},
		{cardBody(bad, badCVC, holder, 2001), http.StatusUnprocessableEntity},
		{cardBody(bad, badCVC+"1", holder, year), http.StatusUnprocessableEntity},
		{`{"card":{"number":"` + bad + `","cvc":"` + badCVC + `"`, http.StatusBadRequest},
		{`{"type":"card","card":{"number":` + bad + `,"cvc":"` + badCVC + `"}}`, http.StatusUnprocessableEntity},
	} {
		c.api(t, refused.status, http.MethodPost, "/v2/payment_methods", c.managerKey, refused.body, newIdempotencyKey(), nil)
	}
	c.api(t, http.StatusUnprocessableEntity, http.MethodPatch, "/v2/payment_methods/"+card.ID, c.managerKey,
		`{"card":{"number":"`+bad+`","cvc":"`+badCVC+`"}}`, "", nil)
	c.api(t, http.StatusOK, http.MethodPatch, "/v2/payment_methods/"+card.ID, c.managerKey, `{"card":{"exp_month":8}}`, "", nil)
	c.api(t, http.StatusOK, http.MethodGet, "/v2/payment_methods", c.managerKey, "", "", nil)
	c.api(t, http.StatusOK, http.MethodGet, "/v2/audit_events?page[size]=250", c.managerKey, "", "", nil)
}

// browser is a portal user: a cookie jar, and redirects not followed.
type browser struct {
	jar    *cookiejar.Jar
	client *http.Client
}

func (c *canaryBackend) newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{jar: jar, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *canaryBackend) get(t *testing.T, b *browser, path string) []byte {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, c.run.url+path, nil)
	resp, page := c.exchange(t, b.client, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s answered %d: %s", path, resp.StatusCode, page)
	}
	return page
}

var csrfPattern = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// submit fills in the first form of page (a portal path) whose action holds
// action and that has the inputs named in fields, as a browser does, and
// posts it. template names the page's template, whose secret inputs the
// fields cover. It returns the status, the redirect and the answer.
func (c *canaryBackend) submit(t *testing.T, b *browser, template, page, action string, fields url.Values) (int, string, []byte) {
	t.Helper()
	var form []byte
	for _, f := range postFormPattern.FindAll(c.get(t, b, page), -1) {
		if hasInputs(f, fields) && bytes.Contains(actionPattern.FindSubmatch(f)[1], []byte(action)) {
			form = f
			break
		}
	}
	if form == nil {
		t.Fatalf("%s has no form to %s with the inputs of %v", page, action, fields)
	}
	to, token := actionPattern.FindSubmatch(form)[1], csrfPattern.FindSubmatch(form)
	if token == nil {
		t.Fatalf("the form of %s has no form token: %s", page, form)
	}
	values := url.Values{"csrf_token": {string(token[1])}}
	for k, v := range fields {
		values[k] = v
	}
	encoded := values.Encode()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, c.run.url+html.UnescapeString(string(to)), strings.NewReader(encoded))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, answer := c.exchange(t, b.client, req)
	c.carried("form posted to "+template, []byte(encoded))
	for name, v := range fields {
		if _, ok := c.values[v[0]]; ok {
			c.sent[template+" "+name] = true
			if resp.StatusCode < 400 {
				c.covered[template+" "+name] = true
			}
		}
	}
	return resp.StatusCode, resp.Header.Get("Location"), answer
}

var actionPattern = regexp.MustCompile(`action="([^"]*)"`)

func hasInputs(form []byte, fields url.Values) bool {
	if actionPattern.Find(form) == nil {
		return false
	}
	for name := range fields {
		if !bytes.Contains(form, []byte(`name="`+name+`"`)) {
			return false
		}
	}
	return true
}

// session registers the browser's portal session cookie as a secret.
func (c *canaryBackend) session(t *testing.T, b *browser, label string) {
	t.Helper()
	root, _ := url.Parse(c.run.url + "/portal/")
	for _, ck := range b.jar.Cookies(root) {
		if ck.Name == "mc_session" {
			c.issued(label, ck.Value)
			return
		}
	}
	t.Fatalf("no session cookie after %s", label)
}

var (
	bootstrapLogPattern = regexp.MustCompile(`"msg":"bootstrap manager ready","account_id":"([^"]+)"`)
	newSecretPattern    = regexp.MustCompile(`id="new-key-secret"[^>]*value="([^"]+)"`)
)

// portalForms: sign-in (wrong and right passwords), a managed account
// created with a password, a card added (and one refused), an API key
// created, acting as a managed account, the managed account's own sign-in.
func (c *canaryBackend) portalForms(t *testing.T) {
	t.Helper()
	found := bootstrapLogPattern.FindStringSubmatch(c.run.logs.String())
	if found == nil {
		t.Fatalf("the log does not name the bootstrap manager's account:\n%s", c.run.logs)
	}
	account := "/portal/accounts/" + found[1]
	b := c.newBrowser(t)
	wrong := c.add("wrong portal password", "pw-wrong-"+canaryHex(10))
	if status, _, _ := c.submit(t, b, "signin", "/portal/sign-in", "/portal/sign-in", url.Values{"email": {c.manager}, "password": {wrong}}); status < 400 {
		t.Fatalf("a wrong password signed in (%d)", status)
	}
	if status, to, _ := c.submit(t, b, "signin", "/portal/sign-in", "/portal/sign-in", url.Values{"email": {c.manager}, "password": {c.password}}); to != "/portal/" {
		t.Fatalf("signing in answered %d to %q", status, to)
	}
	c.session(t, b, "manager's portal session")

	email := "canary-portal-" + canaryHex(4) + "@example.com"
	password := c.add("portal-created account password", "pw-portal-"+canaryHex(10))
	c.clear = append(c.clear, email)
	if status, to, page := c.submit(t, b, "managed_account_new", "/portal/managed-accounts/new", "/portal/managed-accounts", url.Values{
		"business_name": {"Canary Portal " + canaryHex(4)}, "email": {email}, "password": {password},
	}); status != http.StatusSeeOther {
		t.Fatalf("creating a managed account in the portal answered %d to %q: %s", status, to, page)
	}

	year := strconv.Itoa(time.Now().Year() + 2)
	number, cvc := c.addCard(t, "portal card", "4", 16, 3)
	card := url.Values{"card_number": {spaced(number)}, "card_cvc": {cvc}, "exp_month": {"09"}, "exp_year": {year},
		"name": {"Canary Portal Holder"}, "postal_code": {"10001"}, "country": {"US"}}
	if status, to, page := c.submit(t, b, "payment_methods", account+"/payment-methods", "/payment-methods", card); status != http.StatusSeeOther {
		t.Fatalf("adding a card in the portal answered %d to %q: %s", status, to, page)
	}
	refusedNumber, refusedCVC := c.addCard(t, "portal card refused", "4", 16, 3)
	card.Set("card_number", refusedNumber)
	card.Set("card_cvc", refusedCVC+"0")
	if status, _, _ := c.submit(t, b, "payment_methods", account+"/payment-methods", "/payment-methods", card); status != http.StatusUnprocessableEntity {
		t.Fatalf("a card with a wrong CVC answered %d in the portal", status)
	}

	_, _, page := c.submit(t, b, "api_keys", account+"/api-keys", "/api-keys", url.Values{"description": {"portal canary"}})
	secret := newSecretPattern.FindSubmatch(page)
	if secret == nil {
		t.Fatalf("the portal shows no new key: %s", page)
	}
	portalKey := c.issuedKey("portal-created API key", html.UnescapeString(string(secret[1])))
	c.api(t, http.StatusOK, http.MethodGet, "/v2/balance", portalKey, "", "", nil)

	// Acting as the managed account replaces the session.
	if status, _, _ := c.submit(t, b, "managed_accounts", "/portal/managed-accounts", c.managedID+"/log-in-as", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("logging in as a managed account answered %d", status)
	}
	c.session(t, b, "manager's portal session acting as a managed account")

	// The managed account signs in with the password its manager set.
	m := c.newBrowser(t)
	if status, to, _ := c.submit(t, m, "signin", "/portal/sign-in", "/portal/sign-in", url.Values{"email": {c.managedEmail}, "password": {c.managedPassword}}); to != "/portal/" {
		t.Fatalf("the managed account's sign-in answered %d to %q", status, to)
	}
	c.session(t, m, "managed account's portal session")
}

// requireEverySecretFieldCovered fails for every secret member of the served
// OpenAPI document and every secret input of a portal template that no
// accepted request carried a canary through.
func (c *canaryBackend) requireEverySecretFieldCovered(t *testing.T) {
	t.Helper()
	if len(c.requireFields) == 0 {
		t.Fatal("the OpenAPI document marks no request member writeOnly: the suite would cover nothing")
	}
	for _, gap := range coverageGaps(slices.Concat(c.requireFields, secretPortalInputs(t)), c.covered, c.sent) {
		t.Error(gap)
	}
}

// coverageGaps says which of the required secret fields no accepted request
// carried a canary through, and which fields took a canary in an accepted
// request without being marked as secret.
func coverageGaps(required []string, covered, sent map[string]bool) []string {
	var gaps []string
	for _, field := range required {
		if !covered[field] {
			how := "sends no canary through it"
			if sent[field] {
				how = "sends canaries through it only in refused requests"
			}
			gaps = append(gaps, field+" takes a secret, but the canary suite "+how+": add it to TestSecretCanaries")
		}
	}
	for field := range covered {
		if !slices.Contains(required, field) {
			gaps = append(gaps, "a canary was accepted through "+field+", which is not marked as a secret "+
				"(writeOnly in openapi.yaml, or a password or card input of a portal template)")
		}
	}
	slices.Sort(gaps)
	return gaps
}

// scan stops the backend and looks for every needle in what it stored,
// printed and served as metrics, and for the secrets a client sends in every
// answer.
func (c *canaryBackend) scan(t *testing.T) {
	t.Helper()
	running := c.readDataDir(t) // the SQLite file, WAL and SHM while serve runs
	families, metrics := scrapeMetrics(t, c.metricsURL)
	if code := c.run.stop(t); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	needles := c.needles()
	s := newScanner(needles)
	t.Logf("%d canaries, %d carriers, %d derived forms", len(c.secrets), len(c.carriers), len(needles))
	report := func(where string, data []byte) {
		t.Helper()
		for _, what := range s.find(data) {
			t.Errorf("%s holds %s", where, what)
		}
		// A bcrypt hash in the clear is a password open to guessing
		// offline; stored hashes are sealed with the server secret.
		if found := backendtest.BcryptHash.FindAll(data, 3); found != nil {
			t.Errorf("%s holds bcrypt hashes in the clear, such as %q", where, found)
		}
	}
	// positive fails t, the subtest's, unless data holds every value of
	// inClear.
	positive := func(t *testing.T, where string, data []byte, inClear []string) {
		t.Helper()
		for _, v := range inClear {
			if !bytes.Contains(data, []byte(v)) {
				t.Fatalf("%s does not hold %q, which is there in the clear: the scan does not see the data", where, v)
			}
		}
	}

	t.Run("database", func(t *testing.T) {
		if c.databaseURL != "" {
			dump := pgDump(t, c.databaseURL)
			positive(t, "the pg_dump of the database", dump, c.clear)
			report("the pg_dump of the database", dump)
			return
		}
		stopped := c.readDataDir(t)
		for _, files := range []struct {
			when  string
			files map[string][]byte
		}{{"while serve ran", running}, {"after serve stopped", stopped}} {
			var all []byte
			for name, data := range files.files {
				report(name+" ("+files.when+")", data)
				all = append(all, data...)
			}
			positive(t, "the data folder ("+files.when+")", all, c.clear)
		}
		if _, ok := running["reference.db-wal"]; !ok {
			t.Error("no write-ahead log while serve ran: the scan did not see it")
		}
	})
	t.Run("log", func(t *testing.T) {
		logs := []byte(c.run.logs.String())
		positive(t, "the log", logs, []string{`"msg":"request"`, `"path":"/v2/payment_methods"`, `"path":"/portal/sign-in"`})
		report("the log", logs)
		for _, field := range []string{`"cvc"`, `"number"`, `"password"`, `card_number`, `card_cvc`} {
			if bytes.Contains(logs, []byte(field)) {
				t.Errorf("the log carries %s", field)
			}
		}
	})
	t.Run("metrics", func(t *testing.T) {
		positive(t, "the metrics", metrics, []string{`route="POST /v2/payment_methods"`, `route="/portal/"`, `api="v2"`})
		report("the metrics", metrics)
		// Not even what the database keeps in the clear (emails, names),
		// nor an id.
		requireBoundedLabels(t, families, append(slices.Clone(c.clear), c.managedID))
		if id := anyUUID.Find(metrics); id != nil {
			t.Errorf("the metrics hold an id: %s", id)
		}
	})
	t.Run("answers", func(t *testing.T) {
		// The API answers the keys it issues (once) and the manager reads
		// its managed accounts' keys back; nothing a client sent is echoed.
		var sent []needle
		for _, s := range c.secrets {
			if !s.issued && !s.short {
				sent = append(sent, needle{what: "the " + s.label, data: []byte(s.value)})
			}
		}
		positive(t, "the answers", c.answers.Bytes(), []string{"Canary Holder"})
		for _, what := range newScanner(sent).find(c.answers.Bytes()) {
			t.Errorf("an answer echoes %s", what)
		}
		for _, field := range []string{`"cvc"`, `"number"`, `"password"`} {
			if bytes.Contains(c.apiAnswers.Bytes(), []byte(field)) {
				t.Errorf("an API answer carries %s", field)
			}
		}
	})
}

// readDataDir reads every file of the data folder, by name.
func (c *canaryBackend) readDataDir(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	if c.databaseURL != "" {
		return files // the data folder holds nothing on PostgreSQL
	}
	err := filepath.WalkDir(c.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // the WAL went away as serve stopped
		}
		rel, _ := filepath.Rel(c.dataDir, path)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files["reference.db"]) == 0 {
		t.Fatalf("no database in the data folder %s", c.dataDir)
	}
	return files
}

// pgDump dumps the database as pg_dump does for a backup: every row of
// every table, as SQL text.
func pgDump(t *testing.T, databaseURL string) []byte {
	t.Helper()
	tool, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Skipf("pg_dump is not installed (%v): the PostgreSQL database is not scanned; install the PostgreSQL client tools to scan it", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, tool, "--no-owner", "--no-privileges", "--dbname", databaseURL)
	cmd.Stderr = &stderr
	dump, err := cmd.Output()
	if err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, stderr.String())
	}
	return dump
}
