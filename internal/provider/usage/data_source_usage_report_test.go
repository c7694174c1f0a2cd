package usage_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

func rows(addr string, want ...knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New("rows"), knownvalue.ListExact(want))
}

// TestAccUsageReport_manager reports on the manager's own usage, with cost,
// by dates and by date_range: its managed accounts' usage is not in it, and
// every cost is the exact decimal of rate × parts.
func TestAccUsageReport_manager(t *testing.T) {
	srv := backendtest.Start(t)
	account := acctest.NewManagedAccount(t, srv, "Not In The Report Co")
	day := today(srv)
	var events []map[string]any
	events = append(events, times(3, sms(srv.ManagerID, day, "outbound", "SMS", "US", 2))...)
	events = append(events, sms(srv.ManagerID, day, "inbound", "SMS", "US", 1), sms(srv.ManagerID, day, "outbound", "MMS", "CA", 1))
	events = append(events, times(4, sms(account.ID, day, "outbound", "SMS", "US", 5))...)
	srv.IngestUsage(t, events)

	config := report(acctest.ProviderConfig(srv, srv.ManagerKey), `
  product    = "messaging"
  dimensions = ["direction", "country_iso", "message_type"]
  metrics    = ["count", "parts", "cost"]
`+between(day.AddDate(0, 0, -1), day.AddDate(0, 0, 1))) + `
data "telnyx_usage_report" "by_day" {
  product    = "messaging"
  dimensions = ["date", "currency"]
  metrics    = ["count"]
  date_range = "today"
}
`
	byDay := "data.telnyx_usage_report.by_day"

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					rows(reportAddr,
						// messaging list prices: inbound SMS US 0.0025, outbound MMS CA 0.0175, outbound SMS US 0.004 per part
						row(t, "direction=inbound country_iso=US message_type=SMS", "count=1 parts=1 cost=0.0025"),
						row(t, "direction=outbound country_iso=CA message_type=MMS", "count=1 parts=1 cost=0.0175"),
						row(t, "direction=outbound country_iso=US message_type=SMS", "count=3 parts=6 cost=0.024"),
					),
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f]{32}$`))),
					rows(byDay, row(t, "date="+day.Format(time.DateOnly)+" currency=USD", "count=5")),
					// The id digests the query's arguments: pinned, so that an
					// unchanged query keeps its id from one release to the next.
					statecheck.ExpectKnownValue(byDay, tfjsonpath.New("id"), knownvalue.StringExact("3b87a01de4c2b3c21a1d1addf6e9d00f")),
				},
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccUsageReport_managedAccount reports as a managed account, through
// managed_account_id and through a provider that acts as it: only its own
// usage, without cost; asking for cost fails with the API's detail.
func TestAccUsageReport_managedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	account := acctest.NewManagedAccount(t, srv, "Reporting Co")
	sibling := acctest.NewManagedAccount(t, srv, "Sibling Co")
	day := today(srv)
	var events []map[string]any
	events = append(events, times(2, sms(account.ID, day, "outbound", "SMS", "US", 2))...)
	events = append(events, sms(sibling.ID, day, "outbound", "SMS", "US", 1), sms(srv.ManagerID, day, "outbound", "SMS", "US", 7))
	srv.IngestUsage(t, events)
	window := between(day, day.AddDate(0, 0, 1))

	providers := acctest.ProviderConfig(srv, srv.ManagerKey) + acctest.AliasProviderConfig(srv, fmt.Sprintf("%q", srv.ManagerKey), account.ID)
	config := report(providers, fmt.Sprintf(`
  managed_account_id = %q
  product            = "messaging"
  dimensions         = ["direction", "country_iso"]
  metrics            = ["count", "parts"]
`, account.ID)+window) + `
data "telnyx_usage_report" "alias" {
  provider   = telnyxalias
  product    = "messaging"
  dimensions = ["direction", "country_iso"]
  metrics    = ["count", "parts"]
` + window + `}
`
	own := row(t, "direction=outbound country_iso=US", "count=2 parts=4")

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					rows(reportAddr, own),
					rows("data.telnyx_usage_report.alias", own),
				},
			},
			acctest.EmptyPlan(config),
			{
				// The alias provider stays configured: its data source is
				// still in the state when this step fails.
				Config: report(providers, fmt.Sprintf(`
  managed_account_id = %q
  product            = "messaging"
  dimensions         = ["direction"]
  metrics            = ["count", "cost"]
