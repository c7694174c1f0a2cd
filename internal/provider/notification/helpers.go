// Package notification implements the resources telnyx_notification_profile,
// telnyx_notification_channel and telnyx_notification_setting and the data
// source telnyx_notification_event_conditions: Telnyx's Notifications API,
// on the provider's own account or on one of its managed accounts
// (managed_account_id), such as a balance alert to a webhook.
package notification

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// idAttribute is a resource's id: the API's, kept across plans.
func idAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Identifier of the " + what + ".",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// managedAccountIDAttribute is the account a resource's object lives on.
func managedAccountIDAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider: " +
			"the " + what + " is created on that account (the provider acts as it through its primary key, fetched with " +
			"the manager's key and never stored), which is how a manager wires a managed account's alerts. When not set, " +
			"the " + what + " belongs to the provider's own account (the provider's `managed_account_id`, if it has one). " +
			"Changing it creates a new " + what + ".",
		Optional:      true,
		Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
	}
}

// createdAtAttribute is when the object was created, which never changes.
func createdAtAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "When the " + what + " was created (RFC 3339).",
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
}

// readResource is a resource's Read: it reads the object in the state as
// its account with get and, with apply, writes what the API answered into
// the state. When the account or the object is gone, it warns and removes
// the resource from the state.
func readResource[M any, PM interface {
	*M
	model
}, T any](ctx context.Context, d *providerdata.Data, req resource.ReadRequest, resp *resource.ReadResponse, what string,
	get func(*client.Client, context.Context, string) (*T, error), apply func(context.Context, PM, *T, *diag.Diagnostics),
) {
	state := PM(new(M))
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	account, idValue, _ := state.ref()
	managedAccountID, id, ident := account.ValueString(), idValue.ValueString(), identityOf(account, idValue)
	c, err := d.ClientFor(ctx, managedAccountID)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Managed account of the "+what+" not found",
			fmt.Sprintf("The managed account %s no longer exists or is no longer visible to this manager, and its %s %s "+
				"with it; the %s is removed from the Terraform state.", managedAccountID, what, id, what))
		providerdata.RemoveFromState(ctx, resp, ident)
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to act as the managed account "+managedAccountID, err)
		return
	}
	obj, err := get(c, ctx, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("The "+what+" was not found",
			fmt.Sprintf("The %s %s%s no longer exists: it was deleted outside Terraform. It is removed from the Terraform "+
				"state and will be planned for creation if it is still configured.", what, id, providerdata.OfAccount(managedAccountID)))
		providerdata.RemoveFromState(ctx, resp, ident)
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the "+what+" "+id, err)
		return
	}
	apply(ctx, state, obj, &resp.Diagnostics)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, state, ident, &resp.Diagnostics)
}

// identityOf is the identity of the object id of managedAccountID.
func identityOf(managedAccountID types.String, id types.String) providerdata.AccountScopedIdentity {
	return providerdata.NewAccountScopedIdentity(managedAccountID, id.ValueString())
}

// model is what every resource's model of this package tells of its object:
// its account, its id and its timeouts.
type model interface {
	ref() (managedAccountID, id types.String, t timeouts.Value)
}

func (m *profileModel) ref() (types.String, types.String, timeouts.Value) {
	return m.ManagedAccountID, m.ID, m.Timeouts
}

func (m *channelModel) ref() (types.String, types.String, timeouts.Value) {
	return m.ManagedAccountID, m.ID, m.Timeouts
}

func (m *settingModel) ref() (types.String, types.String, timeouts.Value) {
	return m.ManagedAccountID, m.ID, m.Timeouts
}

// deleteAsAccount is a resource's Delete: remove the object (what names it)
// in the state as its account, where an account or object already gone is
// no error.
func deleteAsAccount[M any, PM interface {
	*M
	model
}, T any](ctx context.Context, d *providerdata.Data, req resource.DeleteRequest, resp *resource.DeleteResponse, what string,
	remove func(*client.Client, context.Context, string) (*T, error),
) {
	state := PM(new(M))
	resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	account, idValue, t := state.ref()
	ctx, cancel := providerdata.WithTimeout(ctx, t.Delete, providerdata.DefaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	id := idValue.ValueString()
	d.RemoveAsAccount(ctx, account.ValueString(),
		providerdata.Removal{Object: what, Action: "delete the " + what + " " + id, Done: "Deleted " + what},
		map[string]any{"id": id}, &resp.Diagnostics, func(ctx context.Context, c *client.Client) error {
			_, err := remove(c, ctx, id)
			return err
		})
}

// identitySchema is every resource's of this package: an object of an
// account, named by the account and its own id.
func identitySchema(what string, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = providerdata.AccountScopedIdentitySchema("the "+what, false)
}
