package billing

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var _ resource.ResourceWithValidateConfig = &autoRechargeResource{}

// ValidateConfig refuses at plan time what the API would refuse at apply: a
// recharge_amount of 0.00 while auto-recharge is enabled (enabled defaults
// to true), which would recharge nothing.
func (r *autoRechargeResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var enabled types.Bool
	var amount types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("enabled"), &enabled)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("recharge_amount"), &amount)...)
	if resp.Diagnostics.HasError() || enabled.IsUnknown() || (!enabled.IsNull() && !enabled.ValueBool()) || !providerdata.IsKnown(amount) {
		return
	}
	if centsPattern.MatchString(amount.ValueString()) && providerdata.SameAmount(amount.ValueString(), "0") {
		resp.Diagnostics.AddAttributeError(path.Root("recharge_amount"), "Invalid recharge amount",
			"recharge_amount must be more than 0.00 while auto-recharge is enabled (enabled defaults to true): set the "+
				"amount to add on top of threshold_amount at each recharge, or enabled = false.")
	}
}