`, account.ID)+window),
				ExpectError: acctest.ErrorMatching("Unable to read the usage report",
					"The Telnyx API answered: The cost metric is not available to managed accounts: their prices are set by their manager."),
			},
		},
	})
}

// TestAccUsageReport_allManagedAccounts reports as the manager over all of
// its managed accounts: one row per account (the user_id dimension) with
// cost, and neither the manager's own usage nor another manager's.
func TestAccUsageReport_allManagedAccounts(t *testing.T) {
	srv := backendtest.Start(t)
	first := acctest.NewManagedAccount(t, srv, "First Co")
	second := acctest.NewManagedAccount(t, srv, "Second Co")
	otherManager, _ := srv.NewManager(t)
	day := today(srv)
	var events []map[string]any
	events = append(events, times(2, sms(first.ID, day, "outbound", "SMS", "US", 3))...)
	events = append(events, sms(second.ID, day, "inbound", "MMS", "CA", 2), sms(srv.ManagerID, day, "outbound", "SMS", "US", 9),
		sms(otherManager, day, "outbound", "SMS", "US", 11))
	srv.IngestUsage(t, events)

	config := report(acctest.ProviderConfig(srv, srv.ManagerKey), `
  all_managed_accounts = true
  product              = "messaging"
  dimensions           = ["direction"]
  metrics              = ["count", "parts", "cost"]
`+between(day, day.AddDate(0, 0, 1)))
	want := []knownvalue.Check{
		// outbound SMS US 0.004 per part
		row(t, "user_id="+first.ID+" direction=outbound", "count=2 parts=6 cost=0.024"),
		// inbound MMS CA 0.0120 per part
		row(t, "user_id="+second.ID+" direction=inbound", "count=1 parts=2 cost=0.024"),
	}
	// Rows come by dimension values, ascending, user_id first.
	if second.ID < first.ID {
		want[0], want[1] = want[1], want[0]
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{rows(reportAddr, want...)},
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccUsageReport_filters keeps only the usage whose dimensions have the
// filtered values, and takes dates written with an offset that denote UTC
// midnights.
func TestAccUsageReport_filters(t *testing.T) {
	srv := backendtest.Start(t)
	day := today(srv)
	var events []map[string]any
	events = append(events, times(2, sms(srv.ManagerID, day, "outbound", "SMS", "CA", 1))...)
	events = append(events, sms(srv.ManagerID, day, "outbound", "SMS", "US", 1), sms(srv.ManagerID, day, "inbound", "SMS", "CA", 1))
	srv.IngestUsage(t, events)
	plus2 := time.FixedZone("", 2*60*60)

	config := report(acctest.ProviderConfig(srv, srv.ManagerKey), fmt.Sprintf(`
  product    = "messaging"
  dimensions = ["country_iso", "direction"]
  metrics    = ["count", "cost"]
  start_date = %q
  end_date   = %q
  filters = {
    direction   = "outbound"
    country_iso = "CA"
  }
`, day.In(plus2).Format(time.RFC3339), day.AddDate(0, 0, 1).In(plus2).Format(time.RFC3339)))

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				// outbound SMS CA 0.0042 per part
				ConfigStateChecks: []statecheck.StateCheck{rows(reportAddr, row(t, "country_iso=CA direction=outbound", "count=2 cost=0.0084"))},
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccUsageReport_everyPage reads a report of more rows than the largest
// page (5000): one row per day, country, direction, message type and product
// name over 30 days.
func TestAccUsageReport_everyPage(t *testing.T) {
	srv := backendtest.Start(t)
	day := today(srv)
	countries := []string{"AR", "AU", "BE", "BR", "CA", "CH", "DE", "ES", "FR", "GB", "IE", "IT", "MX", "NL", "US"}
	const days = 30
	var events []map[string]any
	for d := range days {
		for _, country := range countries {
			for _, direction := range []string{"inbound", "outbound"} {
				for _, messageType := range []string{"MMS", "SMS"} {
					for _, productName := range []string{"long_code", "short_code", "toll_free"} {
						e := sms(srv.ManagerID, day.AddDate(0, 0, -d), direction, messageType, country, 1)
						e["product_name"] = productName
						events = append(events, e)
					}
				}
			}
		}
	}
	total := len(events) // 5400
	srv.IngestUsage(t, events)

	config := report(acctest.ProviderConfig(srv, srv.ManagerKey), `
  product    = "messaging"
  dimensions = ["date", "country_iso", "direction", "message_type", "product_name"]
  metrics    = ["count"]
