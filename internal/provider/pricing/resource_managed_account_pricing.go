// Package pricing implements the telnyx_managed_account_pricing resource (the
// custom rates of one managed account) and the telnyx_pricing data source
// (the manager's effective rates).
package pricing

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ resource.Resource                   = &managedAccountPricingResource{}
	_ resource.ResourceWithConfigure      = &managedAccountPricingResource{}
	_ resource.ResourceWithImportState    = &managedAccountPricingResource{}
	_ resource.ResourceWithValidateConfig = &managedAccountPricingResource{}
	_ resource.ResourceWithIdentity       = &managedAccountPricingResource{}
)

// NewResource returns the telnyx_managed_account_pricing resource.
func NewResource() resource.Resource {
	return &managedAccountPricingResource{ResourceBase: providerdata.ResourceBase{Name: "managed_account_pricing"}}
}

type managedAccountPricingResource struct {
	providerdata.ResourceBase
}

type pricingModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	Rates            types.Set      `tfsdk:"rates"`
	EffectiveFrom    types.String   `tfsdk:"effective_from"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

// rateModel is one element of rates.
type rateModel struct {
	Product     types.String `tfsdk:"product"`
	Direction   types.String `tfsdk:"direction"`
	MessageType types.String `tfsdk:"message_type"`
	CountryISO  types.String `tfsdk:"country_iso"`
	Rate        types.String `tfsdk:"rate"`
}

func (m rateModel) key() rateKey {
	return rateKey{m.Product.ValueString(), m.Direction.ValueString(), m.MessageType.ValueString(), m.CountryISO.ValueString()}
}

var rateAttrTypes = map[string]attr.Type{
	"product":      types.StringType,
	"direction":    types.StringType,
	"message_type": types.StringType,
	"country_iso":  types.StringType,
	"rate":         types.StringType,
}

func (r *managedAccountPricingResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The custom rates of one managed account of the manager whose `api_key` configures the " +
			"provider. Without custom rates, a managed account pays its manager's rates (the manager's committed rates, " +
			"else the list prices); with them, its usage is rated at these rates from the moment they are set, for the " +
			"usage types they cover (anything else still inherits). Usage already rated is never re-priced.\n\n" +
			"The managed account must allow custom pricing (`managed_account_allow_custom_pricing = true` on " +
			"`telnyx_managed_account`); otherwise the API refuses the rates and says so. Turning that flag off later " +
			"returns the account to inheritance for new usage.\n\n" +
			"Every change replaces the whole rate set from now on (a new `effective_from`). Destroying the resource " +
			"returns the account to inheritance. Rates removed outside Terraform (the account returned to " +
			"inheritance) are planned to be set again. The managed account itself never sees a rate.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The managed account's identifier, as `managed_account_id`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the managed account the rates are for. Changing it returns the first " +
					"account to inheritance and sets the rates on the other.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"rates": schema.SetNestedAttribute{
				MarkdownDescription: "The custom rates, at least one, each for a distinct usage type (product, direction, " +
					"message type and country). Updated in place.",
				Required:   true,
				Validators: []validator.Set{setvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"product": schema.StringAttribute{
							MarkdownDescription: "The product: `messaging` (rated per message part), `voice` (per minute) " +
								"or `wireless` (per MB of data).",
							Required:   true,
							Validators: []validator.String{stringvalidator.OneOf(products...)},
						},
						"direction": schema.StringAttribute{
							MarkdownDescription: "`inbound` or `outbound`. Required for `messaging` and `voice`; not set for `wireless`.",
							Optional:            true,
							Validators:          []validator.String{stringvalidator.OneOf(directionInbound, directionOutbound)},
						},
						"message_type": schema.StringAttribute{
							MarkdownDescription: "`SMS` or `MMS`. Required for `messaging`; not set for other products.",
							Optional:            true,
							Validators:          []validator.String{stringvalidator.OneOf(messageTypeSMS, messageTypeMMS)},
						},
						"country_iso": schema.StringAttribute{
							MarkdownDescription: "The destination country (ISO 3166-1 alpha-2, such as `US`), or `*` for " +
								"every country without a rate of its own.",
							Required: true,
							Validators: []validator.String{stringvalidator.RegexMatches(countryPattern,
								"must be an upper-case ISO 3166-1 alpha-2 country code, such as US, or * for every country")},
						},
						"rate": schema.StringAttribute{
							MarkdownDescription: "The price in USD per unit of the product, as a decimal string with up to six " +
								"decimals, written as the API writes it: at least two decimals and no trailing zero beyond " +
								"them (`\"0.004\"`, `\"0.10\"`, `\"1.50\"`, `\"0.000125\"`). The plan says how to write a " +
								"rate in another form.",
							Required:   true,
							Validators: []validator.String{rateValidator{}},
						},
					},
				},
			},
			"effective_from": schema.StringAttribute{
				MarkdownDescription: "When the rates in force took effect (RFC 3339): the time of the last change. Usage " +
					"before it keeps the rates it was charged at.",
				Computed: true,
			},
		},
	}
}

