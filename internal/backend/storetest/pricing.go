package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of the pricing part of Tx: rate sets, the set in force at an
// instant, and a set put again with the same start.

func rateSet(scope backend.RateScope, accountID string, from time.Time, rates ...backend.Rate) *backend.RateSet {
	return &backend.RateSet{ID: uuid.NewString(), Scope: scope, AccountID: accountID, EffectiveFrom: from, CreatedAt: base, Rates: rates}
}

func smsRate(country string, micros backend.Money) backend.Rate {
	return backend.Rate{RateKey: backend.RateKey{Product: backend.ProductMessaging, Direction: backend.DirectionOutbound,
		MessageType: backend.MessageTypeSMS, CountryISO: country}, Amount: micros}
}

func (f *fixture) effectiveSet(scope backend.RateScope, accountID string, at time.Time) (*backend.RateSet, error) {
	f.t.Helper()
	var (
		set *backend.RateSet
		err error
	)
	f.read(func(tx backend.Tx) error {
		set, err = tx.EffectiveRateSet(f.ctx, scope, accountID, at)
		return nil
	})
	return set, err
}

func (f *fixture) rateSets(scope backend.RateScope, accountID string) []*backend.RateSet {
	f.t.Helper()
	var sets []*backend.RateSet
	f.read(func(tx backend.Tx) error {
		var err error
		sets, err = tx.ListRateSets(f.ctx, scope, accountID)
		return err
	})
	return sets
}

