package usagesim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

func collect(t *testing.T, cfg Config) []Event {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for e := range g.Events() {
		out = append(out, e)
	}
	return out
}

func accountIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("acct-%03d", i)
	}
	return ids
}

var jan = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// TestTrafficIsDeterministicAndExact: the same Config gives the same events,
// exactly EventsPerDay × accounts a day with distinct ids; another seed
// gives other ids.
func TestTrafficIsDeterministicAndExact(t *testing.T) {
	cfg := Config{Seed: 3, AccountIDs: accountIDs(20), Start: jan, Days: 3, EventsPerDay: 50}
	first, again := collect(t, cfg), collect(t, cfg)
	if len(first) != 3000 || int64(len(first)) != cfg.Total() {
		t.Fatalf("%d events, want 3000", len(first))
	}
	if !slices.EqualFunc(first, again, eventsEqual) {
		t.Fatal("the same config made different events")
	}
	perDay := map[string]int{}
	ids := map[string]bool{}
	for _, e := range first {
		perDay[e.OccurredAt[:10]]++
		if ids[e.ID] {
			t.Fatalf("id %s twice", e.ID)
		}
		ids[e.ID] = true
	}
	if perDay["2025-01-01"] != 1000 || perDay["2025-01-02"] != 1000 || perDay["2025-01-03"] != 1000 {
		t.Fatalf("events per day %v", perDay)
	}
	cfg.Seed = 4
	for _, e := range collect(t, cfg) {
		if ids[e.ID] {
			t.Fatalf("seed 4 reuses id %s of seed 3", e.ID)
		}
	}
}

// TestIDsAreTimeOrderedUnlessRandom: ids are UUIDv7 whose time is the
// event's, so that they sort as the events happen; RandomIDs gives UUIDv5
// ids instead. Either way they are distinct and the same for the same seed.
func TestIDsAreTimeOrderedUnlessRandom(t *testing.T) {
	cfg := Config{Seed: 5, AccountIDs: accountIDs(10), Start: jan, Days: 2, EventsPerDay: 40}
	for _, random := range []bool{false, true} {
		cfg.RandomIDs = random
		events := collect(t, cfg)
		ids := map[string]bool{}
		for _, e := range events {
			u, err := uuid.Parse(e.ID)
			if err != nil || u.String() != e.ID {
				t.Fatalf("id %q is not a canonical UUID: %v", e.ID, err)
			}
			if ids[e.ID] {
				t.Fatalf("id %s twice", e.ID)
			}
			ids[e.ID] = true
			if want := uuid.Version(7); random {
				if u.Version() != 5 {
					t.Errorf("random id %s has version %d, want 5", e.ID, u.Version())
				}
			} else if u.Version() != want || u.Variant() != uuid.RFC4122 {
				t.Errorf("id %s has version %d, variant %v; want 7, RFC 4122", e.ID, u.Version(), u.Variant())
			} else {
				at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
				if err != nil {
					t.Fatal(err)
				}
				sec, nsec := u.Time().UnixTime()
				if got := time.Unix(sec, nsec).UTC(); !got.Equal(at) {
					t.Errorf("id %s carries the time %s, the event occurred at %s", e.ID, got, at)
				}
			}
		}
		if again := collect(t, cfg); !slices.EqualFunc(events, again, eventsEqual) {
			t.Errorf("random %v: the same config made different ids", random)
		}
	}
}

func eventsEqual(a, b Event) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.Product == b.Product && a.OccurredAt == b.OccurredAt &&
		a.Direction == b.Direction && a.CountryISO == b.CountryISO && a.MessageType == b.MessageType &&
		a.ProductName == b.ProductName && a.Quantity() == b.Quantity()
}

