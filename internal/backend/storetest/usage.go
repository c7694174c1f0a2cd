package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Conformance of usage events and usage rollups.

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
