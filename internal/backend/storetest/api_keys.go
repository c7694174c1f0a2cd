package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of the API keys part of Tx: round trips, conflicts, the one
// active primary key, lists, counts by kind and status, and touches.

func (f *fixture) newKey(accountID string, kind backend.KeyKind) *backend.APIKey {
	f.n++
	now := f.tick()
	return &backend.APIKey{
		ID: uuid.NewString(), AccountID: accountID, Kind: kind, Hash: fmt.Sprintf("hash-%d-%s", f.n, uuid.NewString()),
		Sealed: fmt.Sprintf("sealed-%d", f.n), MaskedKey: fmt.Sprintf("KEY…%04d", f.n), Status: backend.KeyActive,
		Description: fmt.Sprintf("key %d", f.n), Tags: []string{}, IssuedBy: backend.ChangeByAccountOwner,
		CreatedAt: now, UpdatedAt: now,
	}
}

func sameKey(t *testing.T, got, want *backend.APIKey) {
	t.Helper()
	timesEqual := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) ||
		!timesEqual(got.ExpiresAt, want.ExpiresAt) || !timesEqual(got.LastUsedAt, want.LastUsedAt) {
		t.Errorf("key times = %v %v %v %v, want %v %v %v %v", got.CreatedAt, got.UpdatedAt, got.ExpiresAt, got.LastUsedAt,
			want.CreatedAt, want.UpdatedAt, want.ExpiresAt, want.LastUsedAt)
	}
	if got.Tags == nil || !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("tags = %#v, want %#v", got.Tags, want.Tags)
	}
	// Everything else is comparable.
	type plain struct {
		ID, AccountID, Hash, Sealed, MaskedKey, Description, IssuedBy string
		Kind                                                          backend.KeyKind
		Status                                                        backend.KeyStatus
	}
	project := func(k *backend.APIKey) plain {
		return plain{k.ID, k.AccountID, k.Hash, k.Sealed, k.MaskedKey, k.Description, k.IssuedBy, k.Kind, k.Status}
	}
	if g, w := project(got), project(want); g != w {
		t.Errorf("key = %+v\nwant  %+v", g, w)
	}
}

func testAPIKeyRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	expires, used := f.tick().Add(24*time.Hour), f.tick()
	withAll := f.newKey(m.ID, backend.KeyUser)
	withAll.Tags = []string{"ci", "deploy", "with \"quotes\""}
	withAll.ExpiresAt, withAll.LastUsedAt = &expires, &used
	withAll.Status = backend.KeyDisabled
	withAll.IssuedBy = backend.ChangeByAccountManager
	bare := f.newKey(m.ID, backend.KeyUser)
	bare.Tags = nil // read back as an empty, non-nil slice
	f.write(func(tx backend.Tx) error {
		if err := tx.InsertAPIKey(f.ctx, withAll); err != nil {
			return err
		}
		return tx.InsertAPIKey(f.ctx, bare)
	})
	for _, want := range []*backend.APIKey{withAll, bare} {
		var got *backend.APIKey
		f.read(func(tx backend.Tx) error {
			var err error
			got, err = tx.GetAPIKeyByHash(f.ctx, want.Hash)
			return err
		})
		if want.Tags == nil {
			want.Tags = []string{}
		}
		sameKey(t, got, want)
	}
}

func testDuplicateKeyHashIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, k) })
	dup := f.newKey(m.ID, backend.KeyUser)
	dup.Hash = k.Hash
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, dup) }), backend.ECONFLICT)
	sameID := f.newKey(m.ID, backend.KeyUser)
	sameID.ID = k.ID
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, sameID) }), backend.ECONFLICT)
}

func testKeyOfMissingAccountIsRefused(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	k := f.newKey(uuid.NewString(), backend.KeyUser)
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, k) }); err == nil {
		t.Fatal("a key of an account that does not exist was stored")
	}
	e := f.entry(uuid.NewString(), 1)
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertLedgerEntry(f.ctx, e) }); err == nil {
		t.Fatal("a ledger entry of an account that does not exist was stored")
	}
	a := f.newAccount(uuid.NewString(), "orphan@example.com", "Orphan")
	if err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) }); err == nil {
		t.Fatal("a managed account of a manager that does not exist was stored")
	}
}

