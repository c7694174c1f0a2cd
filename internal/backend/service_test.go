package backend_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

type env struct {
	t       *testing.T
	ctx     context.Context
	svc     *backend.Service
	secrets *backend.Secrets
	n       atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, openStore(t))
}

// openStore opens a fresh SQLite store, closed when t ends.
func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "reference.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return db
}

// newEnvOn is an env whose service runs on store, with fresh secrets that
// hash passwords at the cheapest cost.
func newEnvOn(t *testing.T, store backend.Store) *env {
	t.Helper()
	secrets, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	secrets.PasswordCost = bcrypt.MinCost
	return &env{t: t, ctx: t.Context(), svc: backend.NewService(store, secrets), secrets: secrets}
}

func ptr[T any](v T) *T { return &v }

// manager creates a manager account through the operator API and returns it
// with its authenticated caller.
func (e *env) manager(in backend.CreateManagerInput) (*backend.Account, string, *backend.Caller) {
	e.t.Helper()
	if in.Email == nil {
		in.Email = ptr(fmt.Sprintf("manager%d@example.com", e.n.Add(1)))
	}
	a, key, err := e.svc.CreateManager(e.ctx, in)
	if err != nil {
		e.t.Fatalf("CreateManager: %v", err)
	}
	return a, key, e.auth(key)
}

func (e *env) auth(key string) *backend.Caller {
	e.t.Helper()
	c, err := e.svc.Authenticate(e.ctx, key)
	if err != nil {
		e.t.Fatalf("Authenticate: %v", err)
	}
	return c
}

func (e *env) managed(c *backend.Caller, in backend.CreateManagedAccountInput) *backend.ManagedAccountView {
	e.t.Helper()
	if in.BusinessName == nil {
		in.BusinessName = ptr(fmt.Sprintf("Business %d", e.n.Add(1)))
	}
	v, err := e.svc.CreateManagedAccount(e.ctx, c, in)
	if err != nil {
		e.t.Fatalf("CreateManagedAccount: %v", err)
	}
	return v
}

// wantErr fails unless err is a *backend.Error of kind whose detail contains
// detail (when given), and returns a copy of it for further checks.
func wantErr(t *testing.T, err error, kind backend.Kind, detail string) backend.Error {
	t.Helper()
	var e *backend.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want a %s *backend.Error", err, err, kind)
	}
	if e.Kind != kind || !strings.Contains(e.Detail, detail) {
		t.Fatalf("error = %s %q, want %s containing %q", e.Kind, e.Detail, kind, detail)
	}
	return *e
}

func TestManagerKeyAuthenticates(t *testing.T) {
	e := newEnv(t)
	mgr, key, caller := e.manager(backend.CreateManagerInput{OrganizationName: ptr("  Acme  "), CreditLimit: ptr("100.00")})
	if caller.Account.ID != mgr.ID || !caller.Account.IsManager() {
		t.Errorf("caller = %+v, want manager %s", caller.Account, mgr.ID)
	}
	if mgr.OrganizationName != "Acme" || mgr.ManagedAccountLimit != backend.DefaultManagedAccountLimit ||
		mgr.AllocatableChannels != backend.DefaultAllocatableChannels || mgr.CreditLimit != 100_000_000 {
		t.Errorf("manager = %+v, want trimmed name, default limits and credit 100.00", mgr)
	}
	if !strings.HasPrefix(key, "KEY") {
		t.Errorf("key %q does not look like an API key", key)
	}
	if mgr.CreatedAt.Location() != time.UTC || mgr.CreatedAt.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("created_at = %v, want UTC with millisecond precision", mgr.CreatedAt)
	}
}

