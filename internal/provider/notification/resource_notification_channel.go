package notification

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// maxDestinationLen is the API's limit on a channel's destination.
const maxDestinationLen = 2048

var (
	_ resource.Resource                = &channelResource{}
	_ resource.ResourceWithConfigure   = &channelResource{}
	_ resource.ResourceWithImportState = &channelResource{}
	_ resource.ResourceWithIdentity    = &channelResource{}
)

// NewChannelResource returns the telnyx_notification_channel resource.
func NewChannelResource() resource.Resource {
	return &channelResource{ResourceBase: providerdata.ResourceBase{Name: "notification_channel"}}
}

type channelResource struct {
	providerdata.ResourceBase
}

type channelModel struct {
	ID                    types.String   `tfsdk:"id"`
	ManagedAccountID      types.String   `tfsdk:"managed_account_id"`
	NotificationProfileID types.String   `tfsdk:"notification_profile_id"`
	ChannelTypeID         types.String   `tfsdk:"channel_type_id"`
	ChannelDestination    types.String   `tfsdk:"channel_destination"`
	CreatedAt             types.String   `tfsdk:"created_at"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
}

func (r *channelResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A notification channel of a `telnyx_notification_profile`: where its notifications go, a " +
			"webhook URL, an email address or a phone number (SMS). It lives on the profile's account: give the same " +
			"`managed_account_id` as the profile's.\n\n" +
			"A webhook is POSTed each notification in Telnyx's webhook envelope, signed with Ed25519 (the headers " +
			"`telnyx-signature-ed25519` and `telnyx-timestamp`): see the guide *Alert when a customer's balance runs low* " +
			"for how to verify it. The API refuses a URL that is not http or https, carries credentials or a fragment, or " +
			"points to a private address (the reference backend allows those only with a flag; loopback is allowed). The " +
			"API refuses to delete a channel that a setting names: Terraform deletes the setting first when it refers to " +
			"the channel in the same configuration.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id":                 idAttribute("channel"),
			"managed_account_id": managedAccountIDAttribute("channel"),
			"notification_profile_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the profile the channel belongs to, a profile of the same account. " +
					"A channel cannot move: changing it creates a new channel.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"channel_type_id": schema.StringAttribute{
				MarkdownDescription: "The type of the channel: `webhook`, `email` or `sms` (no condition notifies by " +
					"`voice`). Updated in place, with `channel_destination`.",
				Required: true,
				Validators: []validator.String{stringvalidator.OneOf(
					client.ChannelTypeWebhook, client.ChannelTypeEmail, client.ChannelTypeSMS)},
			},
			"channel_destination": schema.StringAttribute{
				MarkdownDescription: "Where notifications go, for the type: an absolute http or https URL (`webhook`), an " +
					"email address (`email`) or a phone number in E.164 form such as `+13125550000` (`sms`), at most 2048 " +
					"bytes. Updated in place.",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, maxDestinationLen)},
			},
			"created_at": createdAtAttribute("channel"),
		},
	}
}

func (r *channelResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan channelModel
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
	ch, err := c.CreateNotificationChannel(ctx, client.NotificationChannelRequest{
		ChannelTypeID: plan.ChannelTypeID.ValueString(), ChannelDestination: plan.ChannelDestination.ValueString(),
		NotificationProfileID: plan.NotificationProfileID.ValueString(),
	})
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the notification channel"+providerdata.OfAccount(plan.ManagedAccountID.ValueString()), err)
		return
	}
	tflog.Info(ctx, "Created notification channel", map[string]any{"id": ch.ID, "type": ch.ChannelTypeID})
	applyChannel(&plan, ch)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &plan, identityOf(plan.ManagedAccountID, plan.ID), &resp.Diagnostics)
}

func (r *channelResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readResource(ctx, r.Data, req, resp, "notification channel", (*client.Client).GetNotificationChannel,
		func(_ context.Context, m *channelModel, p *client.NotificationChannel, _ *diag.Diagnostics) {
			applyChannel(m, p)
		})
}

func (r *channelResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state channelModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	next := plan
	next.ID, next.CreatedAt = state.ID, state.CreatedAt
	if !plan.ChannelTypeID.Equal(state.ChannelTypeID) || !plan.ChannelDestination.Equal(state.ChannelDestination) {
		c := r.Data.AccountClient(ctx, state.ManagedAccountID.ValueString(), &resp.Diagnostics)
		if c == nil {
			return
		}
		// The type and destination are sent together: the API checks one
		// against the other.
		ch, err := c.UpdateNotificationChannel(ctx, state.ID.ValueString(), client.NotificationChannelRequest{
			ChannelTypeID: plan.ChannelTypeID.ValueString(), ChannelDestination: plan.ChannelDestination.ValueString(),
		})
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to update the notification channel "+state.ID.ValueString(), err)
			return
		}
		applyChannel(&next, ch)
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, identityOf(next.ManagedAccountID, next.ID), &resp.Diagnostics)
}

func (r *channelResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteAsAccount[channelModel](ctx, r.Data, req, resp, "notification channel", (*client.Client).DeleteNotificationChannel)
}

// IdentitySchema: a channel is named by its account and its own id.
func (r *channelResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	identitySchema("notification channel", resp)
}

// ImportState accepts "<channel_id>" or "<managed_account_id>/<channel_id>",
// or the same as an identity.
func (r *channelResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	providerdata.ImportAccountScopedID(ctx, req, resp, "a notification channel")
}

// applyChannel copies what the API answered into m; a configured email
// address that differs only by the spaces the API trims is kept.
func applyChannel(m *channelModel, ch *client.NotificationChannel) {
	m.ID = types.StringValue(ch.ID)
	m.NotificationProfileID = types.StringValue(ch.NotificationProfileID)
	m.ChannelTypeID = types.StringValue(ch.ChannelTypeID)
	m.ChannelDestination = providerdata.KeepIfSame(m.ChannelDestination, ch.ChannelDestination)
	m.CreatedAt = types.StringValue(ch.CreatedAt)
}