func testUpdateAPIKey(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, k) })
	changed := *k
	used, expires := f.tick(), f.tick().Add(time.Hour)
	changed.Status, changed.Description, changed.Tags = backend.KeyRevoked, "rotated", []string{"old"}
	changed.LastUsedAt, changed.ExpiresAt, changed.UpdatedAt = &used, &expires, f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, &changed) })
	var got *backend.APIKey
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.GetAPIKeyByHash(f.ctx, k.Hash)
		return err
	})
	sameKey(t, got, &changed)

	// Optional times go back to unset.
	changed.LastUsedAt, changed.ExpiresAt = nil, nil
	f.write(func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, &changed) })
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.GetAPIKeyByHash(f.ctx, k.Hash)
		return err
	})
	sameKey(t, got, &changed)
}

func testPrimaryKeyLookup(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	user := f.newKey(m.ID, backend.KeyUser)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, user) })
	primary := func() (*backend.APIKey, error) {
		var k *backend.APIKey
		err := s.ReadTx(f.ctx, func(tx backend.Tx) error {
			var err error
			k, err = tx.GetPrimaryKey(f.ctx, m.ID)
			return err
		})
		return k, err
	}
	if _, err := primary(); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("with only a user key: GetPrimaryKey error = %v, want ENOTFOUND", err)
	}
	old := f.newKey(m.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, old) })
	got, err := primary()
	if err != nil || got.ID != old.ID {
		t.Fatalf("GetPrimaryKey = %v, %v; want %s", got, err, old.ID)
	}
	sameKey(t, got, old)

	// Rotation: revoke the old key, then add the new one, in one transaction.
	next := f.newKey(m.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error {
		revoked := *old
		revoked.Status, revoked.UpdatedAt = backend.KeyRevoked, f.tick()
		if err := tx.UpdateAPIKey(f.ctx, &revoked); err != nil {
			return err
		}
		return tx.InsertAPIKey(f.ctx, next)
	})
	if got, err = primary(); err != nil || got.ID != next.ID {
		t.Fatalf("after rotation GetPrimaryKey = %v, %v; want %s", got, err, next.ID)
	}

	// A disabled primary key is no primary key.
	f.write(func(tx backend.Tx) error {
		disabled := *next
		disabled.Status = backend.KeyDisabled
		return tx.UpdateAPIKey(f.ctx, &disabled)
	})
	if _, err := primary(); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("with the primary key disabled: GetPrimaryKey error = %v, want ENOTFOUND", err)
	}
}

func testSecondActivePrimaryKeyIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	first := f.newKey(m.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, first) })
	second := f.newKey(m.ID, backend.KeyPrimary)
	wantKind(t, s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAPIKey(f.ctx, second) }), backend.ECONFLICT)
}

