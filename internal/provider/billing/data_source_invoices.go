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
	_ datasource.DataSource              = &invoicesDataSource{}
	_ datasource.DataSourceWithConfigure = &invoicesDataSource{}
)

// NewInvoicesDataSource returns the telnyx_invoices data source.
func NewInvoicesDataSource() datasource.DataSource {
	return &invoicesDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "invoices"}}
}

type invoicesDataSource struct {
	providerdata.DataSourceBase
}

type invoicesModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	Sort             types.String   `tfsdk:"sort"`
	Invoices         []invoiceEntry `tfsdk:"invoices"`
}

type invoiceEntry struct {
	ID          types.String       `tfsdk:"id"`
	FileID      types.String       `tfsdk:"file_id"`
	PeriodStart types.String       `tfsdk:"period_start"`
	PeriodEnd   types.String       `tfsdk:"period_end"`
	Paid        types.Bool         `tfsdk:"paid"`
	Status      types.String       `tfsdk:"status"`
	Currency    types.String       `tfsdk:"currency"`
	Total       types.String       `tfsdk:"total"`
	Credits     types.String       `tfsdk:"credits"`
	URL         types.String       `tfsdk:"url"`
	Lines       []invoiceLineEntry `tfsdk:"lines"`
}

type invoiceLineEntry struct {
	Product          types.String `tfsdk:"product"`
	Description      types.String `tfsdk:"description"`
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	Quantity         types.Int64  `tfsdk:"quantity"`
	Amount           types.String `tfsdk:"amount"`
}

func (d *invoicesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the invoices of the provider's account, or of one of its managed accounts, with their " +
			"lines, reading every page. An account has one invoice per calendar month (UTC) with activity on its balance; " +
			"the lines of an invoice (one per product, under rollup billing one per product and managed account, and on a " +
			"manager's invoice one per managed account it made balance transfers to) add up exactly to its `total`. Amounts are decimal strings, never rounded through a floating-point number.\n\n" +
			"A managed account with rollup billing has no invoices of its own (an empty list): its charges are lines of " +
			"its manager's invoices.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A stable identifier of this query, derived from its arguments.",
				Computed:            true,
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "List the invoices of this managed account of the manager whose `api_key` configures the " +
					"provider. When not set, those of the provider's own account are listed.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"sort": schema.StringAttribute{
				MarkdownDescription: "Order of the invoices: `-period_start` (newest first, the API's default) or `period_start` " +
					"(oldest first).",
				Optional: true,
				Validators: []validator.String{stringvalidator.OneOf(
					client.InvoiceSortPeriodStart, client.InvoiceSortPeriodStartDesc)},
			},
			"invoices": schema.ListNestedAttribute{
				MarkdownDescription: "The account's invoices, in the order `sort` asks for.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							MarkdownDescription: "Identifier of the invoice (the API's `invoice_id`): the same month of the " +
								"same account always has the same one.",
							Computed: true,
						},
						"file_id": schema.StringAttribute{
							MarkdownDescription: "Identifier of the invoice's document.",
							Computed:            true,
						},
						"period_start": schema.StringAttribute{
							MarkdownDescription: "First day of the invoiced month, such as `2026-01-01`.",
							Computed:            true,
						},
						"period_end": schema.StringAttribute{
							MarkdownDescription: "Last day of the invoiced month, such as `2026-01-31`.",
							Computed:            true,
						},
						"paid": schema.BoolAttribute{
							MarkdownDescription: "Whether the invoice is paid: the month is over and its charges were covered " +
								"by the balance. The current month's invoice is never paid.",
							Computed: true,
						},
						"status": schema.StringAttribute{
							MarkdownDescription: "`open` (the current month: charges may still come), `paid` or `unpaid`.",
							Computed:            true,
						},
						"currency": schema.StringAttribute{
							MarkdownDescription: "ISO 4217 currency code of the amounts.",
							Computed:            true,
						},
						"total": schema.StringAttribute{
							MarkdownDescription: "What was charged in the month: exactly the sum of the lines' amounts.",
							Computed:            true,
						},
						"credits": schema.StringAttribute{
							MarkdownDescription: "What was paid in during the month: top-ups, credit adjustments and balance transfers received.",
							Computed:            true,
						},
						"url": schema.StringAttribute{
							MarkdownDescription: "API URL of the invoice.",
							Computed:            true,
						},
						"lines": schema.ListNestedAttribute{
							MarkdownDescription: "The invoice's lines: one per product, under rollup billing one per " +
								"product and managed account, and a `balance_transfers` line per managed account the manager " +
								"transferred money to.",
							Computed: true,
							NestedObject: schema.NestedAttributeObject{
								Attributes: map[string]schema.Attribute{
									"product": schema.StringAttribute{
										MarkdownDescription: "The product charged, such as `voice`, `adjustments` for " +
											"the month's negative adjustments, or `balance_transfers` for a manager's transfers to a managed account.",
										Computed: true,
									},
									"description": schema.StringAttribute{
										MarkdownDescription: "A readable description of the line.",
										Computed:            true,
									},
									"managed_account_id": schema.StringAttribute{
										MarkdownDescription: "Under rollup billing, the managed account whose charges the line " +
											"bills, or the managed account a `balance_transfers` line's transfers went to; null for the " +
											"invoiced account's own charges.",
										Computed: true,
									},
									"quantity": schema.Int64Attribute{
										MarkdownDescription: "How many charges the line adds up, or null when the API does not say.",
										Computed:            true,
									},
									"amount": schema.StringAttribute{
										MarkdownDescription: "The line's amount.",
										Computed:            true,
									},
								},
							},
						},
					},
				},
			},
		},
	}
}

func (d *invoicesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m invoicesModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c := d.Data.AccountClient(ctx, m.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	opts := client.ListInvoicesOptions{Sort: m.Sort.ValueString(), PageSize: client.MaxPageSize}
	m.Invoices = []invoiceEntry{}
	for inv, err := range c.AllInvoices(ctx, opts) {
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to list the invoices"+providerdata.OfAccount(m.ManagedAccountID.ValueString()), err)
			return
		}
		entry := invoiceEntry{
			ID:          types.StringValue(inv.InvoiceID),
			FileID:      types.StringValue(inv.FileID),
			PeriodStart: types.StringValue(inv.PeriodStart),
			PeriodEnd:   types.StringValue(inv.PeriodEnd),
			Paid:        types.BoolValue(inv.Paid),
			Status:      optionalString(inv.Status),
			Currency:    optionalString(inv.Currency),
			Total:       optionalString(inv.Total),
			Credits:     optionalString(inv.Credits),
			URL:         types.StringValue(inv.URL),
			Lines:       make([]invoiceLineEntry, 0, len(inv.Lines)),
		}
		for _, l := range inv.Lines {
			entry.Lines = append(entry.Lines, invoiceLineEntry{
				Product:          types.StringValue(l.Product),
				Description:      types.StringValue(l.Description),
				ManagedAccountID: types.StringPointerValue(l.ManagedAccountID),
				Quantity:         types.Int64PointerValue(l.Quantity),
				Amount:           types.StringValue(l.Amount),
			})
		}
		m.Invoices = append(m.Invoices, entry)
	}
	m.ID = types.StringValue(providerdata.QueryID("%q|%q|", m.ManagedAccountID.ValueString(), opts.Sort))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// optionalString is null for a field the API left out (an extension the
// live Telnyx API does not have).
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
