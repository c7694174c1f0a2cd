package notification

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// maxNameLen is the API's limit on a profile's name, checked at plan time.
const maxNameLen = 255

var (
	_ resource.Resource                = &profileResource{}
	_ resource.ResourceWithConfigure   = &profileResource{}
	_ resource.ResourceWithImportState = &profileResource{}
	_ resource.ResourceWithIdentity    = &profileResource{}
)

// NewProfileResource returns the telnyx_notification_profile resource.
func NewProfileResource() resource.Resource {
	return &profileResource{ResourceBase: providerdata.ResourceBase{Name: "notification_profile"}}
}

type profileResource struct {
	providerdata.ResourceBase
}

type profileModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	Name             types.String   `tfsdk:"name"`
	CreatedAt        types.String   `tfsdk:"created_at"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (r *profileResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A notification profile of the provider's account, or of one of its managed accounts " +
			"(`managed_account_id`): a named collection of channels (`telnyx_notification_channel`) that settings " +
			"(`telnyx_notification_setting`) send notifications to.\n\n" +
			"The API refuses to delete a profile that still has channels or settings: Terraform deletes those first when " +
			"they refer to the profile in the same configuration.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id":                 idAttribute("profile"),
			"managed_account_id": managedAccountIDAttribute("profile"),
			"name": schema.StringAttribute{
				MarkdownDescription: "A human-readable name, 1 to 255 characters (surrounding spaces are trimmed by the API). " +
					"Updated in place.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, maxNameLen)},
			},
			"created_at": createdAtAttribute("profile"),
		},
	}
}

func (r *profileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan profileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Create, providerdata.DefaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.Data.AccountClient(ctx, plan.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	p, err := c.CreateNotificationProfile(ctx, client.NotificationProfileRequest{Name: plan.Name.ValueString()})
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the notification profile"+providerdata.OfAccount(plan.ManagedAccountID.ValueString()), err)
		return
	}
	tflog.Info(ctx, "Created notification profile", map[string]any{"id": p.ID})
	applyProfile(&plan, p)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &plan, identityOf(plan.ManagedAccountID, plan.ID), &resp.Diagnostics)
}

func (r *profileResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readResource(ctx, r.Data, req, resp, "notification profile", (*client.Client).GetNotificationProfile,
		func(_ context.Context, m *profileModel, p *client.NotificationProfile, _ *diag.Diagnostics) {
			applyProfile(m, p)
		})
}

func (r *profileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state profileModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	next := plan
	next.ID, next.CreatedAt = state.ID, state.CreatedAt
	if !plan.Name.Equal(state.Name) {
		c := r.Data.AccountClient(ctx, state.ManagedAccountID.ValueString(), &resp.Diagnostics)
		if c == nil {
			return
		}
		p, err := c.UpdateNotificationProfile(ctx, state.ID.ValueString(), client.NotificationProfileRequest{Name: plan.Name.ValueString()})
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to update the notification profile "+state.ID.ValueString(), err)
			return
		}
		applyProfile(&next, p)
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, identityOf(next.ManagedAccountID, next.ID), &resp.Diagnostics)
}

func (r *profileResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteAsAccount[profileModel](ctx, r.Data, req, resp, "notification profile", (*client.Client).DeleteNotificationProfile)
}

// IdentitySchema: a profile is named by its account and its own id.
func (r *profileResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	identitySchema("notification profile", resp)
}

// ImportState accepts "<profile_id>" for a profile of the provider's own
// account and "<managed_account_id>/<profile_id>" for one of its managed
// accounts', or the same as an identity.
func (r *profileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	providerdata.ImportAccountScopedID(ctx, req, resp, "a notification profile")
}

// applyProfile copies what the API answered into m; a configured name that
// differs only by the spaces the API trims is kept.
func applyProfile(m *profileModel, p *client.NotificationProfile) {
	m.ID = types.StringValue(p.ID)
	m.Name = providerdata.KeepIfSame(m.Name, p.Name)
	m.CreatedAt = types.StringValue(p.CreatedAt)
}
