package managedaccount

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ datasource.DataSource                     = &managedAccountDataSource{}
	_ datasource.DataSourceWithConfigure        = &managedAccountDataSource{}
	_ datasource.DataSourceWithConfigValidators = &managedAccountDataSource{}
)

// NewDataSource returns the telnyx_managed_account data source.
func NewDataSource() datasource.DataSource {
	return &managedAccountDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "managed_account"}}
}

type managedAccountDataSource struct {
	providerdata.DataSourceBase
}

type managedAccountDataModel struct {
	ID                 types.String  `tfsdk:"id"`
	Email              types.String  `tfsdk:"email"`
	OrganizationName   types.String  `tfsdk:"organization_name"`
	ManagerAccountID   types.String  `tfsdk:"manager_account_id"`
	APIUser            types.String  `tfsdk:"api_user"`
	RollupBilling      types.Bool    `tfsdk:"rollup_billing"`
	AllowCustomPricing types.Bool    `tfsdk:"managed_account_allow_custom_pricing"`
	Status             types.String  `tfsdk:"status"`
	GlobalChannelLimit types.Int64   `tfsdk:"global_channel_limit"`
	CreatedAt          types.String  `tfsdk:"created_at"`
	UpdatedAt          types.String  `tfsdk:"updated_at"`
	Balance            *balanceModel `tfsdk:"balance"`
}

type balanceModel struct {
	Balance         types.String `tfsdk:"balance"`
	CreditLimit     types.String `tfsdk:"credit_limit"`
	AvailableCredit types.String `tfsdk:"available_credit"`
	Currency        types.String `tfsdk:"currency"`
}

func (d *managedAccountDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one managed account of the manager, by `id` or by `email` (exactly one of them), " +
			"with its balance. Its credentials are not kept in the state; when another system must have them, use the " +
			"ephemeral `telnyx_managed_account_credentials`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the managed account. Exactly one of `id` and `email` must be set.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Email of the managed account (exact match). Exactly one of `id` and `email` must be set.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{emailValidator{}},
			},
			"organization_name": schema.StringAttribute{
				MarkdownDescription: "Organization (business) name of the account.",
				Computed:            true,
			},
			"manager_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the manager account that owns this account.",
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
				MarkdownDescription: "Status of the account: `enabled` or `disabled`.",
				Computed:            true,
			},
			"global_channel_limit": schema.Int64Attribute{
				MarkdownDescription: "Global outbound channels allocated to the account, when the API reports it.",
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
			"balance": schema.SingleNestedAttribute{
				MarkdownDescription: "Balance of the account. Amounts are decimal strings, exactly as the API gives them.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"balance": schema.StringAttribute{
						MarkdownDescription: "Current balance.",
						Computed:            true,
					},
					"credit_limit": schema.StringAttribute{
						MarkdownDescription: "Credit limit.",
						Computed:            true,
					},
					"available_credit": schema.StringAttribute{
						MarkdownDescription: "Balance plus credit limit: what the account can still spend.",
						Computed:            true,
					},
					"currency": schema.StringAttribute{
						MarkdownDescription: "ISO 4217 currency code of the amounts.",
						Computed:            true,
					},
				},
			},
		},
	}
}

func (d *managedAccountDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("email")),
	}
}

func (d *managedAccountDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg managedAccountDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	id := cfg.ID.ValueString()
	if cfg.ID.IsNull() {
		id = d.idByEmail(ctx, cfg.Email.ValueString(), &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}

	a, err := d.Data.Client.GetManagedAccount(ctx, id)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the managed account "+id, err)
		return
	}
	out := managedAccountDataModel{
		ID:                 types.StringValue(a.ID),
		Email:              types.StringValue(a.Email),
		OrganizationName:   types.StringValue(a.OrganizationName),
		ManagerAccountID:   types.StringValue(a.ManagerAccountID),
		APIUser:            types.StringValue(a.APIUser),
		RollupBilling:      types.BoolValue(a.RollupBilling),
		AllowCustomPricing: types.BoolValue(a.ManagedAccountAllowCustomPricing),
		Status:             types.StringPointerValue(a.Status),
		GlobalChannelLimit: types.Int64PointerValue(a.GlobalChannelLimit),
		CreatedAt:          types.StringValue(a.CreatedAt),
		UpdatedAt:          types.StringValue(a.UpdatedAt),
	}
	if a.Balance != nil {
		out.Balance = &balanceModel{
			Balance:         types.StringValue(a.Balance.Balance),
			CreditLimit:     types.StringValue(a.Balance.CreditLimit),
			AvailableCredit: types.StringValue(a.Balance.AvailableCredit),
			Currency:        types.StringValue(a.Balance.Currency),
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}

// idByEmail finds the id of the manager's account with this exact email.
func (d *managedAccountDataSource) idByEmail(ctx context.Context, email string, diags *diag.Diagnostics) string {
	var ids []string
	for a, err := range d.Data.Client.AllManagedAccounts(ctx, client.ListManagedAccountsOptions{EmailEq: email, PageSize: client.MaxPageSize}) {
		if err != nil {
			providerdata.AddAPIError(diags, "Unable to look up the managed account by email", err)
			return ""
		}
		if a.Email == email {
			ids = append(ids, a.ID)
		}
	}
	switch len(ids) {
	case 0:
		diags.AddAttributeError(path.Root("email"), "Managed account not found",
			fmt.Sprintf("The manager has no managed account with the email %q (cancelled accounts are not searched). "+
				"Check the email, or look the account up by id; the telnyx_managed_accounts data source lists the "+
				"manager's accounts.", email))
	case 1:
		return ids[0]
	default:
		diags.AddAttributeError(path.Root("email"), "Several managed accounts match",
			fmt.Sprintf("%d managed accounts have the email %q; look the account up by id instead.", len(ids), email))
	}
	return ""
}
