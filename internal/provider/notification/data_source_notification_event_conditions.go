package notification

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ datasource.DataSource              = &conditionsDataSource{}
	_ datasource.DataSourceWithConfigure = &conditionsDataSource{}
)

// NewEventConditionsDataSource returns the
// telnyx_notification_event_conditions data source.
func NewEventConditionsDataSource() datasource.DataSource {
	return &conditionsDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "notification_event_conditions"}}
}

type conditionsDataSource struct {
	providerdata.DataSourceBase
}

type conditionsModel struct {
	ID                   types.String     `tfsdk:"id"`
	AssociatedRecordType types.String     `tfsdk:"associated_record_type"`
	Name                 types.String     `tfsdk:"name"`
	Conditions           []conditionEntry `tfsdk:"conditions"`
}

type conditionEntry struct {
	ID                    types.String     `tfsdk:"id"`
	Name                  types.String     `tfsdk:"name"`
	Description           types.String     `tfsdk:"description"`
	NotificationEventID   types.String     `tfsdk:"notification_event_id"`
	AssociatedRecordType  types.String     `tfsdk:"associated_record_type"`
	Enabled               types.Bool       `tfsdk:"enabled"`
	Asynchronous          types.Bool       `tfsdk:"asynchronous"`
	AllowMultipleChannels types.Bool       `tfsdk:"allow_multiple_channels"`
	SupportedChannels     []types.String   `tfsdk:"supported_channels"`
	Parameters            []conditionParam `tfsdk:"parameters"`
}

type conditionParam struct {
	Name     types.String `tfsdk:"name"`
	DataType types.String `tfsdk:"data_type"`
	Optional types.Bool   `tfsdk:"optional"`
}

func (d *conditionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	boolean := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the notification event conditions: what an account can be notified of (such as its " +
			"balance falling below an amount), with the parameters a `telnyx_notification_setting` of each gives and the " +
			"channel types it supports. The catalogue is the same for every account, and its identifiers do not change.",
		Attributes: map[string]schema.Attribute{
			"id": str("A stable identifier of this query, derived from its arguments."),
			"associated_record_type": schema.StringAttribute{
				MarkdownDescription: "Only the conditions about this kind of record: `account` or `phone_number`.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf("account", "phone_number")},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Only the condition of this name, such as `balance below threshold` (the API has no " +
					"such filter: the provider reads the whole catalogue and keeps it). No condition of that name lists none.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"conditions": schema.ListNestedAttribute{
				MarkdownDescription: "The matching conditions, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                      str("Identifier of the condition: a setting's `notification_event_condition_id`."),
					"name":                    str("Name of the condition."),
					"description":             str("What the condition notifies of."),
					"notification_event_id":   str("Identifier of the kind of notification the condition belongs to."),
					"associated_record_type":  str("The kind of record the condition is about: `account` or `phone_number`."),
					"enabled":                 boolean("Whether settings of the condition can be created."),
					"asynchronous":            boolean("Whether a setting of the condition takes effect later rather than at once."),
					"allow_multiple_channels": boolean("Whether a setting may leave out its channel, notifying every channel of its profile."),
					"supported_channels": schema.ListAttribute{
						MarkdownDescription: "The channel types the condition can notify through.",
						ElementType:         types.StringType,
						Computed:            true,
					},
					"parameters": schema.ListNestedAttribute{
						MarkdownDescription: "The parameters a setting of the condition gives (its `parameters` map).",
						Computed:            true,
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"name":      str("Name of the parameter: its key in a setting's `parameters`."),
							"data_type": str("How the value, a string, is read: `decimal` is an amount of money such as `\"10.00\"`."),
							"optional":  boolean("Whether a setting may leave it out."),
						}},
					},
				}},
			},
		},
	}
}

func (d *conditionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m conditionsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := client.ListNotificationEventConditionsOptions{AssociatedRecordType: m.AssociatedRecordType.ValueString(), PageSize: client.MaxPageSize}
	m.Conditions = []conditionEntry{}
	for c, err := range d.Data.Client.AllNotificationEventConditions(ctx, opts) {
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to list the notification event conditions", err)
			return
		}
		if providerdata.IsKnown(m.Name) && c.Name != m.Name.ValueString() {
			continue
		}
		e := conditionEntry{
			ID: types.StringValue(c.ID), Name: types.StringValue(c.Name), Description: types.StringValue(c.Description),
			NotificationEventID: types.StringValue(c.NotificationEventID), AssociatedRecordType: types.StringValue(c.AssociatedRecordType),
			Enabled: types.BoolValue(c.Enabled), Asynchronous: types.BoolValue(c.Asynchronous),
			AllowMultipleChannels: types.BoolValue(c.AllowMultipleChannels),
			SupportedChannels:     []types.String{}, Parameters: []conditionParam{},
		}
		for _, ch := range c.SupportedChannels {
			e.SupportedChannels = append(e.SupportedChannels, types.StringValue(ch))
		}
		for _, p := range c.Parameters {
			e.Parameters = append(e.Parameters, conditionParam{
				Name: types.StringValue(p.Name), DataType: types.StringValue(p.DataType), Optional: types.BoolValue(p.Optional),
			})
		}
		m.Conditions = append(m.Conditions, e)
	}
	m.ID = types.StringValue(providerdata.QueryID("%q|%q", opts.AssociatedRecordType, m.Name.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
