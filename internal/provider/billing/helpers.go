package billing

import (
	"context"
	"fmt"
	"math/big"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// centsPattern is an amount in dollars and cents as the API takes it: no
// sign, no leading zero, exactly two decimals.
var centsPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)\.[0-9]{2}$`)

// centsValidator accepts amounts such as "10.00" or "0.50", from min to max
// when they are set (amounts in the same form). The API refuses any other
// form (code 10027), so the check is made at plan time.
type centsValidator struct{ min, max string }

// chargeAmount is the range of a top-up and of a balance transfer: 0.01 to
// 10,000.00, as the API takes them.
var chargeAmount = centsValidator{min: "0.01", max: "10000.00"}

func (v centsValidator) Description(_ context.Context) string {
	d := `value must be an amount in dollars and cents with exactly two decimals, such as "10.00"`
	if v.min != "" {
		d += fmt.Sprintf(", from %s to %s", v.min, v.max)
	}
	return d
}

func (v centsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v centsValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if !centsPattern.MatchString(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid amount",
			fmt.Sprintf("%q is not an amount in dollars and cents: write it with exactly two decimals and no sign, such as \"10.00\" or \"0.50\".", s))
		return
	}
	if v.min == "" {
		return
	}
	// Exact decimals (big.Rat), never floats.
	amount, _ := new(big.Rat).SetString(s)
	lo, _ := new(big.Rat).SetString(v.min)
	hi, _ := new(big.Rat).SetString(v.max)
	if amount.Cmp(lo) < 0 || amount.Cmp(hi) > 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid amount",
			fmt.Sprintf("%s is out of range: the amount must be from %s to %s.", s, v.min, v.max))
	}
}

// keepAmount returns current when it denotes the API's amount, so that a
// configured "10.00" is not replaced by an API's "10.0", and the API's value
// otherwise.
func keepAmount(current types.String, fromAPI string) types.String {
	if providerdata.IsKnown(current) && providerdata.SameAmount(current.ValueString(), fromAPI) {
		return current
	}
	return types.StringValue(fromAPI)
}
