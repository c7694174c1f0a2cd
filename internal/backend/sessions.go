package backend

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// The Mission Control portal's rules (DESIGN 2.3, 2.5): an account's user signs
// in with its email and password, and a manager may then act as one of its
// managed accounts ("log in as"). Sessions are kept in the database, so that
// they survive a restart and work on every replica, under the SHA-256 of a
// random token: the browser's cookie holds the token, the database never does.
// The portal's pages call the service as PortalUser.Caller, so that every
// rule of the API (tenancy, hidden prices, audit) holds in the portal too.

// Portal session lifetimes.
const (
	// PortalSessionIdleTimeout ends a session that has not been used for
	// this long.
	PortalSessionIdleTimeout = 30 * time.Minute
	// PortalSessionMaxAge ends a session this long after its sign-in,
	// however busy: acting as another account keeps the sign-in time.
	PortalSessionMaxAge = 12 * time.Hour
	// portalTouchInterval is how stale a session's LastSeenAt may get, so
	// that a page view is not a database write every time.
	portalTouchInterval = time.Minute
	// portalPurgeBatch bounds the expired sessions a sign-in deletes.
	portalPurgeBatch = 100
)

// PortalSession is a signed-in browser session as stored.
type PortalSession struct {
	// ID is the keyed hash of the session's token (Secrets.PortalSessionID).
	ID        string
	AccountID string // the account that signed in
	// ActingAsID is the managed account its manager acts as; empty when the
	// session shows the signed-in account itself.
	ActingAsID string
	// CreatedAt is the sign-in time, kept when acting as another account
	// replaces the session.
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // CreatedAt + PortalSessionMaxAge
}

func newPortalToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// PortalUser is a live portal session: who signed in, and whom it acts as.
type PortalUser struct {
	Session *PortalSession
	Account *Account // the signed-in account
	// ActingAs is the managed account the manager acts as; nil when none.
	ActingAs *Account
	// ActingEnded is set when the session acts as an account that may no
	// longer be acted as (disabled, cancelled, or no longer this manager's):
	// the user then sees its own account, and the portal should StopActing.
	ActingEnded bool
}

// Caller is who the portal's pages act as: the managed account acted as,
// with the changes audited as its manager's, or the signed-in account.
func (u *PortalUser) Caller() *Caller {
	if u.ActingAs != nil {
		return &Caller{Account: u.ActingAs, ActingAs: ChangeByAccountManager, ActorAccountID: u.Account.ID}
	}
	return &Caller{Account: u.Account, ActingAs: ChangeByAccountOwner}
}

// CallerFor returns the caller of the pages about accountID: the session's
// own account, or the managed account it acts as. Returns ENOTFOUND for any
// other account, so that a user cannot tell another account's pages from
// pages that do not exist.
func (u *PortalUser) CallerFor(accountID string) (*Caller, error) {
	c := u.Caller()
	if c.Account.ID != accountID {
		return nil, NotFound("Account")
	}
	return c, nil
}

// dummyPasswordHashes holds, per bcrypt cost, a hash that a sign-in checks
// when there is no password to check (an unknown email, or a hash that does
// not open with this server secret), so that the answer takes as long as for
// a real account and does not tell which emails exist.
var dummyPasswordHashes sync.Map

func (s *Service) dummyPasswordHash() string {
	if h, ok := dummyPasswordHashes.Load(s.secrets.PasswordCost); ok {
		hash, _ := h.(string)
		return hash
	}
	h, err := bcrypt.GenerateFromPassword([]byte(randomHex(16)), s.secrets.PasswordCost)
	if err != nil {
		return ""
	}
	actual, _ := dummyPasswordHashes.LoadOrStore(s.secrets.PasswordCost, string(h))
	hash, _ := actual.(string)
	return hash
}

