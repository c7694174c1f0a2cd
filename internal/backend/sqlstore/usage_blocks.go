package sqlstore

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Blocks of rollups. A manager's report over all of its managed accounts
// would otherwise add up every day of every account; stores keep the managed
// accounts' daily rollups summed again over blocks of days, so that any run
// of whole days is a handful of blocks. The arithmetic lives here so that
// every store cuts the days the same way.
//
// A block lies within one calendar month. Day d of a month (1-based) belongs,
// for each span s in UsageBlockSpans, to the block that starts on day
// ((d-1)/s)*s + 1 of the month and ends s days later or at the end of the
// month, whichever comes first: span 32 is the whole month. A 31-day window
// is at most ten blocks, usually five or six.

// UsageBlockSpans are the spans of the blocks, in days, largest first.
var UsageBlockSpans = [...]int{32, 16, 8, 4, 2, 1}

// UsageBlock is a run of days: Span days (fewer at the end of a month) from Start.
type UsageBlock struct {
	Span  int
	Start time.Time // a UTC midnight
}

// UsageBlockStart is the first day of the block of span that holds day (a
// UTC midnight).
func UsageBlockStart(day time.Time, span int) time.Time {
	d := day.Day() - 1
	return time.Date(day.Year(), day.Month(), d/span*span+1, 0, 0, 0, 0, time.UTC)
}

// CoveringUsageBlocks cuts the days from..to (UTC midnights, to excluded)
// into the fewest blocks: from each day on, the largest block that starts
// there and ends by to.
func CoveringUsageBlocks(from, to time.Time) []UsageBlock {
	var out []UsageBlock
	for day := from; day.Before(to); {
		monthEnd := time.Date(day.Year(), day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		index := day.Day() - 1
		for _, span := range UsageBlockSpans {
			if index%span != 0 {
				continue
			}
			end := day.AddDate(0, 0, span)
			if end.After(monthEnd) {
				end = monthEnd
			}
			if !end.After(to) {
				out = append(out, UsageBlock{Span: span, Start: day})
				day = end
				break
			}
		}
	}
	return out
}

// UsageRollupBlockKey identifies a block's sum: a managed account's usage of
// a product over a block with the same dimension values.
type UsageRollupBlockKey struct {
	ManagerID   string
	Product     string
	Span        int
	BlockStart  string // "2006-01-02"
	AccountID   string
	Direction   string
	CountryISO  string
	MessageType string
	ProductName string
}

// UsageRollupBlock sums the rollups of one block key.
type UsageRollupBlock struct {
	UsageRollupBlockKey
	Count, Parts, BilledSec, Bytes int64
	Cost                           backend.Money
}

// UsageRollupBlocks sums what rollups add (the rollups of one ingestion) into
// the blocks they belong to, for the stores to add to their stored blocks in
// the same transaction. A manager's own usage (ManagerID "") has no blocks:
// it is reported account by account. The result is ordered by key, so that
// writers touch rows in one order.
func UsageRollupBlocks(rollups []*backend.UsageRollup) ([]*UsageRollupBlock, error) {
	sums := map[UsageRollupBlockKey]*UsageRollupBlock{}
	for _, r := range rollups {
		if r.ManagerID == "" {
			continue
		}
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			return nil, backend.Errorf(backend.EINTERNAL, "A usage rollup has the day %q.", r.Day)
		}
		for _, span := range UsageBlockSpans {
			k := UsageRollupBlockKey{
				ManagerID: r.ManagerID, Product: r.Product, Span: span,
				BlockStart: UsageBlockStart(day, span).Format(time.DateOnly),
				AccountID:  r.AccountID, Direction: r.Direction, CountryISO: r.CountryISO,
				MessageType: r.MessageType, ProductName: r.ProductName,
			}
			b := sums[k]
			if b == nil {
				b = &UsageRollupBlock{UsageRollupBlockKey: k}
				sums[k] = b
			}
			b.Count += r.Count
			b.Parts += r.Parts
			b.BilledSec += r.BilledSec
			b.Bytes += r.Bytes
			if b.Cost, err = b.Cost.Add(r.Cost); err != nil {
				return nil, err
			}
		}
	}
	out := make([]*UsageRollupBlock, 0, len(sums))
	for _, b := range sums {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *UsageRollupBlock) int {
		return cmp.Or(strings.Compare(a.ManagerID, b.ManagerID), strings.Compare(a.Product, b.Product),
			cmp.Compare(b.Span, a.Span),
			strings.Compare(a.BlockStart, b.BlockStart), strings.Compare(a.AccountID, b.AccountID),
			strings.Compare(a.Direction, b.Direction), strings.Compare(a.CountryISO, b.CountryISO),
			strings.Compare(a.MessageType, b.MessageType), strings.Compare(a.ProductName, b.ProductName))
	})
	return out, nil
}