`+between(day.AddDate(0, 0, 1-days), day.AddDate(0, 0, 1)))
	first := fmt.Sprintf("date=%s country_iso=AR direction=inbound message_type=MMS product_name=long_code", day.AddDate(0, 0, 1-days).Format(time.DateOnly))
	last := fmt.Sprintf("date=%s country_iso=US direction=outbound message_type=SMS product_name=toll_free", day.Format(time.DateOnly))

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("rows"), knownvalue.ListSizeExact(total)),
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("rows").AtSliceIndex(0), row(t, first, "count=1")),
					statecheck.ExpectKnownValue(reportAddr, tfjsonpath.New("rows").AtSliceIndex(total-1), row(t, last, "count=1")),
				},
			},
		},
	})
}

// TestAccUsageReport_validation checks the arguments during plan, before any
// call, and shows the API's refusal of what only it knows.
func TestAccUsageReport_validation(t *testing.T) {
	srv := backendtest.Start(t)
	provider := acctest.ProviderConfig(srv, srv.ManagerKey)
	base := `
  product    = "messaging"
  dimensions = ["direction"]
  metrics    = ["count"]
`
	jan1 := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      report(provider, base+between(jan1, jan1.AddDate(0, 0, 32))),
				ExpectError: acctest.ErrorMatching("Report window too long", "A usage report covers at most 31 days", "is 32 days"),
			},
			{
				Config:      report(provider, base+`  start_date = "2026-01-01T12:00:00Z"`+"\n"+`  end_date = "2026-01-02T00:00:00Z"`),
				ExpectError: acctest.ErrorMatching("Invalid report date", `"2026-01-01T12:00:00Z" is not a UTC midnight`, `"2026-01-01T00:00:00Z"`),
			},
			{
				Config:      report(provider, base+`  start_date = "2026-01-01T00:00:00+02:00"`+"\n"+`  end_date = "2026-01-02T00:00:00Z"`),
				ExpectError: acctest.ErrorMatching("Invalid report date", `"2026-01-01T00:00:00+02:00" is not a UTC midnight`),
			},
			{
				Config:      report(provider, base+`  start_date = "2026-01-01"`+"\n"+`  end_date = "2026-01-02T00:00:00Z"`),
				ExpectError: acctest.ErrorMatching("Invalid report date", `"2026-01-01" is not an RFC 3339 time`),
			},
			{
				Config:      report(provider, base+between(jan1, jan1)),
				ExpectError: acctest.ErrorMatching("Invalid report dates", "end_date (2026-01-01T00:00:00Z) must be after start_date"),
			},
			{
				Config:      report(provider, base+`  date_range = "today"`+"\n"+between(jan1, jan1.AddDate(0, 0, 1))),
				ExpectError: acctest.ErrorMatching("Conflicting arguments", "Set either date_range or both start_date and end_date"),
			},
			{
				Config:      report(provider, base),
				ExpectError: acctest.ErrorMatching("Missing report dates", "set date_range"),
			},
			{
				Config:      report(provider, base+`  start_date = "2026-01-01T00:00:00Z"`),
				ExpectError: acctest.ErrorMatching("Missing report dates", "start_date is set but end_date is not"),
			},
			{
				Config:      report(provider, base+`  date_range = "last_32_days"`),
				ExpectError: acctest.ErrorMatching("Invalid date range", `"last_32_days" is not a date range`),
			},
			{
				Config: report(provider, base+`  date_range = "today"
  all_managed_accounts = true
  managed_account_id   = "00000000-0000-4000-8000-000000000000"`),
				ExpectError: acctest.ErrorMatching("Conflicting arguments", "set one or the other"),
			},
			{
				Config: report(provider, `
  product    = "messaging"
  dimensions = ["direction"]
  metrics    = []
  date_range = "today"`),
				ExpectError: acctest.ErrorMatching("metrics", "list must contain at least 1 elements"),
			},
			{
				Config: report(provider, `
  product    = "messaging"
  dimensions = ["direction"]
  metrics    = ["count", "price"]
  date_range = "today"`),
				ExpectError: acctest.ErrorMatching("Unable to read the usage report", "The Telnyx API answered:", "[parameter metrics]"),
			},
		},
	})
}