// checkPassword is Secrets.CheckPassword, counted (PasswordChecks), and as
// slow when stored holds no hash to check.
func (s *Service) checkPassword(stored, password string) bool {
	s.passwordChecks.Add(1)
	hash, ok := s.secrets.openPasswordHash(stored)
	if !ok {
		hash = s.dummyPasswordHash()
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil && ok
}

// PasswordChecks is how many passwords the service has compared with a
// bcrypt hash since it started, the stand-in hash of an unknown email
// included: the work that the portal's sign-in limits bound, which tests
// count by it.
func (s *Service) PasswordChecks() uint64 { return s.passwordChecks.Load() }

// errSignInFailed is the one answer to a wrong email or password: which of
// the two was wrong is not told.
func errSignInFailed() error {
	return Errorf(EUNAUTHENTICATED, "The email or password is not right.")
}

// SignIn checks an account's email and password and opens a portal session.
// It returns the session's token, which only the browser keeps. Anyone may
// call it. Returns EINVALID when the email or password is blank, and
// EUNAUTHENTICATED when they do not match an account that may sign in (a
// disabled account is told so, once its password is right).
func (s *Service) SignIn(ctx context.Context, email, password string) (string, *PortalUser, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", nil, InvalidField("/email", "Enter your email address.")
	}
	if password == "" {
		return "", nil, InvalidField("/password", "Enter your password.")
	}
	var a *Account
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		a, err = tx.GetAccountByEmail(ctx, email)
		if ErrorKind(err) == ENOTFOUND {
			a = nil
			return nil
		}
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if a == nil || a.Status == StatusCancelled || a.PasswordHash == "" {
		s.checkPassword("", password) // the same work as for a real account
		return "", nil, errSignInFailed()
	}
	if len(password) > maxPasswordLen || !s.checkPassword(a.PasswordHash, password) {
		return "", nil, errSignInFailed()
	}
	if a.Status != StatusEnabled {
		return "", nil, Errorf(EUNAUTHENTICATED, "This account is disabled. Ask its manager to enable it.")
	}
	token := newPortalToken()
	now := s.timestamp()
	sess := &PortalSession{ID: s.secrets.PortalSessionID(token), AccountID: a.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(PortalSessionMaxAge)}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if _, err := tx.PurgePortalSessions(ctx, now, now.Add(-PortalSessionIdleTimeout), portalPurgeBatch); err != nil {
			return err
		}
		if err := tx.InsertPortalSession(ctx, sess); err != nil {
			return err
		}
		return s.audit(ctx, tx, &Caller{Account: a, ActingAs: ChangeByAccountOwner}, a.ID, "portal.sign_in", map[string]any{})
	})
	if err != nil {
		return "", nil, err
	}
	return token, &PortalUser{Session: sess, Account: a}, nil
}

// errSessionEnded is the answer to a token that opens no live session.
func errSessionEnded() error {
	return Errorf(EUNAUTHENTICATED, "Your session has ended. Sign in again.")
}

// loadPortalUser resolves a token to its live session. Returns
// EUNAUTHENTICATED when there is none, it has expired (idle or absolute),
// or its account may no longer sign in.
func (s *Service) loadPortalUser(ctx context.Context, tx Tx, token string) (*PortalUser, error) {
	if token == "" {
		return nil, errSessionEnded()
	}
	sess, err := tx.GetPortalSession(ctx, s.secrets.PortalSessionID(token))
	if ErrorKind(err) == ENOTFOUND {
		return nil, errSessionEnded()
	} else if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= PortalSessionIdleTimeout {
		return nil, errSessionEnded()
	}
	a, err := tx.GetAccount(ctx, sess.AccountID)
	if err != nil {
		return nil, err
	}
	if a.Status != StatusEnabled {
		return nil, errSessionEnded()
	}
	u := &PortalUser{Session: sess, Account: a}
	if sess.ActingAsID == "" {
		return u, nil
	}
	target, err := tx.GetAccount(ctx, sess.ActingAsID)
	if err != nil && ErrorKind(err) != ENOTFOUND {
		return nil, err
	}
	if err != nil || target.ManagerID != a.ID || target.Status != StatusEnabled {
		u.ActingEnded = true
		return u, nil
	}
	u.ActingAs = target
	return u, nil
}

// PortalUser returns the live session of token, touching it at most once a
// minute. Returns EUNAUTHENTICATED when the token opens no live session.
func (s *Service) PortalUser(ctx context.Context, token string) (*PortalUser, error) {
	var u *PortalUser
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		u, err = s.loadPortalUser(ctx, tx, token)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.now().Sub(u.Session.LastSeenAt) >= portalTouchInterval {
		// A failed touch must not fail the page: it only delays the idle
		// expiry by what the session already had.
		at := s.timestamp()
		if s.store.WriteTx(ctx, func(tx Tx) error { return tx.TouchPortalSession(ctx, u.Session.ID, at) }) == nil {
			u.Session.LastSeenAt = at
		}
	}
	return u, nil
}

// SignOut ends the session of token. Ending a session that has already
// ended is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.DeletePortalSession(ctx, s.secrets.PortalSessionID(token)); err != nil && ErrorKind(err) != ENOTFOUND {
			return err
		}
		return nil
	})
}

// replaceSession stores a new session for u's sign-in acting as actingAsID
// ("" for none) and deletes the old one, so that a change of the account a
// session acts as also changes its token (and the forms' tokens with it).
func (s *Service) replaceSession(ctx context.Context, tx Tx, u *PortalUser, actingAsID string) (string, error) {
	token := newPortalToken()
	old := u.Session
	next := &PortalSession{
		ID: s.secrets.PortalSessionID(token), AccountID: old.AccountID, ActingAsID: actingAsID,
		CreatedAt: old.CreatedAt, LastSeenAt: s.timestamp(), ExpiresAt: old.ExpiresAt,
	}
	if err := tx.InsertPortalSession(ctx, next); err != nil {
		return "", err
	}
	if err := tx.DeletePortalSession(ctx, old.ID); err != nil {
		return "", err
	}
	return token, nil
}

