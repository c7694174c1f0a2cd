package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres/pgtest"
)

// TestReportsNeverReadUsageEvents: usage reports read the rollups and their
// blocks, never the raw events. A role that may read every table but
// usage_events runs every shape of report: any read of the events would be
// refused.
func TestReportsNeverReadUsageEvents(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	owner := openURL(t, dbURL, postgres.Options{})
	ctx := t.Context()
	now := time.Now()
	m := manager(t, owner)
	a := account(m, "a@example.com", "A")
	event := &backend.UsageEvent{ID: uuid.NewString(), AccountID: a.ID, ManagerID: m, Product: "voice",
		OccurredAt: time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC), Direction: "outbound", CountryISO: "US",
		ProductName: "pstn", BilledSec: 60, Cost: 9_000, RateSource: backend.ScopeList, IngestedAt: now}
	err := owner.WriteTx(ctx, func(tx backend.Tx) error {
		if err := tx.InsertAccount(ctx, a); err != nil {
			return err
		}
		if err := tx.InsertUsageEvents(ctx, []*backend.UsageEvent{event}); err != nil {
			return err
		}
		var rollups []*backend.UsageRollup
		for day := 1; day <= 31; day += 3 {
			rollups = append(rollups, &backend.UsageRollup{UsageRollupKey: backend.UsageRollupKey{AccountID: a.ID,
				Product: "voice", Day: time.Date(2025, 1, day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
				Direction: "outbound", CountryISO: "US", ProductName: "pstn"}, ManagerID: m, Count: 1, BilledSec: 60, Cost: 9_000})
		}
		return tx.AddUsageRollups(ctx, rollups)
	})
	if err != nil {
		t.Fatal(err)
	}

	role := "rbtest_no_events_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	admin := connect(t, dbURL)
	for _, stmt := range []string{
		"CREATE ROLE " + role + " LOGIN PASSWORD 'reports-only'",
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role,
		"REVOKE SELECT ON usage_events FROM " + role,
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		// Before pgtest takes the database back: the grants go with the role.
		for _, stmt := range []string{"DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := admin.Exec(context.Background(), stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})
	readerURL, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	readerURL.User = url.UserPassword(role, "reports-only")
	reader, err := postgres.OpenLazy(readerURL.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reader.Close() })

	// The trap works: the role cannot read an event.
	if err := reader.ReadTx(ctx, func(tx backend.Tx) error { _, err := tx.GetUsageEvent(ctx, event.ID); return err }); err == nil ||
		!strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("GetUsageEvent as the role without usage_events: %v, want permission denied", err)
	}
	page := backend.Page{Number: 1, Size: 2}
	for _, q := range []backend.UsageReportQuery{
		{ManagerID: m, Product: "voice", From: "2025-01-03", To: "2025-02-02", GroupBy: []string{backend.DimensionUserID, backend.FieldDirection}},
		{ManagerID: m, Product: "voice", From: "2025-01-03", To: "2025-02-02", GroupBy: []string{backend.DimensionDate},
			Filters: map[string]string{backend.DimensionUserID: a.ID}},
		{ManagerID: m, Product: "voice", From: "2025-01-01", To: "2025-02-01", Metrics: []string{backend.MetricCost}},
		{AccountID: a.ID, Product: "voice", From: "2025-01-03", To: "2025-02-02", GroupBy: []string{backend.FieldCountryISO}},
		{AccountID: a.ID, Product: "voice", From: "2025-01-01", To: "2025-02-01", GroupBy: []string{backend.DimensionDate},
			Metrics: []string{backend.MetricBilledSec}, Sort: []backend.UsageSort{{Key: backend.MetricBilledSec, Descending: true}},
			Page: backend.Page{Number: 2, Size: 3}},
	} {
		if q.Page == (backend.Page{}) {
			q.Page = page
		}
		var rows []backend.UsageReportRow
		err := reader.ReadTx(ctx, func(tx backend.Tx) (err error) { rows, _, err = tx.UsageReport(ctx, q); return err })
		if err != nil {
			t.Errorf("%+v: %v", q, err)
		} else if len(rows) == 0 {
			t.Errorf("%+v: no rows, want the usage", q)
		}
	}
}
