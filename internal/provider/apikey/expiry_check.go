package apikey

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithModifyPlan = &apiKeyResource{}

// ModifyPlan refuses, at plan time, an expires_at that is not in the future
// when a key is to be created with it (a new key, or a replacement): the
// API would refuse it at apply. It compares with this machine's clock, and
// only then: a key in the state whose time has passed still plans and
// destroys (the refresh finds it expired and drops it, and the plan to
// create it again is refused here). The API checks again against its own
// clock.
func (r *apiKeyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || plan.ExpiresAt.IsNull() || plan.ExpiresAt.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state apiKeyModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		// What replaces the key: see the RequiresReplace modifiers of
		// managed_account_id, expires_at and rotation_triggers.
		replaced := !plan.ManagedAccountID.Equal(state.ManagedAccountID) || !plan.ExpiresAt.Equal(state.ExpiresAt) ||
			!plan.RotationTriggers.Equal(state.RotationTriggers)
		if resp.Diagnostics.HasError() || !replaced {
			return
		}
	}
	at, err := time.Parse(time.RFC3339, plan.ExpiresAt.ValueString())
	if err != nil {
		return // the validator says so
	}
	if now := time.Now(); !at.After(now) {
		// As written, rather than as the plan keeps it from the state.
		var written types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("expires_at"), &written)...)
		resp.Diagnostics.AddAttributeError(path.Root("expires_at"), "expires_at is in the past",
			fmt.Sprintf("expires_at %s has passed (this machine's clock reads %s), and the API refuses to create a key "+
				"that has already expired. Set a time in the future.", written.ValueString(), now.UTC().Format(time.RFC3339)))
	}
}
