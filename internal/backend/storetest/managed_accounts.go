package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of the accounts part of Tx: round trips, conflicts and
// not-found kinds, the managed-account lists (filters, paging, sorts), the
// counts and sums by status, and unique emails under concurrent creates.

func (f *fixture) list(managerID string, q backend.ManagedAccountQuery) ([]*backend.Account, int) {
	f.t.Helper()
	if q.Page == (backend.Page{}) {
		q.Page = backend.Page{Number: 1, Size: backend.MaxPageSize}
	}
	var (
		list  []*backend.Account
		total int
	)
	f.read(func(tx backend.Tx) error {
		var err error
		list, total, err = tx.ListManagedAccounts(f.ctx, managerID, q)
		return err
	})
	return list, total
}

func (f *fixture) getAccount(id string) *backend.Account {
	f.t.Helper()
	var a *backend.Account
	f.read(func(tx backend.Tx) error {
		var err error
		a, err = tx.GetAccount(f.ctx, id)
		return err
	})
	return a
}

func emails(list []*backend.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Email
	}
	return out
}

func ids(list []*backend.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

func sameAccount(t *testing.T, got, want *backend.Account) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("times = %s / %s, want %s / %s", g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt)
	}
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("account = %+v\nwant      %+v", g, w)
	}
}

func testAccountRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("boss@example.com")
	a := f.newAccount(m.ID, "Worker@Example.com", "Acme, Inc. — Ünïcode")
	a.AllowCustomPricing, a.RollupBilling, a.GlobalChannelLimit = true, true, 42
	a.CreditLimit = -1 // negative amounts are stored as they are
	a.Status = backend.StatusDisabled
	f.insert(a)

	sameAccount(t, f.getAccount(m.ID), m)
	sameAccount(t, f.getAccount(a.ID), a)
	if got := f.getAccount(m.ID); got.ManagerID != "" || !got.IsManager() {
		t.Errorf("manager's ManagerID = %q, want empty", got.ManagerID)
	}
}

func testGetAccountByEmailIgnoresCase(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("Mixed.Case@Example.COM")
	for _, email := range []string{"Mixed.Case@Example.COM", "mixed.case@example.com", "MIXED.CASE@EXAMPLE.COM"} {
		var got *backend.Account
		f.read(func(tx backend.Tx) error {
			var err error
			got, err = tx.GetAccountByEmail(f.ctx, email)
			return err
		})
		if got.ID != m.ID || got.Email != m.Email {
			t.Errorf("GetAccountByEmail(%q) = %s %q, want %s %q (stored case kept)", email, got.ID, got.Email, m.ID, m.Email)
		}
	}
}

func testDuplicateEmailIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	first := f.manager("taken@example.com")
	for _, email := range []string{"taken@example.com", "TAKEN@example.com", "Taken@Example.Com"} {
		err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
			return tx.InsertAccount(f.ctx, f.newAccount("", email, "Second"))
		})
		wantKind(t, err, backend.ECONFLICT)
	}
	sameAccount(t, f.getAccount(first.ID), first)
	_, total := f.list(first.ID, backend.ManagedAccountQuery{IncludeCancelled: true})
	if total != 0 {
		t.Errorf("managed accounts after refused inserts = %d, want 0", total)
	}
}

func testDuplicateAccountIDIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	first := f.manager("one@example.com")
	dup := f.newAccount("", "two@example.com", "Two")
	dup.ID = first.ID
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, dup) })
	wantKind(t, err, backend.ECONFLICT)
	sameAccount(t, f.getAccount(first.ID), first)
}

func testUpdateAccountWritesMutableFields(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "Before")
	changed := *a
	changed.Email = "renamed@example.com"
	changed.OrganizationName = "After"
	changed.PasswordHash = "$2a$04$other"
	changed.Status = backend.StatusCancelled
	changed.AllowCustomPricing = true
	changed.RollupBilling = true
	changed.GlobalChannelLimit = 77
	changed.AllocatableChannels = 5
	changed.ManagedAccountLimit = 6
	changed.CreditLimit = 123_456_789
	changed.APITokenSealed = "resealed"
	changed.UpdatedAt = f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, &changed) })
	sameAccount(t, f.getAccount(a.ID), &changed)
}

func testUpdateAccountToTakenEmailIsConflict(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "A")
	f.managed(m, "b@example.com", "B")
	changed := *a
	changed.Email = "B@EXAMPLE.COM"
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, &changed) })
	wantKind(t, err, backend.ECONFLICT)
	sameAccount(t, f.getAccount(a.ID), a)
}

