package backend

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Usage ingestion (DESIGN 2.4, 3.2, 3.3): the operator, standing in for Telnyx's
// usage producers, posts batches of usage events. Each new event is rated at
// ingestion with the rate in force at its occurred_at (resolveRate), stored
// with its cost, added to its daily rollup, and charged to the ledger that
// pays for it, all in one write transaction.

// UsageEvent is one rated usage event as stored.
type UsageEvent struct {
	ID        string // the producer's: an id seen before is a duplicate
	AccountID string
	// ManagerID is the account's manager; "" for a manager's own usage.
	ManagerID   string
	Product     string
	OccurredAt  time.Time
	Direction   string // "" for products without it
	CountryISO  string
	MessageType string // "" for products without it
	ProductName string
	// The quantity the product is rated on; the others are 0.
	Parts, BilledSec, Bytes int64
	Cost                    Money
	RateSource              RateScope
	IngestedAt              time.Time
}

// Day is the UTC day the event counts in, "2006-01-02".
func (e *UsageEvent) Day() string { return e.OccurredAt.UTC().Format(time.DateOnly) }

// quantity is the amount the event's product is rated on.
func (e *UsageEvent) quantity(p *Product) int64 {
	switch p.Quantity {
	case MetricParts:
		return e.Parts
	case MetricBilledSec:
		return e.BilledSec
	}
	return e.Bytes
}

// UsageRollupKey identifies a rollup: an account's usage of a product on a
// UTC day with the same dimension values.
type UsageRollupKey struct {
	AccountID   string
	Product     string
	Day         string // "2006-01-02"
	Direction   string
	CountryISO  string
	MessageType string
	ProductName string
}

// UsageRollup sums the usage events of one key.
type UsageRollup struct {
	UsageRollupKey
	ManagerID                      string // as in UsageEvent
	Count, Parts, BilledSec, Bytes int64
	Cost                           Money
}

// UsageEventInput is one event of an ingestion body; nil fields are absent.
type UsageEventInput struct {
	ID          *string
	AccountID   *string
	Product     *string
	OccurredAt  *string
	Direction   *string
	CountryISO  *string
	MessageType *string
	ProductName *string
	Parts       *int64
	BilledSec   *int64
	Bytes       *int64
}

// UsageIngestion is the outcome of a batch: Accepted events were new and
// are stored and charged; Duplicates had an id seen before (in the batch or
// stored) and were ignored.
type UsageIngestion struct {
	Accepted   int
	Duplicates int
}

// Limits of usage ingestion.
const (
	// MaxUsageBatch is the most events one ingestion takes.
	MaxUsageBatch = 10_000
	// MaxUsageEventIDLen bounds a producer's event id.
	MaxUsageEventIDLen = 128
	// maxEventFuture is how far ahead of the clock an event may be dated,
	// to allow for producers' clock skew.
	maxEventFuture = 5 * time.Minute
)

// MaxUsageDayTotal bounds the usage of one account, of one product, on one
// UTC day, in every metric: events, parts, billed seconds, bytes, and cost
// in micro-units (100,000,000,000.00). Money does not bound usage (free
// usage charges nothing), so the quantities need a bound of their own. A
// usage report adds up at most maxReportSpanDays days of one account in a
// group (a report over a manager's managed accounts is broken out by
// user_id), and so do the rollups and their blocks: no sum of usage can
// pass 32 × 10^17, a third of an int64.
const MaxUsageDayTotal = 100_000_000_000_000_000

// UsageDayKey is one account's usage of one product on one UTC day.
type UsageDayKey struct {
	AccountID, Product string
	Day                string // "2006-01-02"
}

func (e *UsageEvent) dayKey() UsageDayKey {
	return UsageDayKey{AccountID: e.AccountID, Product: e.Product, Day: e.Day()}
}

// addWithin returns t + o, and false when a metric of it would pass limit.
// No metric is ever below zero.
func (t UsageTotals) addWithin(o UsageTotals, limit int64) (UsageTotals, bool) {
	ok := true
	add := func(a, b int64) int64 {
		if a > limit || b > limit-a {
			ok = false
			return a
		}
		return a + b
	}
	sum := UsageTotals{
		Count: add(t.Count, o.Count), Parts: add(t.Parts, o.Parts), BilledSec: add(t.BilledSec, o.BilledSec),
		Bytes: add(t.Bytes, o.Bytes), Cost: Money(add(int64(t.Cost), int64(o.Cost))),
	}
	return sum, ok
}

