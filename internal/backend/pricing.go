package backend

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/pricebook"
)

// Pricing (DESIGN 3.2): the list price book, a manager's committed rates and
// a managed account's custom rates, each a series of rate sets that start at
// an effective_from time. Usage is rated at ingestion with the rates in force
// at its occurred_at, and keeps that cost: a new set never re-prices it.

// RateScope says whose a rate set is.
type RateScope string

const (
	// ScopeList is the price book, the same for everyone.
	ScopeList RateScope = "list"
	// ScopeCommitted is a manager's committed-use rates, set by the operator.
	ScopeCommitted RateScope = "committed"
	// ScopeCustom is a managed account's custom rates, set by its manager.
	ScopeCustom RateScope = "custom"
)

// RateKey is what a rate prices: a product and the values of its rate key
// fields (Product.RateKeys); the fields a product does not use are "".
// CountryISO is an ISO 3166-1 alpha-2 code, or AnyCountry.
type RateKey struct {
	Product     string
	Direction   string
	MessageType string
	CountryISO  string
}

func (k RateKey) String() string {
	parts := []string{k.Product}
	for _, v := range []string{k.Direction, k.MessageType, k.CountryISO} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " ")
}

// Rate is the price of one unit (Product.Unit) of usage of a key.
type Rate struct {
	RateKey
	Amount Money // per unit
}

// Unit is what the rate prices one of ("" for an unknown product).
func (r Rate) Unit() string {
	if p := lookupProduct(r.Product); p != nil {
		return p.Unit
	}
	return ""
}

// RateSet is the rates of one scope (and account) in force from
// EffectiveFrom until the next set of the same scope and account starts.
type RateSet struct {
	ID        string
	Scope     RateScope
	AccountID string // "" for the list
	// EffectiveFrom is when the set starts to price usage (by occurred_at).
	EffectiveFrom time.Time
	CreatedAt     time.Time
	// Rates are ordered by key (product, direction, message type, country).
	// A custom set without rates returns the account to inheritance.
	Rates []Rate
}

// EffectiveRate is a rate as it applies to an account: with the scope it
// comes from and the start of its set.
type EffectiveRate struct {
	Rate
	Source        RateScope
	EffectiveFrom time.Time
}

// RateInput is one rate of a request body; nil fields are absent.
type RateInput struct {
	Product     *string
	Direction   *string
	MessageType *string
	CountryISO  *string
	Rate        *string
}

// RateSetInput is the body of the operator's price book and committed rates
// updates. EffectiveFrom (RFC 3339) defaults to now; Rates is required.
type RateSetInput struct {
	EffectiveFrom *string
	Rates         *[]RateInput
}

// CustomPricing is a managed account's custom rates as its manager sees them.
type CustomPricing struct {
	ManagedAccountID string
	// Allowed is the account's managed_account_allow_custom_pricing.
	Allowed bool
	// Inherits is true when the account pays its manager's rates for new
	// usage: custom pricing is not allowed, or no custom set with rates is
	// in force.
	Inherits bool
	// EffectiveFrom is the start of the custom set in force; nil when none.
	EffectiveFrom *time.Time
	// Rates are the custom set in force (kept while custom pricing is not
	// allowed, so that allowing it again brings them back).
	Rates []EffectiveRate
}

// Limits of rate sets.
const (
	// MaxRatesPerSet bounds a rate set, far above any real price list.
	MaxRatesPerSet = 5000
	// MaxRate bounds a rate (per unit), so that rating cannot overflow.
	MaxRate Money = 1000 * MicrosPerUnit
)

// keyFieldValues are the values the enumerated rate key fields take.
var keyFieldValues = map[string][]string{
	FieldDirection:   {DirectionInbound, DirectionOutbound},
	FieldMessageType: {MessageTypeSMS, MessageTypeMMS},
}

