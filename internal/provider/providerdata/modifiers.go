package providerdata

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// StatusFollowsEnabled plans a status attribute that an enabled attribute of
// the same object drives: unchanged while enabled does not change, unknown
// (known after apply) when it does.
func StatusFollowsEnabled() planmodifier.String {
	return statusFollowsEnabled{}
}

type statusFollowsEnabled struct{}

func (statusFollowsEnabled) Description(_ context.Context) string {
	return "status is kept from the state unless enabled changes"
}

func (m statusFollowsEnabled) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (statusFollowsEnabled) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || !req.PlanValue.IsUnknown() {
		return
	}
	var planned, prior types.Bool
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("enabled"), &planned)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("enabled"), &prior)...)
	if resp.Diagnostics.HasError() || !planned.Equal(prior) {
		return
	}
	resp.PlanValue = req.StateValue
}
