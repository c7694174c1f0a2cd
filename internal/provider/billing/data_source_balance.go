// Package billing implements the provider's billing resources and data
// sources: payment methods, auto-recharge preferences, balances and invoices
// of the provider's account or of one of its managed accounts.
package billing

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ datasource.DataSource              = &balanceDataSource{}
	_ datasource.DataSourceWithConfigure = &balanceDataSource{}
)

// NewBalanceDataSource returns the telnyx_balance data source.
func NewBalanceDataSource() datasource.DataSource {
	return &balanceDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "balance"}}
}

type balanceDataSource struct {
	providerdata.DataSourceBase
}

type balanceModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	Balance          types.String `tfsdk:"balance"`
	Pending          types.String `tfsdk:"pending"`
	CreditLimit      types.String `tfsdk:"credit_limit"`
	AvailableCredit  types.String `tfsdk:"available_credit"`
	Currency         types.String `tfsdk:"currency"`
}

func (d *balanceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Balance of the provider's account, or of one of its managed accounts (`managed_account_id`). " +
			"Amounts are decimal strings, exactly as the API gives them (never rounded through a floating-point number).\n\n" +
			"A managed account with rollup billing has no balance of its own: its charges are its manager's, and the balance " +
			"shown for it is its manager's.",
		Attributes: map[string]schema.Attribute{
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Read the balance of this managed account of the manager whose `api_key` configures the " +
					"provider (the provider acts as it through its primary key, fetched with the manager's key and never " +
					"stored). When not set, the balance of the provider's own account is read.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"balance": schema.StringAttribute{
				MarkdownDescription: "Current balance.",
				Computed:            true,
			},
			"pending": schema.StringAttribute{
				MarkdownDescription: "Top-ups not settled yet, not in the balance until they settle.",
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
	}
}

func (d *balanceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg balanceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.Data.AccountClient(ctx, cfg.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	b, err := c.GetBalance(ctx)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the balance"+providerdata.OfAccount(cfg.ManagedAccountID.ValueString()), err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &balanceModel{
		ManagedAccountID: cfg.ManagedAccountID,
		Balance:          types.StringValue(b.Balance),
		Pending:          types.StringValue(b.Pending),
		CreditLimit:      types.StringValue(b.CreditLimit),
		AvailableCredit:  types.StringValue(b.AvailableCredit),
		Currency:         types.StringValue(b.Currency),
	})...)
}
