package sqlite

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestUsageEventKeysRoundTrip: every id comes back from its key, canonical
// UUIDs take the short form, and no two ids share a key.
func TestUsageEventKeysRoundTrip(t *testing.T) {
	ids := []string{
		"4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50",   // canonical: short form
		"4B7E1C3A-0F6D-4A57-9A43-7D1C2B3E4F50",   // the same UUID spelled otherwise: another id
		"{4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50}", // likewise
		"4b7e1c3a0f6d4a579a437d1c2b3e4f50",
		"4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f5g",
		"x", "fifteen-chars!!", "sixteen-chars!!!", "évènement-ünïcode-€",
	}
	keys := map[string]string{}
	for _, id := range ids {
		key := usageEventKey(id)
		if other, ok := keys[string(key)]; ok {
			t.Errorf("%q and %q share the key %x", id, other, key)
		}
		keys[string(key)] = id
		back, err := usageEventID(key)
		if err != nil || back != id {
			t.Errorf("usageEventID(usageEventKey(%q)) = %q, %v", id, back, err)
		}
	}
	if k := usageEventKey(ids[0]); len(k) != 17 || k[0] != 1 {
		t.Errorf("a canonical UUID's key is %x, want 0x01 and 16 bytes", k)
	}
	for _, bad := range [][]byte{nil, {}, {0}, {1, 2, 3}, {2, 'a'}, bytes.Repeat([]byte{1}, 18)} {
		if id, err := usageEventID(bad); err == nil {
			t.Errorf("usageEventID(%x) = %q, want an error", bad, id)
		}
	}
}

