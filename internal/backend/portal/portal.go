// Package portal is Mission Control, the reference backend's web portal under
// /portal/: a manager sees its managed accounts at a glance and can log in as
// any of them; a managed account's user sees its own usage, balance,
// invoices, payment methods and API keys, never a price.
//
// Pages are rendered on the server (html/template, embedded assets, SVG
// charts) and work without JavaScript. Every page calls backend.Service as
// the session's caller (backend.PortalUser), so the API's rules hold here
// too: tenancy, hidden prices and the audit log live in the domain, never in
// a handler.
//
// Sessions are stored by the domain in the database, so they survive a
// restart and work across replicas. The session cookie is HttpOnly,
// SameSite=Lax, Path=/portal, and Secure unless the request came over plain
// HTTP to a loopback listener (a developer's machine): behind a proxy that
// terminates TLS the browser sees HTTPS, and on any other plain-HTTP
// address the browser does not send the cookie back, by design. Every form
// carries an anti-forgery token bound to the session (or, on the sign-in
// form, to a cookie of its own), checked in constant time on every POST; a
// POST without it is refused with 403. Failed sign-ins are rate limited per
// client address and per email.
package portal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/ratelimit"
)

// Options configure the portal.
type Options struct {
	// Logger receives the portal's internal errors; nil discards them.
	Logger *slog.Logger
	// SignInAddressRate is the failed sign-ins per second one client address
	// may make on average, and SignInAddressBurst how many at once; 0 means
	// the default (10 a minute, 10 at once), below 0 no limit.
	SignInAddressRate  float64
	SignInAddressBurst int
	// SignInEmailRate and SignInEmailBurst limit the failed sign-ins for one
	// email, from any address; 0 means the default (1 a minute, 5 at once),
	// below 0 no limit.
	SignInEmailRate  float64
	SignInEmailBurst int
	// Now is the rate limiters' clock (nil: time.Now), for tests.
	Now func() time.Time
	// SignInRefused, when set, is told of every sign-in refused for a wrong
	// email or password (throttled false) or by the limits above (throttled
	// true), for the metrics.
	SignInRefused func(throttled bool)
}

// Default sign-in limits: a person who mistypes a password is never slowed;
// a guesser gets a handful of tries a minute.
const (
	defaultSignInAddressRate  = 10.0 / 60
	defaultSignInAddressBurst = 10
	defaultSignInEmailRate    = 1.0 / 60
	defaultSignInEmailBurst   = 5
)

// Cookie and form names.
const (
	sessionCookie = "mc_session"
	// signInCookie carries the nonce that the sign-in form's token is bound
	// to, before there is a session.
	signInCookie   = "mc_signin"
	cookiePath     = "/portal"
	formTokenField = "csrf_token"
	// signInCookieMaxAge is how long a sign-in form stays usable.
	signInCookieMaxAge = 12 * time.Hour
	// maxFormBytes bounds a form's body: the largest form is the card form.
	maxFormBytes = 16 << 10
)

// securityPolicy allows the portal's own stylesheet and nothing else that
// loads or runs: no script at all, forms posting to the portal only, no
// framing.
const securityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Portal serves the pages under /portal/.
type Portal struct {
	svc    *backend.Service
	logger *slog.Logger
	mux    *http.ServeMux
	pages  pageTemplates
	// signInByAddress and signInByEmail are drained by failed sign-ins only.
	signInByAddress, signInByEmail *ratelimit.Limiter
	// signInRefused is Options.SignInRefused, never nil.
	signInRefused func(throttled bool)
}

