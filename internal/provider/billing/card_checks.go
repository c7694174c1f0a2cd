package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The card rules the API applies, checked at plan time too, so that a
// mistyped card fails the plan rather than the apply. They repeat the
// reference backend's (internal/backend cards.go) rather than share its
// code: the provider is a client of any Telnyx API and never imports the
// backend (DESIGN.md 1.2). The write-only number and CVC are known to
// validation when written literally or through a variable, and unknown (so
// left to the API) when they come from something known only at apply.
// Messages say what is wrong and never repeat the number or the CVC.
const (
	minCardDigits = 12
	maxCardDigits = 19
	// maxExpiryYears bounds how far ahead a card may expire.
	maxExpiryYears = 50
)

var (
	_ resource.ResourceWithValidateConfig = &paymentMethodResource{}
	_ resource.ResourceWithModifyPlan     = &paymentMethodResource{}
)

func allDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// cardDigits returns the digits of a card number, whose digits may be
// separated by spaces, and what is wrong with it ("" when nothing is).
func cardDigits(number string) (digits, problem string) {
	digits = strings.ReplaceAll(number, " ", "")
	switch {
	case digits == "":
		return "", "The card number is blank."
	case !allDigits(digits):
		return "", "The card number must hold digits only (spaces are allowed between them)."
	case len(digits) < minCardDigits || len(digits) > maxCardDigits:
		return "", fmt.Sprintf("The card number must have %d to %d digits.", minCardDigits, maxCardDigits)
	case !luhnValid(digits):
		return "", "The card number is not a valid card number: its check digit is wrong (it fails the Luhn " +
			"check). Look for a mistyped, swapped or missing digit."
	}
	return digits, ""
}

// luhnValid reports whether a string of digits passes the Luhn (mod 10) check.
func luhnValid(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// cvcDigits is how many digits the CVC of a card has: four for American
// Express (numbers starting 34 or 37), three for every other brand.
func cvcDigits(digits string) int {
	if strings.HasPrefix(digits, "34") || strings.HasPrefix(digits, "37") {
		return 4
	}
	return 3
}

// cardNumberValidator checks card_number_wo.
type cardNumberValidator struct{}

func (cardNumberValidator) Description(_ context.Context) string {
	return fmt.Sprintf("value must be a card number of %d to %d digits (spaces allowed between them) that passes the Luhn check",
		minCardDigits, maxCardDigits)
}

func (v cardNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (cardNumberValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, problem := cardDigits(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid card number", problem)
	}
}

// cvcValidator checks card_cvc_wo on its own; ValidateConfig checks its
// length against the card's brand.
type cvcValidator struct{}

func (cvcValidator) Description(_ context.Context) string {
	return "value must be the card's 3-digit CVC, or 4 digits for an American Express card"
}

func (v cvcValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cvcValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if cvc := req.ConfigValue.ValueString(); !allDigits(cvc) || len(cvc) < 3 || len(cvc) > 4 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid card CVC",
			"The CVC must be the 3 digits on the back of the card, or the 4 digits on the front of an American Express card.")
	}
}

// ValidateConfig checks the CVC's length against the card's brand, when
// both are known and each is valid on its own.
func (r *paymentMethodResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var number, cvc types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("card_number_wo"), &number)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("card_cvc_wo"), &cvc)...)
	if resp.Diagnostics.HasError() || number.IsNull() || number.IsUnknown() || cvc.IsNull() || cvc.IsUnknown() {
		return
	}
	digits, problem := cardDigits(number.ValueString())
	if problem != "" || !allDigits(cvc.ValueString()) {
		return // the attributes' validators say so
	}
	switch want := cvcDigits(digits); {
	case len(cvc.ValueString()) == want:
	case want == 4:
		resp.Diagnostics.AddAttributeError(path.Root("card_cvc_wo"), "Invalid card CVC",
			"The card in card_number_wo is an American Express card, whose CVC is the 4 digits on its front.")
	default:
		resp.Diagnostics.AddAttributeError(path.Root("card_cvc_wo"), "Invalid card CVC",
			"The card in card_number_wo is not an American Express card: its CVC is the 3 digits on its back.")
	}
}

// ModifyPlan refuses, at plan time, an expiry the API would refuse: a card
// that has expired, or one that expires more than 50 years ahead. It checks
// only when the expiry is about to be sent (a new card, a replacement, or a
// new expiry), against this machine's clock: a card in the state that
// expires later still plans, refreshes and destroys. The API checks again
// against its own clock when the expiry is sent.
func (r *paymentMethodResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan paymentMethodModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.ExpMonth.IsUnknown() || plan.ExpYear.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state paymentMethodModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		// What replaces the card: see the RequiresReplace modifiers of
		// managed_account_id and card_wo_version.
		replaced := !plan.ManagedAccountID.Equal(state.ManagedAccountID) ||
			(!state.CardWOVersion.IsNull() && !plan.CardWOVersion.Equal(state.CardWOVersion))
		if resp.Diagnostics.HasError() || (!replaced && plan.ExpMonth.Equal(state.ExpMonth) && plan.ExpYear.Equal(state.ExpYear)) {
			return
		}
	}
	checkExpiry(plan.ExpMonth.ValueInt64(), plan.ExpYear.ValueInt64(), time.Now(), &resp.Diagnostics)
}

// checkExpiry adds an error when a card expiring at month/year has expired
// at now, or expires more than maxExpiryYears ahead. A card is good through
// the last day of its expiry month (UTC), so only whole months compare.
func checkExpiry(month, year int64, now time.Time, diags *diag.Diagnostics) {
	now = now.UTC()
	switch {
	case year < int64(now.Year()) || (year == int64(now.Year()) && month < int64(now.Month())):
		diags.AddAttributeError(path.Root("exp_year"), "Card expired",
			fmt.Sprintf("The card's expiry, %02d/%d, has passed: a card is good through the last day of its expiry "+
				"month (UTC), and the API refuses an expired card. Write the expiry printed on a card that is still "+
				"valid (exp_month and exp_year).", month, year))
	case year > int64(now.Year()+maxExpiryYears):
		diags.AddAttributeError(path.Root("exp_year"), "Card expiry too far ahead",
			fmt.Sprintf("exp_year %d is more than %d years ahead, which no card is: check the year printed on the card.",
				year, maxExpiryYears))
	}
}
