package backend

import "slices"

// The products that produce usage, their rate keys, report dimensions and
// metrics: one table shared by pricing, ingestion and usage reports, so that
// the three can never disagree on what a product is.

// Product names.
const (
	ProductMessaging = "messaging"
	ProductVoice     = "voice"
	ProductWireless  = "wireless"
)

// Rate key fields, report dimensions and event fields share these names.
const (
	FieldDirection   = "direction"
	FieldMessageType = "message_type"
	FieldCountryISO  = "country_iso"
	FieldProductName = "product_name"
	// DimensionCurrency is always Currency ("USD").
	DimensionCurrency = "currency"
	// DimensionDate is the UTC day of the usage, "2006-01-02".
	DimensionDate = "date"
	// DimensionUserID is the managed account a row is about; reports add it
	// to every row when a manager asks for managed_accounts=true.
	DimensionUserID = "user_id"
)

// Metric names. The quantity metrics (parts, billed_sec, bytes) are also the
// event fields that carry the quantity a product is rated on.
const (
	MetricCount     = "count"
	MetricParts     = "parts"
	MetricBilledSec = "billed_sec"
	MetricBytes     = "bytes"
	// MetricCost is never shown to a managed account: its prices are set by
	// its manager.
	MetricCost = "cost"
)

// Values of the direction and message_type fields.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"
	MessageTypeSMS    = "SMS"
	MessageTypeMMS    = "MMS"
)

// AnyCountry is the wildcard country_iso of a rate: it prices every country
// that has no rate of its own.
const AnyCountry = "*"

// Product describes one product that produces usage.
type Product struct {
	Name string
	// Unit is what a rate prices: "part", "minute" or "MB" (10^6 bytes).
	Unit string
	// RateKeys are the event fields that select a rate, in rate order.
	RateKeys []string
	// Dimensions are what a usage report may break the product out by
	// (user_id aside, which managed_accounts=true adds).
	Dimensions []string
	// Metrics are what a usage report may add up; Quantity is one of them.
	Metrics []string
	// Quantity is the metric the product is rated on, which every event of
	// the product must carry.
	Quantity string
	// QuantityPerUnit is how much of Quantity one Unit is: 1 part, 60
	// billed seconds to the minute, 1,000,000 bytes to the MB.
	QuantityPerUnit int64
	// ProductNames are the allowed values of an event's product_name; the
	// first is the default when an event has none.
	ProductNames []string
}

// HasRateKey tells whether field selects a rate of the product.
func (p Product) HasRateKey(field string) bool { return slices.Contains(p.RateKeys, field) }

// HasDimension tells whether the product's reports may break out by d.
func (p Product) HasDimension(d string) bool { return slices.Contains(p.Dimensions, d) }

// HasMetric tells whether the product's reports may add up m.
func (p Product) HasMetric(m string) bool { return slices.Contains(p.Metrics, m) }

var products = []Product{
	{
		Name:            ProductMessaging,
		Unit:            "part",
		RateKeys:        []string{FieldDirection, FieldMessageType, FieldCountryISO},
		Dimensions:      []string{FieldDirection, FieldCountryISO, FieldMessageType, FieldProductName, DimensionCurrency, DimensionDate},
		Metrics:         []string{MetricCount, MetricParts, MetricCost},
		Quantity:        MetricParts,
		QuantityPerUnit: 1,
		ProductNames:    []string{"long_code", "toll_free", "short_code"},
	},
	{
		Name:            ProductVoice,
		Unit:            "minute",
		RateKeys:        []string{FieldDirection, FieldCountryISO},
		Dimensions:      []string{FieldDirection, FieldCountryISO, FieldProductName, DimensionCurrency, DimensionDate},
		Metrics:         []string{MetricCount, MetricBilledSec, MetricCost},
		Quantity:        MetricBilledSec,
		QuantityPerUnit: 60,
		ProductNames:    []string{"sip_trunking", "call_control"},
	},
	{
		Name:            ProductWireless,
		Unit:            "MB",
		RateKeys:        []string{FieldCountryISO},
		Dimensions:      []string{FieldCountryISO, FieldProductName, DimensionCurrency, DimensionDate},
		Metrics:         []string{MetricCount, MetricBytes, MetricCost},
		Quantity:        MetricBytes,
		QuantityPerUnit: 1_000_000,
		ProductNames:    []string{"sim"},
	},
}

// Products returns every product, in a stable order (messaging, voice,
// wireless). The slices are copies: callers may keep or change them.
func Products() []Product {
	out := make([]Product, len(products))
	for i, p := range products {
		out[i] = p.clone()
	}
	return out
}

// ProductNames returns the names of every product, in the order of Products.
func ProductNames() []string {
	out := make([]string, len(products))
	for i, p := range products {
		out[i] = p.Name
	}
	return out
}

// LookupProduct returns the product called name.
func LookupProduct(name string) (Product, bool) {
	if p := lookupProduct(name); p != nil {
		return p.clone(), true
	}
	return Product{}, false
}

// lookupProduct returns the catalog's own product called name, or nil, for
// the hot paths of this package (rating every event), which never change it.
func lookupProduct(name string) *Product {
	for i := range products {
		if products[i].Name == name {
			return &products[i]
		}
	}
	return nil
}

func (p Product) clone() Product {
	p.RateKeys = slices.Clone(p.RateKeys)
	p.Dimensions = slices.Clone(p.Dimensions)
	p.Metrics = slices.Clone(p.Metrics)
	p.ProductNames = slices.Clone(p.ProductNames)
	return p
}
