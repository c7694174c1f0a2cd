package managedaccount

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// removedInV1 are the attributes that schema version 0 had and version 1
// dropped: the account's credentials, which no longer belong in the state.
var removedInV1 = []string{"api_key", "api_token"}

// UpgradeState removes the credentials from a state written by schema
// version 0, the next time Terraform reads it (any plan, refresh or apply).
func (r *managedAccountResource) UpgradeState(_ context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{0: {StateUpgrader: upgradeFromV0}}
}

// upgradeFromV0 reads the state with the version 0 type, which is version 1's
// with api_key and api_token, and keeps every other value as it was. Reading
// with the exact old type, rather than ignoring what the current schema does
// not know, refuses a state that holds anything version 0 never had instead
// of dropping it unseen. A later schema version changes this upgrader to
// produce that version.
// stateUnreadable says what to do about a state the upgrade cannot read: the
// account itself is untouched, so it can be forgotten and imported again.
const stateUnreadable = "The state holds what no version of the provider wrote. The account itself is not affected: " +
	"remove it from the state (terraform state rm with this resource's address) and import it again by its id."

func upgradeFromV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	current, ok := resp.State.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		resp.Diagnostics.AddError("Unable to upgrade the managed account's state",
			"The current schema is not an object. This is a bug in the provider; please report it.")
		return
	}
	v0 := tftypes.Object{AttributeTypes: maps.Clone(current.AttributeTypes)}
	for _, name := range removedInV1 {
		v0.AttributeTypes[name] = tftypes.String
	}
	prior, err := req.RawState.Unmarshal(v0)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade the managed account's state",
			"The state written by schema version 0 could not be read: "+err.Error()+"\n\n"+stateUnreadable)
		return
	}
	var attrs map[string]tftypes.Value
	if err := prior.As(&attrs); err != nil {
		resp.Diagnostics.AddError("Unable to upgrade the managed account's state", err.Error()+"\n\n"+stateUnreadable)
		return
	}
	for _, name := range removedInV1 {
		delete(attrs, name)
	}
	resp.State.Raw = tftypes.NewValue(current, attrs)
}
