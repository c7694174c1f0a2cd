package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of rate sets, usage events and usage rollups.

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

func usageEvent(a *backend.Account, at time.Time, parts int64, cost backend.Money) *backend.UsageEvent {
	return &backend.UsageEvent{
		ID: "ev-" + uuid.NewString(), AccountID: a.ID, ManagerID: a.ManagerID, Product: backend.ProductMessaging,
		OccurredAt: at, Direction: backend.DirectionOutbound, CountryISO: "US", MessageType: backend.MessageTypeSMS,
		ProductName: "long_code", Parts: parts, Cost: cost, RateSource: backend.ScopeCommitted, IngestedAt: at.Add(time.Second),
	}
}

// testUsageEventsRoundTripAndRefuseDuplicates: events read back as written,
// StoredUsageEventIDs finds exactly the stored ones, and an id stored
// before is ECONFLICT, which writes none of its batch.
func testUsageEventsRoundTripAndRefuseDuplicates(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("usage@example.com")
	a := f.managed(m, "usage-managed@example.com", "Usage")
	voice := &backend.UsageEvent{
		ID: "call/1 é", AccountID: m.ID, Product: backend.ProductVoice, OccurredAt: base, Direction: backend.DirectionInbound,
		CountryISO: "GB", ProductName: "call_control", BilledSec: 61, Cost: 5083, RateSource: backend.ScopeList, IngestedAt: base.Add(time.Minute),
	}
	// More events than one multi-row statement takes, so that chunks are run.
	events := []*backend.UsageEvent{voice}
	for i := range 1234 {
		events = append(events, usageEvent(a, base.Add(time.Duration(i)*time.Millisecond), int64(i%4), backend.Money(i)))
	}
	f.write(func(tx backend.Tx) error { return tx.InsertUsageEvents(f.ctx, events) })
	for _, want := range []*backend.UsageEvent{voice, events[1], events[1234]} {
		var got *backend.UsageEvent
		f.read(func(tx backend.Tx) error {
			var err error
			got, err = tx.GetUsageEvent(f.ctx, want.ID)
			return err
		})
		if !got.OccurredAt.Equal(want.OccurredAt) || !got.IngestedAt.Equal(want.IngestedAt) || got.OccurredAt.Location() != time.UTC {
			t.Fatalf("times = %s / %s, want %s / %s", got.OccurredAt, got.IngestedAt, want.OccurredAt, want.IngestedAt)
		}
		g, w := *got, *want
		g.OccurredAt, g.IngestedAt, w.OccurredAt, w.IngestedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if g != w {
			t.Fatalf("event = %+v\nwant    %+v", g, w)
		}
	}
	var stored map[string]bool
	f.read(func(tx backend.Tx) error {
		var err error
		stored, err = tx.StoredUsageEventIDs(f.ctx, []string{voice.ID, "never-stored", events[700].ID, `quote"d`})
		return err
	})
	if len(stored) != 2 || !stored[voice.ID] || !stored[events[700].ID] {
		t.Fatalf("StoredUsageEventIDs = %v, want the two stored ids", stored)
	}
	fresh := usageEvent(a, base, 1, 1)
	err := s.WriteTx(f.ctx, func(tx backend.Tx) error {
		return tx.InsertUsageEvents(f.ctx, []*backend.UsageEvent{fresh, usageEvent(a, base, 1, 1), events[5]})
	})
	wantKind(t, err, backend.ECONFLICT)
	f.read(func(tx backend.Tx) error {
		_, err := tx.GetUsageEvent(f.ctx, fresh.ID)
		wantKind(t, err, backend.ENOTFOUND)
		return nil
	})
}