// ValidateConfig checks what single-attribute validators cannot: that each
// rate sets exactly the key fields its product uses, and that no two rates
// price the same usage type.
func (r *managedAccountPricingResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var rates types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rates"), &rates)...)
	if resp.Diagnostics.HasError() || !providerdata.IsKnown(rates) {
		return
	}
	seen := map[rateKey]bool{}
	for _, elem := range rates.Elements() {
		obj, ok := elem.(types.Object)
		if !ok || !providerdata.IsKnown(obj) {
			continue
		}
		var m rateModel
		resp.Diagnostics.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
		if resp.Diagnostics.HasError() {
			return
		}
		p := path.Root("rates").AtSetValue(obj)
		if m.Product.IsUnknown() || m.Direction.IsUnknown() || m.MessageType.IsUnknown() || m.CountryISO.IsUnknown() {
			continue
		}
		keys, known := rateKeys[m.Product.ValueString()]
		if !known {
			continue // the product's own validator reports it
		}
		checkKeyField(p.AtName("direction"), m.Product.ValueString(), "direction", m.Direction, keys.direction, &resp.Diagnostics)
		checkKeyField(p.AtName("message_type"), m.Product.ValueString(), "message_type", m.MessageType, keys.messageType, &resp.Diagnostics)
		k := m.key()
		if seen[k] {
			resp.Diagnostics.AddAttributeError(p, "Duplicate rate",
				fmt.Sprintf("Two rates price the same usage (%s): keep one.", k))
		}
		seen[k] = true
	}
}

func checkKeyField(p path.Path, product, field string, v types.String, used bool, diags *diag.Diagnostics) {
	switch {
	case used && v.IsNull():
		diags.AddAttributeError(p, "Missing rate key",
			fmt.Sprintf("A %s rate is priced per %s: set %s.", product, field, field))
	case !used && !v.IsNull():
		diags.AddAttributeError(p, "Unexpected rate key",
			fmt.Sprintf("%s rates are not priced per %s: leave %s out.", product, field, field))
	}
}

func (r *managedAccountPricingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan pricingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Create, providerdata.DefaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if next := r.put(ctx, plan, &resp.Diagnostics); next != nil {
		providerdata.SaveState(ctx, &resp.State, resp.Identity, next, next.identity(), &resp.Diagnostics)
	}
}

func (r *managedAccountPricingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state pricingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Rates.Equal(state.Rates) {
		// Only the timeouts changed: setting the same rates again would
		// start a new rate set (a new effective_from) for nothing.
		next := plan
		next.ID, next.EffectiveFrom = state.ID, state.EffectiveFrom
		providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
		return
	}
	if next := r.put(ctx, plan, &resp.Diagnostics); next != nil {
		providerdata.SaveState(ctx, &resp.State, resp.Identity, next, next.identity(), &resp.Diagnostics)
	}
}

// put replaces the account's custom rate set with the planned one and
// returns the state the API's answer makes, or nil when it failed.
func (r *managedAccountPricingResource) put(ctx context.Context, plan pricingModel, diags *diag.Diagnostics) *pricingModel {
	planned := providerdata.SetElements[rateModel](ctx, plan.Rates, diags)
	if diags.HasError() {
		return nil
	}
	in := make([]client.RateInput, len(planned))
	for i, m := range planned {
		in[i] = client.RateInput{
			Product: m.Product.ValueString(), Direction: m.Direction.ValueString(), MessageType: m.MessageType.ValueString(),
			CountryISO: m.CountryISO.ValueString(), Rate: m.Rate.ValueString(),
		}
	}
	id := plan.ManagedAccountID.ValueString()
	p, err := r.Data.Client.SetManagedAccountPricing(ctx, id, in)
	if err != nil {
		providerdata.AddAPIError(diags, "Unable to set the custom rates of managed account "+id, err)
		return nil
	}
	tflog.Info(ctx, "Set the custom rates of a managed account", map[string]any{"managed_account_id": id, "rates": len(p.Rates)})
	next := plan
	applyPricing(ctx, &next, p, planned, diags)
	return &next
}