func testNotFoundKinds(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com") // a store that is not empty
	missing := uuid.NewString()
	for name, call := range map[string]func(tx backend.Tx) error{
		"GetAccount": func(tx backend.Tx) error { _, err := tx.GetAccount(f.ctx, missing); return err },
		"GetAccountByEmail": func(tx backend.Tx) error {
			_, err := tx.GetAccountByEmail(f.ctx, "nobody@example.com")
			return err
		},
		"GetAPIKeyByHash": func(tx backend.Tx) error { _, err := tx.GetAPIKeyByHash(f.ctx, "no-such-hash"); return err },
		"GetPrimaryKeyOfKeylessAccount": func(tx backend.Tx) error {
			_, err := tx.GetPrimaryKey(f.ctx, m.ID)
			return err
		},
		"GetPrimaryKeyOfMissingAccount": func(tx backend.Tx) error { _, err := tx.GetPrimaryKey(f.ctx, missing); return err },
		"GetAPIKeyAndAccountByHash": func(tx backend.Tx) error {
			_, _, err := tx.GetAPIKeyAndAccountByHash(f.ctx, "no-such-hash")
			return err
		},
		"GetAccountWithPrimaryKeyOfMissingAccount": func(tx backend.Tx) error {
			_, _, err := tx.GetAccountWithPrimaryKey(f.ctx, missing)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.ReadTx(f.ctx, call), backend.ENOTFOUND) })
	}
	ghost := f.newAccount("", "ghost@example.com", "Ghost")
	ghostKey := f.newKey(missing, backend.KeyUser)
	for name, call := range map[string]func(tx backend.Tx) error{
		"UpdateAccount": func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, ghost) },
		"UpdateAPIKey":  func(tx backend.Tx) error { return tx.UpdateAPIKey(f.ctx, ghostKey) },
	} {
		t.Run(name, func(t *testing.T) { wantKind(t, s.WriteTx(f.ctx, call), backend.ENOTFOUND) })
	}
	if err := s.ReadTx(f.ctx, func(tx backend.Tx) error { _, err := tx.GetAccountByEmail(f.ctx, ghost.Email); return err }); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Errorf("UpdateAccount of a missing account created it: %v", err)
	}
}

func testListIsScopedToManager(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m1, m2 := f.manager("m1@example.com"), f.manager("m2@example.com")
	a := f.managed(m1, "a@example.com", "Shared Name")
	f.managed(m2, "b@example.com", "Shared Name")
	list, total := f.list(m1.ID, backend.ManagedAccountQuery{})
	if total != 1 || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("m1's list = %v (total %d), want only %s", ids(list), total, a.ID)
	}
	sameAccount(t, list[0], a)
	if list, total := f.list(a.ID, backend.ManagedAccountQuery{}); total != 0 || len(list) != 0 {
		t.Errorf("a managed account's own list = %v (total %d), want empty", ids(list), total)
	}
}

func testListFiltersAreCaseInsensitive(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	alice := f.managed(m, "Alice.Smith@Example.com", "Blue Widgets Ltd")
	f.managed(m, "bob@example.org", "Red Gadgets")
	for _, tc := range []struct {
		name string
		q    backend.ManagedAccountQuery
	}{
		{"EmailEqLower", backend.ManagedAccountQuery{EmailEq: "alice.smith@example.com"}},
		{"EmailEqUpper", backend.ManagedAccountQuery{EmailEq: "ALICE.SMITH@EXAMPLE.COM"}},
		{"EmailContains", backend.ManagedAccountQuery{EmailContains: "SMITH@EXAMPLE.C"}},
		{"OrganizationContains", backend.ManagedAccountQuery{OrganizationContains: "widgets"}},
		{"OrganizationContainsUpper", backend.ManagedAccountQuery{OrganizationContains: "BLUE WIDG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total := f.list(m.ID, tc.q)
			if total != 1 || len(list) != 1 || list[0].ID != alice.ID {
				t.Errorf("list = %v (total %d), want only %s", emails(list), total, alice.Email)
			}
		})
	}
	if list, total := f.list(m.ID, backend.ManagedAccountQuery{EmailEq: "alice.smith@example"}); total != 0 {
		t.Errorf("EmailEq matched a prefix: %v", emails(list))
	}
}

