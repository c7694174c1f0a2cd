package backend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// TestPasswordsAreStoredSealed: a password set through any path (operator,
// managed account create and change, the bootstrap manager's) is stored as
// a sealed bcrypt hash: nothing in the database is a bcrypt hash in the
// clear, to be guessed against offline. It signs in; under another server
// secret it is refused as any wrong password is (EUNAUTHENTICATED, after as
// much work), never an error of another kind.
func TestPasswordsAreStoredSealed(t *testing.T) {
	srv := backendtest.Start(t)
	ctx := t.Context()
	passwords := map[string]string{} // email → password
	status, body := srv.Operator(t, http.MethodPost, "/reference/accounts", map[string]any{
		"email": "sealed-operator@example.com", "organization_name": "Sealed Operator Co", "password": "operator password"})
	if status != http.StatusCreated {
		t.Fatalf("operator create: %d %s", status, body)
	}
	passwords["sealed-operator@example.com"] = "operator password"
	status, _, body = srv.Do(t, http.MethodPost, "/v2/managed_accounts", srv.ManagerKey, map[string]any{
		"business_name": "Sealed Managed Co", "email": "sealed-managed@example.com", "password": "managed password"})
	if status != http.StatusOK && status != http.StatusCreated {
		t.Fatalf("managed account create: %d %s", status, body)
	}
	var created struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Data.ID == "" {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	status, _, body = srv.Do(t, http.MethodPatch, "/v2/managed_accounts/"+created.Data.ID, srv.ManagerKey, map[string]any{"password": "changed password"})
	if status != http.StatusOK {
		t.Fatalf("managed account change: %d %s", status, body)
	}
	passwords["sealed-managed@example.com"] = "changed password"
	if err := srv.Service.SetAccountPassword(ctx, srv.ManagerID, "bootstrap password"); err != nil {
		t.Fatal(err)
	}
	manager, _, err := srv.Service.GetAccount(ctx, srv.ManagerID)
	if err != nil {
		t.Fatal(err)
	}
	passwords[manager.Email] = "bootstrap password"

	other, err := backend.NewSecrets(backend.NewServerSecret())
	if err != nil {
		t.Fatal(err)
	}
	other.PasswordCost = bcrypt.MinCost
	elsewhere := backend.NewService(srv.Store, other)
	for email, password := range passwords {
		if _, _, err := srv.Service.SignIn(ctx, email, password); err != nil {
			t.Errorf("%s does not sign in: %v", email, err)
		}
		a := accountByEmail(t, srv.Store, email)
		if !strings.HasPrefix(a.PasswordHash, backend.SealedPasswordPrefix) || !srv.Secrets.CheckPassword(a.PasswordHash, password) {
			t.Errorf("%s's password is stored as %q", email, a.PasswordHash)
		}
		before := elsewhere.PasswordChecks()
		_, _, err := elsewhere.SignIn(ctx, email, password)
		if backend.ErrorKind(err) != backend.EUNAUTHENTICATED {
			t.Errorf("%s under another server secret: %v, want EUNAUTHENTICATED", email, err)
		}
		if elsewhere.PasswordChecks() != before+1 {
			t.Errorf("%s under another server secret: %d password checks, want 1", email, elsewhere.PasswordChecks()-before)
		}
	}
	if found := backendtest.BcryptHash.FindAll(srv.StoredData(t), 3); found != nil {
		t.Errorf("the database holds bcrypt hashes in the clear: %q", found)
	}
}

func accountByEmail(t *testing.T, store backend.Store, email string) *backend.Account {
	t.Helper()
	var a *backend.Account
	err := store.ReadTx(t.Context(), func(tx backend.Tx) error {
		var err error
		a, err = tx.GetAccountByEmail(t.Context(), email)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// failingScrub is a store whose scrub fails, as a start stopped between
// sealing the hashes and scrubbing the file.
type failingScrub struct{ backend.Store }

func (failingScrub) ScrubAccounts(context.Context) error { return errors.New("stopped") }

// watchedScrub is a store that calls after once it is scrubbed.
type watchedScrub struct {
	backend.Store
	after func()
}

func (w watchedScrub) ScrubAccounts(ctx context.Context) error {
	err := w.Store.ScrubAccounts(ctx)
	if err == nil {
		w.after()
	}
	return err
}

// TestSealPasswordHashesConvertsEarlierReleasesHashes: the plain bcrypt
// hashes of a database that an earlier release wrote are sealed without
// their passwords, which keep signing in (and the replaced ones do not).
// A start stopped before the store was scrubbed leaves every hash sealed but
// marked, and the next start scrubs: afterwards no byte of the database is
// a bcrypt hash in the clear, not even in free space or dead row versions.
// Running it again changes nothing.
func TestSealPasswordHashesConvertsEarlierReleasesHashes(t *testing.T) {
	srv := backendtest.Start(t)
	ctx := t.Context()
	current := map[string]string{} // email → password
	var replaced []string
	for i := range 12 {
		email, password := fmt.Sprintf("legacy-%02d@example.com", i), fmt.Sprintf("password %02d", i)
		var earlier []string
		if i%3 == 0 {
			earlier = []string{fmt.Sprintf("first password %02d", i), fmt.Sprintf("second password %02d", i)}
			replaced = append(replaced, earlier...)
		}
		backendtest.LegacyPasswordAccount(t, srv.Store, email, password, earlier...)
		current[email] = password
	}
	stored := func() []byte { return append(srv.StoredData(t), relationFiles(t, srv)...) }
	if backendtest.BcryptHash.Find(stored()) == nil {
		t.Fatal("the database holds no bcrypt hash before the upgrade: the scan does not see the data")
	}
	before := map[string]*backend.Account{}
	for email := range current {
		before[email] = accountByEmail(t, srv.Store, email)
	}

	// A start stopped after sealing, before scrubbing.
	n, err := backend.NewService(failingScrub{srv.Store}, srv.Secrets).SealPasswordHashes(ctx)
	if err == nil || n != len(current) {
		t.Fatalf("the interrupted upgrade answered %d, %v; want %d and an error", n, err, len(current))
	}
	for email := range current {
		if a := accountByEmail(t, srv.Store, email); !strings.HasPrefix(a.PasswordHash, backend.UnscrubbedPasswordPrefix) {
			t.Errorf("after the interrupted upgrade %s's hash is %q", email, a.PasswordHash)
		}
	}
	if backendtest.BcryptHash.Find(stored()) == nil {
		// They are in free space (SQLite) or dead row versions (PostgreSQL).
		t.Fatal("the database holds no plain hash after sealing: the scrub is not tested")
	}

	// The next start. What the store holds is read as soon as it is
	// scrubbed too: on PostgreSQL the updates after it may prune dead row
	// versions by chance, which would hide a scrub that leaves them.
	var scrubbed []byte
	next := backend.NewService(watchedScrub{srv.Store, func() { scrubbed = stored() }}, srv.Secrets)
	if n, err := next.SealPasswordHashes(ctx); err != nil || n != 0 || scrubbed == nil {
		t.Fatalf("the next start answered %d, %v (scrubbed: %t); want 0 (already sealed), nil, scrubbed", n, err, scrubbed != nil)
	}
	for when, data := range map[string][]byte{"once scrubbed": scrubbed, "after the upgrade": stored()} {
		if found := backendtest.BcryptHash.FindAll(data, 3); found != nil {
			t.Errorf("%s the database holds bcrypt hashes in the clear: %q", when, found)
		}
	}
	after := map[string]string{}
	for email, password := range current {
		a := accountByEmail(t, srv.Store, email)
		after[email] = a.PasswordHash
		if !strings.HasPrefix(a.PasswordHash, backend.SealedPasswordPrefix) {
			t.Errorf("after the upgrade %s's hash is %q", email, a.PasswordHash)
		}
		b := before[email]
		a.PasswordHash, b.PasswordHash = "", ""
		if *a != *b {
			t.Errorf("the upgrade changed more than the hash of %s:\n%+v\nwas\n%+v", email, *a, *b)
		}
		if _, _, err := srv.Service.SignIn(ctx, email, password); err != nil {
			t.Errorf("%s does not sign in after the upgrade: %v", email, err)
		}
	}
	for i, password := range replaced {
		email := fmt.Sprintf("legacy-%02d@example.com", i/2*3)
		if _, _, err := srv.Service.SignIn(ctx, email, password); backend.ErrorKind(err) != backend.EUNAUTHENTICATED {
			t.Errorf("%s signs in with a replaced password: %v", email, err)
		}
	}

	if n, err := srv.Service.SealPasswordHashes(ctx); err != nil || n != 0 {
		t.Fatalf("a start after the upgrade answered %d, %v; want 0, nil", n, err)
	}
	for email, hash := range after {
		if got := accountByEmail(t, srv.Store, email).PasswordHash; got != hash {
			t.Errorf("a start after the upgrade rewrote %s's hash", email)
		}
	}
}

// relationFiles returns, on PostgreSQL, the bytes on disk of the accounts
// table, its TOAST table and its indexes, dead row versions included (which
// no dump shows); nothing on SQLite, whose file StoredData reads whole. It
// needs a superuser (CHECKPOINT, pg_read_binary_file), as the tests'
// server's postgres is; without one it reads nothing and says so.
func relationFiles(t *testing.T, srv *backendtest.Server) []byte {
	t.Helper()
	if !srv.OnPostgres() {
		return nil
	}
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, srv.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		t.Logf("the accounts table's files are not read: %v", err)
		return nil
	}
	rows, err := conn.Query(ctx, `SELECT pg_read_binary_file(pg_relation_filepath(c.oid))
		FROM pg_class c
		WHERE c.relfilenode <> 0 AND (c.oid = 'accounts'::regclass
			OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'accounts'::regclass)
			OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'accounts'::regclass))`)
	if err != nil {
		t.Logf("the accounts table's files are not read: %v", err)
		return nil
	}
	files, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Logf("the accounts table's files are not read: %v", err)
		return nil
	}
	var all []byte
	for _, f := range files {
		all = append(all, f...)
	}
	return all
}