func (f *fixture) insertKeys(keys ...*backend.APIKey) {
	f.t.Helper()
	f.write(func(tx backend.Tx) error {
		for _, k := range keys {
			if err := tx.InsertAPIKey(f.ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *fixture) getKey(id string) (*backend.APIKey, error) {
	var k *backend.APIKey
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		k, err = tx.GetAPIKey(f.ctx, id)
		return err
	})
	return k, err
}

func testGetAPIKeyByID(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.insertKeys(k)
	got, err := f.getKey(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameKey(t, got, k)
	_, err = f.getKey(uuid.NewString())
	wantKind(t, err, backend.ENOTFOUND)
}

func keyIDs(keys []*backend.APIKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

func testListAPIKeysFiltersAndOrder(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	other := f.manager("o@example.com")
	primary := f.newKey(m.ID, backend.KeyPrimary)
	active := f.newKey(m.ID, backend.KeyUser)
	disabled := f.newKey(m.ID, backend.KeyUser)
	disabled.Status = backend.KeyDisabled
	revoked := f.newKey(m.ID, backend.KeyUser)
	revoked.Status = backend.KeyRevoked
	expiring := f.newKey(m.ID, backend.KeyUser)
	at := f.tick()
	expiring.ExpiresAt = &at
	later := at.Add(time.Hour)
	future := f.newKey(m.ID, backend.KeyUser)
	future.ExpiresAt = &later
	f.insertKeys(primary, active, disabled, revoked, expiring, future, f.newKey(other.ID, backend.KeyUser))

	list := func(q backend.APIKeyQuery) ([]string, int) {
		t.Helper()
		if q.Page == (backend.Page{}) {
			q.Page = backend.Page{Number: 1, Size: 50}
		}
		var (
			keys  []*backend.APIKey
			total int
		)
		f.read(func(tx backend.Tx) error {
			var err error
			keys, total, err = tx.ListAPIKeys(f.ctx, m.ID, q)
			return err
		})
		return keyIDs(keys), total
	}
	check := func(name string, q backend.APIKeyQuery, want ...*backend.APIKey) {
		t.Helper()
		got, total := list(q)
		if !slices.Equal(got, keyIDs(want)) || total != len(want) {
			t.Errorf("%s: got %v (total %d), want %v", name, got, total, keyIDs(want))
		}
	}
	// Newest first; revoked keys and other accounts' keys never appear.
	check("all user keys", backend.APIKeyQuery{Kind: backend.KeyUser}, future, expiring, disabled, active)
	check("any kind", backend.APIKeyQuery{}, future, expiring, disabled, active, primary)
	check("stored status", backend.APIKeyQuery{Kind: backend.KeyUser, Status: backend.KeyDisabled}, disabled)
	check("expired at the boundary", backend.APIKeyQuery{Kind: backend.KeyUser, ExpiredAt: &at}, expiring)
	check("unexpired at the boundary", backend.APIKeyQuery{Kind: backend.KeyUser, UnexpiredAt: &at}, future, disabled, active)
	check("active and unexpired", backend.APIKeyQuery{Kind: backend.KeyUser, Status: backend.KeyActive, UnexpiredAt: &at}, future, active)

	got, total := list(backend.APIKeyQuery{Kind: backend.KeyUser, Page: backend.Page{Number: 2, Size: 3}})
	if !slices.Equal(got, []string{active.ID}) || total != 4 {
		t.Errorf("page 2 of 3 = %v (total %d), want [%s] (total 4)", got, total, active.ID)
	}
}

func testCountAPIKeys(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	revoked := f.newKey(m.ID, backend.KeyUser)
	revoked.Status = backend.KeyRevoked
	disabled := f.newKey(m.ID, backend.KeyUser)
	disabled.Status = backend.KeyDisabled
	f.insertKeys(f.newKey(m.ID, backend.KeyPrimary), f.newKey(m.ID, backend.KeyUser), disabled, revoked)
	f.read(func(tx backend.Tx) error {
		for _, c := range []struct {
			kind     backend.KeyKind
			statuses []backend.KeyStatus
			want     int
		}{
			{backend.KeyUser, []backend.KeyStatus{backend.KeyActive, backend.KeyDisabled}, 2},
			{backend.KeyUser, []backend.KeyStatus{backend.KeyRevoked}, 1},
			{backend.KeyUser, []backend.KeyStatus{backend.KeyActive, backend.KeyDisabled, backend.KeyRevoked}, 3},
			{backend.KeyPrimary, []backend.KeyStatus{backend.KeyActive, backend.KeyDisabled}, 1},
			{backend.KeyUser, nil, 0},
		} {
			n, err := tx.CountAPIKeys(f.ctx, m.ID, c.kind, c.statuses)
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("CountAPIKeys(%s, %v) = %d, want %d", c.kind, c.statuses, n, c.want)
			}
		}
		return nil
	})
}

func testTouchAPIKey(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	k := f.newKey(m.ID, backend.KeyUser)
	f.insertKeys(k)
	used := f.tick()
	f.write(func(tx backend.Tx) error { return tx.TouchAPIKey(f.ctx, k.ID, used) })
	got, err := f.getKey(k.ID)
	if err != nil {
		t.Fatal(err)
	}
	k.LastUsedAt = &used // nothing else changes, updated_at included
	sameKey(t, got, k)
	err = s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.TouchAPIKey(f.ctx, uuid.NewString(), used) })
	wantKind(t, err, backend.ENOTFOUND)
}

// keyAndAccount reads the key whose hash is given with its account, in one
// lookup (authentication's).
func (f *fixture) keyAndAccount(hash string) (*backend.APIKey, *backend.Account, error) {
	var (
		k *backend.APIKey
		a *backend.Account
	)
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		k, a, err = tx.GetAPIKeyAndAccountByHash(f.ctx, hash)
		return err
	})
	return k, a, err
}

