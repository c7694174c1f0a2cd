package managedaccount

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// schemaVersion is the resource's schema version; removedIn lists, for each
// version after the first, the attributes that it dropped.
//
//   - 1 dropped the account's credentials, which no longer belong in the
//     state.
//   - 2 dropped what repeated another attribute: api_user (the email),
//     organization_name (business_name as the API stores it) and status
//     (enabled). Terraform rewrites the whole state after each resource it
//     creates or destroys, so every byte of an instance is paid once per
//     resource of the configuration (bench/BENCHMARKS.md); the data sources
//     still report all three.
const schemaVersion = 2

var removedIn = map[int64][]string{
	1: {"api_key", "api_token"},
	2: {"api_user", "organization_name", "status"},
}

// UpgradeState removes, the next time Terraform reads a state written by an
// older schema version (any plan, refresh or apply), what later versions
// dropped.
func (r *managedAccountResource) UpgradeState(_ context.Context) map[int64]resource.StateUpgrader {
	upgraders := make(map[int64]resource.StateUpgrader, schemaVersion)
	for from := range int64(schemaVersion) {
		upgraders[from] = resource.StateUpgrader{StateUpgrader: upgradeFrom(from)}
	}
	return upgraders
}

// stateUnreadable says what to do about a state the upgrade cannot read: the
// account itself is untouched, so it can be forgotten and imported again.
const stateUnreadable = "The state holds what no version of the provider wrote. The account itself is not affected: " +
	"remove it from the state (terraform state rm with this resource's address) and import it again by its id."

// upgradeFrom returns the upgrader of a state written by schema version from:
// it reads the state with that version's type, which is the current one with
// every attribute dropped since, and keeps every other value as it was.
// Reading with the exact old type, rather than ignoring what the current
// schema does not know, refuses a state that holds anything that version
// never had instead of dropping it unseen.
func upgradeFrom(from int64) func(context.Context, resource.UpgradeStateRequest, *resource.UpgradeStateResponse) {
	return func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
		current, ok := resp.State.Schema.Type().TerraformType(ctx).(tftypes.Object)
		if !ok {
			resp.Diagnostics.AddError("Unable to upgrade the managed account's state",
				"The current schema is not an object. This is a bug in the provider; please report it.")
			return
		}
		var dropped []string
		for v := from + 1; v <= schemaVersion; v++ {
			dropped = append(dropped, removedIn[v]...)
		}
		old := tftypes.Object{AttributeTypes: maps.Clone(current.AttributeTypes)}
		for _, name := range dropped {
			old.AttributeTypes[name] = tftypes.String
		}
		prior, err := req.RawState.Unmarshal(old)
		if err != nil {
			resp.Diagnostics.AddError("Unable to upgrade the managed account's state",
				fmt.Sprintf("The state written by schema version %d could not be read: %s\n\n%s", from, err, stateUnreadable))
			return
		}
		var attrs map[string]tftypes.Value
		if err := prior.As(&attrs); err != nil {
			resp.Diagnostics.AddError("Unable to upgrade the managed account's state", err.Error()+"\n\n"+stateUnreadable)
			return
		}
		for _, name := range dropped {
			delete(attrs, name)
		}
		resp.State.Raw = tftypes.NewValue(current, attrs)
	}
}