// New returns the portal's handler of the paths under /portal/.
func New(svc *backend.Service, opts Options) *Portal {
	p := &Portal{
		svc: svc, logger: opts.Logger, mux: http.NewServeMux(), pages: mustParsePages(),
		signInByAddress: newSignInLimiter(opts.SignInAddressRate, opts.SignInAddressBurst, defaultSignInAddressRate, defaultSignInAddressBurst, opts.Now),
		signInByEmail:   newSignInLimiter(opts.SignInEmailRate, opts.SignInEmailBurst, defaultSignInEmailRate, defaultSignInEmailBurst, opts.Now),
		signInRefused:   opts.SignInRefused,
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.signInRefused == nil {
		p.signInRefused = func(bool) {}
	}
	p.routes()
	return p
}

func newSignInLimiter(rate float64, burst int, defaultRate float64, defaultBurst int, now func() time.Time) *ratelimit.Limiter {
	if rate == 0 {
		rate, burst = defaultRate, defaultBurst
	}
	return ratelimit.New(rate, burst, now) // nil, no limit, when rate < 0
}

func (p *Portal) routes() {
	p.mux.HandleFunc("GET /portal/static/portal.css", p.stylesheet)
	p.mux.HandleFunc("GET /portal/sign-in", p.signInForm)
	p.mux.HandleFunc("POST /portal/sign-in", p.signIn)
	p.mux.HandleFunc("POST /portal/sign-out", p.signedIn(p.signOut))
	p.mux.HandleFunc("GET /portal/{$}", p.signedIn(p.home))

	p.mux.HandleFunc("GET /portal/managed-accounts", p.signedIn(p.managedAccounts))
	p.mux.HandleFunc("GET /portal/managed-accounts/new", p.signedIn(p.newManagedAccountForm))
	p.mux.HandleFunc("POST /portal/managed-accounts", p.signedIn(p.createManagedAccount))
	p.mux.HandleFunc("POST /portal/managed-accounts/{id}/disable", p.signedIn(p.setManagedAccountStatus(false)))
	p.mux.HandleFunc("POST /portal/managed-accounts/{id}/enable", p.signedIn(p.setManagedAccountStatus(true)))
	p.mux.HandleFunc("POST /portal/managed-accounts/{id}/log-in-as", p.signedIn(p.logInAs))
	p.mux.HandleFunc("POST /portal/return", p.signedIn(p.returnToManager))

	p.mux.HandleFunc("GET /portal/accounts/{id}", p.signedIn(p.account(p.overview)))
	p.mux.HandleFunc("GET /portal/accounts/{id}/pricing", p.signedIn(p.account(p.pricing)))
	p.mux.HandleFunc("GET /portal/accounts/{id}/invoices", p.signedIn(p.account(p.invoices)))
	p.mux.HandleFunc("GET /portal/accounts/{id}/invoices/{invoice}/document", p.signedIn(p.account(p.invoiceDocument)))
	p.mux.HandleFunc("GET /portal/accounts/{id}/payment-methods", p.signedIn(p.account(p.paymentMethods)))
	p.mux.HandleFunc("POST /portal/accounts/{id}/payment-methods", p.signedIn(p.account(p.addCard)))
	p.mux.HandleFunc("POST /portal/accounts/{id}/payment-methods/{method}/default", p.signedIn(p.account(p.setDefaultCard)))
	p.mux.HandleFunc("POST /portal/accounts/{id}/payment-methods/{method}/remove", p.signedIn(p.account(p.removeCard)))
	p.mux.HandleFunc("GET /portal/accounts/{id}/api-keys", p.signedIn(p.account(p.apiKeys)))
	p.mux.HandleFunc("POST /portal/accounts/{id}/api-keys", p.signedIn(p.account(p.createAPIKey)))
	p.mux.HandleFunc("POST /portal/accounts/{id}/api-keys/{key}/revoke", p.signedIn(p.account(p.revokeAPIKey)))
	p.mux.HandleFunc("GET /portal/accounts/{id}/notifications", p.signedIn(p.account(p.notifications)))

	// Anything else under /portal/, whatever its method: a page of its own,
	// not the mux's plain-text answer.
	p.mux.HandleFunc("/portal/", p.notFound)
}

// ServeHTTP serves a request under /portal/ with the portal's security
// headers.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", securityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	p.mux.ServeHTTP(w, r)
}

// request is one signed-in request: the session, and the caller of the
// account page it asks for (account pages only).
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	user   *backend.PortalUser
	token  string
	caller *backend.Caller
}

type pageHandler func(rq *request) error