// checkUsageDays refuses a batch that would take the usage of an account,
// of a product, on a day past MaxUsageDayTotal in any metric, pointing at
// the first event that would (at holds each event's index in the body).
func checkUsageDays(ctx context.Context, tx Tx, events []*UsageEvent, at []int) error {
	eventKeys := make([]UsageDayKey, len(events))
	keys := make([]UsageDayKey, 0, 16)
	seen := map[UsageDayKey]bool{}
	for i, e := range events {
		k := e.dayKey()
		eventKeys[i] = k
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	// The bound reads each account's usage of the day (Tx.Claim).
	for _, k := range keys {
		if err := tx.Claim(ctx, SetUsage, k.AccountID); err != nil {
			return err
		}
	}
	totals, err := tx.UsageDayTotals(ctx, keys)
	if err != nil {
		return err
	}
	for i, e := range events {
		k := eventKeys[i]
		sum, ok := totals[k].addWithin(UsageTotals{Count: 1, Parts: e.Parts, BilledSec: e.BilledSec, Bytes: e.Bytes, Cost: e.Cost}, MaxUsageDayTotal)
		if !ok {
			return InvalidField("/events/"+strconv.Itoa(at[i]),
				"This event would take the %s usage of account %s on %s past %d in one of its metrics (events, parts, billed seconds, bytes, "+
					"or cost in micro-units), the most one account may use of a product in a day.", e.Product, e.AccountID, k.Day, MaxUsageDayTotal)
		}
		totals[k] = sum
	}
	return nil
}

// maxQuantity bounds each metric of one event: far above a real message,
// call or data session, low enough that its cost fits in Money.
var maxQuantity = map[string]int64{
	MetricParts:     100_000,
	MetricBilledSec: 31 * 24 * 3600,
	MetricBytes:     1_000_000_000_000,
}

// usageCost prices quantity (in the product's quantity) at rate (per unit):
// rate × quantity ÷ QuantityPerUnit, exact for messaging parts, rounded half
// up to the micro-unit for voice seconds and wireless bytes. The product is
// computed on 128 bits, so it never overflows; false when the cost does not
// fit in Money.
func usageCost(p *Product, rate Money, quantity int64) (Money, bool) {
	if rate < 0 || quantity < 0 {
		return 0, false
	}
	divisor := uint64(p.QuantityPerUnit) //nolint:gosec // G115: a positive constant of the catalog
	hi, lo := bits.Mul64(uint64(rate), uint64(quantity))
	if hi >= divisor {
		return 0, false // the quotient would not fit in 64 bits
	}
	q, r := bits.Div64(hi, lo, divisor)
	if r >= divisor-r { // r ≥ divisor/2: half up
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return Money(q), true // q <= MaxInt64, checked above
}

// parseUsageEvent validates one event of a batch, without the store: its
// fields, in the order of the body, reported at /events/i/field.
func (s *Service) parseUsageEvent(i int, in UsageEventInput, now time.Time) (*UsageEvent, *Product, error) {
	// The pointer is built only for an error: most events have none.
	pointer := func(field string) string { return "/events/" + strconv.Itoa(i) + field }
	if in.ID == nil || *in.ID == "" {
		return nil, nil, InvalidField(pointer("/id"), "id is required: it is what makes a retried event a duplicate.")
	}
	if len(*in.ID) > MaxUsageEventIDLen || strings.IndexFunc(*in.ID, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return nil, nil, InvalidField(pointer("/id"), "id must be at most %d printable characters without spaces.", MaxUsageEventIDLen)
	}
	if in.AccountID == nil || *in.AccountID == "" {
		return nil, nil, InvalidField(pointer("/account_id"), "account_id is required.")
	}
	p, err := parseProduct(in.Product, pointer)
	if err != nil {
		return nil, nil, err
	}
	e := &UsageEvent{ID: *in.ID, AccountID: *in.AccountID, Product: p.Name}
	if in.OccurredAt == nil {
		return nil, nil, InvalidField(pointer("/occurred_at"), "occurred_at is required.")
	}
	at, err := time.Parse(time.RFC3339Nano, *in.OccurredAt)
	if err != nil {
		return nil, nil, InvalidField(pointer("/occurred_at"), "occurred_at must be an RFC 3339 time such as 2026-01-01T12:00:00Z.")
	}
	if y := at.UTC().Year(); y < 2000 {
		return nil, nil, InvalidField(pointer("/occurred_at"), "occurred_at must not be before the year 2000.")
	}
	if at.After(now.Add(maxEventFuture)) {
		return nil, nil, InvalidField(pointer("/occurred_at"), "occurred_at must not be more than %s in the future.", maxEventFuture)
	}
	e.OccurredAt = at.UTC().Truncate(time.Millisecond)
	if e.Direction, err = parseKeyField(p, FieldDirection, in.Direction, pointer, "events", false); err != nil {
		return nil, nil, err
	}
	if e.MessageType, err = parseKeyField(p, FieldMessageType, in.MessageType, pointer, "events", false); err != nil {
		return nil, nil, err
	}
	if e.CountryISO, err = parseKeyField(p, FieldCountryISO, in.CountryISO, pointer, "events", false); err != nil {
		return nil, nil, err
	}
	e.ProductName = p.ProductNames[0]
	if in.ProductName != nil {
		if !slices.Contains(p.ProductNames, *in.ProductName) {
			return nil, nil, InvalidField(pointer("/product_name"), "product_name of %s events must be one of %s.", p.Name, strings.Join(p.ProductNames, ", "))
		}
		e.ProductName = *in.ProductName
	}
	for _, m := range []struct {
		name string
		v    *int64
		dst  *int64
	}{{MetricParts, in.Parts, &e.Parts}, {MetricBilledSec, in.BilledSec, &e.BilledSec}, {MetricBytes, in.Bytes, &e.Bytes}} {
		switch {
		case m.name != p.Quantity && m.v != nil:
			return nil, nil, InvalidField(pointer("/"+m.name), "%s events carry %s, not %s.", p.Name, p.Quantity, m.name)
		case m.name != p.Quantity:
		case m.v == nil:
			return nil, nil, InvalidField(pointer("/"+m.name), "%s is required for %s events.", m.name, p.Name)
		case *m.v < 0 || *m.v > maxQuantity[m.name]:
			return nil, nil, InvalidField(pointer("/"+m.name), "%s must be an integer from 0 to %d.", m.name, maxQuantity[m.name])
		default:
			*m.dst = *m.v
		}
	}
	return e, p, nil
}

// chargeKey groups a batch's charges: one ledger entry per ledger, account
// charged and product.
type chargeKey struct {
	ledger, subject, product string
}

type charge struct {
	amount Money
	events int
}

// IngestUsage rates and stores a batch of 1 to MaxUsageBatch usage events,
// for the operator. All or nothing: any invalid event (a bad field, an
// unknown account, a key no rate prices) is EINVALID with its pointer
// (/events/i/field) and nothing is written. An event whose id was seen
// before, in the batch or stored, is ignored and counted as a duplicate. In
// one write transaction, the new events are stored with their cost, their
// rollups are added to, and their costs are charged: one usage ledger entry
// per paying ledger, account and product (the manager's ledger, with the
// managed account as subject, under rollup billing); each paying ledger may
// then fire auto-recharge, once. Usage of a disabled or cancelled account is
// taken like any other: it happened while the account could make it.
func (s *Service) IngestUsage(ctx context.Context, in []UsageEventInput) (*UsageIngestion, error) {
	if in == nil {
		return nil, InvalidField("/events", "events is required.")
	}
	if len(in) == 0 || len(in) > MaxUsageBatch {
		return nil, InvalidField("/events", "events must hold from 1 to %d events.", MaxUsageBatch)
	}
	now := s.now()
	events := make([]*UsageEvent, 0, len(in))
	products := make([]*Product, 0, len(in))
	index := make([]int, 0, len(in)) // the body index of each of events
	seen := make(map[string]bool, len(in))
	duplicates := 0
	for i, raw := range in {
		e, p, err := s.parseUsageEvent(i, raw, now)
		if err != nil {
			return nil, err
		}
		if seen[e.ID] {
			duplicates++ // a retry inside the batch: the first one counts
			continue
		}
		seen[e.ID] = true
		events, products, index = append(events, e), append(products, p), append(index, i)
	}
	var out *UsageIngestion
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		res, err := s.ingest(ctx, tx, events, products, index)
		if err != nil {
			return err
		}
		res.Duplicates += duplicates
		out = res
		return nil
	})
	if ErrorKind(err) == ECONFLICT {
		// Another batch stored one of these ids between the duplicate check
		// and the insert (stores that do not serialise writers): the batch
		// was not written, and retrying it ignores that event.
		return nil, Errorf(EUNAVAILABLE, "A concurrent batch stored some of these events; retry the batch.")
	}
	return out, err
}