// TestCompactUsageEventsMigrationKeepsTheEvents: events stored before 0011
// read back the same after it, ids of every shape included, and stay
// immutable and unique.
func TestCompactUsageEventsMigrationKeepsTheEvents(t *testing.T) {
	ctx := t.Context()
	const (
		created  = "2025-05-06T07:08:09.123456Z"
		occurred = "2025-05-06T01:02:03.456789Z"
		ingested = "2025-05-06T08:00:00.000001Z"
	)
	ids := []string{"4b7e1c3a-0f6d-4a57-9a43-7d1c2b3e4f50", "4B7E1C3A-0F6D-4A57-9A43-7D1C2B3E4F50", "event-17", "fifteen-chars!!"}
	stmts := []string{
		`INSERT INTO accounts (id, email, organization_name, status, allow_custom_pricing, rollup_billing,
			global_channel_limit, allocatable_channels, managed_account_limit, credit_limit, created_at, updated_at)
			VALUES ('mgr-1', 'mgr@example.com', 'Manager', 'enabled', 0, 0, 0, 0, 10, 0, '` + created + `', '` + created + `')`,
		`INSERT INTO accounts (id, manager_id, email, organization_name, status, allow_custom_pricing, rollup_billing,
			global_channel_limit, allocatable_channels, managed_account_limit, credit_limit, created_at, updated_at)
			VALUES ('acc-1', 'mgr-1', 'acc@example.com', 'Customer', 'enabled', 0, 0, 0, 0, 0, 0, '` + created + `', '` + created + `')`,
	}
	for i, id := range ids {
		product, direction, msgType, name, parts, billed := "messaging", "outbound", "SMS", "long_code", 2, 0
		if i%2 == 1 {
			product, direction, msgType, name, parts, billed = "voice", "inbound", "", "local", 0, 61
		}
		stmts = append(stmts, `INSERT INTO usage_events (id, account_id, manager_id, product, occurred_at, direction,
			country_iso, message_type, product_name, parts, billed_sec, bytes, cost_micros, rate_source, ingested_at)
			VALUES ('`+id+`', 'acc-1', 'mgr-1', '`+product+`', '`+occurred+`', '`+direction+`', 'US', '`+msgType+`', '`+name+`', `+
			strconv.Itoa(parts)+`, `+strconv.Itoa(billed)+`, 0, `+strconv.Itoa(4000+i)+`, 'list', '`+ingested+`')`)
	}
	db, err := Open(ctx, oldDatabase(t, 11, stmts...))
	if err != nil {
		t.Fatalf("Open migrates past 0011: %v", err)
	}
	defer func() { _ = db.Close() }()
	at := func(s string) time.Time {
		v, err := parseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	err = db.ReadTx(ctx, func(tx backend.Tx) error {
		for i, id := range ids {
			got, err := tx.GetUsageEvent(ctx, id)
			if err != nil {
				t.Fatalf("GetUsageEvent(%q) after the migration: %v", id, err)
			}
			want := backend.UsageEvent{ID: id, AccountID: "acc-1", ManagerID: "mgr-1", Product: "messaging",
				OccurredAt: at(occurred), Direction: "outbound", CountryISO: "US", MessageType: "SMS", ProductName: "long_code",
				Parts: 2, Cost: backend.Money(4000 + i), RateSource: backend.RateScope("list"), IngestedAt: at(ingested)}
			if i%2 == 1 {
				want.Product, want.Direction, want.MessageType, want.ProductName, want.Parts, want.BilledSec = "voice", "inbound", "", "local", 0, 61
			}
			if *got != want {
				t.Errorf("event %q after the migration:\n got %+v\nwant %+v", id, *got, want)
			}
		}
		stored, err := tx.StoredUsageEventIDs(ctx, append(slices.Clone(ids), "never-sent"))
		if err != nil {
			return err
		}
		if len(stored) != len(ids) || stored["never-sent"] {
			t.Errorf("StoredUsageEventIDs = %v, want the %d migrated ids", stored, len(ids))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE usage_events SET parts = 5`, `DELETE FROM usage_events`} {
		if _, err := db.writer.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s succeeded after the migration: usage events are immutable", stmt)
		}
	}
	err = db.WriteTx(ctx, func(tx backend.Tx) error {
		return tx.InsertUsageEvents(ctx, []*backend.UsageEvent{{ID: ids[0], AccountID: "acc-1", ManagerID: "mgr-1",
			Product: "messaging", OccurredAt: at(occurred), CountryISO: "US", ProductName: "long_code", Parts: 1,
			RateSource: backend.RateScope("list"), IngestedAt: at(ingested)}})
	})
	if backend.ErrorKind(err) != backend.ECONFLICT {
		t.Errorf("inserting a migrated id again: %v, want a conflict", err)
	}
}

// TestBulkInsertWritesEveryRowOnce: every row count, across chunk
// boundaries and the power-of-two tail, writes each row once, with a few
// statement texts only.
func TestBulkInsertWritesEveryRowOnce(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE bulk (n INTEGER NOT NULL PRIMARY KEY, tag TEXT NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, n := range []int{0, 1, 2, 3, 511, 512, 513, 1000, 1537, 3 * maxBulkRows} {
		err := db.WriteTx(ctx, func(btx backend.Tx) error {
			stx, ok := btx.(*tx)
			if !ok {
				return fmt.Errorf("WriteTx gave a %T", btx)
			}
			if _, err := stx.tx.ExecContext(ctx, `DELETE FROM bulk`); err != nil {
				return err
			}
			return stx.bulkInsert(ctx, "bulk", "bulk", "n, tag", "", n, func(args []any, i int) []any {
				return append(args, int64(i), "row")
			})
		})
		if err != nil {
			t.Fatalf("n = %d: %v", n, err)
		}
		var count, sum int64
		if err := db.writer.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(n), 0) FROM bulk`).Scan(&count, &sum); err != nil {
			t.Fatal(err)
		}
		if want := int64(n) * int64(n-1) / 2; count != int64(n) || sum != want {
			t.Errorf("n = %d: %d rows summing to %d, want %d and %d", n, count, sum, n, want)
		}
	}
	bulkStatements.Range(func(k, _ any) bool {
		if key, ok := k.(bulkStatementKey); ok && key.prefix == `INSERT OR FAIL INTO bulk (n, tag) VALUES ` {
			texts[strconv.Itoa(key.rows)] = true
		}
		return true
	})
	// 512 and its halves: 10 sizes at most, whatever the row counts.
	if len(texts) > 10 {
		t.Errorf("%d statement texts for one table: %v", len(texts), texts)
	}
}

// TestFailedUsageInsertLeavesNothing: a multi-row INSERT OR FAIL that fails
// part-way keeps its earlier rows only until the transaction's rollback,
// which the failure always brings: nothing of the batch is stored.
func TestFailedUsageInsertLeavesNothing(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	event := func(id string) *backend.UsageEvent {
		return &backend.UsageEvent{ID: id, AccountID: "acc-1", Product: "messaging", OccurredAt: now, CountryISO: "US",
			ProductName: "long_code", Parts: 1, RateSource: backend.RateScope("list"), IngestedAt: now}
	}
	err := db.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(ctx, &backend.Account{ID: "acc-1", Email: "x@example.com", OrganizationName: "X",
			Status: backend.StatusEnabled, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return tx.InsertUsageEvents(ctx, []*backend.UsageEvent{event("stored")})
	})
	if err != nil {
		t.Fatal(err)
	}
	batch := []*backend.UsageEvent{event("new-1"), event("new-2"), event("stored"), event("new-3")}
	for _, nested := range []bool{false, true} {
		err := db.WriteTx(ctx, func(tx backend.Tx) error {
			if nested {
				return tx.Nested(ctx, func(tx backend.Tx) error { return tx.InsertUsageEvents(ctx, batch) })
			}
			return tx.InsertUsageEvents(ctx, batch)
		})
		if backend.ErrorKind(err) != backend.ECONFLICT {
			t.Fatalf("nested %v: a batch with a stored id: %v, want a conflict", nested, err)
		}
		err = db.ReadTx(ctx, func(tx backend.Tx) error {
			stored, err := tx.StoredUsageEventIDs(ctx, []string{"new-1", "new-2", "new-3", "stored"})
			if err == nil && (len(stored) != 1 || !stored["stored"]) {
				t.Errorf("nested %v: after the failed batch, stored %v; want only the event stored before", nested, stored)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
