package pricing

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// Values of the rate key fields.
const (
	directionInbound  = "inbound"
	directionOutbound = "outbound"
	messageTypeSMS    = "SMS"
	messageTypeMMS    = "MMS"
	anyCountry        = "*"
)

// rateKeys tells, per product, whether its rates are keyed by direction and
// by message type (every product's are keyed by country).
var rateKeys = map[string]struct{ direction, messageType bool }{
	client.ProductMessaging: {direction: true, messageType: true},
	client.ProductVoice:     {direction: true},
	client.ProductWireless:  {},
}

// products lists the products that have rates, in a stable order.
var products = []string{client.ProductMessaging, client.ProductVoice, client.ProductWireless}

// countryPattern is an ISO 3166-1 alpha-2 code or the wildcard.
var countryPattern = regexp.MustCompile(`^([A-Z]{2}|\*)$`)

// decimalPattern is a rate as it may be written: digits, and up to six
// decimals.
var decimalPattern = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]{1,6}))?$`)

// canonicalRate returns the form the API writes a rate in: no leading zeros,
// at least two decimals, and no trailing zero beyond them ("0.004", "1.50",
// "0.000125"). ok is false when s is not a rate at all.
func canonicalRate(s string) (string, bool) {
	m := decimalPattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	whole := strings.TrimLeft(m[1], "0")
	if whole == "" {
		whole = "0"
	}
	frac := strings.TrimRight(m[2], "0")
	for len(frac) < 2 {
		frac += "0"
	}
	return whole + "." + frac, true
}

// rateValidator accepts a rate only in the API's own form, so that the rate
// read back is the one configured, and "0.0040" never differs from the
// "0.004" the API answers.
type rateValidator struct{}

func (rateValidator) Description(_ context.Context) string {
	return `value must be a decimal with two to six decimals and no trailing zero beyond the second, such as "0.004" or "1.50"`
}

func (v rateValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	canonical, ok := canonicalRate(s)
	switch {
	case !ok:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid rate",
			fmt.Sprintf("%q is not a rate: write a decimal amount in USD with up to six decimals and no sign, such as \"0.004\".", s))
	case canonical != s:
		resp.Diagnostics.AddAttributeError(req.Path, "Rate not in canonical form",
			fmt.Sprintf("Write the rate %q as %q, the form the API answers it in (at least two decimals, no trailing zero "+
				"beyond them, no leading zero), so that it does not show as a change on every plan.", s, canonical))
	}
}

// rateKey is what identifies a rate within a rate set.
type rateKey struct {
	product, direction, messageType, countryISO string
}

func (k rateKey) String() string {
	parts := []string{k.product}
	for _, p := range []string{k.direction, k.messageType, k.countryISO} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// nullIfEmpty maps the API's "" (a key field the product does not use) to
// null, which is how a configuration leaves it out.
func nullIfEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