// ingest is IngestUsage's write transaction, over the batch's first
// occurrence of each id.
func (s *Service) ingest(ctx context.Context, tx Tx, events []*UsageEvent, products []*Product, index []int) (*UsageIngestion, error) {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	stored, err := tx.StoredUsageEventIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	accounts := map[string]*Account{}
	account := func(id string) (*Account, error) {
		if a, ok := accounts[id]; ok {
			return a, nil
		}
		a, err := tx.GetAccount(ctx, id)
		if err != nil {
			return nil, err
		}
		accounts[id] = a
		return a, nil
	}
	ingestedAt := s.timestamp()
	cache := newRateCache()
	fresh := make([]*UsageEvent, 0, len(events))
	freshAt := make([]int, 0, len(events)) // the body index of each of fresh
	rollups := map[UsageRollupKey]*UsageRollup{}
	charges := map[chargeKey]*charge{}
	for i, e := range events {
		pointer := func(field string) string { return "/events/" + strconv.Itoa(index[i]) + field }
		a, err := account(e.AccountID)
		if ErrorKind(err) == ENOTFOUND {
			return nil, InvalidField(pointer("/account_id"), "No account has the id %q.", e.AccountID)
		} else if err != nil {
			return nil, err
		}
		if stored[e.ID] {
			continue
		}
		p := products[i]
		key := RateKey{Product: e.Product, Direction: e.Direction, MessageType: e.MessageType, CountryISO: e.CountryISO}
		rate, source, ok, err := s.resolveRate(ctx, tx, cache, a, key, e.OccurredAt)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, InvalidField(pointer(""), "No rate prices %s (at any level, nor for every country) at %s.",
				key, e.OccurredAt.Format(time.RFC3339))
		}
		cost, ok := usageCost(p, rate, e.quantity(p))
		if !ok {
			return nil, InvalidField(pointer(""), "The cost of this event is out of range.")
		}
		e.ManagerID, e.Cost, e.RateSource, e.IngestedAt = a.ManagerID, cost, source, ingestedAt
		fresh, freshAt = append(fresh, e), append(freshAt, index[i])

		rk := UsageRollupKey{AccountID: e.AccountID, Product: e.Product, Day: e.Day(), Direction: e.Direction,
			CountryISO: e.CountryISO, MessageType: e.MessageType, ProductName: e.ProductName}
		r := rollups[rk]
		if r == nil {
			r = &UsageRollup{UsageRollupKey: rk, ManagerID: e.ManagerID}
			rollups[rk] = r
		}
		r.Count++
		r.Parts += e.Parts
		r.BilledSec += e.BilledSec
		r.Bytes += e.Bytes
		ck := chargeKey{ledger: a.BillingAccountID(), subject: a.ID, product: e.Product}
		c := charges[ck]
		if c == nil {
			c = &charge{}
			charges[ck] = c
		}
		c.events++
		if r.Cost, err = r.Cost.Add(cost); err == nil {
			c.amount, err = c.amount.Add(cost)
		}
		if err != nil {
			return nil, InvalidField("/events", "The costs of this batch are out of range: send it in smaller batches.")
		}
	}
	if len(fresh) > 0 {
		if err := checkUsageDays(ctx, tx, fresh, freshAt); err != nil {
			return nil, err
		}
		if err := tx.InsertUsageEvents(ctx, fresh); err != nil {
			return nil, err
		}
		if err := tx.AddUsageRollups(ctx, sortedRollups(rollups)); err != nil {
			return nil, err
		}
		if err := s.postUsageCharges(ctx, tx, charges, account); err != nil {
			return nil, err
		}
	}
	return &UsageIngestion{Accepted: len(fresh), Duplicates: len(events) - len(fresh)}, nil
}

