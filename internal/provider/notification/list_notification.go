package notification

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ list.ListResource              = &profileListResource{}
	_ list.ListResourceWithConfigure = &profileListResource{}
	_ list.ListResource              = &channelListResource{}
	_ list.ListResourceWithConfigure = &channelListResource{}
	_ list.ListResource              = &settingListResource{}
	_ list.ListResourceWithConfigure = &settingListResource{}
)

// NewProfileListResource returns the telnyx_notification_profile list resource.
func NewProfileListResource() list.ListResource {
	return &profileListResource{ResourceBase: providerdata.ResourceBase{Name: "notification_profile"}}
}

// NewChannelListResource returns the telnyx_notification_channel list resource.
func NewChannelListResource() list.ListResource {
	return &channelListResource{ResourceBase: providerdata.ResourceBase{Name: "notification_channel"}}
}

// NewSettingListResource returns the telnyx_notification_setting list resource.
func NewSettingListResource() list.ListResource {
	return &settingListResource{ResourceBase: providerdata.ResourceBase{Name: "notification_setting"}}
}

type profileListResource struct {
	providerdata.ResourceBase
}

type channelListResource struct {
	providerdata.ResourceBase
}

type settingListResource struct {
	providerdata.ResourceBase
}

type profileListModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
}

// byProfileListModel is the configuration of the lists that the API filters
// by profile: channels and settings.
type byProfileListModel struct {
	ManagedAccountID      types.String `tfsdk:"managed_account_id"`
	NotificationProfileID types.String `tfsdk:"notification_profile_id"`
}

// listDescription is the description of the list resource of what, shown
// as shown, whose results carry what an import reads, ending with more.
func listDescription(what, shown, more string) string {
	return "Finds the notification " + what + "s of the provider's account, or of one of its managed accounts " +
		"(`managed_account_id`) (Terraform 1.14 or later, `terraform query`), reading every page of the API's list. Each " +
		"result is named by the " + what + "'s identity (`managed_account_id` and `id`) and shown as " + shown + ". With " +
		"`include_resource = true`, each result carries the " + what + " as an import would read it, so that `terraform " +
		"query -generate-config-out=FILE` writes a `telnyx_notification_" + what + "` block and an `import` block per " +
		what + " that import it with no change planned." + more
}

// profileIDFilter is the notification_profile_id filter of the channel and
// setting lists.
func profileIDFilter(what string) schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "Only the " + what + " of this profile. Without it, every profile's.",
		Optional:            true,
		Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

func (r *profileListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: listDescription("profile", "its name", ""),
		Attributes: map[string]schema.Attribute{
			"managed_account_id": providerdata.ListManagedAccountIDAttribute("profiles"),
		},
	}
}

func (r *profileListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg profileListModel
	t, diags := providerdata.ReadListConfig(ctx, req, &cfg)
	c := r.Data.ListClient(ctx, cfg.ManagedAccountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := client.ListNotificationProfilesOptions{PageSize: providerdata.PageSize(req.Limit)}
	stream.Results = providerdata.ListResults(ctx, req, c.AllNotificationProfiles(ctx, opts), "Unable to list notification profiles",
		func(p client.NotificationProfile, result *list.ListResult) {
			m := profileModel{ManagedAccountID: cfg.ManagedAccountID, Timeouts: t}
			applyProfile(&m, &p)
			providerdata.SetResult(ctx, req, result, p.Name, identityOf(m.ManagedAccountID, m.ID), &m)
		})
}

func (r *channelListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: listDescription("channel", "its type and destination", " Each channel's profile is "+
			"named by its id (`notification_profile_id`): generate the profiles' configuration too, and replace the ids "+
			"with references if you like."),
		Attributes: map[string]schema.Attribute{
			"managed_account_id":      providerdata.ListManagedAccountIDAttribute("channels"),
			"notification_profile_id": profileIDFilter("channels"),
		},
	}
}

func (r *channelListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg byProfileListModel
	t, diags := providerdata.ReadListConfig(ctx, req, &cfg)
	c := r.Data.ListClient(ctx, cfg.ManagedAccountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := client.ListNotificationChannelsOptions{
		NotificationProfileID: cfg.NotificationProfileID.ValueString(), PageSize: providerdata.PageSize(req.Limit),
	}
	stream.Results = providerdata.ListResults(ctx, req, c.AllNotificationChannels(ctx, opts), "Unable to list notification channels",
		func(ch client.NotificationChannel, result *list.ListResult) {
			m := channelModel{ManagedAccountID: cfg.ManagedAccountID, Timeouts: t}
			applyChannel(&m, &ch)
			providerdata.SetResult(ctx, req, result, ch.ChannelTypeID+" to "+ch.ChannelDestination, identityOf(m.ManagedAccountID, m.ID), &m)
		})
}

func (r *settingListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: listDescription("setting", "its condition and parameters", " The setting's "+
			"`parameters` are read back as the API holds them, and a setting without "+
			"parameters has none (`parameters` left out): the API cannot change a setting, so any other value would "+
			"replace it."),
		Attributes: map[string]schema.Attribute{
			"managed_account_id":      providerdata.ListManagedAccountIDAttribute("settings"),
			"notification_profile_id": profileIDFilter("settings"),
		},
	}
}

func (r *settingListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg byProfileListModel
	t, diags := providerdata.ReadListConfig(ctx, req, &cfg)
	c := r.Data.ListClient(ctx, cfg.ManagedAccountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := client.ListNotificationSettingsOptions{
		NotificationProfileID: cfg.NotificationProfileID.ValueString(), PageSize: providerdata.PageSize(req.Limit),
	}
	stream.Results = providerdata.ListResults(ctx, req, c.AllNotificationSettings(ctx, opts), "Unable to list notification settings",
		func(st client.NotificationSetting, result *list.ListResult) {
			m := importedSetting(ctx, cfg.ManagedAccountID, &st, t, &result.Diagnostics)
			providerdata.SetResult(ctx, req, result, settingName(&st), identityOf(m.ManagedAccountID, m.ID), &m)
		})
}

// importedSetting is the state that an import of st, a setting of the
// managed account managedAccountID (null: the provider's own account),
// reads: null parameters when it has none, as the configuration generated
// from it leaves them out.
func importedSetting(ctx context.Context, managedAccountID types.String, st *client.NotificationSetting, t timeouts.Value, diags *diag.Diagnostics) settingModel {
	m := settingModel{ManagedAccountID: managedAccountID, Parameters: types.MapNull(types.StringType), Timeouts: t}
	applySetting(ctx, &m, st, diags)
	return m
}

// settingName shows a setting as its condition's id and its parameters, as
// "<condition id> (amount = 10.00)".
func settingName(st *client.NotificationSetting) string {
	if len(st.Parameters) == 0 {
		return st.NotificationEventConditionID
	}
	params := make([]string, len(st.Parameters))
	for i, p := range st.Parameters {
		params[i] = fmt.Sprintf("%s = %s", p.Name, p.Value)
	}
	return st.NotificationEventConditionID + " (" + strings.Join(params, ", ") + ")"
}