// parseKeyField checks the value of one rate key field of product p: absent
// or empty when p does not use the field, else one of its values (a country
// code, or AnyCountry when wildcard is allowed). what names the object in
// details ("rates", "events"); at makes the pointer of a field of the object,
// only when there is an error to report.
func parseKeyField(p *Product, field string, v *string, at func(field string) string, what string, wildcard bool) (string, error) {
	pointer := func() string { return at("/" + field) }
	if !p.HasRateKey(field) {
		if v != nil && *v != "" {
			return "", InvalidField(pointer(), "%s %s have no %s.", p.Name, what, field)
		}
		return "", nil
	}
	if v == nil || *v == "" {
		return "", InvalidField(pointer(), "%s is required for %s %s.", field, p.Name, what)
	}
	if field == FieldCountryISO {
		if (wildcard && *v == AnyCountry) || isCountryCode(*v) {
			return *v, nil
		}
		if wildcard {
			return "", InvalidField(pointer(), `country_iso must be an ISO 3166-1 alpha-2 country code in capitals, such as US, or "*" for every other country.`)
		}
		return "", InvalidField(pointer(), "country_iso must be an ISO 3166-1 alpha-2 country code in capitals, such as US.")
	}
	if allowed := keyFieldValues[field]; !slices.Contains(allowed, *v) {
		return "", InvalidField(pointer(), "%s must be one of %s.", field, strings.Join(allowed, ", "))
	}
	return *v, nil
}

// parseProduct looks up a product by name, reporting a missing or unknown one
// at at("/product").
func parseProduct(v *string, at func(field string) string) (*Product, error) {
	if v == nil || *v == "" {
		return nil, InvalidField(at("/product"), "product is required.")
	}
	p := lookupProduct(*v)
	if p == nil {
		return nil, InvalidField(at("/product"), "product must be one of %s.", strings.Join(ProductNames(), ", "))
	}
	return p, nil
}

func parseRate(pointer string, in RateInput) (Rate, error) {
	at := func(field string) string { return pointer + field }
	p, err := parseProduct(in.Product, at)
	if err != nil {
		return Rate{}, err
	}
	key := RateKey{Product: p.Name}
	if key.Direction, err = parseKeyField(p, FieldDirection, in.Direction, at, "rates", true); err != nil {
		return Rate{}, err
	}
	if key.MessageType, err = parseKeyField(p, FieldMessageType, in.MessageType, at, "rates", true); err != nil {
		return Rate{}, err
	}
	if key.CountryISO, err = parseKeyField(p, FieldCountryISO, in.CountryISO, at, "rates", true); err != nil {
		return Rate{}, err
	}
	if in.Rate == nil {
		return Rate{}, InvalidField(pointer+"/rate", "rate is required.")
	}
	m, err := ParseMoney(*in.Rate)
	if err != nil || m < 0 || m > MaxRate {
		return Rate{}, InvalidField(pointer+"/rate",
			`rate must be a decimal string from 0 to %s with at most six decimals, such as "0.0045".`, MaxRate)
	}
	return Rate{RateKey: key, Amount: m}, nil
}

// parseRates validates the rates of a body: each one, and that no key is
// priced twice. They come back ordered by key.
func parseRates(in *[]RateInput) ([]Rate, error) {
	if in == nil {
		return nil, InvalidField("/rates", "rates is required (an empty array where no rates are meant).")
	}
	if len(*in) > MaxRatesPerSet {
		return nil, InvalidField("/rates", "a rate set holds at most %d rates.", MaxRatesPerSet)
	}
	out := make([]Rate, 0, len(*in))
	seen := make(map[RateKey]int, len(*in))
	for i, r := range *in {
		pointer := fmt.Sprintf("/rates/%d", i)
		rate, err := parseRate(pointer, r)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[rate.RateKey]; dup {
			return nil, InvalidField(pointer, "rates/%d prices %s, as rates/%d does already: a key has one rate per set.", i, rate.RateKey, j)
		}
		seen[rate.RateKey] = i
		out = append(out, rate)
	}
	sortRates(out)
	return out, nil
}

func sortRates(rates []Rate) {
	slices.SortFunc(rates, func(a, b Rate) int { return compareKeys(a.RateKey, b.RateKey) })
}

func compareKeys(a, b RateKey) int {
	return cmpStrings(a.Product, b.Product, a.Direction, b.Direction, a.MessageType, b.MessageType, a.CountryISO, b.CountryISO)
}

