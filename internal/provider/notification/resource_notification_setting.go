package notification

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// Limits of a setting's parameters, as the API checks them.
const (
	maxParameters     = 10
	maxParameterValue = 255
)

var (
	_ resource.Resource                = &settingResource{}
	_ resource.ResourceWithConfigure   = &settingResource{}
	_ resource.ResourceWithImportState = &settingResource{}
	_ resource.ResourceWithIdentity    = &settingResource{}
)

// NewSettingResource returns the telnyx_notification_setting resource.
func NewSettingResource() resource.Resource {
	return &settingResource{ResourceBase: providerdata.ResourceBase{Name: "notification_setting"}}
}

type settingResource struct {
	providerdata.ResourceBase
}

type settingModel struct {
	ID                           types.String   `tfsdk:"id"`
	ManagedAccountID             types.String   `tfsdk:"managed_account_id"`
	NotificationEventConditionID types.String   `tfsdk:"notification_event_condition_id"`
	NotificationProfileID        types.String   `tfsdk:"notification_profile_id"`
	NotificationChannelID        types.String   `tfsdk:"notification_channel_id"`
	Parameters                   types.Map      `tfsdk:"parameters"`
	AssociatedRecordTypeValue    types.String   `tfsdk:"associated_record_type_value"`
	Status                       types.String   `tfsdk:"status"`
	CreatedAt                    types.String   `tfsdk:"created_at"`
	Timeouts                     timeouts.Value `tfsdk:"timeouts"`
}

func (r *settingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	computed := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A notification setting: asks for the notifications of a condition of the account (see the " +
			"`telnyx_notification_event_conditions` data source), such as its balance falling below an amount, to the " +
			"channels of a `telnyx_notification_profile` or to one of them. It lives on the account it is about: a manager " +
			"sets a managed account's alert with `managed_account_id`.\n\n" +
			"The API cannot change a setting: changing any argument creates a new setting. The balance condition " +
			"notifies once when the balance falls below `amount`, and again only after the balance has been back at or " +
			"above it.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id":                 idAttribute("setting"),
			"managed_account_id": managedAccountIDAttribute("setting"),
			"notification_event_condition_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the condition to be notified of, from the " +
					"`telnyx_notification_event_conditions` data source. Changing it creates a new setting.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"notification_profile_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the profile whose channels are notified, a profile of the same " +
					"account. Changing it creates a new setting.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"notification_channel_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of one channel of the profile to notify, of a type the condition " +
					"supports. When not set, every channel of the profile that the condition supports is notified. " +
					"Changing it creates a new setting.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: replace,
			},
			"parameters": schema.MapAttribute{
				MarkdownDescription: "The condition's parameters, by name: each value a string, as the condition's " +
					"`parameters` describe (the balance condition takes `amount`, a decimal amount of money such as " +
					"`\"10.00\"`). At most 10, each value at most 255 characters. Leave it out for a condition without " +
					"parameters (an imported setting without any has none). Changing them creates a new setting.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.Map{
					mapvalidator.SizeAtMost(maxParameters),
					mapvalidator.KeysAre(stringvalidator.LengthAtLeast(1)),
					mapvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, maxParameterValue)),
				},
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"associated_record_type_value": schema.StringAttribute{
				MarkdownDescription: "The account the setting is about: the identifier of the account it lives on.",
				Computed:            true,
				PlanModifiers:       computed,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status of the setting: `enabled` once the API has it in effect.",
				Computed:            true,
				PlanModifiers:       computed,
			},
			"created_at": createdAtAttribute("setting"),
		},
	}
}

func (r *settingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan settingModel
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
	var params map[string]string
	if providerdata.IsKnown(plan.Parameters) {
		resp.Diagnostics.Append(plan.Parameters.ElementsAs(ctx, &params, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	in := client.CreateNotificationSettingRequest{
		NotificationEventConditionID: plan.NotificationEventConditionID.ValueString(),
		NotificationProfileID:        plan.NotificationProfileID.ValueString(),
		NotificationChannelID:        plan.NotificationChannelID.ValueString(),
	}
	// In name order, so that the same configuration sends the same body.
	for _, name := range slices.Sorted(maps.Keys(params)) {
		in.Parameters = append(in.Parameters, client.NotificationSettingParameter{Name: name, Value: params[name]})
	}
	st, err := c.CreateNotificationSetting(ctx, in)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the notification setting"+providerdata.OfAccount(plan.ManagedAccountID.ValueString()), err)
		return
	}
	tflog.Info(ctx, "Created notification setting", map[string]any{"id": st.ID, "condition": st.NotificationEventConditionID})
	applySetting(ctx, &plan, st, &resp.Diagnostics)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &plan, identityOf(plan.ManagedAccountID, plan.ID), &resp.Diagnostics)
}

func (r *settingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	readResource(ctx, r.Data, req, resp, "notification setting", (*client.Client).GetNotificationSetting,
		func(ctx context.Context, m *settingModel, p *client.NotificationSetting, diags *diag.Diagnostics) {
			applySetting(ctx, m, p, diags)
		})
}

// Update changes nothing through the API, which cannot change a setting:
// every argument but the timeouts forces a new one.
func (r *settingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state settingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Timeouts = plan.Timeouts
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, identityOf(state.ManagedAccountID, state.ID), &resp.Diagnostics)
}

func (r *settingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	deleteAsAccount[settingModel](ctx, r.Data, req, resp, "notification setting", (*client.Client).DeleteNotificationSetting)
}

// IdentitySchema: a setting is named by its account and its own id.
func (r *settingResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	identitySchema("notification setting", resp)
}

// ImportState accepts "<setting_id>" or "<managed_account_id>/<setting_id>",
// or the same as an identity.
func (r *settingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	providerdata.ImportAccountScopedID(ctx, req, resp, "a notification setting")
}

// applySetting copies what the API answered into m. A setting without
// parameters has null parameters, as a configuration that gives none,
// unless m has an empty map, as a configuration that writes {}.
func applySetting(ctx context.Context, m *settingModel, st *client.NotificationSetting, diags *diag.Diagnostics) {
	m.ID = types.StringValue(st.ID)
	m.NotificationEventConditionID = types.StringValue(st.NotificationEventConditionID)
	m.NotificationProfileID = types.StringValue(st.NotificationProfileID)
	m.NotificationChannelID = types.StringNull()
	if st.NotificationChannelID != "" {
		m.NotificationChannelID = types.StringValue(st.NotificationChannelID)
	}
	switch {
	case len(st.Parameters) == 0 && providerdata.IsKnown(m.Parameters) && len(m.Parameters.Elements()) == 0:
	case len(st.Parameters) == 0:
		m.Parameters = types.MapNull(types.StringType)
	default:
		params := make(map[string]string, len(st.Parameters))
		for _, p := range st.Parameters {
			params[p.Name] = p.Value
		}
		var d diag.Diagnostics
		m.Parameters, d = types.MapValueFrom(ctx, types.StringType, params)
		diags.Append(d...)
	}
	m.AssociatedRecordTypeValue = types.StringValue(st.AssociatedRecordTypeValue)
	m.Status = types.StringValue(st.Status)
	m.CreatedAt = types.StringValue(st.CreatedAt)
}
