package backend_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// portalEnv is a manager with a password, one managed account with a
// password and one without, on a service whose clock the test moves.
type portalEnv struct {
	*env
	clock              *backendtest.ManualClock
	manager            *backend.Account
	managerCaller      *backend.Caller
	managed, noSignIn  *backend.ManagedAccountView
	managerPW, userPW  string
	managerEmail       string
	managedEmail       string
	otherManagerCaller *backend.Caller
}

func newPortalEnv(t *testing.T) *portalEnv {
	t.Helper()
	e := &portalEnv{env: newEnv(t), clock: backendtest.NewManualClock(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)),
		managerPW: "manager password", userPW: "user password",
		managerEmail: "portal-manager@example.com", managedEmail: "portal-user@example.com"}
	e.svc.SetClock(e.clock.Now)
	e.manager, _, e.managerCaller = e.env.manager(backend.CreateManagerInput{Email: ptr(e.managerEmail), Password: ptr(e.managerPW)})
	e.managed = e.env.managed(e.managerCaller, backend.CreateManagedAccountInput{
		BusinessName: ptr("Acme Rockets"), Email: ptr(e.managedEmail), Password: ptr(e.userPW)})
	e.noSignIn = e.env.managed(e.managerCaller, backend.CreateManagedAccountInput{BusinessName: ptr("No Password")})
	_, _, e.otherManagerCaller = e.env.manager(backend.CreateManagerInput{})
	return e
}

func (e *portalEnv) signIn(email, password string) (string, *backend.PortalUser) {
	e.t.Helper()
	token, u, err := e.svc.SignIn(e.ctx, email, password)
	if err != nil {
		e.t.Fatalf("SignIn(%s): %v", email, err)
	}
	return token, u
}

func (e *portalEnv) user(token string) *backend.PortalUser {
	e.t.Helper()
	u, err := e.svc.PortalUser(e.ctx, token)
	if err != nil {
		e.t.Fatalf("PortalUser: %v", err)
	}
	return u
}

// auditOf returns the actions of the audit log about accountID, oldest
// first, with who made them.
func (e *portalEnv) auditOf(accountID string) []*backend.AuditEvent {
	e.t.Helper()
	events, _, err := e.svc.OperatorAuditEvents(e.ctx, backend.AuditFilter{AccountID: accountID, Page: backend.Page{Size: backend.MaxPageSize}})
	if err != nil {
		e.t.Fatalf("OperatorAuditEvents: %v", err)
	}
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return events
}

func TestSignInChecksEmailAndPassword(t *testing.T) {
	e := newPortalEnv(t)
	token, u := e.signIn("  PORTAL-Manager@Example.com ", e.managerPW)
	if token == "" || u.Account.ID != e.manager.ID || u.ActingAs != nil {
		t.Fatalf("signed in as %+v (acting %v), want the manager", u.Account, u.ActingAs)
	}
	plain := sha256.Sum256([]byte(token))
	if id, err := hex.DecodeString(u.Session.ID); err != nil || len(id) != sha256.Size || u.Session.ID == hex.EncodeToString(plain[:]) {
		t.Errorf("session id %q: want the keyed hash of the token, never the token nor its plain SHA-256", u.Session.ID)
	}
	if got := e.user(token); got.Account.ID != e.manager.ID {
		t.Errorf("PortalUser = %s, want the manager", got.Account.ID)
	}
	if _, u := e.signIn(e.managedEmail, e.userPW); u.Account.ID != e.managed.Account.ID {
		t.Errorf("the managed account's user signed in as %s", u.Account.ID)
	}

	disabled := e.env.managed(e.managerCaller, backend.CreateManagedAccountInput{Email: ptr("disabled@example.com"), Password: ptr("disabled password")})
	if _, err := e.svc.SetManagedAccountStatus(e.ctx, e.managerCaller, disabled.Account.ID, false); err != nil {
		t.Fatal(err)
	}
	cancelled := e.env.managed(e.managerCaller, backend.CreateManagedAccountInput{Email: ptr("cancelled@example.com"), Password: ptr("cancelled password")})
	if _, err := e.svc.CancelAccount(e.ctx, cancelled.Account.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, email, password string
		kind                  backend.Kind
		detail                string
	}{
		{"WrongPassword", e.managerEmail, "not the password", backend.EUNAUTHENTICATED, "email or password is not right"},
		{"UnknownEmail", "nobody@example.com", e.managerPW, backend.EUNAUTHENTICATED, "email or password is not right"},
		{"AccountWithoutPassword", e.noSignIn.Account.Email, "anything at all", backend.EUNAUTHENTICATED, "email or password is not right"},
		{"CancelledAccount", "cancelled@example.com", "cancelled password", backend.EUNAUTHENTICATED, "email or password is not right"},
		{"DisabledAccount", "disabled@example.com", "disabled password", backend.EUNAUTHENTICATED, "disabled"},
		{"BlankEmail", " ", e.managerPW, backend.EINVALID, "email"},
		{"BlankPassword", e.managerEmail, "", backend.EINVALID, "password"},
		{"PasswordOverBcryptsLimit", e.managerEmail, e.managerPW + string(make([]byte, 80)), backend.EUNAUTHENTICATED, "not right"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, u, err := e.svc.SignIn(e.ctx, tc.email, tc.password)
			if token != "" || u != nil {
				t.Errorf("SignIn opened a session")
			}
			wantErr(t, err, tc.kind, tc.detail)
		})
	}
}