// cmpStrings compares pairs in order: the first pair that differs decides.
func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// parseEffectiveFrom reads an optional RFC 3339 time, defaulting to now.
func (s *Service) parseEffectiveFrom(v *string) (time.Time, error) {
	if v == nil {
		return s.timestamp(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, *v)
	if err != nil {
		return time.Time{}, InvalidField("/effective_from", "effective_from must be an RFC 3339 time such as 2026-01-01T00:00:00Z.")
	}
	if y := t.UTC().Year(); y < 2000 || y > 9999 {
		return time.Time{}, InvalidField("/effective_from", "effective_from must be between the years 2000 and 9999.")
	}
	return t.UTC().Truncate(time.Millisecond), nil
}

// EnsurePriceBook loads the shipped list prices (package pricebook) as the
// list rate set when there is no list rate set yet, so that usage can be
// rated from the first start. It does nothing afterwards: a price book the
// operator put is never overwritten. Safe to run at every start, and by
// several processes at once.
func (s *Service) EnsurePriceBook(ctx context.Context) error {
	rows, err := pricebook.Rows()
	if err != nil {
		return err
	}
	inputs := make([]RateInput, len(rows))
	for i, r := range rows {
		inputs[i] = RateInput{Product: &r.Product, Direction: &r.Direction, MessageType: &r.MessageType, CountryISO: &r.CountryISO, Rate: &r.Rate}
	}
	rates, err := parseRates(&inputs)
	if err != nil {
		return fmt.Errorf("the shipped price book is invalid: %w", err)
	}
	return s.store.WriteTx(ctx, func(tx Tx) error {
		sets, err := tx.ListRateSets(ctx, ScopeList, "")
		if err != nil || len(sets) > 0 {
			return err
		}
		return tx.InsertRateSet(ctx, &RateSet{
			ID: newID(), Scope: ScopeList, EffectiveFrom: pricebook.EffectiveFrom, CreatedAt: s.timestamp(), Rates: rates,
		})
	})
}

// PutPriceBook replaces the list prices from in.EffectiveFrom (default now)
// on; usage that occurred before keeps the prices in force then. A price book
// put again with the same effective_from replaces that one. The change is in
// the audit log as the operator's, about no account (only the operator's
// audit log lists it).
func (s *Service) PutPriceBook(ctx context.Context, in RateSetInput) (*RateSet, error) {
	rates, err := parseRates(in.Rates)
	if err != nil {
		return nil, err
	}
	if len(rates) == 0 {
		return nil, InvalidField("/rates", "the price book needs at least one rate: usage without a rate is refused.")
	}
	from, err := s.parseEffectiveFrom(in.EffectiveFrom)
	if err != nil {
		return nil, err
	}
	set := &RateSet{ID: newID(), Scope: ScopeList, EffectiveFrom: from, CreatedAt: s.timestamp(), Rates: rates}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.InsertRateSet(ctx, set); err != nil {
			return err
		}
		return s.audit(ctx, tx, nil, "", "pricing.price_book.set", rateSetChanges(set))
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// PriceBook returns the list prices in force at at (the zero time: now).
func (s *Service) PriceBook(ctx context.Context, at time.Time) (*RateSet, error) {
	if at.IsZero() {
		at = s.now()
	}
	var set *RateSet
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		set, err = tx.EffectiveRateSet(ctx, ScopeList, "", at)
		if ErrorKind(err) == ENOTFOUND {
			return Errorf(ENOTFOUND, "No price book is in force at %s.", at.UTC().Format(time.RFC3339))
		}
		return err
	})
	return set, err
}

// PutCommittedRates replaces a manager's committed rates from
// in.EffectiveFrom (default now) on. No rates means the manager pays list
// prices from then on. Returns ENOTFOUND for an unknown account and EINVALID
// for a managed account (whose custom rates are its manager's to set).
func (s *Service) PutCommittedRates(ctx context.Context, accountID string, in RateSetInput) (*RateSet, error) {
	rates, err := parseRates(in.Rates)
	if err != nil {
		return nil, err
	}
	from, err := s.parseEffectiveFrom(in.EffectiveFrom)
	if err != nil {
		return nil, err
	}
	set := &RateSet{ID: newID(), Scope: ScopeCommitted, AccountID: accountID, EffectiveFrom: from, CreatedAt: s.timestamp(), Rates: rates}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, accountID)
		if ErrorKind(err) == ENOTFOUND {
			return NotFound("Account")
		} else if err != nil {
			return err
		}
		if !a.IsManager() {
			return InvalidField("/", "committed rates apply to manager accounts only; a managed account's custom rates are set by its manager.")
		}
		if err := tx.InsertRateSet(ctx, set); err != nil {
			return err
		}
		return s.audit(ctx, tx, nil, a.ID, "pricing.committed_rates.set", rateSetChanges(set))
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// CommittedRates returns a manager's committed rate set in force at at (the
// zero time: now); ENOTFOUND when the account is unknown or has none.
func (s *Service) CommittedRates(ctx context.Context, accountID string, at time.Time) (*RateSet, error) {
	if at.IsZero() {
		at = s.now()
	}
	var set *RateSet
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		if _, err := tx.GetAccount(ctx, accountID); ErrorKind(err) == ENOTFOUND {
			return NotFound("Account")
		} else if err != nil {
			return err
		}
		var err error
		set, err = tx.EffectiveRateSet(ctx, ScopeCommitted, accountID, at)
		if ErrorKind(err) == ENOTFOUND {
			return Errorf(ENOTFOUND, "The account has no committed rates in force at %s.", at.UTC().Format(time.RFC3339))
		}
		return err
	})
	return set, err
}

