package providerdata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// IsKnown reports whether v holds a value: it is neither null nor unknown.
func IsKnown(v attr.Value) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// KeepIfSame keeps the configured value when the API's differs from it only
// by surrounding spaces, which the API trims, so that the state does not
// contradict the configuration; otherwise it is the API's value.
func KeepIfSame(current types.String, fromAPI string) types.String {
	if IsKnown(current) && strings.TrimSpace(current.ValueString()) == fromAPI {
		return current
	}
	return types.StringValue(fromAPI)
}

// SameAmount reports whether two decimal strings denote the same amount,
// however many trailing zeros each has. big.Rat reads decimals exactly: no
// float is involved.
func SameAmount(a, b string) bool {
	ra, okA := new(big.Rat).SetString(a)
	rb, okB := new(big.Rat).SetString(b)
	return okA && okB && ra.Cmp(rb) == 0
}

// SetElements returns the elements of a known set, or nil for a null or
// unknown one.
func SetElements[T any](ctx context.Context, s types.Set, diags *diag.Diagnostics) []T {
	if !IsKnown(s) {
		return nil
	}
	var out []T
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

// QueryID is the id of a data source's query: a digest of its arguments,
// written by format, so that the same query always has the same id.
func QueryID(format string, args ...any) string {
	sum := sha256.Sum256(fmt.Appendf(nil, format, args...))
	return hex.EncodeToString(sum[:16])
}