// signedIn runs h for a live session, and checks the form token of a POST
// first. A request without a live session goes to the sign-in page; a POST
// whose form token does not match its session is refused with 403.
func (p *Portal) signedIn(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := cookieValue(r, sessionCookie)
		u, err := p.svc.PortalUser(r.Context(), token)
		if backend.ErrorKind(err) == backend.EUNAUTHENTICATED {
			target := "/portal/sign-in"
			if token != "" {
				clearCookie(w, r, sessionCookie)
				target += "?done=session-ended"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		rq := &request{w: w, r: r, user: u, token: token}
		if err != nil {
			p.fail(rq, err)
			return
		}
		if u.ActingEnded {
			// The account acted as went away (disabled, say): back to the
			// manager's own view, with a session of its own, whatever the
			// request was (a form made while acting is void).
			if err := p.replaceSession(rq, p.svc.StopActing); err != nil {
				p.fail(rq, err)
				return
			}
			_ = redirect(rq, "/portal/managed-accounts", "acting-ended")
			return
		}
		if r.Method == http.MethodPost && !p.checkForm(w, r, rq.user.Session.ID) {
			p.renderError(rq, http.StatusForbidden, "This form has expired",
				"The page you sent it from is out of date or was not made by Mission Control. Go back, reload the page and try again.")
			return
		}
		if err := h(rq); err != nil {
			p.fail(rq, err)
		}
	}
}

// replaceSession runs a change of the session that gives it a new token
// (acting as an account, or ending it), sets the new cookie, and loads the
// session again.
func (p *Portal) replaceSession(rq *request, change func(ctx context.Context, token string) (string, error)) error {
	token, err := change(rq.r.Context(), rq.token)
	if err != nil {
		return err
	}
	u, err := p.svc.PortalUser(rq.r.Context(), token)
	if err != nil {
		return err
	}
	setSessionCookie(rq.w, rq.r, token)
	rq.token, rq.user = token, u
	return nil
}

// account runs h as the caller of the account page's {id}: the session's
// own account or the one it acts as. Any other id is not found.
func (p *Portal) account(h pageHandler) pageHandler {
	return func(rq *request) error {
		c, err := rq.user.CallerFor(rq.r.PathValue("id"))
		if err != nil {
			return err
		}
		rq.caller = c
		return h(rq)
	}
}

// checkForm parses a POST's form (bounded) and checks its anti-forgery
// token against binding in constant time.
func (p *Portal) checkForm(w http.ResponseWriter, r *http.Request, binding string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return false
	}
	return p.svc.CheckPortalFormToken(binding, r.PostForm.Get(formTokenField))
}

// fail renders err as an error page: not found (also for the pages of
// accounts the session may not see), forbidden, unavailable, or internal.
func (p *Portal) fail(rq *request, err error) {
	var status int
	var title, detail string
	switch kind := backend.ErrorKind(err); kind {
	case backend.ENOTFOUND:
		status, title, detail = http.StatusNotFound, "Page not found", "There is no such page, or it is not yours to see."
	case backend.EFORBIDDEN:
		status, title, detail = http.StatusForbidden, "Not available", "This page is not available to this account."
	case backend.EINVALID, backend.ECONFLICT, backend.EBADREQUEST:
		status, title, detail = http.StatusUnprocessableEntity, "That did not work", domainDetail(err)
	case backend.EUNAVAILABLE:
		rq.w.Header().Set("Retry-After", "1")
		status, title, detail = http.StatusServiceUnavailable, "Try again shortly", "The database does not answer right now. Reload the page in a moment."
	default:
		if rq.r.Context().Err() != nil {
			return // the browser went away: nobody to answer
		}
		p.logger.LogAttrs(rq.r.Context(), slog.LevelError, "portal: internal error",
			slog.String("path", rq.r.URL.Path), slog.String("error", err.Error()))
		status, title, detail = http.StatusInternalServerError, "Something went wrong", "The page could not be shown. The error has been logged."
	}
	p.renderError(rq, status, title, detail)
}

// domainDetail is the detail of a domain error, which is safe to show.
func domainDetail(err error) string {
	if e, ok := asDomainError(err); ok {
		return e.Detail
	}
	return "The request could not be completed."
}

func asDomainError(err error) (*backend.Error, bool) { return errors.AsType[*backend.Error](err) }

// notFound answers any path the portal does not serve.
func (p *Portal) notFound(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r}
	if u, err := p.svc.PortalUser(r.Context(), cookieValue(r, sessionCookie)); err == nil {
		rq.user = u // the page keeps the signed-in header and banner
	}
	p.fail(rq, backend.NotFound("Page"))
}

// home sends the user to its start page: a manager to its managed
// accounts, anyone else (or a manager acting as an account) to the
// account's overview.
func (p *Portal) home(rq *request) error {
	c := rq.user.Caller()
	if c.Account.IsManager() {
		http.Redirect(rq.w, rq.r, "/portal/managed-accounts", http.StatusSeeOther)
		return nil
	}
	http.Redirect(rq.w, rq.r, accountURL(c.Account.ID, ""), http.StatusSeeOther)
	return nil
}

// ---------------------------------------------------------------- cookies

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// secureCookies tells whether cookies must be Secure: always, unless the
// request came over plain HTTP to a loopback listener.
func secureCookies(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok && addr.IP.IsLoopback() {
		return false
	}
	return true
}

func newCookie(r *http.Request, name, value string) *http.Cookie {
	// Secure is decided per request (secureCookies), which gosec cannot see.
	return &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode} //nolint:gosec // G124: see secureCookies
}

// setSessionCookie sets the session cookie for the browser's session: it
// ends when the browser closes, or earlier with the session itself.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, newCookie(r, sessionCookie, token))
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	c := newCookie(r, name, "") //nolint:gosec // G124: newCookie sets every attribute
	c.MaxAge = -1
	http.SetCookie(w, c)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
