package billing

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
	_ datasource.DataSource              = &paymentMethodsDataSource{}
	_ datasource.DataSourceWithConfigure = &paymentMethodsDataSource{}
)

// NewPaymentMethodsDataSource returns the telnyx_payment_methods data source.
func NewPaymentMethodsDataSource() datasource.DataSource {
	return &paymentMethodsDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "payment_methods"}}
}

type paymentMethodsDataSource struct {
	providerdata.DataSourceBase
}

type paymentMethodsModel struct {
	ID                     types.String         `tfsdk:"id"`
	ManagedAccountID       types.String         `tfsdk:"managed_account_id"`
	DefaultPaymentMethodID types.String         `tfsdk:"default_payment_method_id"`
	PaymentMethods         []paymentMethodEntry `tfsdk:"payment_methods"`
}

type paymentMethodEntry struct {
	ID             types.String        `tfsdk:"id"`
	Type           types.String        `tfsdk:"type"`
	Brand          types.String        `tfsdk:"brand"`
	Last4          types.String        `tfsdk:"last4"`
	ExpMonth       types.Int64         `tfsdk:"exp_month"`
	ExpYear        types.Int64         `tfsdk:"exp_year"`
	Fingerprint    types.String        `tfsdk:"fingerprint"`
	BillingDetails billingDetailsModel `tfsdk:"billing_details"`
	Default        types.Bool          `tfsdk:"default"`
	CreatedAt      types.String        `tfsdk:"created_at"`
	UpdatedAt      types.String        `tfsdk:"updated_at"`
}

func (d *paymentMethodsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the payment methods of the provider's account, or of one of its managed accounts, newest " +
			"first, reading every page. No card number or CVC is listed: the API never shows them, only what identifies a " +
			"card (`brand`, `last4`, `fingerprint`). A managed account with rollup billing has no payment methods of its own: " +
			"the API refuses the list.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A stable identifier of this query, derived from its arguments.",
				Computed:            true,
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "List the payment methods of this managed account of the manager whose `api_key` " +
					"configures the provider. When not set, those of the provider's own account are listed.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"default_payment_method_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the account's default payment method, or null when it has none.",
				Computed:            true,
			},
			"payment_methods": schema.ListNestedAttribute{
				MarkdownDescription: "The account's payment methods, newest first.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "Identifier of the payment method.",
							Computed:            true,
						},
						"type": schema.StringAttribute{
							MarkdownDescription: "Type of the payment method: `card`.",
							Computed:            true,
						},
						"brand": schema.StringAttribute{
							MarkdownDescription: "Brand of the card, such as `visa`.",
							Computed:            true,
						},
						"last4": schema.StringAttribute{
							MarkdownDescription: "Last four digits of the card number.",
							Computed:            true,
						},
						"exp_month": schema.Int64Attribute{
							MarkdownDescription: "Expiry month of the card.",
							Computed:            true,
						},
						"exp_year": schema.Int64Attribute{
							MarkdownDescription: "Expiry year of the card.",
							Computed:            true,
						},
						"fingerprint": schema.StringAttribute{
							MarkdownDescription: "A keyed hash of the card number: the same card has the same fingerprint.",
							Computed:            true,
						},
						"billing_details": schema.SingleNestedAttribute{
							MarkdownDescription: "The card holder's billing details.",
							Computed:            true,
							Attributes: map[string]schema.Attribute{
								"name": schema.StringAttribute{
									MarkdownDescription: "Name of the card holder.",
									Computed:            true,
								},
								"postal_code": schema.StringAttribute{
									MarkdownDescription: "Postal code of the billing address (empty when none was given).",
									Computed:            true,
								},
								"country": schema.StringAttribute{
									MarkdownDescription: "Country of the billing address (ISO 3166-1 alpha-2).",
									Computed:            true,
								},
							},
						},
						"default": schema.BoolAttribute{
							MarkdownDescription: "Whether this is the account's default payment method.",
							Computed:            true,
						},
						"created_at": schema.StringAttribute{
							MarkdownDescription: "When the payment method was created (RFC 3339).",
							Computed:            true,
						},
						"updated_at": schema.StringAttribute{
							MarkdownDescription: "When the payment method last changed (RFC 3339).",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *paymentMethodsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m paymentMethodsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.Data.AccountClient(ctx, m.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	m.PaymentMethods = []paymentMethodEntry{}
	m.DefaultPaymentMethodID = types.StringNull()
	for pm, err := range c.AllPaymentMethods(ctx, client.ListPaymentMethodsOptions{PageSize: client.MaxPageSize}) {
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to list the payment methods"+providerdata.OfAccount(m.ManagedAccountID.ValueString()), err)
			return
		}
		if pm.Default {
			m.DefaultPaymentMethodID = types.StringValue(pm.ID)
		}
		m.PaymentMethods = append(m.PaymentMethods, paymentMethodEntry{
			ID:          types.StringValue(pm.ID),
			Type:        types.StringValue(pm.Type),
			Brand:       types.StringValue(pm.Card.Brand),
			Last4:       types.StringValue(pm.Card.Last4),
			ExpMonth:    types.Int64Value(pm.Card.ExpMonth),
			ExpYear:     types.Int64Value(pm.Card.ExpYear),
			Fingerprint: types.StringValue(pm.Card.Fingerprint),
			BillingDetails: billingDetailsModel{
				Name:       types.StringValue(pm.BillingDetails.Name),
				PostalCode: types.StringValue(pm.BillingDetails.PostalCode),
				Country:    types.StringValue(pm.BillingDetails.Country),
			},
			Default:   types.BoolValue(pm.Default),
			CreatedAt: types.StringValue(pm.CreatedAt),
			UpdatedAt: types.StringValue(pm.UpdatedAt),
		})
	}
	m.ID = types.StringValue(providerdata.QueryID("%q|", m.ManagedAccountID.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