func TestPortalSessionsExpireIdleAndAbsolute(t *testing.T) {
	e := newPortalEnv(t)
	idle, _ := e.signIn(e.managerEmail, e.managerPW)
	busy, _ := e.signIn(e.managerEmail, e.managerPW)
	// The busy session is used every 20 minutes; the idle one is not.
	for elapsed := time.Duration(0); elapsed < backend.PortalSessionMaxAge-20*time.Minute; elapsed += 20 * time.Minute {
		e.clock.Advance(20 * time.Minute)
		e.user(busy)
	}
	_, err := e.svc.PortalUser(e.ctx, idle)
	wantErr(t, err, backend.EUNAUTHENTICATED, "session has ended")
	e.clock.Advance(20 * time.Minute) // past 12 hours since the sign-in
	_, err = e.svc.PortalUser(e.ctx, busy)
	wantErr(t, err, backend.EUNAUTHENTICATED, "session has ended")
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := newPortalEnv(t)
	token, _ := e.signIn(e.managerEmail, e.managerPW)
	other, _ := e.signIn(e.managerEmail, e.managerPW)
	if err := e.svc.SignOut(e.ctx, token); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	_, err := e.svc.PortalUser(e.ctx, token)
	wantErr(t, err, backend.EUNAUTHENTICATED, "session has ended")
	e.user(other) // another browser's session goes on
	if err := e.svc.SignOut(e.ctx, token); err != nil {
		t.Errorf("signing out twice: %v, want nothing", err)
	}
}

