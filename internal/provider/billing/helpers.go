package billing

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// centsPattern is an amount in dollars and cents as the API takes it: no
// sign, no leading zero, exactly two decimals.
var centsPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)\.[0-9]{2}$`)

// centsValidator accepts amounts such as "10.00" or "0.50". The API refuses
// any other form (code 10027), so the check is made at plan time.
type centsValidator struct{}

func (centsValidator) Description(_ context.Context) string {
	return `value must be an amount in dollars and cents with exactly two decimals, such as "10.00"`
}

func (v centsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (centsValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if !centsPattern.MatchString(req.ConfigValue.ValueString()) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid amount",
			fmt.Sprintf("%q is not an amount in dollars and cents: write it with exactly two decimals and no sign, such as \"10.00\" or \"0.50\".",
				req.ConfigValue.ValueString()))
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