// rateSetChanges is what the audit log records of a new rate set: when it
// starts and how many rates it has (the set itself is kept as it was put).
func rateSetChanges(set *RateSet) map[string]any {
	return map[string]any{
		"rate_set_id": set.ID, "effective_from": set.EffectiveFrom.UTC().Format("2006-01-02T15:04:05.000Z"),
		"rate_count": len(set.Rates),
	}
}

// requirePricingManager refuses a managed account: its prices are set by its
// manager and never shown to it.
func requirePricingManager(c *Caller) error {
	if c == nil || c.Account == nil {
		return Errorf(EUNAUTHENTICATED, "Authentication failed.")
	}
	if !c.Account.IsManager() {
		return Errorf(EFORBIDDEN, "Pricing is only visible to manager accounts.")
	}
	return nil
}

// Pricing returns the calling manager's rates in force now: its committed
// rates, and the list prices for every key it has no committed rate for.
// Returns EFORBIDDEN for a managed account.
func (s *Service) Pricing(ctx context.Context, c *Caller) ([]EffectiveRate, error) {
	if err := requirePricingManager(c); err != nil {
		return nil, err
	}
	now := s.now()
	var out []EffectiveRate
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		byKey := map[RateKey]EffectiveRate{}
		for _, scope := range []RateScope{ScopeList, ScopeCommitted} { // committed last: it wins
			account := ""
			if scope == ScopeCommitted {
				account = c.Account.ID
			}
			set, err := tx.EffectiveRateSet(ctx, scope, account, now)
			if ErrorKind(err) == ENOTFOUND {
				continue
			} else if err != nil {
				return err
			}
			for _, r := range set.Rates {
				byKey[r.RateKey] = EffectiveRate{Rate: r, Source: scope, EffectiveFrom: set.EffectiveFrom}
			}
		}
		out = make([]EffectiveRate, 0, len(byKey))
		for _, r := range byKey {
			out = append(out, r)
		}
		slices.SortFunc(out, func(a, b EffectiveRate) int { return compareKeys(a.RateKey, b.RateKey) })
		return nil
	})
	return out, err
}

// ManagedAccountPricing returns the custom rates of one of the calling
// manager's managed accounts. Returns EFORBIDDEN for a managed-account caller
// and ENOTFOUND outside the caller's tree.
func (s *Service) ManagedAccountPricing(ctx context.Context, c *Caller, id string) (*CustomPricing, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	var out *CustomPricing
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		a, err := managedAccountOf(ctx, tx, c, id)
		if err != nil {
			return err
		}
		out, err = s.customPricing(ctx, tx, a)
		return err
	})
	return out, err
}

func (s *Service) customPricing(ctx context.Context, tx Tx, a *Account) (*CustomPricing, error) {
	out := &CustomPricing{ManagedAccountID: a.ID, Allowed: a.AllowCustomPricing, Inherits: true, Rates: []EffectiveRate{}}
	set, err := tx.EffectiveRateSet(ctx, ScopeCustom, a.ID, s.now())
	if ErrorKind(err) == ENOTFOUND {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	if len(set.Rates) > 0 {
		from := set.EffectiveFrom
		out.EffectiveFrom = &from
	}
	for _, r := range set.Rates {
		out.Rates = append(out.Rates, EffectiveRate{Rate: r, Source: ScopeCustom, EffectiveFrom: set.EffectiveFrom})
	}
	out.Inherits = !a.AllowCustomPricing || len(set.Rates) == 0
	return out, nil
}

// SetManagedAccountPricing replaces the custom rates of one of the calling
// manager's managed accounts from now on; usage that occurred before keeps
// the rates it was charged at. No rates returns the account to inheritance,
// which is always allowed; rates are refused (EINVALID) unless the account's
// managed_account_allow_custom_pricing is true. Keys without a custom rate
// inherit too.
func (s *Service) SetManagedAccountPricing(ctx context.Context, c *Caller, id string, in *[]RateInput) (*CustomPricing, error) {
	if err := requireManager(c); err != nil {
		return nil, err
	}
	rates, err := parseRates(in)
	if err != nil {
		return nil, err
	}
	var out *CustomPricing
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := managedAccountOf(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if len(rates) > 0 && !a.AllowCustomPricing {
			return InvalidField("/", "Custom pricing is not allowed for this managed account: its managed_account_allow_custom_pricing is false. Set it to true first.")
		}
		set := &RateSet{ID: newID(), Scope: ScopeCustom, AccountID: a.ID, EffectiveFrom: s.timestamp(), CreatedAt: s.timestamp(), Rates: rates}
		if err := tx.InsertRateSet(ctx, set); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c, a.ID, "managed_account.pricing.set", rateSetChanges(set)); err != nil {
			return err
		}
		out, err = s.customPricing(ctx, tx, a)
		return err
	})
	return out, err
}

