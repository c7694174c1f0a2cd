package pricing

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ datasource.DataSource              = &pricingDataSource{}
	_ datasource.DataSourceWithConfigure = &pricingDataSource{}
)

// NewDataSource returns the telnyx_pricing data source.
func NewDataSource() datasource.DataSource {
	return &pricingDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "pricing"}}
}

type pricingDataSource struct {
	providerdata.DataSourceBase
}

type pricingDataModel struct {
	Rates []effectiveRate `tfsdk:"rates"`
}

type effectiveRate struct {
	Product       types.String `tfsdk:"product"`
	Direction     types.String `tfsdk:"direction"`
	MessageType   types.String `tfsdk:"message_type"`
	CountryISO    types.String `tfsdk:"country_iso"`
	Rate          types.String `tfsdk:"rate"`
	Unit          types.String `tfsdk:"unit"`
	Source        types.String `tfsdk:"source"`
	EffectiveFrom types.String `tfsdk:"effective_from"`
}

func (d *pricingDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The effective rates of the provider's account, which must be a manager: for each usage type, " +
			"its committed rate where it has one, else the list price. Its managed accounts pay these rates unless they " +
			"have custom rates (`telnyx_managed_account_pricing`). A managed account cannot read prices: the API refuses " +
			"it, and so does this data source.",
		Attributes: map[string]schema.Attribute{
			"rates": schema.ListNestedAttribute{
				MarkdownDescription: "The rates in force now, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"product": schema.StringAttribute{
							MarkdownDescription: "The product: `messaging`, `voice` or `wireless`.",
							Computed:            true,
						},
						"direction": schema.StringAttribute{
							MarkdownDescription: "`inbound` or `outbound`; null for a product not priced by direction.",
							Computed:            true,
						},
						"message_type": schema.StringAttribute{
							MarkdownDescription: "`SMS` or `MMS`; null for a product not priced by message type.",
							Computed:            true,
						},
						"country_iso": schema.StringAttribute{
							MarkdownDescription: "The destination country (ISO 3166-1 alpha-2), or `*` for every country " +
								"without a rate of its own.",
							Computed: true,
						},
						"rate": schema.StringAttribute{
							MarkdownDescription: "The price in USD per `unit`, an exact decimal string such as `\"0.004\"`.",
							Computed:            true,
						},
						"unit": schema.StringAttribute{
							MarkdownDescription: "What the rate prices: `part` (a message part), `minute` or `MB` (10^6 bytes).",
							Computed:            true,
						},
						"source": schema.StringAttribute{
							MarkdownDescription: "Where the rate comes from: `committed` (the manager's committed rate) or " +
								"`list` (the list price).",
							Computed: true,
						},
						"effective_from": schema.StringAttribute{
							MarkdownDescription: "When the rate took effect (RFC 3339).",
							Computed:            true,
						},
					},
				},
			},
		},
	}
}

func (d *pricingDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	rates, err := d.Data.Client.GetPricing(ctx)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the pricing", err)
		return
	}
	m := pricingDataModel{Rates: make([]effectiveRate, 0, len(rates))}
	for _, r := range rates {
		m.Rates = append(m.Rates, effectiveRate{
			Product:       types.StringValue(r.Product),
			Direction:     nullIfEmpty(r.Direction),
			MessageType:   nullIfEmpty(r.MessageType),
			CountryISO:    types.StringValue(r.CountryISO),
			Rate:          types.StringValue(r.Rate),
			Unit:          types.StringValue(r.Unit),
			Source:        types.StringValue(r.Source),
			EffectiveFrom: types.StringValue(r.EffectiveFrom),
		})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
