// Package billing implements the provider's billing data sources.
package billing

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ datasource.DataSource              = &balanceDataSource{}
	_ datasource.DataSourceWithConfigure = &balanceDataSource{}
)

// NewBalanceDataSource returns the telnyx_balance data source.
func NewBalanceDataSource() datasource.DataSource {
	return &balanceDataSource{}
}

type balanceDataSource struct {
	client *client.Client
}

type balanceModel struct {
	Balance         types.String `tfsdk:"balance"`
	Pending         types.String `tfsdk:"pending"`
	CreditLimit     types.String `tfsdk:"credit_limit"`
	AvailableCredit types.String `tfsdk:"available_credit"`
	Currency        types.String `tfsdk:"currency"`
}

func (d *balanceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_balance"
}

func (d *balanceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Balance of the account whose API key configures the provider. Amounts are decimal strings, " +
			"exactly as the API gives them (never rounded through a floating-point number).",
		Attributes: map[string]schema.Attribute{
			"balance": schema.StringAttribute{
				MarkdownDescription: "Current balance.",
				Computed:            true,
			},
			"pending": schema.StringAttribute{
				MarkdownDescription: "Amount pending, not yet in the balance.",
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

func (d *balanceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := providerdata.FromConfigure(req.ProviderData, &resp.Diagnostics); pd != nil {
		d.client = pd.Client
	}
}

func (d *balanceDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	b, err := d.client.GetBalance(ctx)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the balance", err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &balanceModel{
		Balance:         types.StringValue(b.Balance),
		Pending:         types.StringValue(b.Pending),
		CreditLimit:     types.StringValue(b.CreditLimit),
		AvailableCredit: types.StringValue(b.AvailableCredit),
		Currency:        types.StringValue(b.Currency),
	})...)
}
