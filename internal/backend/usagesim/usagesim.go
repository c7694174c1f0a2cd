// Package usagesim generates realistic usage traffic for the reference
// backend: messaging, voice and wireless events of a set of accounts over a
// run of UTC days, in the wire form of POST /reference/usage_events.
//
// The traffic is a function of its Config alone. Each account gets a profile
// (home country, a few international destinations, the products it uses and
// how busy it is) drawn from the seed and its id, and each of its days is
// drawn from the seed, its id and the day, so that the same seed always gives
// the same events with the same ids: sending them twice is sending
// duplicates, which the backend ignores.
package usagesim

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Event is one usage event as POST /reference/usage_events takes it. Exactly
// one of Parts, BilledSec and Bytes is set: the quantity of its product.
type Event struct {
	ID          string `json:"id"`
	AccountID   string `json:"account_id"`
	Product     string `json:"product"`
	OccurredAt  string `json:"occurred_at"`
	Direction   string `json:"direction,omitempty"`
	CountryISO  string `json:"country_iso"`
	MessageType string `json:"message_type,omitempty"`
	ProductName string `json:"product_name"`
	Parts       *int64 `json:"parts,omitempty"`
	BilledSec   *int64 `json:"billed_sec,omitempty"`
	Bytes       *int64 `json:"bytes,omitempty"`
}

// Quantity is the value of the event's quantity metric.
func (e *Event) Quantity() int64 {
	for _, q := range []*int64{e.Parts, e.BilledSec, e.Bytes} {
		if q != nil {
			return *q
		}
	}
	return 0
}

// Config chooses the traffic.
type Config struct {
	// Seed makes the traffic; the same seed gives the same events.
	Seed uint64
	// AccountIDs are the accounts that produce usage.
	AccountIDs []string
	// Start is the first day (its UTC midnight); Days how many follow.
	Start time.Time
	Days  int
	// EventsPerDay is the average number of events per account and day.
	// Every day has exactly EventsPerDay × len(AccountIDs) events, shared
	// out between the accounts by how busy each is.
	EventsPerDay int
	// RandomIDs makes the event ids random-looking UUIDs (version 5) instead
	// of time-ordered ones (version 7, by occurred_at). The backend ingests
	// time-ordered ids faster: their index grows at one end, where random
	// ids rewrite pages all over it (BENCHMARKS.md has both figures).
	RandomIDs bool
}

// Limits of a Config, so that a typo cannot ask for a billion events.
const (
	MaxDays         = 366
	MaxEventsPerDay = 1_000_000
)

// Validate refuses a Config that cannot make traffic.
func (c Config) Validate() error {
	switch {
	case len(c.AccountIDs) == 0:
		return errors.New("no accounts to make usage for")
	case c.Days < 1 || c.Days > MaxDays:
		return fmt.Errorf("days must be between 1 and %d, not %d", MaxDays, c.Days)
	case c.EventsPerDay < 1 || c.EventsPerDay > MaxEventsPerDay:
		return fmt.Errorf("events per day must be between 1 and %d, not %d", MaxEventsPerDay, c.EventsPerDay)
	case !c.Start.Equal(c.Start.UTC().Truncate(24 * time.Hour)):
		return fmt.Errorf("the first day must be a UTC midnight, not %s", c.Start.Format(time.RFC3339))
	}
	seen := make(map[string]bool, len(c.AccountIDs))
	for _, id := range c.AccountIDs {
		if id == "" || seen[id] {
			return fmt.Errorf("account id %q is empty or repeated", id)
		}
		seen[id] = true
	}
	return nil
}

// Total is the number of events the traffic has.
func (c Config) Total() int64 {
	return int64(c.Days) * int64(c.EventsPerDay) * int64(len(c.AccountIDs))
}

// country is a country that accounts live in or send to, with its share of
// home accounts and its UTC offset, which shifts its busy hours.
type country struct {
	iso    string
	weight float64
	offset int // hours from UTC
}

var countries = []country{
	{"US", 42, -5}, {"CA", 8, -5}, {"GB", 10, 0}, {"DE", 7, 1}, {"FR", 6, 1}, {"NL", 5, 1},
	{"MX", 4, -6}, {"BR", 4, -3}, {"AU", 4, 10}, {"IN", 4, 5}, {"ES", 3, 1}, {"JP", 3, 9},
}

// hourWeights is how traffic spreads over the local hours of a day: quiet
// at night, busiest in office hours.
var hourWeights = [24]float64{1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 4.5, 6, 6.5, 6.5, 6, 6.2, 6.5, 6.3, 6, 5.5, 4.5, 3.5, 3, 2.5, 2, 1.5}