func TestAuthenticateRefusals(t *testing.T) {
	e := newEnv(t)
	mgr, mgrKey, caller := e.manager(backend.CreateManagerInput{})
	disabled := e.managed(caller, backend.CreateManagedAccountInput{})
	if _, err := e.svc.SetManagedAccountStatus(e.ctx, caller, disabled.Account.ID, false); err != nil {
		t.Fatal(err)
	}
	cancelled := e.managed(caller, backend.CreateManagedAccountInput{})
	if _, err := e.svc.CancelAccount(e.ctx, cancelled.Account.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, key, detail string }{
		{"NoKey", "", "no API key"},
		{"UnknownKey", backend.NewAPIKey(), "not valid"},
		{"KeyWithATypo", mgrKey + "x", "not valid"},
		{"DisabledAccount", disabled.APIKey, "the account is disabled"},
		{"CancelledAccount", cancelled.APIKey, "the account is cancelled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.svc.Authenticate(e.ctx, tc.key)
			if c != nil {
				t.Errorf("Authenticate returned a caller: %+v", c.Account)
			}
			wantErr(t, err, backend.EUNAUTHENTICATED, tc.detail)
			// ReadAs refuses as Authenticate does, before its function.
			err = e.svc.ReadAs(e.ctx, tc.key, func(context.Context, *backend.Caller) error {
				t.Error("ReadAs ran its function for a refused key")
				return nil
			})
			wantErr(t, err, backend.EUNAUTHENTICATED, tc.detail)
		})
	}
	// Enabling the account again lets its key in again.
	if _, err := e.svc.SetManagedAccountStatus(e.ctx, caller, disabled.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	if c := e.auth(disabled.APIKey); c.Account.ID != disabled.Account.ID {
		t.Errorf("re-enabled key authenticates as %s, want %s", c.Account.ID, disabled.Account.ID)
	}
	// A cancelled manager is locked out as well.
	if _, err := e.svc.CancelAccount(e.ctx, mgr.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Authenticate(e.ctx, mgrKey)
	wantErr(t, err, backend.EUNAUTHENTICATED, "cancelled")
}

// TestReadAsReadsInItsTransaction: ReadAs runs its function as the key's
// caller, the service's reads in it see what was committed before it began,
// and a write in it is refused as a programming error, writing nothing.
func TestReadAsReadsInItsTransaction(t *testing.T) {
	e := newEnv(t)
	_, key, caller := e.manager(backend.CreateManagerInput{})
	v := e.managed(caller, backend.CreateManagedAccountInput{})
	err := e.svc.ReadAs(e.ctx, key, func(ctx context.Context, c *backend.Caller) error {
		if c.Account.ID != caller.Account.ID || c.KeyID != caller.KeyID {
			t.Errorf("ReadAs ran as %s (key %s), want %s (key %s)", c.Account.ID, c.KeyID, caller.Account.ID, caller.KeyID)
		}
		got, err := e.svc.GetManagedAccount(ctx, c, v.Account.ID)
		if err != nil || got.APIKey != v.APIKey {
			t.Errorf("GetManagedAccount in ReadAs: %v", err)
		}
		_, _, err = e.svc.CreateAPIKey(ctx, c, backend.CreateAPIKeyInput{})
		wantErr(t, err, backend.EINTERNAL, "inside a read-only request")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, _, err := e.svc.ListAPIKeys(e.ctx, caller, "", backend.Page{Number: 1, Size: 250})
	if err != nil || len(keys) != 0 {
		t.Fatalf("the manager has %d API keys (%v), want none: the refused write wrote one", len(keys), err)
	}
}

func TestTenancy(t *testing.T) {
	e := newEnv(t)
	_, _, owner := e.manager(backend.CreateManagerInput{})
	_, _, stranger := e.manager(backend.CreateManagerInput{})
	theirs := e.managed(owner, backend.CreateManagedAccountInput{BusinessName: ptr("Owner's")}).Account.ID
	e.managed(stranger, backend.CreateManagedAccountInput{BusinessName: ptr("Stranger's")})

	t.Run("AnotherManagersAccountIsNotFound", func(t *testing.T) {
		calls := map[string]func() error{
			"Get": func() error { _, err := e.svc.GetManagedAccount(e.ctx, stranger, theirs); return err },
			"Update": func() error {
				_, err := e.svc.UpdateManagedAccount(e.ctx, stranger, theirs, backend.UpdateManagedAccountInput{AllowCustomPricing: ptr(true)})
				return err
			},
			"Disable": func() error { _, err := e.svc.SetManagedAccountStatus(e.ctx, stranger, theirs, false); return err },
			"Enable":  func() error { _, err := e.svc.SetManagedAccountStatus(e.ctx, stranger, theirs, true); return err },
			"ChannelLimit": func() error {
				_, err := e.svc.UpdateGlobalChannelLimit(e.ctx, stranger, theirs, ptr(1))
				return err
			},
			"UnknownID": func() error {
				_, err := e.svc.GetManagedAccount(e.ctx, owner, "00000000-0000-0000-0000-000000000000")
				return err
			},
			"TheManagerItself": func() error { _, err := e.svc.GetManagedAccount(e.ctx, owner, owner.Account.ID); return err },
		}
		for name, call := range calls {
			t.Run(name, func(t *testing.T) { wantErr(t, call(), backend.ENOTFOUND, "not found") })
		}
		// Nothing changed behind the refusals.
		v, err := e.svc.GetManagedAccount(e.ctx, owner, theirs)
		if err != nil {
			t.Fatal(err)
		}
		if a := v.Account; a.Status != backend.StatusEnabled || a.AllowCustomPricing || a.GlobalChannelLimit != 0 {
			t.Errorf("account after refused calls = %+v", a)
		}
		list, meta, err := e.svc.ListManagedAccounts(e.ctx, stranger, backend.ManagedAccountQuery{})
		if err != nil || meta.TotalResults != 1 || list[0].OrganizationName != "Stranger's" {
			t.Errorf("stranger's list = %v %+v %v, want only its own account", list, meta, err)
		}
	})

	t.Run("ManagedAccountCallerIsForbidden", func(t *testing.T) {
		managed := e.auth(e.managed(owner, backend.CreateManagedAccountInput{}).APIKey)
		if managed.Account.IsManager() {
			t.Fatal("a managed account's key authenticated as a manager")
		}
		calls := map[string]func() error{
			"Create": func() error {
				_, err := e.svc.CreateManagedAccount(e.ctx, managed, backend.CreateManagedAccountInput{BusinessName: ptr("Nested")})
				return err
			},
			"List": func() error {
				_, _, err := e.svc.ListManagedAccounts(e.ctx, managed, backend.ManagedAccountQuery{})
				return err
			},
			"Get": func() error { _, err := e.svc.GetManagedAccount(e.ctx, managed, theirs); return err },
			"GetItself": func() error {
				_, err := e.svc.GetManagedAccount(e.ctx, managed, managed.Account.ID)
				return err
			},
			"Disable":     func() error { _, err := e.svc.SetManagedAccountStatus(e.ctx, managed, theirs, false); return err },
			"Allocatable": func() error { _, err := e.svc.AllocatableChannels(e.ctx, managed); return err },
			"ChannelLimit": func() error {
				_, err := e.svc.UpdateGlobalChannelLimit(e.ctx, managed, theirs, ptr(1))
				return err
			},
		}
		for name, call := range calls {
			t.Run(name, func(t *testing.T) { wantErr(t, call(), backend.EFORBIDDEN, "managed account") })
		}
		// It may still read its own balance.
		if _, err := e.svc.Balance(e.ctx, managed); err != nil {
			t.Errorf("Balance of a managed account: %v", err)
		}
	})

	t.Run("NoCaller", func(t *testing.T) {
		_, _, err := e.svc.ListManagedAccounts(e.ctx, nil, backend.ManagedAccountQuery{})
		wantErr(t, err, backend.EUNAUTHENTICATED, "")
	})
}

func TestManagedAccountLimit(t *testing.T) {
	e := newEnv(t)
	mgr, _, caller := e.manager(backend.CreateManagerInput{ManagedAccountLimit: ptr(2)})
	first := e.managed(caller, backend.CreateManagedAccountInput{})
	e.managed(caller, backend.CreateManagedAccountInput{})
	_, err := e.svc.CreateManagedAccount(e.ctx, caller, backend.CreateManagedAccountInput{BusinessName: ptr("Third")})
	wantErr(t, err, backend.EINVALID, "limit of 2 managed accounts")

	// A cancelled account no longer counts.
	if _, err := e.svc.CancelAccount(e.ctx, first.Account.ID); err != nil {
		t.Fatal(err)
	}
	e.managed(caller, backend.CreateManagedAccountInput{})
	// Raising the limit makes room; lowering it to zero closes the door.
	if _, err := e.svc.UpdateManagerLimits(e.ctx, mgr.ID, backend.ManagerLimitsInput{ManagedAccountLimit: ptr(3)}); err != nil {
		t.Fatal(err)
	}
	e.managed(caller, backend.CreateManagedAccountInput{})
	if _, err := e.svc.UpdateManagerLimits(e.ctx, mgr.ID, backend.ManagerLimitsInput{ManagedAccountLimit: ptr(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CreateManagedAccount(e.ctx, caller, backend.CreateManagedAccountInput{BusinessName: ptr("Closed")})
	wantErr(t, err, backend.EINVALID, "limit of 0")
}

func TestDuplicateEmailIsConflict(t *testing.T) {
	e := newEnv(t)
	mgr, _, caller := e.manager(backend.CreateManagerInput{Email: ptr("Boss@Example.com")})
	e.managed(caller, backend.CreateManagedAccountInput{Email: ptr("Worker@Example.com")})
	for _, email := range []string{"worker@example.com", "WORKER@EXAMPLE.COM", "boss@example.com"} {
		_, err := e.svc.CreateManagedAccount(e.ctx, caller, backend.CreateManagedAccountInput{BusinessName: ptr("Dup"), Email: &email})
		de := wantErr(t, err, backend.ECONFLICT, "already exists")
		if de.Code != "10012" || de.Pointer != "/email" {
			t.Errorf("%s: code %q pointer %q, want 10012 at /email", email, de.Code, de.Pointer)
		}
	}
	// The operator's manager creation refuses taken emails the same way.
	for _, email := range []string{"BOSS@example.com", "worker@EXAMPLE.com"} {
		_, _, err := e.svc.CreateManager(e.ctx, backend.CreateManagerInput{Email: &email})
		if de := wantErr(t, err, backend.ECONFLICT, ""); de.Code != backend.CodeDuplicate {
			t.Errorf("CreateManager(%s): code %q, want 10012", email, de.Code)
		}
	}
	list, _, err := e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{})
	if err != nil || len(list) != 1 {
		t.Errorf("%s has %d managed accounts (%v), want 1", mgr.Email, len(list), err)
	}
}

func TestGeneratedEmail(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{Email: ptr("ops.team@corp.example")})
	pattern := regexp.MustCompile(`^ops\.team\+ma-[0-9a-f]{8}@corp\.example$`)
	seen := map[string]bool{}
	for range 3 {
		v := e.managed(caller, backend.CreateManagedAccountInput{})
		if !pattern.MatchString(v.Account.Email) {
			t.Errorf("generated email %q does not match %s", v.Account.Email, pattern)
		}
		if seen[v.Account.Email] {
			t.Errorf("generated email %q twice", v.Account.Email)
		}
		seen[v.Account.Email] = true
		if _, err := backend.ValidateEmail("/email", v.Account.Email); err != nil {
			t.Errorf("generated email %q is not valid: %v", v.Account.Email, err)
		}
	}
}

// TestGeneratedEmailThatIsTakenIsDrawnAgain: a managed account created
// without an email is never refused because the email drawn for it is
// taken (32 random bits: a manager with tens of thousands of accounts draws
// a taken one now and then); the next draw is used. An email given by the
// caller that is taken is still refused.
func TestGeneratedEmailThatIsTakenIsDrawnAgain(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{Email: ptr("ops.team@corp.example")})
	draws := []string{"0000000a", "0000000a", "0000000a", "0000000b"}
	e.svc.SetEmailSuffixForTest(func() string {
		next := draws[0]
		if len(draws) > 1 {
			draws = draws[1:]
		}
		return next
	})
	first := e.managed(caller, backend.CreateManagedAccountInput{})
	second, err := e.svc.CreateManagedAccount(e.ctx, caller, backend.CreateManagedAccountInput{BusinessName: ptr("Second")})
	if err != nil {
		t.Fatalf("a create whose first drawn emails are taken: %v, want another email drawn", err)
	}
	if first.Account.Email != "ops.team+ma-0000000a@corp.example" || second.Account.Email != "ops.team+ma-0000000b@corp.example" {
		t.Errorf("emails %q and %q, want the drawn ones in turn", first.Account.Email, second.Account.Email)
	}
	_, err = e.svc.CreateManagedAccount(e.ctx, caller, backend.CreateManagedAccountInput{BusinessName: ptr("Given"), Email: ptr(first.Account.Email)})
	wantErr(t, err, backend.ECONFLICT, "already exists")
}

func TestCreateManagedAccountValidation(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	for _, tc := range []struct {
		name    string
		in      backend.CreateManagedAccountInput
		pointer string
	}{
		{"NoBusinessName", backend.CreateManagedAccountInput{}, "/business_name"},
		{"BlankBusinessName", backend.CreateManagedAccountInput{BusinessName: ptr("   ")}, "/business_name"},
		{"LongBusinessName", backend.CreateManagedAccountInput{BusinessName: ptr(strings.Repeat("é", 256))}, "/business_name"},
		{"BadEmail", backend.CreateManagedAccountInput{BusinessName: ptr("B"), Email: ptr("not-an-email")}, "/email"},
		{"EmailWithoutDomainDot", backend.CreateManagedAccountInput{BusinessName: ptr("B"), Email: ptr("a@localhost")}, "/email"},
		{"ShortPassword", backend.CreateManagedAccountInput{BusinessName: ptr("B"), Password: ptr("short")}, "/password"},
		{"LongPassword", backend.CreateManagedAccountInput{BusinessName: ptr("B"), Password: ptr(strings.Repeat("p", 73))}, "/password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateManagedAccount(e.ctx, caller, tc.in)
			if de := wantErr(t, err, backend.EINVALID, ""); de.Pointer != tc.pointer {
				t.Errorf("pointer = %q, want %q", de.Pointer, tc.pointer)
			}
		})
	}
	v := e.managed(caller, backend.CreateManagedAccountInput{BusinessName: ptr(strings.Repeat("é", 255)), Password: ptr("12345678"),
		AllowCustomPricing: ptr(true), RollupBilling: ptr(true)})
	a := v.Account
	if !a.AllowCustomPricing || !a.RollupBilling || a.ManagerID != caller.Account.ID || a.Status != backend.StatusEnabled {
		t.Errorf("created account = %+v", a)
	}
	if !e.secrets.CheckPassword(a.PasswordHash, "12345678") {
		t.Error("the password does not check against the stored hash")
	}
}

func TestPrimaryKeyRoundTrip(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	created := e.managed(caller, backend.CreateManagedAccountInput{})
	got, err := e.svc.GetManagedAccount(e.ctx, caller, created.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.APIKey != created.APIKey || got.APIToken != created.APIToken || got.APIKey == "" || got.APIToken == "" {
		t.Errorf("retrieved credentials %q/%q, want the ones from creation %q/%q", got.APIKey, got.APIToken, created.APIKey, created.APIToken)
	}
	if c := e.auth(got.APIKey); c.Account.ID != created.Account.ID || c.Account.IsManager() {
		t.Errorf("the view's api_key authenticates as %s, want managed account %s", c.Account.ID, created.Account.ID)
	}
	// Each account has credentials of its own.
	other := e.managed(caller, backend.CreateManagedAccountInput{})
	if other.APIKey == created.APIKey || other.APIToken == created.APIToken {
		t.Error("two managed accounts share credentials")
	}
}

func TestUpdateManagedAccount(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	v := e.managed(caller, backend.CreateManagedAccountInput{Password: ptr("first-password")})
	before := v.Account.UpdatedAt
	e.svc.SetClock(func() time.Time { return before.Add(time.Minute) })
	got, err := e.svc.UpdateManagedAccount(e.ctx, caller, v.Account.ID, backend.UpdateManagedAccountInput{
		AllowCustomPricing: ptr(true), Password: ptr("second-password")})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Account.AllowCustomPricing || !got.Account.UpdatedAt.Equal(before.Add(time.Minute)) {
		t.Errorf("updated account = %+v", got.Account)
	}
	stored, _, err := e.svc.GetAccount(e.ctx, v.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !e.secrets.CheckPassword(stored.PasswordHash, "second-password") || e.secrets.CheckPassword(stored.PasswordHash, "first-password") {
		t.Error("the stored password hash is not the new password's")
	}
	if !stored.AllowCustomPricing || !stored.UpdatedAt.Equal(before.Add(time.Minute)) {
		t.Errorf("stored account = %+v", stored)
	}
	// An update that changes nothing leaves updated_at alone.
	e.svc.SetClock(func() time.Time { return before.Add(time.Hour) })
	same, err := e.svc.UpdateManagedAccount(e.ctx, caller, v.Account.ID, backend.UpdateManagedAccountInput{AllowCustomPricing: ptr(true)})
	if err != nil || !same.Account.UpdatedAt.Equal(before.Add(time.Minute)) {
		t.Errorf("no-op update: %v, updated_at %v", err, same.Account.UpdatedAt)
	}
}

func TestChannelLimitAllocation(t *testing.T) {
	e := newEnv(t)
	mgr, _, caller := e.manager(backend.CreateManagerInput{AllocatableChannels: ptr(10)})
	a := e.managed(caller, backend.CreateManagedAccountInput{}).Account.ID
	b := e.managed(caller, backend.CreateManagedAccountInput{}).Account.ID
	set := func(id string, n int) error {
		_, err := e.svc.UpdateGlobalChannelLimit(e.ctx, caller, id, &n)
		return err
	}
	allocated := func() int {
		t.Helper()
		alloc, err := e.svc.AllocatableChannels(e.ctx, caller)
		if err != nil {
			t.Fatal(err)
		}
		if alloc.Allocatable != 10 {
			t.Errorf("allocatable = %d, want 10", alloc.Allocatable)
		}
		return alloc.TotalAllocated
	}
	if err := set(a, 6); err != nil {
		t.Fatalf("a=6: %v", err)
	}
	wantErr(t, set(b, 5), backend.EINVALID, "exceeds the 4 channels left")
	if err := set(b, 4); err != nil {
		t.Fatalf("b=4 (exactly what is left): %v", err)
	}
	if got := allocated(); got != 10 {
		t.Errorf("allocated = %d, want 10", got)
	}
	// An account's own channels count as available to it.
	if err := set(a, 6); err != nil {
		t.Errorf("a=6 again: %v", err)
	}
	wantErr(t, set(a, 7), backend.EINVALID, "exceeds")
	if err := set(a, 0); err != nil {
		t.Errorf("a=0: %v", err)
	}
	wantErr(t, set(a, -1), backend.EINVALID, "0 or more")
	_, err := e.svc.UpdateGlobalChannelLimit(e.ctx, caller, a, nil)
	wantErr(t, err, backend.EINVALID, "required")
	if got := allocated(); got != 4 {
		t.Errorf("allocated = %d, want 4", got)
	}
	// A cancelled account gives its channels back.
	if _, err := e.svc.CancelAccount(e.ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := allocated(); got != 0 {
		t.Errorf("allocated after cancelling b = %d, want 0", got)
	}
	if err := set(a, 10); err != nil {
		t.Errorf("a=10 after b's cancellation: %v", err)
	}
	// A smaller pool does not take channels away, but allows no more.
	if _, err := e.svc.UpdateManagerLimits(e.ctx, mgr.ID, backend.ManagerLimitsInput{AllocatableChannels: ptr(8)}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, set(a, 9), backend.EINVALID, "exceeds")
	if err := set(a, 8); err != nil {
		t.Errorf("a=8 within the smaller pool: %v", err)
	}
}

func TestBootstrapManager(t *testing.T) {
	e := newEnv(t)
	key := "bootstrap-key-0123456789"
	first, err := e.svc.BootstrapManager(e.ctx, key, "demo@example.com")
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.BootstrapManager(e.ctx, key, "demo@example.com")
	if err != nil || again.ID != first.ID {
		t.Fatalf("second bootstrap = %v, %v; want the same account %s", again, err, first.ID)
	}
	if c := e.auth(key); c.Account.ID != first.ID || !c.Account.IsManager() {
		t.Errorf("bootstrap key authenticates as %s, want manager %s", c.Account.ID, first.ID)
	}

	// A new key for the same email (any case) replaces the old one.
	newKey := "bootstrap-key-rotated-9876"
	rotated, err := e.svc.BootstrapManager(e.ctx, newKey, "DEMO@example.com")
	if err != nil || rotated.ID != first.ID {
		t.Fatalf("bootstrap with a new key = %v, %v; want the same account %s", rotated, err, first.ID)
	}
	if c := e.auth(newKey); c.Account.ID != first.ID {
		t.Errorf("new key authenticates as %s, want %s", c.Account.ID, first.ID)
	}
	_, err = e.svc.Authenticate(e.ctx, key)
	wantErr(t, err, backend.EUNAUTHENTICATED, "revoked")
	// The old key does not come back to life through bootstrap either.
	_, err = e.svc.BootstrapManager(e.ctx, key, "demo@example.com")
	wantErr(t, err, backend.EINVALID, "revoked")

	t.Run("Refusals", func(t *testing.T) {
		_, err := e.svc.BootstrapManager(e.ctx, "short", "x@example.com")
		wantErr(t, err, backend.EINVALID, "16 characters")
		_, err = e.svc.BootstrapManager(e.ctx, "long-enough-key-123", "")
		wantErr(t, err, backend.EINVALID, "email is required")
		caller := e.auth(newKey)
		child := e.managed(caller, backend.CreateManagedAccountInput{Email: ptr("child@example.com")})
		_, err = e.svc.BootstrapManager(e.ctx, child.APIKey, "demo@example.com")
		wantErr(t, err, backend.EINVALID, "managed account")
		_, err = e.svc.BootstrapManager(e.ctx, "another-long-key-4567", "child@example.com")
		wantErr(t, err, backend.EINVALID, "managed account")
		_, err = e.svc.BootstrapManager(e.ctx, "another-long-key-4567", "not an email")
		wantErr(t, err, backend.EINVALID, "")
	})
}

func TestRollupBilling(t *testing.T) {
	e := newEnv(t)
	mgr, _, caller := e.manager(backend.CreateManagerInput{CreditLimit: ptr("50.00")})
	rollup := e.managed(caller, backend.CreateManagedAccountInput{RollupBilling: ptr(true)})
	own := e.managed(caller, backend.CreateManagedAccountInput{})
	if _, _, err := e.svc.PostAdjustment(e.ctx, mgr.ID, ptr("25.00"), "top-up"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.PostAdjustment(e.ctx, own.Account.ID, ptr("-3.25"), "own charge"); err != nil {
		t.Fatal(err)
	}

	mgrBal, err := e.svc.Balance(e.ctx, caller)
	if err != nil {
		t.Fatal(err)
	}
	rollupBal, err := e.svc.Balance(e.ctx, e.auth(rollup.APIKey))
	if err != nil {
		t.Fatal(err)
	}
	want := backend.Balance{Balance: 25_000_000, CreditLimit: 50_000_000, AvailableCredit: 75_000_000, Currency: "USD"}
	if *mgrBal != want || *rollupBal != want {
		t.Errorf("manager balance %+v, rollup account balance %+v; want both %+v", *mgrBal, *rollupBal, want)
	}
	ownBal, err := e.svc.Balance(e.ctx, e.auth(own.APIKey))
	if err != nil {
		t.Fatal(err)
	}
	if want := (backend.Balance{Balance: -3_250_000, AvailableCredit: -3_250_000, Currency: "USD"}); *ownBal != want {
		t.Errorf("own-billing balance %+v, want %+v", *ownBal, want)
	}
	view, err := e.svc.GetManagedAccount(e.ctx, caller, rollup.Account.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *view.Balance != want {
		t.Errorf("rollup account's view balance %+v, want the manager's %+v", *view.Balance, want)
	}

	_, _, err = e.svc.PostAdjustment(e.ctx, rollup.Account.ID, ptr("1.00"), "")
	wantErr(t, err, backend.EINVALID, "rollup billing")
	_, err = e.svc.SetCreditLimit(e.ctx, rollup.Account.ID, ptr("10.00"))
	wantErr(t, err, backend.EINVALID, "rollup billing")
}

func TestAdjustmentsAreExact(t *testing.T) {
	e := newEnv(t)
	mgr, _, caller := e.manager(backend.CreateManagerInput{})
	var last *backend.Balance
	for _, amt := range []string{"0.000001", "0.000001", "0.000001", "0.1", "0.2", "-0.3", "25.00", "-5.50"} {
		entry, bal, err := e.svc.PostAdjustment(e.ctx, mgr.ID, ptr(amt), "adj "+amt)
		if err != nil {
			t.Fatalf("PostAdjustment(%s): %v", amt, err)
		}
		if entry.Amount.String() != mustMoney(t, amt).String() || entry.Kind != backend.LedgerAdjustment ||
			entry.AccountID != mgr.ID || entry.Currency != "USD" {
			t.Errorf("entry = %+v", entry)
		}
		last = bal
	}
	if last.Balance != 19_500_003 || last.Balance.String() != "19.500003" {
		t.Errorf("balance = %s, want 19.500003 exactly", last.Balance)
	}
	if bal, err := e.svc.Balance(e.ctx, caller); err != nil || bal.Balance != 19_500_003 {
		t.Errorf("Balance = %v, %v; want 19.500003", bal, err)
	}

	for _, tc := range []struct {
		amount *string
		code   string
		detail string
	}{
		{nil, "", "required"},
		{ptr("0"), "", "zero"},
		{ptr("0.000000"), "", "zero"},
		{ptr("1e5"), backend.CodeInvalidAmount, "decimal"},
		{ptr("12."), backend.CodeInvalidAmount, "decimal"},
		{ptr("1.0000001"), backend.CodeInvalidAmount, "six decimal"},
		{ptr("9223372036854.775807"), "", "from -1000000000.00 to 1000000000.00"},
		{ptr("-1000000000.000001"), "", "from -1000000000.00 to 1000000000.00"},
	} {
		_, _, err := e.svc.PostAdjustment(e.ctx, mgr.ID, tc.amount, "")
		if de := wantErr(t, err, backend.EINVALID, tc.detail); de.Code != tc.code || de.Pointer != "/amount" {
			t.Errorf("amount %v: code %q pointer %q, want %q at /amount", deref(tc.amount), de.Code, de.Pointer, tc.code)
		}
	}
	_, _, err := e.svc.PostAdjustment(e.ctx, mgr.ID, ptr("1.00"), strings.Repeat("d", 1001))
	wantErr(t, err, backend.EINVALID, "description")
	_, _, err = e.svc.PostAdjustment(e.ctx, "00000000-0000-0000-0000-000000000000", ptr("1.00"), "")
	wantErr(t, err, backend.ENOTFOUND, "")
	if bal, err := e.svc.Balance(e.ctx, caller); err != nil || bal.Balance != 19_500_003 {
		t.Errorf("refused adjustments changed the balance: %v, %v", bal, err)
	}
}

func mustMoney(t *testing.T, s string) backend.Money {
	t.Helper()
	m, err := backend.ParseMoney(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func deref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestCreditLimit(t *testing.T) {
	e := newEnv(t)
	mgr, _, caller := e.manager(backend.CreateManagerInput{})
	a, err := e.svc.SetCreditLimit(e.ctx, mgr.ID, ptr("100.00"))
	if err != nil || a.CreditLimit != 100_000_000 {
		t.Fatalf("SetCreditLimit = %+v, %v", a, err)
	}
	if bal, err := e.svc.Balance(e.ctx, caller); err != nil || bal.AvailableCredit != 100_000_000 || bal.CreditLimit != 100_000_000 {
		t.Errorf("balance after credit limit = %+v, %v", bal, err)
	}
	_, err = e.svc.SetCreditLimit(e.ctx, mgr.ID, ptr("-1.00"))
	wantErr(t, err, backend.EINVALID, "negative")
	_, err = e.svc.SetCreditLimit(e.ctx, mgr.ID, ptr("lots"))
	if de := wantErr(t, err, backend.EINVALID, ""); de.Code != backend.CodeInvalidAmount {
		t.Errorf("code = %q, want %s", de.Code, backend.CodeInvalidAmount)
	}
	_, err = e.svc.SetCreditLimit(e.ctx, mgr.ID, nil)
	wantErr(t, err, backend.EINVALID, "required")
	_, err = e.svc.SetCreditLimit(e.ctx, "00000000-0000-0000-0000-000000000000", ptr("1.00"))
	wantErr(t, err, backend.ENOTFOUND, "")
}

func TestCreateManagerValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name    string
		in      backend.CreateManagerInput
		pointer string
	}{
		{"NoEmail", backend.CreateManagerInput{}, "/email"},
		{"BadEmail", backend.CreateManagerInput{Email: ptr("nope")}, "/email"},
		{"NegativeLimit", backend.CreateManagerInput{Email: ptr("a@example.com"), ManagedAccountLimit: ptr(-1)}, "/managed_account_limit"},
		{"NegativeChannels", backend.CreateManagerInput{Email: ptr("a@example.com"), AllocatableChannels: ptr(-1)}, "/allocatable_global_outbound_channels"},
		{"NegativeCredit", backend.CreateManagerInput{Email: ptr("a@example.com"), CreditLimit: ptr("-5.00")}, "/credit_limit"},
		{"BadCredit", backend.CreateManagerInput{Email: ptr("a@example.com"), CreditLimit: ptr("5,00")}, "/credit_limit"},
		{"BlankOrganization", backend.CreateManagerInput{Email: ptr("a@example.com"), OrganizationName: ptr(" ")}, "/organization_name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.svc.CreateManager(e.ctx, tc.in)
			if de := wantErr(t, err, backend.EINVALID, ""); de.Pointer != tc.pointer {
				t.Errorf("pointer = %q, want %q", de.Pointer, tc.pointer)
			}
		})
	}
	// Without an organization name, the email stands in for it.
	mgr, _, _ := e.manager(backend.CreateManagerInput{Email: ptr("solo@example.com")})
	if mgr.OrganizationName != "solo@example.com" {
		t.Errorf("organization name = %q, want the email", mgr.OrganizationName)
	}
	_, err := e.svc.UpdateManagerLimits(e.ctx, mgr.ID, backend.ManagerLimitsInput{ManagedAccountLimit: ptr(-1)})
	wantErr(t, err, backend.EINVALID, "0 or more")
}

func TestOperatorLimitsApplyToManagersOnly(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	child := e.managed(caller, backend.CreateManagedAccountInput{})
	_, err := e.svc.UpdateManagerLimits(e.ctx, child.Account.ID, backend.ManagerLimitsInput{ManagedAccountLimit: ptr(5)})
	wantErr(t, err, backend.EINVALID, "manager accounts only")
	_, err = e.svc.UpdateManagerLimits(e.ctx, "00000000-0000-0000-0000-000000000000", backend.ManagerLimitsInput{})
	wantErr(t, err, backend.ENOTFOUND, "")
}

func TestCancelledAccountDisappearsForItsManager(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	gone := e.managed(caller, backend.CreateManagedAccountInput{}).Account.ID
	kept := e.managed(caller, backend.CreateManagedAccountInput{}).Account.ID
	a, err := e.svc.CancelAccount(e.ctx, gone)
	if err != nil || a.Status != backend.StatusCancelled {
		t.Fatalf("CancelAccount = %+v, %v", a, err)
	}
	if again, err := e.svc.CancelAccount(e.ctx, gone); err != nil || again.Status != backend.StatusCancelled {
		t.Errorf("cancelling twice = %+v, %v; want idempotent", again, err)
	}
	_, err = e.svc.GetManagedAccount(e.ctx, caller, gone)
	wantErr(t, err, backend.ENOTFOUND, "")
	_, err = e.svc.SetManagedAccountStatus(e.ctx, caller, gone, true)
	wantErr(t, err, backend.ENOTFOUND, "")

	list, meta, err := e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{})
	if err != nil || meta.TotalResults != 1 || list[0].ID != kept {
		t.Errorf("default list = %d accounts (%v), want only the kept one", len(list), err)
	}
	_, meta, err = e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{IncludeCancelled: true})
	if err != nil || meta.TotalResults != 2 {
		t.Errorf("list with cancelled = %+v, %v; want 2", meta, err)
	}
	// The operator still sees it.
	if a, _, err := e.svc.GetAccount(e.ctx, gone); err != nil || a.Status != backend.StatusCancelled {
		t.Errorf("operator GetAccount = %+v, %v", a, err)
	}
}

func TestListManagedAccountsQuery(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var step atomic.Int64
	e.svc.SetClock(func() time.Time { return base.Add(time.Duration(step.Add(1)) * time.Second) })
	for i := range 5 {
		e.managed(caller, backend.CreateManagedAccountInput{Email: ptr(fmt.Sprintf("user%d@example.com", i)), BusinessName: ptr(fmt.Sprintf("Org %d", i))})
	}

	list, meta, err := e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (backend.PageMeta{PageNumber: 1, PageSize: backend.DefaultPageSize, TotalPages: 1, TotalResults: 5}); meta != want {
		t.Errorf("default meta = %+v, want %+v", meta, want)
	}
	if len(list) != 5 || list[0].Email != "user4@example.com" {
		t.Errorf("default order starts with %s, want the newest (user4)", list[0].Email)
	}
	list, meta, err = e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{
		Sort: backend.SortOrder{Field: "email"}, Page: backend.Page{Number: 2, Size: 2}})
	if err != nil || len(list) != 2 || list[0].Email != "user2@example.com" || meta.TotalPages != 3 {
		t.Errorf("page 2 by email = %d accounts starting %v, meta %+v, %v", len(list), list, meta, err)
	}
	list, meta, err = e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{MatchNone: true})
	if err != nil || len(list) != 0 || list == nil || meta.TotalResults != 0 {
		t.Errorf("MatchNone = %v, %+v, %v", list, meta, err)
	}
	var q backend.ManagedAccountQuery
	if err := backend.ParseManagedAccountStatusFilter("blocked", &q); err != nil || !q.MatchNone {
		t.Errorf("blocked filter = %+v, %v; want MatchNone", q, err)
	}

	for _, tc := range []struct {
		name  string
		q     backend.ManagedAccountQuery
		param string
	}{
		{"PageSizeTooLarge", backend.ManagedAccountQuery{Page: backend.Page{Number: 1, Size: backend.MaxPageSize + 1}}, "page[size]"},
		{"NegativePageSize", backend.ManagedAccountQuery{Page: backend.Page{Number: 1, Size: -1}}, "page[size]"},
		{"NegativePageNumber", backend.ManagedAccountQuery{Page: backend.Page{Number: -1}}, "page[number]"},
		{"ShortEmailContains", backend.ManagedAccountQuery{EmailContains: "ab"}, "filter[email][contains]"},
		{"ShortOrganizationContains", backend.ManagedAccountQuery{OrganizationContains: "éé"}, "filter[organization_name][contains]"},
		{"UnknownSort", backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "id"}}, "sort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.svc.ListManagedAccounts(e.ctx, caller, tc.q)
			if de := wantErr(t, err, backend.EBADREQUEST, ""); de.Parameter != tc.param {
				t.Errorf("parameter = %q, want %q", de.Parameter, tc.param)
			}
		})
	}
	if err := backend.ParseManagedAccountStatusFilter("archived", &q); backend.ErrorKind(err) != backend.EBADREQUEST {
		t.Errorf("unknown status filter: %v, want EBADREQUEST", err)
	}
	// The largest page is allowed.
	if _, meta, err := e.svc.ListManagedAccounts(e.ctx, caller, backend.ManagedAccountQuery{Page: backend.Page{Number: 1, Size: backend.MaxPageSize}}); err != nil || meta.PageSize != backend.MaxPageSize {
		t.Errorf("size %d: %+v, %v", backend.MaxPageSize, meta, err)
	}
}

func TestDisableEnableAreIdempotent(t *testing.T) {
	e := newEnv(t)
	_, _, caller := e.manager(backend.CreateManagerInput{})
	v := e.managed(caller, backend.CreateManagedAccountInput{})
	for range 2 {
		got, err := e.svc.SetManagedAccountStatus(e.ctx, caller, v.Account.ID, false)
		if err != nil || got.Account.Status != backend.StatusDisabled || got.APIKey != v.APIKey {
			t.Fatalf("disable = %+v, %v", got, err)
		}
	}
	for range 2 {
		got, err := e.svc.SetManagedAccountStatus(e.ctx, caller, v.Account.ID, true)
		if err != nil || got.Account.Status != backend.StatusEnabled {
			t.Fatalf("enable = %+v, %v", got, err)
		}
	}
	e.auth(v.APIKey)
}