// testRateSetRoundTrip: a set reads back with its rates in key order, and
// times at microsecond precision in UTC; a wildcard country is a country
// like any other to the store.
func testRateSetRoundTrip(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("rates@example.com")
	voice := backend.Rate{RateKey: backend.RateKey{Product: backend.ProductVoice, Direction: backend.DirectionInbound, CountryISO: "*"}, Amount: 3500}
	wireless := backend.Rate{RateKey: backend.RateKey{Product: backend.ProductWireless, CountryISO: "US"}, Amount: 12_500}
	set := rateSet(backend.ScopeCommitted, m.ID, base.Add(time.Hour), wireless, smsRate("US", 4000), voice, smsRate("*", 0))
	f.write(func(tx backend.Tx) error { return tx.InsertRateSet(f.ctx, set) })

	got, err := f.effectiveSet(backend.ScopeCommitted, m.ID, base.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []backend.Rate{smsRate("*", 0), smsRate("US", 4000), voice, wireless}
	if got.ID != set.ID || got.Scope != backend.ScopeCommitted || got.AccountID != m.ID || !slices.Equal(got.Rates, want) {
		t.Fatalf("set = %+v, want %+v with rates %+v", got, set, want)
	}
	if !got.EffectiveFrom.Equal(set.EffectiveFrom) || got.EffectiveFrom.Location() != time.UTC || !got.CreatedAt.Equal(base) {
		t.Fatalf("times = %s / %s, want %s / %s in UTC", got.EffectiveFrom, got.CreatedAt, set.EffectiveFrom, base)
	}
	var rates []backend.Rate
	f.read(func(tx backend.Tx) error {
		var err error
		rates, err = tx.GetRates(f.ctx, set.ID)
		return err
	})
	if !slices.Equal(rates, want) {
		t.Fatalf("GetRates = %+v, want %+v", rates, want)
	}
	// A set without rates (a custom set that returns to inheritance) is a set.
	managed := f.managed(m, "custom@example.com", "Custom")
	f.write(func(tx backend.Tx) error {
		return tx.InsertRateSet(f.ctx, rateSet(backend.ScopeCustom, managed.ID, base))
	})
	empty, err := f.effectiveSet(backend.ScopeCustom, managed.ID, base)
	if err != nil || empty.Rates == nil || len(empty.Rates) != 0 {
		t.Fatalf("empty set = %+v, %v; want a set with no rates (non-nil)", empty, err)
	}
}

// testEffectiveRateSetIsTheLatestStarted: the set in force at T is the one
// with the greatest start at or before T (inclusive), per scope and account;
// the list is account "".
func testEffectiveRateSetIsTheLatestStarted(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("effective@example.com")
	other := f.manager("other@example.com")
	t0, t1, t2 := base, base.Add(24*time.Hour), base.Add(48*time.Hour)
	sets := []*backend.RateSet{
		rateSet(backend.ScopeList, "", t1, smsRate("US", 2)),
		rateSet(backend.ScopeList, "", t0, smsRate("US", 1)), // inserted out of order
		rateSet(backend.ScopeList, "", t2, smsRate("US", 3)),
		rateSet(backend.ScopeCommitted, m.ID, t1, smsRate("US", 10)),
		rateSet(backend.ScopeCommitted, other.ID, t0, smsRate("US", 20)),
	}
	f.write(func(tx backend.Tx) error {
		for _, set := range sets {
			if err := tx.InsertRateSet(f.ctx, set); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		scope   backend.RateScope
		account string
		at      time.Time
		want    backend.Money // 0: none in force
	}{
		{backend.ScopeList, "", t0.Add(-time.Microsecond), 0},
		{backend.ScopeList, "", t0, 1},
		{backend.ScopeList, "", t1.Add(-time.Microsecond), 1},
		{backend.ScopeList, "", t1, 2},
		{backend.ScopeList, "", t2.Add(365 * 24 * time.Hour), 3},
		{backend.ScopeCommitted, m.ID, t0, 0},
		{backend.ScopeCommitted, m.ID, t2, 10},
		{backend.ScopeCommitted, other.ID, t0, 20},
		{backend.ScopeCustom, m.ID, t2, 0},
		{backend.ScopeCommitted, "", t2, 0}, // "" is the list's account only
	} {
		set, err := f.effectiveSet(tc.scope, tc.account, tc.at)
		if tc.want == 0 {
			wantKind(t, err, backend.ENOTFOUND)
			continue
		}
		if err != nil || len(set.Rates) != 1 || set.Rates[0].Amount != tc.want {
			t.Fatalf("%s/%s at %s = %+v, %v; want the set of rate %d", tc.scope, tc.account, tc.at, set, err, tc.want)
		}
	}
	list := f.rateSets(backend.ScopeList, "")
	if len(list) != 3 || !list[0].EffectiveFrom.Equal(t0) || !list[1].EffectiveFrom.Equal(t1) || !list[2].EffectiveFrom.Equal(t2) {
		t.Fatalf("ListRateSets = %+v, want the three list sets by start", list)
	}
	for _, set := range list {
		if set.Scope != backend.ScopeList || set.AccountID != "" {
			t.Fatalf("list set %+v", set)
		}
	}
	if got := f.rateSets(backend.ScopeCustom, m.ID); got == nil || len(got) != 0 {
		t.Fatalf("ListRateSets of nothing = %#v, want an empty non-nil slice", got)
	}
}

// testRateSetWithSameStartReplaces: a set put again for the same scope,
// account and start replaces the one before, rates and all; other accounts'
// sets with that start stay.
func testRateSetWithSameStartReplaces(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("replace@example.com")
	other := f.manager("keep@example.com")
	first := rateSet(backend.ScopeCommitted, m.ID, base, smsRate("US", 1), smsRate("GB", 2))
	kept := rateSet(backend.ScopeCommitted, other.ID, base, smsRate("US", 7))
	second := rateSet(backend.ScopeCommitted, m.ID, base, smsRate("FR", 3))
	for _, set := range []*backend.RateSet{first, kept, second} {
		f.write(func(tx backend.Tx) error { return tx.InsertRateSet(f.ctx, set) })
	}
	sets := f.rateSets(backend.ScopeCommitted, m.ID)
	if len(sets) != 1 || sets[0].ID != second.ID {
		t.Fatalf("sets = %+v, want only the second", sets)
	}
	var rates []backend.Rate
	f.read(func(tx backend.Tx) error {
		var err error
		rates, err = tx.GetRates(f.ctx, first.ID)
		return err
	})
	if len(rates) != 0 {
		t.Fatalf("the replaced set still has rates %+v", rates)
	}
	if got, err := f.effectiveSet(backend.ScopeCommitted, other.ID, base); err != nil || got.ID != kept.ID {
		t.Fatalf("the other account's set = %+v, %v", got, err)
	}
	// The list replaces the same way, though its account is no account.
	for _, r := range []backend.Money{5, 6} {
		f.write(func(tx backend.Tx) error {
			return tx.InsertRateSet(f.ctx, rateSet(backend.ScopeList, "", base, smsRate("US", r)))
		})
	}
	if list := f.rateSets(backend.ScopeList, ""); len(list) != 1 {
		t.Fatalf("%d list sets with one start, want 1", len(list))
	}
}