// profile is how one account uses the network.
type profile struct {
	home          country
	international []string // countries it also sends to or roams in
	products      []string // the products it uses
	productWeight []float64
	messagingName string // its numbers' kind: long_code, toll_free or short_code
	voiceName     string // sip_trunking or call_control
	mmsShare      float64
	busyness      float64 // relative volume, mean 1 over many accounts
}

// Generator makes the events of a Config.
type Generator struct {
	cfg      Config
	profiles []profile
	// dailyCounts[i] is account i's number of events on every day.
	dailyCounts []int
}

// New returns the generator of cfg.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.AccountIDs = slices.Clone(cfg.AccountIDs)
	cfg.Start = cfg.Start.UTC()
	g := &Generator{cfg: cfg, profiles: make([]profile, len(cfg.AccountIDs))}
	weights := make([]float64, len(cfg.AccountIDs))
	for i, id := range cfg.AccountIDs {
		g.profiles[i] = newProfile(rand.New(rand.NewPCG(cfg.Seed, hash(id)))) //nolint:gosec // G404: simulated traffic, not secrets
		weights[i] = g.profiles[i].busyness
	}
	g.dailyCounts = apportion(cfg.EventsPerDay*len(cfg.AccountIDs), weights)
	return g, nil
}

func newProfile(r *rand.Rand) profile {
	p := profile{home: countries[pickWeighted(r, len(countries), func(i int) float64 { return countries[i].weight })]}
	for len(p.international) < 1+r.IntN(3) {
		c := countries[r.IntN(len(countries))].iso
		if c != p.home.iso && !slices.Contains(p.international, c) {
			p.international = append(p.international, c)
		}
	}
	// Most accounts text, many call, few run SIMs; each uses at least one.
	for _, u := range []struct {
		product string
		share   float64
		weight  float64
	}{{backend.ProductMessaging, 0.85, 6}, {backend.ProductVoice, 0.6, 3}, {backend.ProductWireless, 0.2, 1}} {
		if r.Float64() < u.share {
			p.products = append(p.products, u.product)
			p.productWeight = append(p.productWeight, u.weight)
		}
	}
	if len(p.products) == 0 {
		p.products, p.productWeight = []string{backend.ProductMessaging}, []float64{1}
	}
	p.messagingName = []string{"long_code", "toll_free", "short_code"}[pickWeighted(r, 3, func(i int) float64 { return []float64{7, 2, 1}[i] })]
	p.voiceName = []string{"sip_trunking", "call_control"}[pickWeighted(r, 2, func(i int) float64 { return []float64{6, 4}[i] })]
	p.mmsShare = 0.02
	if p.home.iso == "US" || p.home.iso == "CA" {
		p.mmsShare = 0.1
	}
	// A few accounts make most of the traffic: log-normal volumes.
	p.busyness = math.Exp(r.NormFloat64())
	return p
}

// Events yields every event, day by day; within a day, account by account
// in the order of Config.AccountIDs, each account's events in time order.
func (g *Generator) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for d := range g.cfg.Days {
			for i := range g.cfg.AccountIDs {
				for _, e := range g.accountDay(i, d) {
					if !yield(e) {
						return
					}
				}
			}
		}
	}
}

// accountDay makes account i's events of day d.
func (g *Generator) accountDay(i, d int) []Event {
	n := g.dailyCounts[i]
	if n == 0 {
		return nil
	}
	id := g.cfg.AccountIDs[i]
	day := g.cfg.Start.AddDate(0, 0, d)
	dayText := day.Format(time.DateOnly)
	r := rand.New(rand.NewPCG(g.cfg.Seed, hash(id+"/"+dayText))) //nolint:gosec // G404: simulated traffic, not secrets
	p := &g.profiles[i]
	offsets := make([]time.Duration, n)
	for k := range offsets {
		offsets[k] = p.timeOfDay(r)
	}
	slices.Sort(offsets)
	events := make([]Event, n)
	for k := range events {
		e := &events[k]
		at := day.Add(offsets[k])
		e.ID = eventID(g.cfg.Seed, id, dayText, k, at, g.cfg.RandomIDs)
		e.AccountID = id
		e.OccurredAt = at.Format("2006-01-02T15:04:05.000Z")
		e.Product = p.products[pickWeighted(r, len(p.products), func(j int) float64 { return p.productWeight[j] })]
		p.fill(r, e)
	}
	return events
}

