package sqlstore

import (
	"strconv"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestCoveringBlocksCoverTheDaysExactly: for every window of 1 to 62 days
// starting on any day of two years (a leap year included), the blocks are
// of UsageBlockSpans, each lies within its month where
// UsageBlockStart puts it, they follow each other without gap or overlap from the first day
// to the last, and a window of 31 days or less needs at most ten.
func TestCoveringBlocksCoverTheDaysExactly(t *testing.T) {
	first := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := first; start.Before(first.AddDate(2, 0, 0)); start = start.AddDate(0, 0, 1) {
		for days := 1; days <= 62; days++ {
			end := start.AddDate(0, 0, days)
			blocks := CoveringUsageBlocks(start, end)
			next := start
			for _, b := range blocks {
				if !b.Start.Equal(next) {
					t.Fatalf("%s..%s: block %+v starts at %s, want %s", start.Format(time.DateOnly), end.Format(time.DateOnly), b, b.Start, next)
				}
				if (b.Start.Day()-1)%b.Span != 0 {
					t.Fatalf("block %+v does not start where UsageBlockStart starts a block of its span", b)
				}
				monthEnd := time.Date(b.Start.Year(), b.Start.Month()+1, 1, 0, 0, 0, 0, time.UTC)
				next = b.Start.AddDate(0, 0, b.Span)
				if next.After(monthEnd) {
					next = monthEnd
				}
			}
			if !next.Equal(end) {
				t.Fatalf("%s..%s: the blocks %v end at %s", start.Format(time.DateOnly), end.Format(time.DateOnly), blocks, next)
			}
			if days <= backend.MaxUsageReportDays && len(blocks) > 10 {
				t.Fatalf("%s..%s: %d blocks", start.Format(time.DateOnly), end.Format(time.DateOnly), len(blocks))
			}
		}
	}
	// A calendar month is one block.
	if got := CoveringUsageBlocks(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)); len(got) != 1 || got[0].Span != 32 {
		t.Fatalf("January is %v, want one block of span 32", got)
	}
}

// TestUsageRollupBlocksSumEachDayIntoItsBlocks: a rollup of a managed
// account adds to one block of each span, the one that holds its day, and
// rollups of the same block and dimensions add up; a manager's own usage has
// no blocks.
func TestUsageRollupBlocksSumEachDayIntoItsBlocks(t *testing.T) {
	key := func(account, day string) backend.UsageRollupKey {
		return backend.UsageRollupKey{AccountID: account, Product: "messaging", Day: day, Direction: "outbound", CountryISO: "US",
			MessageType: "SMS", ProductName: "long_code"}
	}
	rollups := []*backend.UsageRollup{
		{UsageRollupKey: key("a", "2024-02-29"), ManagerID: "m", Count: 2, Parts: 3, Cost: 10},
		{UsageRollupKey: key("a", "2024-02-28"), ManagerID: "m", Count: 1, Parts: 1, Cost: 5},
		{UsageRollupKey: key("m", "2024-02-29"), ManagerID: "", Count: 7, Parts: 7, Cost: 70},
	}
	blocks, err := UsageRollupBlocks(rollups)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, b := range blocks {
		if b.AccountID != "a" || b.ManagerID != "m" {
			t.Fatalf("block %+v is not of the managed account", b)
		}
		got[b.BlockStart+"/"+strconv.Itoa(b.Span)] += b.Count
		if b.Cost != backend.Money(b.Count*5) {
			t.Errorf("block %+v costs %s", b, b.Cost)
		}
	}
	d := strconv.Itoa
	want := map[string]int64{
		"2024-02-01/" + d(32): 3, "2024-02-17/" + d(16): 3, "2024-02-25/" + d(8): 3,
		"2024-02-29/" + d(4): 2, "2024-02-25/" + d(4): 1,
		"2024-02-29/" + d(2): 2, "2024-02-27/" + d(2): 1,
		"2024-02-29/" + d(1): 2, "2024-02-28/" + d(1): 1,
	}
	if len(got) != len(want) {
		t.Fatalf("blocks %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("block %s counts %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if _, err := UsageRollupBlocks([]*backend.UsageRollup{{UsageRollupKey: key("a", "2024-13-01"), ManagerID: "m"}}); err == nil {
		t.Error("a rollup of a malformed day was summed into blocks")
	}
}

// TestNoBlockSpansMoreThanAReport: a block sums no more days than a report
// adds up (the last 31 days and today), so that the sums of blocks stay in
// the range the domain's bounds keep reports in (backend's
// TestReportSumsFitInRange).
func TestNoBlockSpansMoreThanAReport(t *testing.T) {
	for _, span := range UsageBlockSpans {
		if span > backend.MaxUsageReportDays+1 {
			t.Errorf("a block spans %d days, more than %d", span, backend.MaxUsageReportDays+1)
		}
	}
}