// TestEventsAreValidAndVaried: every event is one the backend takes (its
// product's fields and quantity only, within its day, in time order per
// account), and the traffic mixes products, directions and countries, with
// accounts of very different volumes.
func TestEventsAreValidAndVaried(t *testing.T) {
	events := collect(t, Config{Seed: 1, AccountIDs: accountIDs(200), Start: jan, Days: 2, EventsPerDay: 100})
	seen := map[string]map[string]bool{}
	note := func(what, v string) {
		if seen[what] == nil {
			seen[what] = map[string]bool{}
		}
		seen[what][v] = true
	}
	perAccount := map[string]int{}
	last := map[string]string{}
	for _, e := range events {
		p, ok := backend.LookupProduct(e.Product)
		if !ok {
			t.Fatalf("unknown product in %+v", e)
		}
		at, err := time.Parse("2006-01-02T15:04:05.000Z", e.OccurredAt)
		if err != nil || at.Before(jan) || !at.Before(jan.AddDate(0, 0, 2)) {
			t.Fatalf("occurred_at %q outside the days (%v)", e.OccurredAt, err)
		}
		if prev := last[e.AccountID]; e.OccurredAt < prev {
			t.Fatalf("account %s goes back in time: %s after %s", e.AccountID, e.OccurredAt, prev)
		}
		last[e.AccountID] = e.OccurredAt
		quantities := 0
		for _, q := range []*int64{e.Parts, e.BilledSec, e.Bytes} {
			if q != nil {
				quantities++
				if *q < 0 {
					t.Fatalf("negative quantity in %+v", e)
				}
			}
		}
		hasQuantity := map[string]bool{backend.MetricParts: e.Parts != nil, backend.MetricBilledSec: e.BilledSec != nil, backend.MetricBytes: e.Bytes != nil}
		if quantities != 1 || !hasQuantity[p.Quantity] {
			t.Fatalf("%+v: want exactly its product's quantity %s", e, p.Quantity)
		}
		if (e.Direction != "") != p.HasDimension(backend.FieldDirection) || (e.MessageType != "") != p.HasDimension(backend.FieldMessageType) ||
			!slices.Contains(p.ProductNames, e.ProductName) || len(e.CountryISO) != 2 {
			t.Fatalf("%+v: fields do not fit %s", e, p.Name)
		}
		note("product", e.Product)
		note("direction", e.Direction)
		note("country", e.CountryISO)
		note("message_type", e.MessageType)
		note("product_name", e.ProductName)
		perAccount[e.AccountID]++
	}
	for what, atLeast := range map[string]int{"product": 3, "direction": 3, "country": 8, "message_type": 3, "product_name": 6} {
		if len(seen[what]) < atLeast {
			t.Errorf("only %d values of %s: %v", len(seen[what]), what, seen[what])
		}
	}
	counts := make([]int, 0, len(perAccount))
	for _, n := range perAccount {
		counts = append(counts, n)
	}
	slices.Sort(counts)
	if counts[len(counts)-1] < 10*max(counts[len(counts)/10], 1) {
		t.Errorf("volumes %d..%d: the busiest accounts should make far more than the quiet ones", counts[0], counts[len(counts)-1])
	}
}

func TestConfigValidation(t *testing.T) {
	good := Config{Seed: 1, AccountIDs: []string{"a"}, Start: jan, Days: 1, EventsPerDay: 1}
	for name, change := range map[string]func(*Config){
		"no accounts":         func(c *Config) { c.AccountIDs = nil },
		"repeated account":    func(c *Config) { c.AccountIDs = []string{"a", "a"} },
		"empty account":       func(c *Config) { c.AccountIDs = []string{""} },
		"no days":             func(c *Config) { c.Days = 0 },
		"too many days":       func(c *Config) { c.Days = MaxDays + 1 },
		"no events":           func(c *Config) { c.EventsPerDay = 0 },
		"not midnight":        func(c *Config) { c.Start = jan.Add(time.Hour) },
		"too many per day":    func(c *Config) { c.EventsPerDay = MaxEventsPerDay + 1 },
		"midnight not in UTC": func(c *Config) { c.Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600)) },
	} {
		c := good
		change(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(good); err != nil {
		t.Fatal(err)
	}
}