// timeOfDay draws when in the UTC day an event happens: by the hours of the
// account's home, to the millisecond.
func (p *profile) timeOfDay(r *rand.Rand) time.Duration {
	local := pickWeighted(r, 24, func(h int) float64 { return hourWeights[h] })
	utcHour := ((local-p.home.offset)%24 + 24) % 24
	return time.Duration(utcHour)*time.Hour + time.Duration(r.Int64N(int64(time.Hour/time.Millisecond)))*time.Millisecond
}

// fill draws the event's fields for its product.
func (p *profile) fill(r *rand.Rand, e *Event) {
	e.CountryISO = p.home.iso
	switch e.Product {
	case backend.ProductMessaging:
		e.Direction = either(r, 0.65, backend.DirectionOutbound, backend.DirectionInbound)
		e.MessageType = either(r, p.mmsShare, backend.MessageTypeMMS, backend.MessageTypeSMS)
		e.CountryISO = p.country(r, 0.93)
		e.ProductName = p.messagingName
		parts := int64(1)
		if e.MessageType == backend.MessageTypeSMS {
			switch x := r.Float64(); {
			case x < 0.05:
				parts = 3 + r.Int64N(4)
			case x < 0.2:
				parts = 2
			}
		}
		e.Parts = &parts
	case backend.ProductVoice:
		e.Direction = either(r, 0.55, backend.DirectionOutbound, backend.DirectionInbound)
		e.CountryISO = p.country(r, 0.9)
		e.ProductName = p.voiceName
		// About one call in eight is not answered; the others last minutes,
		// billed in six-second increments, up to four hours.
		billed := int64(0)
		if r.Float64() >= 0.12 {
			seconds := min(1+r.ExpFloat64()*150, 4*3600)
			billed = int64(math.Ceil(seconds/6)) * 6
		}
		e.BilledSec = &billed
	case backend.ProductWireless:
		e.CountryISO = p.country(r, 0.85)
		e.ProductName = "sim"
		// Sessions of half a megabyte at the median, a few far larger.
		bytes := int64(min(math.Exp(math.Log(500_000)+1.5*r.NormFloat64()), 500_000_000))
		e.Bytes = &bytes
	}
}

// country is the account's home with probability home, else one of its
// international countries.
func (p *profile) country(r *rand.Rand, home float64) string {
	if r.Float64() < home {
		return p.home.iso
	}
	return p.international[r.IntN(len(p.international))]
}

func either(r *rand.Rand, p float64, yes, no string) string {
	if r.Float64() < p {
		return yes
	}
	return no
}

// pickWeighted draws an index in [0, n) with probability proportional to weight.
func pickWeighted(r *rand.Rand, n int, weight func(int) float64) int {
	total := 0.0
	for i := range n {
		total += weight(i)
	}
	x := r.Float64() * total
	for i := range n {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	return n - 1
}

// apportion shares total out in proportion to weights, in whole numbers that
// add up to total exactly (largest remainders first, ties by index).
func apportion(total int, weights []float64) []int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	counts := make([]int, len(weights))
	type remainder struct {
		i    int
		frac float64
	}
	rems := make([]remainder, len(weights))
	given := 0
	for i, w := range weights {
		exact := float64(total) * w / sum
		counts[i] = int(exact)
		given += counts[i]
		rems[i] = remainder{i, exact - float64(counts[i])}
	}
	slices.SortStableFunc(rems, func(a, b remainder) int { return cmp.Compare(b.frac, a.frac) })
	for k := 0; given < total; k++ {
		counts[rems[k%len(rems)].i]++
		given++
	}
	return counts
}

// eventNamespace is the UUIDv5 namespace of simulated event ids.
var eventNamespace = uuid.NewSHA1(uuid.NameSpaceURL,
	[]byte("https://github.com/managedaccounts/terraform-provider-telnyx/reference-backend/simulated-usage"))

// eventID is the id of the k-th event of an account's day, which occurred
// at at: the same seed, account, day and k always give the same id. It is a
// version 5 UUID of them or, unless random, that UUID made a version 7 one
// (RFC 9562): at's Unix milliseconds first, then 74 bits of the hash, so
// that ids sort by time as a producer's UUIDv7 do.
func eventID(seed uint64, accountID, day string, k int, at time.Time, random bool) string {
	u := uuid.NewSHA1(eventNamespace, []byte(strconv.FormatUint(seed, 10)+"/"+accountID+"/"+day+"/"+strconv.Itoa(k)))
	if random {
		return u.String()
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli())) // simulated days are after 1970
	copy(u[:6], ms[2:])
	u[6] = 0x70 | u[6]&0x0f // version 7; the variant bits of version 5 stay
	return u.String()
}

func hash(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}
