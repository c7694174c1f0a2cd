package billing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/billing"
)

// TestCardValidatorsNeverRepeatTheValue runs the validators of the two
// write-only card attributes, as the schema has them, on values they refuse:
// each refuses, and no message holds the value, its digits, or its last
// four digits.
func TestCardValidatorsNeverRepeatTheValue(t *testing.T) {
	ctx := context.Background()
	var resp resource.SchemaResponse
	billing.NewPaymentMethodResource().Schema(ctx, resource.SchemaRequest{}, &resp)
	for attr, values := range map[string][]string{
		"card_number_wo": {luhnInvalid, "4242 4242 4242 4241", "4242-4242-4242-4242", "4242 4242 42", strings.Repeat("4", 20)},
		"card_cvc_wo":    {"12", "12a", "98765", "9 8 7"},
	} {
		a, ok := resp.Schema.Attributes[attr].(schema.StringAttribute)
		if !ok {
			t.Fatalf("%s is not a string attribute", attr)
		}
		validators := a.Validators
		if len(validators) == 0 {
			t.Fatalf("%s has no validator", attr)
		}
		for _, v := range values {
			var out validator.StringResponse
			for _, check := range validators {
				check.ValidateString(ctx, validator.StringRequest{Path: path.Root(attr), ConfigValue: types.StringValue(v)}, &out)
			}
			if !out.Diagnostics.HasError() {
				t.Errorf("%s: %q is accepted", attr, v)
			}
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, v)
			for _, d := range out.Diagnostics {
				text := d.Summary() + " " + d.Detail()
				for _, secret := range []string{v, digits, digits[max(0, len(digits)-4):]} {
					if len(secret) >= 2 && strings.Contains(text, secret) {
						t.Errorf("%s: the message about %q repeats %q: %s", attr, v, secret, text)
					}
				}
			}
		}
	}
}