// ActAs switches the session of token to one of its manager's managed
// accounts ("log in as"), and records the switch in the audit log as the
// manager's. It returns the session's new token: the old one stops working.
// Returns EUNAUTHENTICATED when the session has ended, ENOTFOUND when the
// account is not one of the signed-in manager's (or the user is no manager),
// and EINVALID when the account is disabled.
func (s *Service) ActAs(ctx context.Context, token, managedAccountID string) (string, error) {
	var newToken string
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		u, err := s.loadPortalUser(ctx, tx, token)
		if err != nil {
			return err
		}
		if !u.Account.IsManager() {
			return NotFound("Managed account")
		}
		manager := &Caller{Account: u.Account, ActingAs: ChangeByAccountOwner}
		target, err := managedAccountOf(ctx, tx, manager, managedAccountID)
		if err != nil {
			return err
		}
		if target.Status != StatusEnabled {
			return InvalidField("/", "%s is disabled: enable it before logging in as it.", target.OrganizationName)
		}
		if newToken, err = s.replaceSession(ctx, tx, u, target.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, manager, target.ID, "portal.act_as", map[string]any{"manager_account_id": u.Account.ID})
	})
	return newToken, err
}

// StopActing returns the session of token to the signed-in manager's own
// view, and records the end of acting in the audit log. It returns the
// session's new token, or token itself when the session was not acting.
// Returns EUNAUTHENTICATED when the session has ended.
func (s *Service) StopActing(ctx context.Context, token string) (string, error) {
	newToken := token
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		newToken = token // a run again (PostgreSQL) starts afresh
		u, err := s.loadPortalUser(ctx, tx, token)
		if err != nil {
			return err
		}
		actedAs := u.Session.ActingAsID
		if actedAs == "" {
			return nil
		}
		if newToken, err = s.replaceSession(ctx, tx, u, ""); err != nil {
			return err
		}
		if u.ActingEnded {
			return nil // the account is gone or disabled: nothing was done as it
		}
		manager := &Caller{Account: u.Account, ActingAs: ChangeByAccountOwner}
		return s.audit(ctx, tx, manager, actedAs, "portal.act_as_end", map[string]any{"manager_account_id": u.Account.ID})
	})
	return newToken, err
}

// portalFormPurpose separates the portal's form tokens from any other
// signature made with the link key.
const portalFormPurpose = "portal-form"

// PortalFormToken returns the anti-forgery token that the portal's forms
// carry, bound to binding: a session's ID, or the nonce of the sign-in
// form's cookie. Only the server can make one (it is keyed with the server
// secret), and one binding's token is worthless for another.
func (s *Service) PortalFormToken(binding string) string {
	return s.secrets.SignLink(portalFormPurpose, binding)
}

// CheckPortalFormToken reports, in constant time, whether token is the
// form token of binding.
func (s *Service) CheckPortalFormToken(binding, token string) bool {
	return binding != "" && token != "" && s.secrets.VerifyLink(token, portalFormPurpose, binding)
}

// ManagedAccountSummary is a managed account with its balance, as its
// manager's list shows it.
type ManagedAccountSummary struct {
	Account *Account
	Balance *Balance
}

// ManagedAccountSummaries returns a page of the caller's managed accounts,
// each with its balance. Returns EFORBIDDEN for a managed-account caller and
// EBADREQUEST for a bad query (as ListManagedAccounts).
func (s *Service) ManagedAccountSummaries(ctx context.Context, c *Caller, q ManagedAccountQuery) ([]ManagedAccountSummary, PageMeta, error) {
	if err := requireManager(c); err != nil {
		return nil, PageMeta{}, err
	}
	if err := validateQuery(&q); err != nil {
		return nil, PageMeta{}, err
	}
	if q.MatchNone {
		return []ManagedAccountSummary{}, NewPageMeta(q.Page, 0), nil
	}
	var (
		out   []ManagedAccountSummary
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		list, n, err := tx.ListManagedAccounts(ctx, c.Account.ID, q)
		if err != nil {
			return err
		}
		total, out = n, make([]ManagedAccountSummary, 0, len(list))
		for _, a := range list {
			b, err := s.balanceOf(ctx, tx, a)
			if err != nil {
				return err
			}
			out = append(out, ManagedAccountSummary{Account: a, Balance: b})
		}
		return nil
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return out, NewPageMeta(q.Page, total), nil
}

// SetAccountPassword sets an account's portal password, for the operator
// (the bootstrap manager of a demo). It writes, and audits, only when the
// password is not already the account's, so that running it at every start
// changes nothing. Returns ENOTFOUND for an unknown account and EINVALID for
// a password out of bounds.
func (s *Service) SetAccountPassword(ctx context.Context, id, password string) error {
	var current *Account
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		current, err = tx.GetAccount(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	if len(password) <= maxPasswordLen && s.checkPassword(current.PasswordHash, password) {
		return nil
	}
	hash, err := s.hashPassword("/password", &password)
	if err != nil {
		return err
	}
	_, err = s.operatorMutate(ctx, id, "account.set_password", func(a *Account, changes map[string]any) error {
		a.PasswordHash = hash
		changes["password_changed"] = true
		return nil
	})
	return err
}