// rateCache remembers, for the length of one ingestion batch, the rate sets
// of each scope and account and the rates of each set, so that rating a
// batch asks the store once per set rather than once per event.
type rateCache struct {
	sets  map[scopeAccount][]*RateSet // without rates, by EffectiveFrom ascending
	rates map[string]map[RateKey]Money
}

type scopeAccount struct {
	scope   RateScope
	account string
}

func newRateCache() *rateCache {
	return &rateCache{sets: map[scopeAccount][]*RateSet{}, rates: map[string]map[RateKey]Money{}}
}

// ratesAt returns the rates of the set of scope and account in force at at;
// nil (and no error) when there is none.
func (c *rateCache) ratesAt(ctx context.Context, tx Tx, scope RateScope, account string, at time.Time) (map[RateKey]Money, error) {
	k := scopeAccount{scope, account}
	sets, ok := c.sets[k]
	if !ok {
		var err error
		if sets, err = tx.ListRateSets(ctx, scope, account); err != nil {
			return nil, err
		}
		c.sets[k] = sets
	}
	i := sort.Search(len(sets), func(i int) bool { return sets[i].EffectiveFrom.After(at) }) - 1
	if i < 0 {
		return nil, nil
	}
	set := sets[i]
	rates, ok := c.rates[set.ID]
	if !ok {
		list, err := tx.GetRates(ctx, set.ID)
		if err != nil {
			return nil, err
		}
		rates = make(map[RateKey]Money, len(list))
		for _, r := range list {
			rates[r.RateKey] = r.Amount
		}
		c.rates[set.ID] = rates
	}
	return rates, nil
}

// lookupRate finds key's rate in a set: its country's, else the wildcard's.
func lookupRate(rates map[RateKey]Money, key RateKey) (Money, bool) {
	if r, ok := rates[key]; ok {
		return r, true
	}
	key.CountryISO = AnyCountry
	r, ok := rates[key]
	return r, ok
}

// resolveRate finds the rate of key for usage of account at at (its
// occurred_at), level by level: the account's custom rate when its
// managed_account_allow_custom_pricing is true now (at ingestion) and a
// custom set with rates is in force at at; else its manager's committed rate
// (the account's own, for a manager); else the list price. Within a level the
// key's country comes before the wildcard. ok is false when no level prices
// the key.
func (s *Service) resolveRate(ctx context.Context, tx Tx, cache *rateCache, account *Account, key RateKey, at time.Time) (rate Money, source RateScope, ok bool, err error) {
	manager := account.ID
	if !account.IsManager() {
		manager = account.ManagerID
		if account.AllowCustomPricing {
			rates, err := cache.ratesAt(ctx, tx, ScopeCustom, account.ID, at)
			if err != nil {
				return 0, "", false, err
			}
			// An empty custom set means "inherit", which falling through does.
			if r, found := lookupRate(rates, key); found {
				return r, ScopeCustom, true, nil
			}
		}
	}
	for _, level := range []scopeAccount{{ScopeCommitted, manager}, {ScopeList, ""}} {
		rates, err := cache.ratesAt(ctx, tx, level.scope, level.account, at)
		if err != nil {
			return 0, "", false, err
		}
		if r, found := lookupRate(rates, key); found {
			return r, level.scope, true, nil
		}
	}
	return 0, "", false, nil
}
