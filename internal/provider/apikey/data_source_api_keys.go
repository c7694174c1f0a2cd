package apikey

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
	_ datasource.DataSource              = &apiKeysDataSource{}
	_ datasource.DataSourceWithConfigure = &apiKeysDataSource{}
)

// NewListDataSource returns the telnyx_api_keys data source.
func NewListDataSource() datasource.DataSource {
	return &apiKeysDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "api_keys"}}
}

type apiKeysDataSource struct {
	providerdata.DataSourceBase
}

type apiKeysModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	Status           types.String   `tfsdk:"status"`
	APIKeys          []apiKeysEntry `tfsdk:"api_keys"`
}

type apiKeysEntry struct {
	ID          types.String `tfsdk:"id"`
	Description types.String `tfsdk:"description"`
	Tags        types.Set    `tfsdk:"tags"`
	Status      types.String `tfsdk:"status"`
	MaskedKey   types.String `tfsdk:"masked_key"`
	ExpiresAt   types.String `tfsdk:"expires_at"`
	LastUsedAt  types.String `tfsdk:"last_used_at"`
	CreatedAt   types.String `tfsdk:"created_at"`
}

func (d *apiKeysDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the additional API keys of the provider's account, or of one of its managed accounts, " +
			"newest first, reading every page. Revoked keys and the account's primary key are not listed, and no secret " +
			"is: the API shows a key only when it is created.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A stable identifier of this query, derived from its arguments.",
				Computed:            true,
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "List the keys of this managed account of the manager whose `api_key` configures the " +
					"provider. When not set, the keys of the provider's own account are listed.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only keys with this status: `active`, `disabled` or `expired`. Without it, every key " +
					"that is not revoked is listed.",
				Optional: true,
				Validators: []validator.String{stringvalidator.OneOf(
					client.APIKeyStatusActive, client.APIKeyStatusDisabled, client.APIKeyStatusExpired)},
			},
			"api_keys": schema.ListNestedAttribute{
				MarkdownDescription: "The matching keys, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "Identifier of the key.",
							Computed:            true,
						},
						"description": schema.StringAttribute{
							MarkdownDescription: "What the key is for.",
							Computed:            true,
						},
						"tags": schema.SetAttribute{
							MarkdownDescription: "Tags of the key.",
							ElementType:         types.StringType,
							Computed:            true,
						},
						"status": schema.StringAttribute{
							MarkdownDescription: "Status of the key: `active`, `disabled` or `expired`.",
							Computed:            true,
						},
						"masked_key": schema.StringAttribute{
							MarkdownDescription: "The key with all but its prefix and last four characters hidden.",
							Computed:            true,
						},
						"expires_at": schema.StringAttribute{
							MarkdownDescription: "When the key expires (RFC 3339), or null when it does not.",
							Computed:            true,
						},
						"last_used_at": schema.StringAttribute{
							MarkdownDescription: "When the key was last used (RFC 3339), or null when it never was. The API " +
								"updates it at most about once a minute per key.",
							Computed: true,
						},
						"created_at": schema.StringAttribute{
							MarkdownDescription: "When the key was created (RFC 3339).",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *apiKeysDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m apiKeysModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	accountID := m.ManagedAccountID.ValueString()
	c := d.Data.AccountClient(ctx, accountID, &resp.Diagnostics)
	if c == nil {
		return
	}
	opts := client.ListAPIKeysOptions{Status: m.Status.ValueString(), PageSize: client.MaxPageSize}
	m.APIKeys = []apiKeysEntry{}
	for k, err := range c.AllAPIKeys(ctx, opts) {
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to list the API keys"+providerdata.OfAccount(accountID), err)
			return
		}
		tags, diags := types.SetValueFrom(ctx, types.StringType, nonNil(k.Tags))
		resp.Diagnostics.Append(diags...)
		m.APIKeys = append(m.APIKeys, apiKeysEntry{
			ID:          types.StringValue(k.ID),
			Description: types.StringValue(k.Description),
			Tags:        tags,
			Status:      types.StringValue(k.Status),
			MaskedKey:   types.StringValue(k.MaskedKey),
			ExpiresAt:   types.StringPointerValue(k.ExpiresAt),
			LastUsedAt:  types.StringPointerValue(k.LastUsedAt),
			CreatedAt:   types.StringValue(k.CreatedAt),
		})
	}
	m.ID = types.StringValue(providerdata.QueryID("%q|%q", accountID, opts.Status))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
