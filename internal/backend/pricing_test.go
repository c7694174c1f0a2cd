package backend_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

func TestRateValidation(t *testing.T) {
	u := newUsageEnv(t)
	valid := func() []backend.RateInput {
		return []backend.RateInput{
			smsRate("US", "0.004"),
			rate("voice", "inbound", "", "*", "0.01"),
			rate("wireless", "", "", "GB", "0.000001"),
			smsRate("*", "0"),
		}
	}
	for _, tc := range []struct {
		name    string
		change  func(rates []backend.RateInput) []backend.RateInput
		pointer string
	}{
		{"product missing", func(r []backend.RateInput) []backend.RateInput { r[3].Product = nil; return r }, "/rates/3/product"},
		{"product unknown", func(r []backend.RateInput) []backend.RateInput { r[3].Product = ptr("fax"); return r }, "/rates/3/product"},
		{"rate missing", func(r []backend.RateInput) []backend.RateInput { r[3].Rate = nil; return r }, "/rates/3/rate"},
		{"rate negative", func(r []backend.RateInput) []backend.RateInput { r[3].Rate = ptr("-0.001"); return r }, "/rates/3/rate"},
		{"rate with seven decimals", func(r []backend.RateInput) []backend.RateInput { r[3].Rate = ptr("0.0000001"); return r }, "/rates/3/rate"},
		{"rate not a decimal", func(r []backend.RateInput) []backend.RateInput { r[3].Rate = ptr("1e-3"); return r }, "/rates/3/rate"},
		{"rate too high", func(r []backend.RateInput) []backend.RateInput { r[3].Rate = ptr("1000.000001"); return r }, "/rates/3/rate"},
		{"direction missing", func(r []backend.RateInput) []backend.RateInput { r[1].Direction = nil; return r }, "/rates/1/direction"},
		{"direction unknown", func(r []backend.RateInput) []backend.RateInput { r[1].Direction = ptr("both"); return r }, "/rates/1/direction"},
		{"message_type on voice", func(r []backend.RateInput) []backend.RateInput { r[1].MessageType = ptr("SMS"); return r }, "/rates/1/message_type"},
		{"message_type missing", func(r []backend.RateInput) []backend.RateInput { r[0].MessageType = nil; return r }, "/rates/0/message_type"},
		{"direction on wireless", func(r []backend.RateInput) []backend.RateInput { r[2].Direction = ptr("inbound"); return r }, "/rates/2/direction"},
		{"country missing", func(r []backend.RateInput) []backend.RateInput { r[2].CountryISO = nil; return r }, "/rates/2/country_iso"},
		{"country lower case", func(r []backend.RateInput) []backend.RateInput { r[2].CountryISO = ptr("gb"); return r }, "/rates/2/country_iso"},
		{"country alpha-3", func(r []backend.RateInput) []backend.RateInput { r[2].CountryISO = ptr("GBR"); return r }, "/rates/2/country_iso"},
		{"duplicate key", func(r []backend.RateInput) []backend.RateInput { return append(r, smsRate("US", "0.005")) }, "/rates/4"},
		{"duplicate wildcard", func(r []backend.RateInput) []backend.RateInput {
			return append(r, rate("voice", "inbound", "", "*", "0.02"))
		}, "/rates/4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rates := tc.change(valid())
			_, err := u.svc.PutPriceBook(u.ctx, backend.RateSetInput{Rates: &rates})
			wantInvalid(t, err, tc.pointer, "")
			_, err = u.svc.PutCommittedRates(u.ctx, u.mgr.Account.ID, backend.RateSetInput{Rates: &rates})
			wantInvalid(t, err, tc.pointer, "")
		})
	}
	// The same key for another direction, message type or product is no duplicate.
	rates := append(valid(), rate("messaging", "inbound", "SMS", "US", "0.001"), rate("messaging", "outbound", "MMS", "US", "0.01"),
		rate("voice", "outbound", "", "*", "0.01"))
	set, err := u.svc.PutPriceBook(u.ctx, backend.RateSetInput{Rates: &rates})
	if err != nil || len(set.Rates) != len(rates) {
		t.Fatalf("PutPriceBook = %+v, %v", set, err)
	}
	for i := 1; i < len(set.Rates); i++ {
		if a, b := set.Rates[i-1].RateKey, set.Rates[i].RateKey; a.Product > b.Product || (a.Product == b.Product && a.String() >= b.String()) {
			t.Fatalf("rates not in key order: %v before %v", a, b)
		}
	}
	for _, body := range []backend.RateSetInput{{}, {Rates: &[]backend.RateInput{}}} {
		_, err = u.svc.PutPriceBook(u.ctx, body)
		wantInvalid(t, err, "/rates", "")
	}
	for _, from := range []string{"yesterday", "2026-03-15", "1999-01-01T00:00:00Z"} {
		_, err = u.svc.PutPriceBook(u.ctx, backend.RateSetInput{EffectiveFrom: ptr(from), Rates: &rates})
		wantInvalid(t, err, "/effective_from", "")
	}
}

