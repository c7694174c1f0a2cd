package providerdata_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

func TestKeepIfSameKeepsTheConfiguredSpellingOnlyWhenTheAPITrimmedIt(t *testing.T) {
	for _, tt := range []struct {
		current types.String
		fromAPI string
		want    types.String
	}{
		{types.StringValue("  Acme  "), "Acme", types.StringValue("  Acme  ")},
		{types.StringValue("Acme"), "Acme", types.StringValue("Acme")},
		{types.StringValue("Acme"), "Acme Inc", types.StringValue("Acme Inc")},
		{types.StringValue("acme"), "Acme", types.StringValue("Acme")},
		{types.StringNull(), "Acme", types.StringValue("Acme")},
		{types.StringUnknown(), "", types.StringValue("")},
	} {
		if got := providerdata.KeepIfSame(tt.current, tt.fromAPI); !got.Equal(tt.want) {
			t.Errorf("KeepIfSame(%s, %q) = %s, want %s", tt.current, tt.fromAPI, got, tt.want)
		}
	}
}

func TestSameAmountComparesDecimalsExactly(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"10.00", "10.0", true},
		{"10", "10.000", true},
		{"0.10", ".1", true},
		{"0.1", "0.10000000000000000001", false}, // equal as float64s
		{"10.00", "10.01", false},
		{"10.00", "", false},
		{"ten", "ten", false},
	} {
		if got := providerdata.SameAmount(tt.a, tt.b); got != tt.want {
			t.Errorf("SameAmount(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIsKnownAndSetElements(t *testing.T) {
	ctx := context.Background()
	set := types.SetValueMust(types.StringType, []attr.Value{types.StringValue("a"), types.StringValue("b")})
	for _, tt := range []struct {
		set  types.Set
		want []string
	}{
		{set, []string{"a", "b"}},
		{types.SetNull(types.StringType), nil},
		{types.SetUnknown(types.StringType), nil},
	} {
		var diags diag.Diagnostics
		got := providerdata.SetElements[string](ctx, tt.set, &diags)
		if diags.HasError() || len(got) != len(tt.want) || (got == nil) != (tt.want == nil) {
			t.Fatalf("SetElements(%s) = %q, %v; want %q", tt.set, got, diags, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("SetElements(%s) = %q, want %q", tt.set, got, tt.want)
			}
		}
		if providerdata.IsKnown(tt.set) != (tt.want != nil) {
			t.Fatalf("IsKnown(%s) = %v", tt.set, providerdata.IsKnown(tt.set))
		}
	}
}

// A data source's id must not change from one release to the next for the
// same query: QueryID is pinned to the digest it has always been.
func TestQueryIDIsStable(t *testing.T) {
	if got, want := providerdata.QueryID("%q|%q", "", ""), "e3ddb45146bb9e1c792b5ac47582c876"; got != want {
		t.Fatalf("QueryID = %s, want %s", got, want)
	}
	if providerdata.QueryID("%q|", "a|b") == providerdata.QueryID("%q|%q|", "a", "b") {
		t.Fatal("two different queries have the same id")
	}
}