func (r *managedAccountPricingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state pricingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ManagedAccountID.ValueString()
	p, err := r.Data.Client.GetManagedAccountPricing(ctx, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Managed account not found",
			fmt.Sprintf("The managed account %s no longer exists or is no longer visible to this manager; its custom rates "+
				"are removed from the Terraform state.", id))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the custom rates of managed account "+id, err)
		return
	}
	// An account returned to inheritance behind Terraform's back reads as no
	// rates: the plan then sets the configured ones again.
	prior := providerdata.SetElements[rateModel](ctx, state.Rates, &resp.Diagnostics)
	applyPricing(ctx, &state, p, prior, &resp.Diagnostics)
	if !p.CustomPricingAllowed && len(p.Rates) > 0 {
		resp.Diagnostics.AddWarning("Custom pricing not allowed",
			fmt.Sprintf("The managed account %s no longer allows custom pricing (managed_account_allow_custom_pricing is "+
				"false): its new usage is rated at the manager's rates, not at these.", id))
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *managedAccountPricingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state pricingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, state.Timeouts.Delete, providerdata.DefaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ManagedAccountID.ValueString()
	_, err := r.Data.Client.SetManagedAccountPricing(ctx, id, nil)
	if client.IsNotFound(err) {
		tflog.Info(ctx, "Managed account of the custom rates already gone", map[string]any{"managed_account_id": id})
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to return managed account "+id+" to inherited pricing", err)
		return
	}
	tflog.Info(ctx, "Returned a managed account to inherited pricing", map[string]any{"managed_account_id": id})
}

// IdentitySchema: the rates are named by their managed account, which has
// one rate set (the id is the account's too).
func (r *managedAccountPricingResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = providerdata.ManagedAccountIdentitySchema("custom rates")
}

func (m *pricingModel) identity() providerdata.ManagedAccountIdentity {
	return providerdata.ManagedAccountIdentity{ManagedAccountID: m.ManagedAccountID}
}

// ImportState takes the managed account's identifier, as a string or as the
// identity's managed_account_id.
func (r *managedAccountPricingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var ident providerdata.ManagedAccountIdentity
	if providerdata.ImportIdentity(ctx, req, &ident, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ident.ManagedAccountID)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), ident.ManagedAccountID)...)
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if req.ID == "" {
		resp.Diagnostics.AddError("Invalid import identifier", "Import custom rates by the identifier of their managed account.")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), req.ID)...)
}

// applyPricing copies what the API answered into m. A rate keeps the
// spelling of prior (the plan or the state) when it denotes the same amount,
// so that only a real change of price shows in a plan.
func applyPricing(ctx context.Context, m *pricingModel, p *client.ManagedAccountPricing, prior []rateModel, diags *diag.Diagnostics) {
	spelled := map[rateKey]string{}
	for _, r := range prior {
		spelled[r.key()] = r.Rate.ValueString()
	}
	out := make([]rateModel, 0, len(p.Rates))
	for _, rate := range p.Rates {
		value := rate.Rate
		k := rateKey{rate.Product, rate.Direction, rate.MessageType, rate.CountryISO}
		if s, ok := spelled[k]; ok && providerdata.SameAmount(s, value) {
			value = s
		}
		out = append(out, rateModel{
			Product:     types.StringValue(rate.Product),
			Direction:   nullIfEmpty(rate.Direction),
			MessageType: nullIfEmpty(rate.MessageType),
			CountryISO:  types.StringValue(rate.CountryISO),
			Rate:        types.StringValue(value),
		})
	}
	set, d := types.SetValueFrom(ctx, types.ObjectType{AttrTypes: rateAttrTypes}, out)
	diags.Append(d...)
	m.Rates = set
	m.ID = types.StringValue(m.ManagedAccountID.ValueString())
	m.EffectiveFrom = types.StringPointerValue(p.EffectiveFrom)
}
