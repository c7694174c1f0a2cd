package portal

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/ratelimit"
)

// signInPage is the sign-in form's content: the email typed, never the
// password.
type signInPage struct {
	Email string
}

// signInBinding is what the sign-in form's token is bound to: the nonce of
// the browser's sign-in cookie, marked so that it can never be taken for a
// session's ID.
func signInBinding(nonce string) string { return "sign-in:" + nonce }

// validNonce tells a nonce this portal made (randomToken) from anything else
// a cookie may hold.
func validNonce(nonce string) bool {
	if len(nonce) != 43 {
		return false
	}
	for _, c := range nonce {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// signInForm shows the sign-in form, or sends a signed-in user home.
func (p *Portal) signInForm(w http.ResponseWriter, r *http.Request) {
	if _, err := p.svc.PortalUser(r.Context(), cookieValue(r, sessionCookie)); err == nil {
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
		return
	}
	p.renderSignIn(&request{w: w, r: r}, http.StatusOK, "", "")
}

// renderSignIn shows the sign-in form with an error (or none), giving the
// browser a sign-in cookie when it has none.
func (p *Portal) renderSignIn(rq *request, status int, email, message string) {
	nonce := cookieValue(rq.r, signInCookie)
	if !validNonce(nonce) {
		nonce = randomToken()
		c := newCookie(rq.r, signInCookie, nonce) //nolint:gosec // G124: newCookie sets every attribute
		c.MaxAge = int(signInCookieMaxAge.Seconds())
		c.SameSite = http.SameSiteStrictMode
		http.SetCookie(rq.w, c)
	}
	v := p.newView(rq, "Sign in", "")
	v.CSRF = p.svc.PortalFormToken(signInBinding(nonce))
	v.Notice = notices[rq.r.URL.Query().Get("done")]
	if message != "" {
		v.Notice = ""
	}
	v.Error = message
	v.Page = signInPage{Email: email}
	p.render(rq, status, "signin", v)
}

// signIn checks the form's token, the rate limits, then the email and
// password, and opens a session. Each sign-in reserves a token of the client
// address's bucket and of the email's before its password is checked, and
// gives them back unless the password was wrong: so no more passwords are
// checked than the limits allow, however many sign-ins arrive at once, and
// a throttled address or email is refused unchecked, so that a guesser
// learns nothing while throttled.
func (p *Portal) signIn(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderSignIn(rq, http.StatusBadRequest, "", "The form could not be read. Try again.")
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if !p.svc.CheckPortalFormToken(signInBinding(cookieValue(r, signInCookie)), r.PostForm.Get(formTokenField)) {
		p.renderSignIn(rq, http.StatusForbidden, email,
			"This sign-in form has expired or did not come from Mission Control. Try again (your browser must accept cookies).")
		return
	}
	// The address first, then the email, always in that order: a sign-in
	// that waits for the email's bucket holds the address's token, and one
	// that holds the email's is not waiting for anything.
	reservations := make([]*ratelimit.Reservation, 0, 2)
	defer func() {
		for _, res := range reservations {
			res.Refund() // nothing, once spent
		}
	}()
	for _, bucket := range []struct {
		limiter *ratelimit.Limiter
		name    string
	}{{p.signInByAddress, ratelimit.ClientAddress(r)}, {p.signInByEmail, strings.ToLower(email)}} {
		res, q, err := bucket.limiter.Reserve(r.Context(), bucket.name)
		if err != nil {
			p.fail(rq, err)
			return
		}
		if !q.Allowed {
			p.signInRefused(true)
			wait := max(1, int(math.Ceil(q.RetryAfter.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			p.renderSignIn(rq, http.StatusTooManyRequests, email,
				"Too many failed sign-ins. Wait "+humanWait(wait)+" and try again.")
			return
		}
		reservations = append(reservations, res)
	}
	token, _, err := p.svc.SignIn(r.Context(), email, r.PostForm.Get("password"))
	switch backend.ErrorKind(err) {
	case backend.EUNAUTHENTICATED:
		for _, res := range reservations {
			res.Spend()
		}
		p.signInRefused(false)
		p.renderSignIn(rq, http.StatusUnauthorized, email, domainDetail(err))
		return
	case backend.EINVALID:
		p.renderSignIn(rq, http.StatusUnprocessableEntity, email, domainDetail(err))
		return
	}
	if err != nil {
		p.fail(rq, err)
		return
	}
	setSessionCookie(w, r, token)
	clearCookie(w, r, signInCookie)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

// humanWait renders a wait in seconds as the page says it.
func humanWait(seconds int) string {
	switch {
	case seconds < 60:
		return "a minute"
	case seconds < 120:
		return "2 minutes"
	}
	return strconv.Itoa((seconds+59)/60) + " minutes"
}

// signOut ends the session.
func (p *Portal) signOut(rq *request) error {
	if err := p.svc.SignOut(rq.r.Context(), rq.token); err != nil {
		return err
	}
	clearCookie(rq.w, rq.r, sessionCookie)
	return redirect(rq, "/portal/sign-in", "signed-out")
}