func sortedRollups(m map[UsageRollupKey]*UsageRollup) []*UsageRollup {
	out := make([]*UsageRollup, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *UsageRollup) int { return compareRollupKeys(a.UsageRollupKey, b.UsageRollupKey) })
	return out
}

func compareRollupKeys(a, b UsageRollupKey) int {
	return cmpStrings(a.AccountID, b.AccountID, a.Product, b.Product, a.Day, b.Day, a.Direction, b.Direction,
		a.CountryISO, b.CountryISO, a.MessageType, b.MessageType, a.ProductName, b.ProductName)
}

// postUsageCharges posts a batch's charges, ledger by ledger in a fixed
// order (then by account and product), through postCharges so that
// auto-recharge fires, once per ledger. A charge of nothing (free usage)
// posts no entry.
func (s *Service) postUsageCharges(ctx context.Context, tx Tx, charges map[chargeKey]*charge, account func(string) (*Account, error)) error {
	keys := make([]chargeKey, 0, len(charges))
	for k, c := range charges {
		if c.amount != 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b chargeKey) int {
		return cmpStrings(a.ledger, b.ledger, a.subject, b.subject, a.product, b.product)
	})
	now := s.timestamp()
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && keys[end].ledger == keys[start].ledger {
			end++
		}
		ledger, err := account(keys[start].ledger)
		if err != nil {
			return err
		}
		entries := make([]*LedgerEntry, 0, end-start)
		for _, k := range keys[start:end] {
			c := charges[k]
			noun := "events"
			if c.events == 1 {
				noun = "event"
			}
			entries = append(entries, &LedgerEntry{
				ID: newID(), AccountID: ledger.ID, SubjectID: k.subject, Kind: LedgerUsage, Amount: -c.amount, Currency: Currency,
				Description: fmt.Sprintf("%s usage: %d %s", k.product, c.events, noun),
				Reference:   UsageReference(k.product), CreatedAt: now, SettlesAt: now,
			})
		}
		if err := s.postCharges(ctx, tx, ledger, entries, "/events"); err != nil {
			return err
		}
		start = end
	}
	return nil
}