func testOrganizationEqIsExact(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	a := f.managed(m, "a@example.com", "Acme Corp")
	f.managed(m, "b@example.com", "Acme Corporation")
	list, total := f.list(m.ID, backend.ManagedAccountQuery{OrganizationEq: "Acme Corp"})
	if total != 1 || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("OrganizationEq = %v (total %d), want only a", emails(list), total)
	}
	for _, v := range []string{"acme corp", "ACME CORP", "Acme"} {
		if list, total := f.list(m.ID, backend.ManagedAccountQuery{OrganizationEq: v}); total != 0 {
			t.Errorf("OrganizationEq %q matched %v, want nothing", v, emails(list))
		}
	}
}

func testContainsTreatsWildcardsLiterally(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for email, org := range map[string]string{
		"pct%1@example.com": "100% Fun",
		"pct21@example.com": "100X Fun",
		"a_b@example.com":   "a_b Corp",
		"aXb@example.com":   "aXb Corp",
		"bs@example.com":    `back\slash`,
		"plain@example.com": "backslash",
	} {
		f.managed(m, email, org)
	}
	for _, tc := range []struct{ org, email, want string }{
		{org: "0% F", want: "pct%1@example.com"},
		{org: "%", want: "pct%1@example.com"},
		{org: "a_b", want: "a_b@example.com"},
		{org: "_", want: "a_b@example.com"},
		{org: `k\s`, want: "bs@example.com"},
		{org: `\`, want: "bs@example.com"},
		{email: "t%1", want: "pct%1@example.com"},
		{email: "a_b", want: "a_b@example.com"},
		{email: "_", want: "a_b@example.com"},
	} {
		list, total := f.list(m.ID, backend.ManagedAccountQuery{OrganizationContains: tc.org, EmailContains: tc.email})
		if got := emails(list); total != 1 || len(got) != 1 || got[0] != tc.want {
			t.Errorf("contains org %q email %q = %v (total %d), want only %s", tc.org, tc.email, got, total, tc.want)
		}
	}
}

func testFiltersCombine(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	want := f.managed(m, "sales@acme.example", "Acme Sales")
	f.managed(m, "support@acme.example", "Acme Support")
	f.managed(m, "sales@other.example", "Other Sales")
	list, total := f.list(m.ID, backend.ManagedAccountQuery{EmailContains: "acme", OrganizationContains: "sales"})
	if total != 1 || len(list) != 1 || list[0].ID != want.ID {
		t.Errorf("combined filters = %v (total %d), want only %s", emails(list), total, want.Email)
	}
}

func testStatusFilters(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	enabled := f.managed(m, "enabled@example.com", "E")
	disabled := f.newAccount(m.ID, "disabled@example.com", "D")
	disabled.Status = backend.StatusDisabled
	f.insert(disabled)
	cancelled := f.newAccount(m.ID, "cancelled@example.com", "C")
	cancelled.Status = backend.StatusCancelled
	f.insert(cancelled)

	for _, tc := range []struct {
		name string
		q    backend.ManagedAccountQuery
		want []string
	}{
		{"DefaultHidesCancelled", backend.ManagedAccountQuery{}, []string{disabled.Email, enabled.Email}},
		{"IncludeCancelled", backend.ManagedAccountQuery{IncludeCancelled: true}, []string{cancelled.Email, disabled.Email, enabled.Email}},
		{"Enabled", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusEnabled}}, []string{enabled.Email}},
		{"EnabledIncludingCancelled", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusEnabled}, IncludeCancelled: true}, []string{enabled.Email}},
		{"CancelledOnly", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusCancelled}}, []string{cancelled.Email}},
		{"All", backend.ManagedAccountQuery{Statuses: []backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled, backend.StatusCancelled}},
			[]string{cancelled.Email, disabled.Email, enabled.Email}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Sort = backend.SortOrder{Field: "email"}
			list, total := f.list(m.ID, tc.q)
			if got := emails(list); total != len(tc.want) || !slices.Equal(got, tc.want) {
				t.Errorf("list = %v (total %d), want %v", got, total, tc.want)
			}
		})
	}
}

func testMatchNoneMatchesNothing(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	f.managed(m, "a@example.com", "A")
	list, total := f.list(m.ID, backend.ManagedAccountQuery{MatchNone: true})
	if total != 0 || len(list) != 0 {
		t.Errorf("MatchNone list = %v (total %d), want empty", emails(list), total)
	}
}

func testPagingAndTotals(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	var all []string
	for i := range 7 {
		all = append(all, f.managed(m, fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("Org %d", i)).ID)
	}
	asc := backend.SortOrder{Field: "created_at"}
	var paged []string
	for page, wantLen := range map[int]int{1: 3, 2: 3, 3: 1, 4: 0} {
		list, total := f.list(m.ID, backend.ManagedAccountQuery{Sort: asc, Page: backend.Page{Number: page, Size: 3}})
		if total != 7 || len(list) != wantLen {
			t.Errorf("page %d: %d accounts, total %d; want %d, total 7", page, len(list), total, wantLen)
		}
		if list == nil {
			t.Errorf("page %d: nil list, want an empty slice", page)
		}
	}
	for page := 1; page <= 3; page++ {
		list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: asc, Page: backend.Page{Number: page, Size: 3}})
		paged = append(paged, ids(list)...)
	}
	if !slices.Equal(paged, all) {
		t.Errorf("pages joined = %v, want creation order %v", paged, all)
	}
	list, total := f.list(m.ID, backend.ManagedAccountQuery{Sort: asc, Page: backend.Page{Number: 1, Size: 7}})
	if total != 7 || !slices.Equal(ids(list), all) {
		t.Errorf("one exact page = %v (total %d), want all", ids(list), total)
	}
	// The total counts the filtered set, not the page and not the manager.
	list, total = f.list(m.ID, backend.ManagedAccountQuery{EmailContains: "user1", Sort: asc, Page: backend.Page{Number: 1, Size: 3}})
	if total != 1 || len(list) != 1 {
		t.Errorf("filtered page = %v (total %d), want 1 of 1", emails(list), total)
	}
}

func testSortByCreatedAtBreaksTiesOnID(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	same := f.tick()
	var tied []string
	for i := range 4 {
		a := f.newAccount(m.ID, fmt.Sprintf("tie%d@example.com", i), "Tie")
		a.CreatedAt = same
		tied = append(tied, f.insert(a).ID)
	}
	early := f.newAccount(m.ID, "early@example.com", "Early")
	early.CreatedAt = same.Add(-time.Microsecond)
	late := f.newAccount(m.ID, "late@example.com", "Late")
	late.CreatedAt = same.Add(time.Microsecond)
	f.insert(late)
	f.insert(early)
	slices.Sort(tied)

	wantAsc := append(append([]string{early.ID}, tied...), late.ID)
	wantDesc := slices.Clone(wantAsc)
	slices.Reverse(wantDesc)
	for _, desc := range []bool{false, true} {
		want := wantAsc
		if desc {
			want = wantDesc
		}
		list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "created_at", Descending: desc}})
		if got := ids(list); !slices.Equal(got, want) {
			t.Errorf("descending=%v: %v, want %v", desc, got, want)
		}
		// Paging through ties must neither repeat nor skip an account.
		var paged []string
		for page := 1; page <= 3; page++ {
			list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "created_at", Descending: desc},
				Page: backend.Page{Number: page, Size: 2}})
			paged = append(paged, ids(list)...)
		}
		if !slices.Equal(paged, want) {
			t.Errorf("descending=%v, pages of 2: %v, want %v", desc, paged, want)
		}
	}
}

func testSortByEmailIgnoresCase(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for _, e := range []string{"charlie@example.com", "Bravo@example.com", "alpha@example.com", "DELTA@example.com"} {
		f.managed(m, e, "Org")
	}
	list, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "email"}})
	want := []string{"alpha@example.com", "Bravo@example.com", "charlie@example.com", "DELTA@example.com"}
	if got := emails(list); !slices.Equal(got, want) {
		t.Errorf("email ascending = %v, want %v", got, want)
	}
}

func testSortByEmailDescending(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	for _, e := range []string{"kilo@example.com", "echo@example.com", "Zulu@example.com", "mike@example.com", "alpha@example.com"} {
		f.managed(m, e, "Org")
	}
	asc, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "email"}})
	desc, _ := f.list(m.ID, backend.ManagedAccountQuery{Sort: backend.SortOrder{Field: "email", Descending: true}})
	want := []string{"Zulu@example.com", "mike@example.com", "kilo@example.com", "echo@example.com", "alpha@example.com"}
	if got := emails(desc); !slices.Equal(got, want) {
		t.Errorf("email descending = %v, want %v", got, want)
	}
	reversed := emails(asc)
	slices.Reverse(reversed)
	if !slices.Equal(reversed, emails(desc)) {
		t.Errorf("descending %v is not the reverse of ascending %v", emails(desc), emails(asc))
	}
}

// open are the statuses the domain counts towards a manager's limits.
var open = []backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled}

func testCountAndSumTakeTheStatusesGiven(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m, other := f.manager("m@example.com"), f.manager("other@example.com")
	for i, st := range []backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled, backend.StatusCancelled, backend.StatusEnabled} {
		a := f.newAccount(m.ID, fmt.Sprintf("a%d@example.com", i), "Org")
		a.Status, a.GlobalChannelLimit = st, 10*(i+1) // 10, 20, 30 (cancelled), 40
		f.insert(a)
	}
	o := f.newAccount(other.ID, "o@example.com", "Other")
	o.GlobalChannelLimit = 1000
	f.insert(o)
	countAndSum := func(managerID string, statuses ...backend.AccountStatus) (n, sum int) {
		t.Helper()
		f.read(func(tx backend.Tx) error {
			var err error
			if n, err = tx.CountManagedAccounts(f.ctx, managerID, statuses); err != nil {
				return err
			}
			sum, err = tx.SumGlobalChannelLimits(f.ctx, managerID, statuses)
			return err
		})
		return n, sum
	}
	for _, c := range []struct {
		statuses     []backend.AccountStatus
		wantN, wantS int
	}{
		{open, 3, 70},
		{[]backend.AccountStatus{backend.StatusCancelled}, 1, 30},
		{[]backend.AccountStatus{backend.StatusEnabled}, 2, 50},
		{[]backend.AccountStatus{backend.StatusEnabled, backend.StatusDisabled, backend.StatusCancelled}, 4, 100},
		{nil, 0, 0},
	} {
		if n, sum := countAndSum(m.ID, c.statuses...); n != c.wantN || sum != c.wantS {
			t.Errorf("statuses %v: count, sum = %d, %d; want %d, %d", c.statuses, n, sum, c.wantN, c.wantS)
		}
	}
	if n, sum := countAndSum(o.ID, open...); n != 0 || sum != 0 {
		t.Errorf("for an account without managed accounts: count, sum = %d, %d; want 0, 0", n, sum)
	}

	// Status changes move the counts both ways; other changes leave them,
	// and so does a change of the manager's own row.
	count := func(statuses ...backend.AccountStatus) int {
		n, _ := countAndSum(m.ID, statuses...)
		return n
	}
	var accounts []*backend.Account
	f.read(func(tx backend.Tx) error {
		list, _, err := tx.ListManagedAccounts(f.ctx, m.ID, backend.ManagedAccountQuery{Page: backend.Page{Number: 1, Size: 10}})
		accounts = list
		return err
	})
	setStatus := func(a *backend.Account, st backend.AccountStatus) {
		a.Status, a.UpdatedAt = st, f.tick()
		f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, a) })
	}
	want := func(what string, opened, cancelled int) {
		t.Helper()
		if n, c := count(open...), count(backend.StatusCancelled); n != opened || c != cancelled {
			t.Fatalf("%s: %d open and %d cancelled, want %d and %d", what, n, c, opened, cancelled)
		}
	}
	for _, a := range accounts {
		if a.Status == backend.StatusEnabled {
			setStatus(a, backend.StatusCancelled)
			want("after cancelling one", 2, 2)
			setStatus(a, backend.StatusDisabled)
			want("after bringing it back as disabled", 3, 1)
			setStatus(a, backend.StatusEnabled)
			a.OrganizationName = "Renamed"
			f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, a) })
			want("after enabling and renaming it", 3, 1)
			break
		}
	}
	m.OrganizationName, m.UpdatedAt = "Manager renamed", f.tick()
	f.write(func(tx backend.Tx) error { return tx.UpdateAccount(f.ctx, m) })
	want("after a change of the manager itself", 3, 1)
}

func testConcurrentEmailsStayUnique(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("m@example.com")
	const attempts = 8
	var wg sync.WaitGroup
	results := make([]error, attempts)
	for i := range attempts {
		a := f.newAccount(m.ID, "Race@Example.com", fmt.Sprintf("Racer %d", i))
		if i%2 == 1 {
			a.Email = "race@example.COM"
		}
		wg.Go(func() {
			results[i] = s.WriteTx(f.ctx, func(tx backend.Tx) error { return tx.InsertAccount(f.ctx, a) })
		})
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch backend.ErrorKind(err) {
		case backend.ECONFLICT:
		default:
			if err != nil {
				t.Errorf("unexpected error: %v", err)
				continue
			}
			won++
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racing inserts of one email succeeded, want exactly 1", won, attempts)
	}
	if _, total := f.list(m.ID, backend.ManagedAccountQuery{}); total != 1 {
		t.Errorf("managed accounts = %d, want 1", total)
	}
}
