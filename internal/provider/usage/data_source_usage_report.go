// Package usage implements the telnyx_usage_report data source: usage of the
// provider's account, of one of its managed accounts, or of all of them,
// broken out by dimensions and added up by metrics.
package usage

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// maxWindow is the longest report the API serves: 31 days.
const maxWindow = 31 * 24 * time.Hour

// numberPrecision is Terraform's own precision for numbers, enough to carry
// any decimal the API writes without rounding a cost.
const numberPrecision = 512

// dateRangePattern is every date_range the API takes.
var dateRangePattern = regexp.MustCompile(`^(today|yesterday|month_to_date|last_([1-9][0-9]?)_days)$`)

var (
	_ datasource.DataSource                   = &usageReportDataSource{}
	_ datasource.DataSourceWithConfigure      = &usageReportDataSource{}
	_ datasource.DataSourceWithValidateConfig = &usageReportDataSource{}
)

// NewDataSource returns the telnyx_usage_report data source.
func NewDataSource() datasource.DataSource {
	return &usageReportDataSource{DataSourceBase: providerdata.DataSourceBase{Name: "usage_report"}}
}

type usageReportDataSource struct {
	providerdata.DataSourceBase
}

type usageReportModel struct {
	ID                 types.String `tfsdk:"id"`
	Product            types.String `tfsdk:"product"`
	Dimensions         types.List   `tfsdk:"dimensions"`
	Metrics            types.List   `tfsdk:"metrics"`
	StartDate          types.String `tfsdk:"start_date"`
	EndDate            types.String `tfsdk:"end_date"`
	DateRange          types.String `tfsdk:"date_range"`
	Filters            types.Map    `tfsdk:"filters"`
	ManagedAccountID   types.String `tfsdk:"managed_account_id"`
	AllManagedAccounts types.Bool   `tfsdk:"all_managed_accounts"`
	Rows               []usageRow   `tfsdk:"rows"`
}

type usageRow struct {
	Dimensions types.Map `tfsdk:"dimensions"`
	Metrics    types.Map `tfsdk:"metrics"`
}

func (d *usageReportDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	nonEmptyNames := []validator.List{
		listvalidator.SizeAtLeast(1),
		listvalidator.UniqueValues(),
		listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A usage report (`GET /usage_reports`): the usage of one product over at most 31 days, " +
			"broken out by `dimensions` and added up by `metrics`, reading every page.\n\n" +
			"It reports on the provider's own account, on one of its managed accounts (`managed_account_id`: the provider " +
			"acts as it) or, for a manager, on all of its managed accounts at once (`all_managed_accounts`), with the " +
			"managed account as the `user_id` dimension of each row.\n\n" +
			"Prices stay hidden from managed accounts: a report read as a managed account cannot include the `cost` " +
			"metric (the API refuses it, and so does the read).\n\n" +
			"Reports aggregate by UTC day, so the dates are UTC midnights. The dates and the window are checked during plan.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "A stable identifier of this query, derived from its arguments.",
				Computed:            true,
			},
			"product": schema.StringAttribute{
				MarkdownDescription: "The product to report on, such as `messaging`, `voice` or `wireless` " +
					"(`GET /usage_reports/options` lists them with their dimensions and metrics).",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"dimensions": schema.ListAttribute{
				MarkdownDescription: "What to break the usage out by, such as `direction`, `country_iso`, `message_type`, " +
					"`product_name`, `currency` or `date` (the UTC day). Each row has one value per dimension. At least one.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  nonEmptyNames,
			},
			"metrics": schema.ListAttribute{
				MarkdownDescription: "What to add up, such as `count`, `parts` (messaging), `billed_sec` (voice), `bytes` " +
					"(wireless) or `cost`. At least one. `cost` is refused when the report is read as a managed account.",
				ElementType: types.StringType,
				Required:    true,
				Validators:  nonEmptyNames,
			},
			"start_date": schema.StringAttribute{
				MarkdownDescription: "First day of the report, as an RFC 3339 time at UTC midnight such as " +
					"`2026-01-01T00:00:00Z`. Requires `end_date`; conflicts with `date_range`.",
				Optional: true,
			},
			"end_date": schema.StringAttribute{
				MarkdownDescription: "End of the report, excluded, as an RFC 3339 time at UTC midnight after `start_date` " +
					"and at most 31 days after it: `2026-02-01T00:00:00Z` ends a January report. Requires `start_date`.",
				Optional: true,
			},
			"date_range": schema.StringAttribute{
				MarkdownDescription: "The days of the report relative to today (UTC): `today`, `yesterday`, `last_N_days` " +
					"for N from 1 to 31 (such as `last_7_days`), or `month_to_date`. Set either `date_range` or both " +
					"`start_date` and `end_date`. Today's usage grows during the day, so such a report may change between two runs.",
				Optional: true,
			},
			"filters": schema.MapAttribute{
				MarkdownDescription: "Only the usage whose dimension (the key) has the value, such as " +
					"`{ direction = \"outbound\", country_iso = \"US\" }`.",
				ElementType: types.StringType,
				Optional:    true,
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Report on this managed account of the manager whose `api_key` configures the provider: " +
					"the provider acts as it (through its primary key, fetched with the manager's key and never stored), so " +
					"the report is the one that account sees, without cost. When not set, the report is on the provider's own " +
					"account. Conflicts with `all_managed_accounts`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"all_managed_accounts": schema.BoolAttribute{
				MarkdownDescription: "Report on every managed account of the provider's account, which must be a manager, " +
					"instead of on the account itself. Each row then has a `user_id` dimension, the managed account it is " +
					"about. Conflicts with `managed_account_id`.",
				Optional: true,
			},
			"rows": schema.ListNestedAttribute{
				MarkdownDescription: "The report, in the API's order (by dimension values, ascending).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"dimensions": schema.MapAttribute{
							MarkdownDescription: "The row's value of every requested dimension (plus `user_id` with " +
								"`all_managed_accounts`), by dimension name.",
							ElementType: types.StringType,
							Computed:    true,
						},
						"metrics": schema.MapAttribute{
							MarkdownDescription: "The row's value of every requested metric, by metric name. Numbers are " +
								"exactly the decimals the API answers: a `cost` of `0.012` is not rounded through a float.",
							ElementType: types.NumberType,
							Computed:    true,
						},
					},
				},
			},
		},
	}
}