// testUsageRollupsAdd: rollups add up per key, keep the manager of their
// first write, and list per account and day range in key order.
func testUsageRollupsAdd(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("rollups@example.com")
	a := f.managed(m, "rollups-managed@example.com", "Rollups")
	key := func(day, country string) backend.UsageRollupKey {
		return backend.UsageRollupKey{AccountID: a.ID, Product: backend.ProductMessaging, Day: day,
			Direction: backend.DirectionOutbound, CountryISO: country, MessageType: backend.MessageTypeSMS, ProductName: "long_code"}
	}
	roll := func(k backend.UsageRollupKey, n int64) *backend.UsageRollup {
		return &backend.UsageRollup{UsageRollupKey: k, ManagerID: m.ID, Count: n, Parts: 2 * n, Cost: backend.Money(1_000_001 * n)}
	}
	// More keys than one statement takes.
	var many []*backend.UsageRollup
	for i := range 700 {
		many = append(many, roll(key("2025-03-01", fmt.Sprintf("Z%03d", i)), 1))
	}
	f.write(func(tx backend.Tx) error { return tx.AddUsageRollups(f.ctx, many) })
	f.write(func(tx backend.Tx) error {
		return tx.AddUsageRollups(f.ctx, []*backend.UsageRollup{roll(key("2025-03-01", "Z000"), 2), roll(key("2025-03-02", "US"), 5)})
	})
	var got []*backend.UsageRollup
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.ListUsageRollups(f.ctx, a.ID, "2025-03-01", "2025-03-02")
		return err
	})
	if len(got) != 701 {
		t.Fatalf("%d rollups, want 701", len(got))
	}
	first, last := *got[0], *got[700]
	if want := (backend.UsageRollup{UsageRollupKey: key("2025-03-01", "Z000"), ManagerID: m.ID, Count: 3, Parts: 6, Cost: 3_000_003}); first != want {
		t.Fatalf("first rollup = %+v, want %+v", first, want)
	}
	if want := *roll(key("2025-03-02", "US"), 5); last != want {
		t.Fatalf("last rollup = %+v, want %+v", last, want)
	}
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.ListUsageRollups(f.ctx, a.ID, "2025-03-02", "2025-03-31")
		return err
	})
	if len(got) != 1 || got[0].Day != "2025-03-02" {
		t.Fatalf("rollups of 2025-03-02.. = %+v, want the one of that day", got)
	}
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.ListUsageRollups(f.ctx, m.ID, "2025-01-01", "2025-12-31")
		return err
	})
	if got == nil || len(got) != 0 {
		t.Fatalf("the manager's own rollups = %#v, want an empty non-nil slice", got)
	}
}

// testUsageDayTotals: an account's usage of a product on a day adds up its
// rollups of that day across their other dimensions, exactly, for as many
// keys as asked (more than one statement takes); keys without usage are
// absent from the answer.
func testUsageDayTotals(t *testing.T, s backend.Store) {
	f := newFixture(t, s)
	m := f.manager("day-totals@example.com")
	a := f.managed(m, "day-totals-a@example.com", "Day totals A")
	b := f.managed(m, "day-totals-b@example.com", "Day totals B")
	roll := func(accountID, product, day, country string, n int64) *backend.UsageRollup {
		k := backend.UsageRollupKey{AccountID: accountID, Product: product, Day: day, CountryISO: country, ProductName: "sim"}
		return &backend.UsageRollup{UsageRollupKey: k, ManagerID: m.ID, Count: n, Parts: 2 * n, BilledSec: 3 * n, Bytes: n << 40, Cost: backend.Money(1_000_001 * n)}
	}
	totals := func(n int64) backend.UsageTotals {
		return backend.UsageTotals{Count: n, Parts: 2 * n, BilledSec: 3 * n, Bytes: n << 40, Cost: backend.Money(1_000_001 * n)}
	}
	var rollups []*backend.UsageRollup
	var keys []backend.UsageDayKey
	want := map[backend.UsageDayKey]backend.UsageTotals{}
	// 1200 days of A's wireless usage, each in two countries.
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1200 {
		day := start.AddDate(0, 0, i).Format(time.DateOnly)
		rollups = append(rollups, roll(a.ID, backend.ProductWireless, day, "US", 1), roll(a.ID, backend.ProductWireless, day, "MX", int64(i)))
		k := backend.UsageDayKey{AccountID: a.ID, Product: backend.ProductWireless, Day: day}
		keys = append(keys, k)
		want[k] = totals(1 + int64(i))
	}
	// Other accounts, products and days do not count.
	rollups = append(rollups, roll(b.ID, backend.ProductWireless, "2022-01-01", "US", 7), roll(a.ID, backend.ProductVoice, "2022-01-01", "US", 9))
	f.write(func(tx backend.Tx) error { return tx.AddUsageRollups(f.ctx, rollups) })
	keys = append(keys,
		backend.UsageDayKey{AccountID: b.ID, Product: backend.ProductWireless, Day: "2021-12-31"},
		backend.UsageDayKey{AccountID: uuid.NewString(), Product: backend.ProductWireless, Day: "2022-01-01"})
	var got map[backend.UsageDayKey]backend.UsageTotals
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.UsageDayTotals(f.ctx, keys)
		return err
	})
	if len(got) != len(want) {
		t.Fatalf("%d day totals, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Fatalf("day totals of %+v = %+v, want %+v", k, got[k], w)
		}
	}
	f.read(func(tx backend.Tx) error {
		var err error
		got, err = tx.UsageDayTotals(f.ctx, nil)
		return err
	})
	if got == nil || len(got) != 0 {
		t.Fatalf("day totals of no keys = %#v, want an empty map", got)
	}
}
