package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// maxPageSize is the largest page the billing lists serve: the fewest calls.
const maxPageSize = 250

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

// sameAmount reports whether two decimal strings denote the same amount,
// however many trailing zeros each has. big.Rat reads decimals exactly: no
// float is involved.
func sameAmount(a, b string) bool {
	ra, okA := new(big.Rat).SetString(a)
	rb, okB := new(big.Rat).SetString(b)
	return okA && okB && ra.Cmp(rb) == 0
}

// keepAmount returns current when it denotes the API's amount, so that a
// configured "10.00" is not replaced by an API's "10.0", and the API's value
// otherwise.
func keepAmount(current types.String, fromAPI string) types.String {
	if isKnown(current) && sameAmount(current.ValueString(), fromAPI) {
		return current
	}
	return types.StringValue(fromAPI)
}

// keepIfSame keeps the configured value when the API's differs from it only
// by surrounding spaces, which the API trims.
func keepIfSame(current types.String, fromAPI string) types.String {
	if isKnown(current) && strings.TrimSpace(current.ValueString()) == fromAPI {
		return current
	}
	return types.StringValue(fromAPI)
}

func isKnown(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// clientFor returns the client that acts as managedAccountID (the provider's
// own account when it is null). A lookup that fails is reported as a
// diagnostic and yields nil.
func clientFor(ctx context.Context, data *providerdata.Data, managedAccountID types.String, diags *diag.Diagnostics) *client.Client {
	c, err := data.ClientFor(ctx, managedAccountID.ValueString())
	if err != nil {
		providerdata.AddAPIError(diags, "Unable to act as the managed account "+managedAccountID.ValueString(), err)
		return nil
	}
	return c
}

// queryID is a stable identifier of a data source query, derived from its
// arguments.
func queryID(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		fmt.Fprintf(&b, "%q|", p)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}