// ValidateConfig checks the days of the report during plan, as the API would
// after it: either date_range or both dates, each date a UTC midnight, the
// end after the start and at most 31 days after it. Unknown values are
// checked when they are known, by the API.
func (d *usageReportDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m usageReportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if providerdata.IsKnown(m.ManagedAccountID) && m.AllManagedAccounts.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("all_managed_accounts"), "Conflicting arguments",
			"all_managed_accounts reports on every managed account of the provider's account, and managed_account_id on one of "+
				"them as that account: set one or the other.")
	}
	validateDays(m, &resp.Diagnostics)
}

func validateDays(m usageReportModel, diags *diag.Diagnostics) {
	start, end, rng := m.StartDate, m.EndDate, m.DateRange
	if start.IsUnknown() || end.IsUnknown() || rng.IsUnknown() {
		return
	}
	if !rng.IsNull() {
		if !start.IsNull() || !end.IsNull() {
			diags.AddAttributeError(path.Root("date_range"), "Conflicting arguments",
				"Set either date_range or both start_date and end_date, not both ways.")
		}
		checkDateRange(rng.ValueString(), diags)
		return
	}
	switch {
	case start.IsNull() && end.IsNull():
		diags.AddError("Missing report dates",
			"A usage report needs its days: set date_range (such as \"last_7_days\"), or both start_date and end_date.")
		return
	case start.IsNull():
		diags.AddAttributeError(path.Root("start_date"), "Missing report dates",
			"end_date is set but start_date is not: set both (the end is excluded), or date_range instead.")
		return
	case end.IsNull():
		diags.AddAttributeError(path.Root("end_date"), "Missing report dates",
			"start_date is set but end_date is not: set both (the end is excluded), or date_range instead.")
		return
	}
	from, okFrom := utcMidnight(path.Root("start_date"), start.ValueString(), diags)
	to, okTo := utcMidnight(path.Root("end_date"), end.ValueString(), diags)
	if !okFrom || !okTo {
		return
	}
	switch {
	case !to.After(from):
		diags.AddAttributeError(path.Root("end_date"), "Invalid report dates",
			fmt.Sprintf("end_date (%s) must be after start_date (%s): the end is excluded from the report.",
				end.ValueString(), start.ValueString()))
	case to.Sub(from) > maxWindow:
		diags.AddAttributeError(path.Root("end_date"), "Report window too long",
			fmt.Sprintf("A usage report covers at most 31 days; %s to %s is %d days. Split it into several reports.",
				start.ValueString(), end.ValueString(), int(to.Sub(from).Hours()/24)))
	}
}

func checkDateRange(v string, diags *diag.Diagnostics) {
	m := dateRangePattern.FindStringSubmatch(v)
	if m != nil && m[2] != "" {
		if n, _ := strconv.Atoi(m[2]); n > 31 {
			m = nil
		}
	}
	if m == nil {
		diags.AddAttributeError(path.Root("date_range"), "Invalid date range",
			fmt.Sprintf("%q is not a date range: use today, yesterday, last_N_days for N from 1 to 31 (such as last_7_days), "+
				"or month_to_date.", v))
	}
}