func TestPriceBookAndCommittedRatesByTheOperator(t *testing.T) {
	u := newUsageEnv(t)
	managed := u.managedAccount(u.mgr, false, true)
	rates := []backend.RateInput{smsRate("US", "0.0031")}
	set, err := u.svc.PutPriceBook(u.ctx, backend.RateSetInput{Rates: &rates})
	if err != nil || !set.EffectiveFrom.Equal(payStart) || set.Scope != backend.ScopeList || set.AccountID != "" {
		t.Fatalf("PutPriceBook without effective_from = %+v, %v; want it to start now", set, err)
	}
	// Committed rates: a manager's only; no rates (falls back to the list) is fine.
	_, err = u.svc.PutCommittedRates(u.ctx, managed.ID, backend.RateSetInput{Rates: &rates})
	wantInvalid(t, err, "/", "")
	_, err = u.svc.PutCommittedRates(u.ctx, "no-such-account", backend.RateSetInput{Rates: &rates})
	wantErr(t, err, backend.ENOTFOUND, "")
	from := payStart.Add(time.Hour)
	committed, err := u.svc.PutCommittedRates(u.ctx, u.mgr.Account.ID, backend.RateSetInput{EffectiveFrom: ptr("2026-03-15T15:00:00.123456+02:00"), Rates: &rates})
	if err != nil || !committed.EffectiveFrom.Equal(from.Add(123*time.Millisecond)) {
		t.Fatalf("PutCommittedRates = %+v, %v; want a start of %s (milliseconds, UTC)", committed, err, from)
	}
	if _, err := u.svc.CommittedRates(u.ctx, u.mgr.Account.ID, time.Time{}); backend.ErrorKind(err) != backend.ENOTFOUND {
		t.Fatalf("committed rates before their start: %v, want ENOTFOUND", err)
	}
	got, err := u.svc.CommittedRates(u.ctx, u.mgr.Account.ID, from.Add(time.Second))
	if err != nil || got.ID != committed.ID {
		t.Fatalf("CommittedRates = %+v, %v", got, err)
	}
	e := u.onlyEvent(u.mgr.Account.ID, "pricing.committed_rates.set")
	if e.ChangeMadeBy != backend.ChangeByOperator || fmt.Sprint(e.Changes["rate_count"]) != "1" || e.Changes["rate_set_id"] != committed.ID {
		t.Fatalf("audit event %+v", e)
	}
}

