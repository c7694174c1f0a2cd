package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The stored password hashes that the upgrade seals (Service.SealPasswordHashes).

// testListAccountsByPasswordHashPrefix: the prefix matches byte for byte
// (case, and LIKE's wildcards, count), every matching account comes back
// whole, and the empty prefix matches every account.
func testListAccountsByPasswordHashPrefix(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	byHash := map[string]*backend.Account{}
	for i, hash := range []string{"$2a$04$plain", "$2b$10$plain", "sealed:abc", "Sealed:abc", "sealed_abc", "sealed%abc", "", "sé:x"} {
		a := f.newAccount("", fmt.Sprintf("prefix-%d@example.com", i), "Prefix Co")
		a.PasswordHash = hash
		byHash[hash] = f.insert(a)
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"$", []string{"$2a$04$plain", "$2b$10$plain"}},
		{"$2b", []string{"$2b$10$plain"}},
		{"sealed:", []string{"sealed:abc"}},
		{"sealed_", []string{"sealed_abc"}},
		{"sealed%", []string{"sealed%abc"}},
		{"sé:", []string{"sé:x"}},
		{"sealed:abcd", nil},
		{"\x00", nil},
		{"", []string{"$2a$04$plain", "$2b$10$plain", "sealed:abc", "Sealed:abc", "sealed_abc", "sealed%abc", "", "sé:x"}},
	} {
		var got []*backend.Account
		f.read(func(tx backend.Tx) error {
			var err error
			got, err = tx.ListAccountsByPasswordHashPrefix(f.ctx, tc.prefix)
			return err
		})
		var hashes []string
		for _, a := range got {
			sameAccount(t, a, byHash[a.PasswordHash])
			hashes = append(hashes, a.PasswordHash)
		}
		slices.Sort(hashes)
		slices.Sort(tc.want)
		if !slices.Equal(hashes, tc.want) {
			t.Errorf("prefix %q matched %q, want %q", tc.prefix, hashes, tc.want)
		}
	}
}

// testScrubAccountsKeepsEveryRow: scrubbing rewrites the accounts, and
// changes none of them.
func testScrubAccountsKeepsEveryRow(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("scrub-manager@example.com")
	a := f.managed(m, "scrub-managed@example.com", "Scrub Co")
	a.PasswordHash = "changed"
	f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, a) })
	if err := s.ScrubAccounts(f.ctx); err != nil {
		t.Fatalf("ScrubAccounts: %v", err)
	}
	sameAccount(t, f.getAccount(m.ID), m)
	sameAccount(t, f.getAccount(a.ID), a)
	// The store still writes.
	f.manager("after-scrub@example.com")
}