// utcMidnight parses an RFC 3339 time that must be a UTC midnight, the only
// instants a report can start or end at (it aggregates by UTC day).
func utcMidnight(p path.Path, v string, diags *diag.Diagnostics) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		diags.AddAttributeError(p, "Invalid report date",
			fmt.Sprintf("%q is not an RFC 3339 time: write a UTC midnight such as \"2026-01-01T00:00:00Z\".", v))
		return time.Time{}, false
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		diags.AddAttributeError(p, "Invalid report date",
			fmt.Sprintf("%q is not a UTC midnight: usage reports aggregate by UTC day, so they start and end at 00:00:00Z, "+
				"such as %q.", v, t.Truncate(24*time.Hour).Format(time.RFC3339)))
		return time.Time{}, false
	}
	return t, true
}

func (d *usageReportDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m usageReportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts := client.UsageReportOptions{
		Product:         m.Product.ValueString(),
		DateRange:       m.DateRange.ValueString(),
		ManagedAccounts: m.AllManagedAccounts.ValueBool(),
		PageSize:        client.MaxUsageReportPageSize,
	}
	resp.Diagnostics.Append(m.Dimensions.ElementsAs(ctx, &opts.Dimensions, false)...)
	resp.Diagnostics.Append(m.Metrics.ElementsAs(ctx, &opts.Metrics, false)...)
	if !m.Filters.IsNull() {
		resp.Diagnostics.Append(m.Filters.ElementsAs(ctx, &opts.Filters, false)...)
	}
	// The dates were checked during plan; the API gets them in one UTC form.
	if providerdata.IsKnown(m.StartDate) && providerdata.IsKnown(m.EndDate) {
		from, okFrom := utcMidnight(path.Root("start_date"), m.StartDate.ValueString(), &resp.Diagnostics)
		to, okTo := utcMidnight(path.Root("end_date"), m.EndDate.ValueString(), &resp.Diagnostics)
		if okFrom && okTo {
			opts.StartDate, opts.EndDate = from.Format(time.RFC3339), to.Format(time.RFC3339)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	accountID := m.ManagedAccountID.ValueString()
	c := d.Data.AccountClient(ctx, accountID, &resp.Diagnostics)
	if c == nil {
		return
	}
	m.Rows = []usageRow{}
	for row, err := range c.UsageReportRows(ctx, opts) {
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the usage report"+providerdata.OfAccount(accountID), err)
			return
		}
		r, diags := rowValue(row)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
		m.Rows = append(m.Rows, r)
	}
	m.ID = types.StringValue(queryID(accountID, opts))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// rowValue converts a report row, reading each metric's decimal literal
// straight into a big.Float of Terraform's precision: no float64 in between.
func rowValue(row client.UsageReportRow) (usageRow, diag.Diagnostics) {
	var diags diag.Diagnostics
	dims := make(map[string]attr.Value, len(row.Dimensions))
	for k, v := range row.Dimensions {
		dims[k] = types.StringValue(v)
	}
	metrics := make(map[string]attr.Value, len(row.Metrics))
	for k, v := range row.Metrics {
		f, _, err := big.ParseFloat(v.String(), 10, numberPrecision, big.ToNearestEven)
		if err != nil {
			diags.AddError("Unexpected usage report",
				fmt.Sprintf("The API answered the metric %s as %q, which is not a number: %s. The API or the provider is "+
					"at fault, not the configuration: please report it.", k, v, err))
			continue
		}
		metrics[k] = types.NumberValue(f)
	}
	dimMap, d := types.MapValue(types.StringType, dims)
	diags.Append(d...)
	metricMap, d := types.MapValue(types.NumberType, metrics)
	diags.Append(d...)
	return usageRow{Dimensions: dimMap, Metrics: metricMap}, diags
}

// queryID is a stable identifier of a report query, derived from its
// arguments (filters in key order).
func queryID(accountID string, o client.UsageReportOptions) string {
	var filters strings.Builder
	for _, k := range slices.Sorted(maps.Keys(o.Filters)) {
		fmt.Fprintf(&filters, "|%q=%q", k, o.Filters[k])
	}
	return providerdata.QueryID("%q|%q|%q|%q|%q|%q|%q|%t%s", accountID, o.Product, strings.Join(o.Dimensions, ","),
		strings.Join(o.Metrics, ","), o.StartDate, o.EndDate, o.DateRange, o.ManagedAccounts, filters.String())
}
