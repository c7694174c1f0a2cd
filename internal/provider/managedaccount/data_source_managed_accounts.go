package managedaccount

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// minContainsLen is the API's minimum length of a "contains" filter.
const minContainsLen = 3

var (
	_ datasource.DataSource              = &managedAccountsDataSource{}
	_ datasource.DataSourceWithConfigure = &managedAccountsDataSource{}
)

// NewListDataSource returns the telnyx_managed_accounts data source.
func NewListDataSource() datasource.DataSource {
	return &managedAccountsDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "managed_accounts"}}
}

type managedAccountsDataSource struct {
	providerdata.DataSourceBase
}

type managedAccountsModel struct {
	ID                       types.String           `tfsdk:"id"`
	EmailEq                  types.String           `tfsdk:"email_eq"`
	EmailContains            types.String           `tfsdk:"email_contains"`
	OrganizationNameEq       types.String           `tfsdk:"organization_name_eq"`
	OrganizationNameContains types.String           `tfsdk:"organization_name_contains"`
	Status                   types.String           `tfsdk:"status"`
	IncludeCancelledAccounts types.Bool             `tfsdk:"include_cancelled_accounts"`
	Sort                     types.String           `tfsdk:"sort"`
	ManagedAccounts          []managedAccountsEntry `tfsdk:"managed_accounts"`
}

type managedAccountsEntry struct {
	ID                 types.String `tfsdk:"id"`
	Email              types.String `tfsdk:"email"`
	OrganizationName   types.String `tfsdk:"organization_name"`
	ManagerAccountID   types.String `tfsdk:"manager_account_id"`
	APIUser            types.String `tfsdk:"api_user"`
	RollupBilling      types.Bool   `tfsdk:"rollup_billing"`
	AllowCustomPricing types.Bool   `tfsdk:"managed_account_allow_custom_pricing"`
	Status             types.String `tfsdk:"status"`
	CreatedAt          types.String `tfsdk:"created_at"`
	UpdatedAt          types.String `tfsdk:"updated_at"`
}

func (d *managedAccountsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	contains := []validator.String{stringvalidator.LengthAtLeast(minContainsLen)}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the manager's managed accounts that match the filters, reading every page. " +
			"List entries carry no credentials or balance; use the `telnyx_managed_account` data source for those.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A stable identifier of this query, derived from its filters.",
				Computed:            true,
			},
			"email_eq": schema.StringAttribute{
				MarkdownDescription: "Only the account with exactly this email.",
				Optional:            true,
			},
			"email_contains": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Only accounts whose email contains this text, ignoring case (at least %d characters).", minContainsLen),
				Optional:            true,
				Validators:          contains,
			},
			"organization_name_eq": schema.StringAttribute{
				MarkdownDescription: "Only accounts with exactly this organization name.",
				Optional:            true,
			},
			"organization_name_contains": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Only accounts whose organization name contains this text, ignoring case (at least %d characters).", minContainsLen),
				Optional:            true,
				Validators:          contains,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Only accounts with this status: `all`, `active`, `enabled`, `cancelled`, `disabled` or `blocked`. " +
					"Without it, every account that is not cancelled is listed.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf("all", "active", "enabled", "cancelled", "disabled", "blocked")},
			},
			"include_cancelled_accounts": schema.BoolAttribute{
				MarkdownDescription: "Whether cancelled accounts are listed too. Defaults to `false`.",
				Optional:            true,
			},
			"sort": schema.StringAttribute{
				MarkdownDescription: "Order of the list: `created_at`, `-created_at` (the API's default), `email` or `-email`; " +
					"a `-` prefix sorts in descending order.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf("created_at", "-created_at", "email", "-email")},
			},
			"managed_accounts": schema.ListNestedAttribute{
				MarkdownDescription: "The matching managed accounts, in the requested order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "Identifier of the managed account.",
							Computed:            true,
						},
						"email": schema.StringAttribute{
							MarkdownDescription: "Email of the account.",
							Computed:            true,
						},
						"organization_name": schema.StringAttribute{
							MarkdownDescription: "Organization (business) name of the account.",
							Computed:            true,
						},
						"manager_account_id": schema.StringAttribute{
							MarkdownDescription: "Identifier of the manager account.",
							Computed:            true,
						},
						"api_user": schema.StringAttribute{
							MarkdownDescription: "API user of the account (its email).",
							Computed:            true,
						},
						"rollup_billing": schema.BoolAttribute{
							MarkdownDescription: "Whether the account's charges roll up to the manager.",
							Computed:            true,
						},
						"managed_account_allow_custom_pricing": schema.BoolAttribute{
							MarkdownDescription: "Whether the manager may set custom pricing on this account.",
							Computed:            true,
						},
						"status": schema.StringAttribute{
							MarkdownDescription: "Status of the account, when the API reports it.",
							Computed:            true,
						},
						"created_at": schema.StringAttribute{
							MarkdownDescription: "When the account was created (RFC 3339).",
							Computed:            true,
						},
						"updated_at": schema.StringAttribute{
							MarkdownDescription: "When the account was last changed (RFC 3339).",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *managedAccountsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m managedAccountsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := client.ListManagedAccountsOptions{
		EmailEq:                  m.EmailEq.ValueString(),
		EmailContains:            m.EmailContains.ValueString(),
		OrganizationNameEq:       m.OrganizationNameEq.ValueString(),
		OrganizationNameContains: m.OrganizationNameContains.ValueString(),
		Status:                   m.Status.ValueString(),
		IncludeCancelledAccounts: m.IncludeCancelledAccounts.ValueBool(),
		Sort:                     m.Sort.ValueString(),
		PageSize:                 client.MaxPageSize,
	}
	m.ManagedAccounts = []managedAccountsEntry{}
	for a, err := range d.Data.Client.AllManagedAccounts(ctx, opts) {
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to list managed accounts", err)
			return
		}
		m.ManagedAccounts = append(m.ManagedAccounts, managedAccountsEntry{
			ID:                 types.StringValue(a.ID),
			Email:              types.StringValue(a.Email),
			OrganizationName:   types.StringValue(a.OrganizationName),
			ManagerAccountID:   types.StringValue(a.ManagerAccountID),
			APIUser:            types.StringValue(a.APIUser),
			RollupBilling:      types.BoolValue(a.RollupBilling),
			AllowCustomPricing: types.BoolValue(a.ManagedAccountAllowCustomPricing),
			Status:             types.StringPointerValue(a.Status),
			CreatedAt:          types.StringValue(a.CreatedAt),
			UpdatedAt:          types.StringValue(a.UpdatedAt),
		})
	}
	m.ID = types.StringValue(queryID(opts))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// queryID derives the data source's id from its filters: the same query
// always has the same id.
func queryID(o client.ListManagedAccountsOptions) string {
	return providerdata.QueryID("%q|%q|%q|%q|%q|%t|%q",
		o.EmailEq, o.EmailContains, o.OrganizationNameEq, o.OrganizationNameContains, o.Status, o.IncludeCancelledAccounts, o.Sort)
}