func TestPricingIsForManagersOnly(t *testing.T) {
	u := newUsageEnv(t)
	v := u.managed(u.mgr, backend.CreateManagedAccountInput{AllowCustomPricing: ptr(true)})
	managed := u.auth(v.APIKey)
	_, err := u.svc.Pricing(u.ctx, managed)
	if e := wantErr(t, err, backend.EFORBIDDEN, "Pricing is only visible to manager accounts."); e.Code != "" {
		t.Fatalf("code %q, want the kind's (10010)", e.Code)
	}
	_, err = u.svc.ManagedAccountPricing(u.ctx, managed, v.Account.ID)
	wantErr(t, err, backend.EFORBIDDEN, "")
	_, err = u.svc.SetManagedAccountPricing(u.ctx, managed, v.Account.ID, &[]backend.RateInput{})
	wantErr(t, err, backend.EFORBIDDEN, "")

	// The manager's effective rates: committed over list, key by key.
	u.putCommitted(u.mgr.Account.ID, payStart.Add(-time.Hour), smsRate("US", "0.0033"), smsRate("BR", "0.02"))
	rates, err := u.svc.Pricing(u.ctx, u.mgr)
	if err != nil {
		t.Fatal(err)
	}
	book, err := u.svc.PriceBook(u.ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != len(book.Rates)+1 { // BR is not in the book
		t.Fatalf("%d effective rates, want the %d list prices and BR", len(rates), len(book.Rates))
	}
	for _, r := range rates {
		want := backend.ScopeList
		if r.Product == "messaging" && r.Direction == "outbound" && r.MessageType == "SMS" && (r.CountryISO == "US" || r.CountryISO == "BR") {
			want = backend.ScopeCommitted
		}
		if r.Source != want {
			t.Fatalf("%s comes from %s, want %s", r.RateKey, r.Source, want)
		}
		if r.CountryISO == "US" && want == backend.ScopeCommitted && r.Amount.String() != "0.0033" {
			t.Fatalf("committed US rate %s", r.Amount)
		}
	}
}

func TestManagedAccountCustomPricing(t *testing.T) {
	u := newUsageEnv(t)
	allowed := u.managedAccount(u.mgr, false, true)
	notAllowed := u.managedAccount(u.mgr, false, false)
	_, _, other := u.manager(backend.CreateManagerInput{})

	p, err := u.svc.ManagedAccountPricing(u.ctx, u.mgr, allowed.ID)
	if err != nil || !p.Allowed || !p.Inherits || p.EffectiveFrom != nil || p.Rates == nil || len(p.Rates) != 0 {
		t.Fatalf("pricing of a fresh account = %+v, %v; want inherits, no rates", p, err)
	}
	// Not allowed: rates are refused, saying why; returning to inheritance is fine.
	_, err = u.svc.SetManagedAccountPricing(u.ctx, u.mgr, notAllowed.ID, &[]backend.RateInput{smsRate("US", "0.001")})
	e := wantErr(t, err, backend.EINVALID, "managed_account_allow_custom_pricing is false")
	if e.Pointer != "/" {
		t.Fatalf("pointer %q, want /", e.Pointer)
	}
	if p := u.putCustom(u.mgr, notAllowed.ID); !p.Inherits || p.Allowed {
		t.Fatalf("pricing = %+v", p)
	}
	// Another manager, or a cancelled account: not found.
	_, err = u.svc.ManagedAccountPricing(u.ctx, other, allowed.ID)
	wantErr(t, err, backend.ENOTFOUND, "")
	_, err = u.svc.SetManagedAccountPricing(u.ctx, other, allowed.ID, &[]backend.RateInput{})
	wantErr(t, err, backend.ENOTFOUND, "")
	// A body without rates is refused; an invalid rate points at itself.
	_, err = u.svc.SetManagedAccountPricing(u.ctx, u.mgr, allowed.ID, nil)
	wantInvalid(t, err, "/rates", "")
	_, err = u.svc.SetManagedAccountPricing(u.ctx, u.mgr, allowed.ID, &[]backend.RateInput{smsRate("US", "0.001"), smsRate("US", "-1")})
	wantInvalid(t, err, "/rates/1/rate", "")

	p = u.putCustom(u.mgr, allowed.ID, smsRate("US", "0.001"), rate("wireless", "", "", "*", "0.02"))
	if p.Inherits || p.EffectiveFrom == nil || !p.EffectiveFrom.Equal(payStart) || len(p.Rates) != 2 ||
		p.Rates[0].Source != backend.ScopeCustom || p.Rates[1].Amount.String() != "0.02" {
		t.Fatalf("custom pricing = %+v", p)
	}
	u.clock.Advance(time.Minute)
	if p := u.putCustom(u.mgr, allowed.ID); !p.Inherits || p.EffectiveFrom != nil || len(p.Rates) != 0 {
		t.Fatalf("after returning to inheritance: %+v", p)
	}
	events := withAction(u.events(allowed.ID), "managed_account.pricing.set")
	if len(events) != 2 || events[0].ChangeMadeBy != backend.ChangeByAccountManager || events[0].ActorAccountID != u.mgr.Account.ID {
		t.Fatalf("audit events %+v, want two by the manager", events)
	}
	counts := []string{fmt.Sprint(events[0].Changes["rate_count"]), fmt.Sprint(events[1].Changes["rate_count"])}
	if !sameGroups(counts, []string{"2", "0"}) {
		t.Fatalf("audited rate counts %v, want 2 and 0", counts)
	}
}
