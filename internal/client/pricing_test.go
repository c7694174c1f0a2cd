package client_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

const pricingBody = `{"data":[` +
	`{"record_type":"rate","product":"messaging","direction":"outbound","message_type":"SMS","country_iso":"US","rate":"0.004","unit":"part","source":"committed","effective_from":"2026-01-01T00:00:00.000Z"},` +
	`{"record_type":"rate","product":"wireless","direction":"","message_type":"","country_iso":"*","rate":"0.000125","unit":"MB","source":"list","effective_from":"2025-01-01T00:00:00.000Z"}]}`

func TestGetPricingReadsTheRatesAsDecimalStrings(t *testing.T) {
	rec := newRecorder(t, ok(pricingBody))
	rates, err := rec.client(t, nil).GetPricing(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []client.Rate{
		{RecordType: "rate", Product: client.ProductMessaging, Direction: "outbound", MessageType: "SMS", CountryISO: "US",
			Rate: "0.004", Unit: "part", Source: client.RateSourceCommitted, EffectiveFrom: "2026-01-01T00:00:00.000Z"},
		{RecordType: "rate", Product: client.ProductWireless, CountryISO: "*", Rate: "0.000125", Unit: "MB",
			Source: client.RateSourceList, EffectiveFrom: "2025-01-01T00:00:00.000Z"},
	}
	if !reflect.DeepEqual(rates, want) {
		t.Fatalf("rates = %+v\nwant    %+v", rates, want)
	}
	if r := rec.requests()[0]; r.Method != http.MethodGet || r.URL.Path != "/v2/pricing" {
		t.Fatalf("request = %s %s", r.Method, r.URL.Path)
	}
}

func TestGetPricingAsAManagedAccountCarriesTheAPIDetail(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusForbidden, "10010", "Forbidden", "Pricing is only visible to manager accounts."))
	_, err := rec.client(t, nil).GetPricing(context.Background())
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || apiErr.Detail() != "Pricing is only visible to manager accounts." {
		t.Fatalf("err = %v", err)
	}
}

func TestGetManagedAccountPricingOfAnInheritingAccount(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":{"record_type":"managed_account_pricing","managed_account_id":"ma/1",`+
		`"custom_pricing_allowed":true,"inherits":true,"effective_from":null,"rates":[]}}`))
	p, err := rec.client(t, nil).GetManagedAccountPricing(context.Background(), "ma/1")
	if err != nil {
		t.Fatal(err)
	}
	want := client.ManagedAccountPricing{RecordType: "managed_account_pricing", ManagedAccountID: "ma/1",
		CustomPricingAllowed: true, Inherits: true, Rates: []client.Rate{}}
	if !reflect.DeepEqual(*p, want) {
		t.Fatalf("pricing = %+v, want %+v", *p, want)
	}
	if r := rec.requests()[0]; r.Method != http.MethodGet || r.URL.EscapedPath() != "/v2/managed_accounts/ma%2F1/pricing" {
		t.Fatalf("request = %s %s", r.Method, r.URL.EscapedPath())
	}
}

func TestSetManagedAccountPricingSendsOnlyTheKeysAProductUses(t *testing.T) {
	answer := `{"data":{"record_type":"managed_account_pricing","managed_account_id":"ma-1","custom_pricing_allowed":true,` +
		`"inherits":false,"effective_from":"2026-02-01T10:00:00.000Z","rates":[{"record_type":"rate","product":"voice",` +
		`"direction":"outbound","message_type":"","country_iso":"*","rate":"0.01","unit":"minute","source":"custom",` +
		`"effective_from":"2026-02-01T10:00:00.000Z"}]}}`
	rec := newRecorder(t, ok(answer))
	p, err := rec.client(t, nil).SetManagedAccountPricing(context.Background(), "ma-1", []client.RateInput{
		{Product: client.ProductVoice, Direction: "outbound", CountryISO: "*", Rate: "0.01"},
		{Product: client.ProductWireless, CountryISO: "US", Rate: "0.000125"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Inherits || p.EffectiveFrom == nil || *p.EffectiveFrom != "2026-02-01T10:00:00.000Z" || len(p.Rates) != 1 || p.Rates[0].Rate != "0.01" {
		t.Fatalf("pricing = %+v", p)
	}
	r := rec.requests()[0]
	if r.Method != http.MethodPut || r.URL.Path != "/v2/managed_accounts/ma-1/pricing" {
		t.Fatalf("request = %s %s", r.Method, r.URL.Path)
	}
	assertJSON(t, rec.bodies[0], `{"rates":[`+
		`{"product":"voice","direction":"outbound","country_iso":"*","rate":"0.01"},`+
		`{"product":"wireless","country_iso":"US","rate":"0.000125"}]}`)
}

func TestSetManagedAccountPricingWithNoRatesSendsAnEmptySet(t *testing.T) {
	rec := newRecorder(t, ok(`{"data":{"record_type":"managed_account_pricing","managed_account_id":"ma-1",`+
		`"custom_pricing_allowed":true,"inherits":true,"effective_from":null,"rates":[]}}`))
	if _, err := rec.client(t, nil).SetManagedAccountPricing(context.Background(), "ma-1", nil); err != nil {
		t.Fatal(err)
	}
	// null would not be a rate set; [] is the API's "inherit".
	assertJSON(t, rec.bodies[0], `{"rates":[]}`)
}

func TestSetManagedAccountPricingRefusedCarriesTheAPIDetail(t *testing.T) {
	rec := newRecorder(t, apiError(http.StatusUnprocessableEntity, "10004", "Invalid value",
		"Custom pricing is not allowed: managed_account_allow_custom_pricing is false."))
	_, err := rec.client(t, nil).SetManagedAccountPricing(context.Background(), "ma-1",
		[]client.RateInput{{Product: client.ProductWireless, CountryISO: "*", Rate: "0.10"}})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity ||
		apiErr.Detail() != "Custom pricing is not allowed: managed_account_allow_custom_pricing is false." {
		t.Fatalf("err = %v", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Fatalf("a 422 was sent %d times, want once", n)
	}
}