// The combined lookup answers what GetAPIKeyByHash and GetAccount answer,
// whatever the key's and the account's status: authentication refuses a
// revoked or disabled key, or a disabled or cancelled account, only if it
// reads them as they are now.
func testAPIKeyAndAccountByHash(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	b := f.managed(m, "b@example.com", "B")
	expires, used := f.tick().Add(24*time.Hour), f.tick()
	k := f.newKey(a.ID, backend.KeyUser)
	k.Tags, k.ExpiresAt, k.LastUsedAt, k.IssuedBy = []string{"ci"}, &expires, &used, backend.ChangeByAccountManager
	managerKey, other := f.newKey(m.ID, backend.KeyPrimary), f.newKey(b.ID, backend.KeyPrimary)
	f.insertKeys(k, managerKey, other)
	check := func(step string, key *backend.APIKey, account *backend.Account) {
		t.Helper()
		gotKey, gotAccount, err := f.keyAndAccount(key.Hash)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		sameKey(t, gotKey, key)
		sameAccount(t, gotAccount, account)
	}
	check("managed account's key", k, a)
	check("manager's key", managerKey, m)
	check("another account's key", other, b)

	for _, status := range []backend.KeyStatus{backend.KeyDisabled, backend.KeyRevoked} {
		k.Status, k.UpdatedAt = status, f.tick()
		f.write(func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, k) })
		check("key "+string(status), k, a)
	}
	for _, status := range []backend.AccountStatus{backend.StatusDisabled, backend.StatusCancelled} {
		b.Status, b.UpdatedAt = status, f.tick()
		f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, b) })
		check("account "+string(status), other, b)
	}
	if _, _, err := f.keyAndAccount("no-such-hash"); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Errorf("unknown hash: %v, want ENOTFOUND", err)
	}
}

// accountWithPrimaryKey reads an account with its active primary key, in
// one lookup (a managed account's retrieve).
func (f *fixture) accountWithPrimaryKey(id string) (*backend.Account, *backend.APIKey, error) {
	var (
		a *backend.Account
		k *backend.APIKey
	)
	err := f.s.ReadTx(f.ctx, func(tx backend.Tx) error {
		var err error
		a, k, err = tx.GetAccountWithPrimaryKey(f.ctx, id)
		return err
	})
	return a, k, err
}

// The combined lookup answers what GetAccount and GetPrimaryKey answer: the
// account whatever its status, with its one active primary key, or with
// none when it has no active primary key (a key of another kind, another
// account's or one disabled or revoked is not it).
func testAccountWithPrimaryKey(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	b := f.managed(m, "b@example.com", "B")
	check := func(step string, want *backend.APIKey) {
		t.Helper()
		got, k, err := f.accountWithPrimaryKey(a.ID)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		sameAccount(t, got, a)
		switch {
		case want == nil && k != nil:
			t.Errorf("%s: primary key %s, want none", step, k.ID)
		case want != nil && k == nil:
			t.Errorf("%s: no primary key, want %s", step, want.ID)
		case want != nil:
			sameKey(t, k, want)
		}
	}
	check("without keys", nil)
	f.insertKeys(f.newKey(a.ID, backend.KeyUser), f.newKey(b.ID, backend.KeyPrimary), f.newKey(m.ID, backend.KeyPrimary))
	check("with a user key, and other accounts' primary keys", nil)

	old := f.newKey(a.ID, backend.KeyPrimary)
	f.insertKeys(old)
	check("with a primary key", old)
	next := f.newKey(a.ID, backend.KeyPrimary)
	f.write(func(tx backend.Tx) error {
		revoked := *old
		revoked.Status, revoked.UpdatedAt = backend.KeyRevoked, f.tick()
		if err := tx.UpdateAPIKey(f.ctx, &revoked); err != nil {
			return err
		}
		return tx.InsertAPIKey(f.ctx, next)
	})
	check("after rotation", next)

	a.Status, a.UpdatedAt = backend.StatusCancelled, f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, a) })
	check("account cancelled", next)

	next.Status, next.UpdatedAt = backend.KeyDisabled, f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, next) })
	check("primary key disabled", nil)

	if _, _, err := f.accountWithPrimaryKey(uuid.NewString()); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Errorf("unknown account: %v, want ENOTFOUND", err)
	}
}