func TestDisablingAnAccountEndsItsSessions(t *testing.T) {
	e := newPortalEnv(t)
	token, _ := e.signIn(e.managedEmail, e.userPW)
	if _, err := e.svc.SetManagedAccountStatus(e.ctx, e.managerCaller, e.managed.Account.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.PortalUser(e.ctx, token)
	wantErr(t, err, backend.EUNAUTHENTICATED, "session has ended")
}

func TestActAsSwitchesTheSessionAndIsAudited(t *testing.T) {
	e := newPortalEnv(t)
	token, _ := e.signIn(e.managerEmail, e.managerPW)
	e.clock.Advance(time.Second) // the audit log orders events by time
	acting, err := e.svc.ActAs(e.ctx, token, e.managed.Account.ID)
	if err != nil {
		t.Fatalf("ActAs: %v", err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.svc.PortalUser(e.ctx, token); backend.ErrorKind(err) != backend.EUNAUTHENTICATED {
		t.Errorf("the token before the switch: %v, want it ended", err)
	}
	u := e.user(acting)
	if u.ActingAs == nil || u.ActingAs.ID != e.managed.Account.ID || u.Account.ID != e.manager.ID {
		t.Fatalf("user = %s acting as %v, want the manager acting as %s", u.Account.ID, u.ActingAs, e.managed.Account.ID)
	}
	c := u.Caller()
	if c.Account.ID != e.managed.Account.ID || c.ActingAs != backend.ChangeByAccountManager {
		t.Errorf("caller = %s as %s, want the managed account as its manager", c.Account.ID, c.ActingAs)
	}
	if _, err := u.CallerFor(e.managed.Account.ID); err != nil {
		t.Errorf("CallerFor(the account acted as): %v", err)
	}
	for _, other := range []string{e.manager.ID, e.noSignIn.Account.ID} {
		_, err := u.CallerFor(other)
		wantErr(t, err, backend.ENOTFOUND, "not found")
	}
	// A change made while acting is the manager's, and names it.
	if _, _, err := e.svc.CreateAPIKey(e.ctx, c, backend.CreateAPIKeyInput{Description: ptr("made while acting")}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	back, err := e.svc.StopActing(e.ctx, acting)
	if err != nil {
		t.Fatalf("StopActing: %v", err)
	}
	if u := e.user(back); u.ActingAs != nil || u.Caller().Account.ID != e.manager.ID {
		t.Errorf("after StopActing: acting as %v, want the manager's own view", u.ActingAs)
	}
	if again, err := e.svc.StopActing(e.ctx, back); err != nil || again != back {
		t.Errorf("StopActing when not acting = %v, want the same token and no error", err)
	}

	var got [][3]string
	for _, ev := range e.auditOf(e.managed.Account.ID) {
		got = append(got, [3]string{ev.Action, ev.ChangeMadeBy, ev.ActorAccountID})
	}
	want := [][3]string{
		{"managed_account.create", backend.ChangeByAccountManager, e.manager.ID},
		{"portal.act_as", backend.ChangeByAccountManager, e.manager.ID},
		{"api_key.create", backend.ChangeByAccountManager, e.manager.ID},
		{"portal.act_as_end", backend.ChangeByAccountManager, e.manager.ID},
	}
	if len(got) != len(want) {
		t.Fatalf("audit of the managed account = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("audit event %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestActAsRefusals(t *testing.T) {
	e := newPortalEnv(t)
	managerToken, _ := e.signIn(e.managerEmail, e.managerPW)
	userToken, _ := e.signIn(e.managedEmail, e.userPW)
	foreign := e.env.managed(e.otherManagerCaller, backend.CreateManagedAccountInput{})
	disabled := e.env.managed(e.managerCaller, backend.CreateManagedAccountInput{BusinessName: ptr("Sleeping")})
	if _, err := e.svc.SetManagedAccountStatus(e.ctx, e.managerCaller, disabled.Account.ID, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, target string
		kind                backend.Kind
	}{
		{"AnotherManagersAccount", managerToken, foreign.Account.ID, backend.ENOTFOUND},
		{"ItsOwnAccount", managerToken, e.manager.ID, backend.ENOTFOUND},
		{"UnknownAccount", managerToken, "5f4dcc3b-5aa7-4c1e-9c1e-000000000000", backend.ENOTFOUND},
		{"ManagedAccountUser", userToken, e.noSignIn.Account.ID, backend.ENOTFOUND},
		{"DisabledAccount", managerToken, disabled.Account.ID, backend.EINVALID},
		{"EndedSession", "not a session", e.managed.Account.ID, backend.EUNAUTHENTICATED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, err := e.svc.ActAs(e.ctx, tc.token, tc.target)
			if token != "" {
				t.Error("ActAs returned a token")
			}
			wantErr(t, err, tc.kind, "")
		})
	}
	// A refused switch leaves the session as it was.
	if u := e.user(managerToken); u.ActingAs != nil {
		t.Errorf("after refusals the manager acts as %s", u.ActingAs.ID)
	}
}

func TestActingEndsWhenTheAccountIsDisabled(t *testing.T) {
	e := newPortalEnv(t)
	token, _ := e.signIn(e.managerEmail, e.managerPW)
	acting, err := e.svc.ActAs(e.ctx, token, e.managed.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetManagedAccountStatus(e.ctx, e.managerCaller, e.managed.Account.ID, false); err != nil {
		t.Fatal(err)
	}
	u := e.user(acting)
	if !u.ActingEnded || u.ActingAs != nil || u.Caller().Account.ID != e.manager.ID {
		t.Fatalf("user: acting ended %v, acting as %v, want the manager's own view", u.ActingEnded, u.ActingAs)
	}
	back, err := e.svc.StopActing(e.ctx, acting)
	if err != nil {
		t.Fatal(err)
	}
	if u := e.user(back); u.ActingEnded || u.Session.ActingAsID != "" {
		t.Errorf("after StopActing the session still names %q", u.Session.ActingAsID)
	}
}

func TestPortalFormTokensAreBoundToTheirSession(t *testing.T) {
	e := newPortalEnv(t)
	_, a := e.signIn(e.managerEmail, e.managerPW)
	_, b := e.signIn(e.managerEmail, e.managerPW)
	tokenA := e.svc.PortalFormToken(a.Session.ID)
	if !e.svc.CheckPortalFormToken(a.Session.ID, tokenA) {
		t.Error("a session's own form token is refused")
	}
	for name, check := range map[string]bool{
		"another session's token": e.svc.CheckPortalFormToken(b.Session.ID, tokenA),
		"no token":                e.svc.CheckPortalFormToken(a.Session.ID, ""),
		"no binding":              e.svc.CheckPortalFormToken("", tokenA),
		"a token cut short":       e.svc.CheckPortalFormToken(a.Session.ID, tokenA[:len(tokenA)-1]),
	} {
		if check {
			t.Errorf("%s is accepted", name)
		}
	}
	other := newPortalEnv(t) // another server secret
	if other.svc.CheckPortalFormToken(a.Session.ID, tokenA) {
		t.Error("a token made with another server secret is accepted")
	}
}

func TestManagedAccountSummariesCarryBalances(t *testing.T) {
	e := newPortalEnv(t)
	if _, _, err := e.svc.PostAdjustment(e.ctx, e.managed.Account.ID, ptr("12.50"), "credit"); err != nil {
		t.Fatal(err)
	}
	list, meta, err := e.svc.ManagedAccountSummaries(e.ctx, e.managerCaller, backend.ManagedAccountQuery{OrganizationContains: "rocket"})
	if err != nil {
		t.Fatal(err)
	}
	if meta.TotalResults != 1 || len(list) != 1 || list[0].Account.ID != e.managed.Account.ID || list[0].Balance.Balance != 12_500_000 {
		t.Fatalf("summaries = %+v (total %d), want Acme Rockets with 12.50", list, meta.TotalResults)
	}
	_, _, err = e.svc.ManagedAccountSummaries(e.ctx, e.auth(e.managed.APIKey), backend.ManagedAccountQuery{})
	wantErr(t, err, backend.EFORBIDDEN, "")
	_, _, err = e.svc.ManagedAccountSummaries(e.ctx, e.managerCaller, backend.ManagedAccountQuery{EmailContains: "ab"})
	wantErr(t, err, backend.EBADREQUEST, "at least 3")
}

func TestSetAccountPasswordIsIdempotent(t *testing.T) {
	e := newPortalEnv(t)
	for range 2 {
		if err := e.svc.SetAccountPassword(e.ctx, e.manager.ID, "a new password"); err != nil {
			t.Fatalf("SetAccountPassword: %v", err)
		}
	}
	e.signIn(e.managerEmail, "a new password")
	_, _, err := e.svc.SignIn(e.ctx, e.managerEmail, e.managerPW)
	wantErr(t, err, backend.EUNAUTHENTICATED, "")
	set := 0
	for _, ev := range e.auditOf(e.manager.ID) {
		if ev.Action == "account.set_password" {
			set++
			if ev.ChangeMadeBy != backend.ChangeByOperator {
				t.Errorf("set_password made by %s, want operator", ev.ChangeMadeBy)
			}
		}
	}
	if set != 1 {
		t.Errorf("%d account.set_password events, want 1: setting the same password again changes nothing", set)
	}
	wantErr(t, e.svc.SetAccountPassword(e.ctx, e.manager.ID, "short"), backend.EINVALID, "password")
	wantErr(t, e.svc.SetAccountPassword(e.ctx, "5f4dcc3b-5aa7-4c1e-9c1e-000000000000", "long enough"), backend.ENOTFOUND, "")
}
