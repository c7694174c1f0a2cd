package billing

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// ImportSelf is the import identifier of the auto-recharge preferences of
// the provider's own account.
const ImportSelf = "self"

var (
	_ resource.Resource                = &autoRechargeResource{}
	_ resource.ResourceWithConfigure   = &autoRechargeResource{}
	_ resource.ResourceWithImportState = &autoRechargeResource{}
	_ resource.ResourceWithIdentity    = &autoRechargeResource{}
)

// NewAutoRechargeResource returns the telnyx_auto_recharge resource.
func NewAutoRechargeResource() resource.Resource {
	return &autoRechargeResource{ResourceBase: providerdata.ResourceBase{Name: "auto_recharge"}}
}

type autoRechargeResource struct {
	providerdata.ResourceBase
}

type autoRechargeModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	Enabled          types.Bool     `tfsdk:"enabled"`
	ThresholdAmount  types.String   `tfsdk:"threshold_amount"`
	RechargeAmount   types.String   `tfsdk:"recharge_amount"`
	Preference       types.String   `tfsdk:"preference"`
	InvoiceEnabled   types.Bool     `tfsdk:"invoice_enabled"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (r *autoRechargeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The auto-recharge preferences of the provider's account, or of one of its managed accounts " +
			"(`managed_account_id`): when a charge takes the account's balance under `threshold_amount`, its default payment " +
			"method is charged what brings the balance back to the threshold, plus `recharge_amount`.\n\n" +
			"An account has exactly one set of preferences, which always exists: declare at most one `telnyx_auto_recharge` " +
			"per account. Creating the resource writes the preferences; destroying it turns auto-recharge off (`enabled = " +
			"false`) and leaves the amounts as they are.\n\n" +
			"Turning auto-recharge on needs a default payment method on the account: when the card is managed in the same " +
			"configuration, add `depends_on = [telnyx_payment_method.…]` so that the card exists first (and is deleted only " +
			"after auto-recharge is off). A managed account with rollup billing has no auto-recharge of its own (its manager " +
			"pays its charges): the API refuses it.\n\n" +
			"Amounts are decimal strings in dollars and cents with exactly two decimals, such as `\"10.00\"`, never rounded " +
			"through a floating-point number.\n\n" +
			"Import the preferences by their account: `self` for the provider's own account, or a managed account's id; " +
			"or by identity (Terraform 1.12 or later), which names the account by its `managed_account_id`.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the account's auto-recharge preferences, as the API reports it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider: " +
					"these are that account's preferences (the provider acts as it through its primary key, fetched with the " +
					"manager's key and never stored). When not set, they are the provider's own account's (the provider's " +
					"`managed_account_id`, if it has one). Changing it turns auto-recharge off on the old account and writes " +
					"the new one's.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether auto-recharge is on. Turning it on needs a `recharge_amount` above `0.00` and a " +
					"default payment method on the account. Defaults to `true`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"threshold_amount": schema.StringAttribute{
				MarkdownDescription: "Balance under which the account is recharged, in dollars and cents with two decimals, " +
					"such as `\"20.00\"`.",
				Required:   true,
				Validators: []validator.String{centsValidator{}},
			},
			"recharge_amount": schema.StringAttribute{
				MarkdownDescription: "What is added on top of the threshold when the account is recharged, in dollars and " +
					"cents with two decimals, such as `\"50.00\"`; above `0.00` while auto-recharge is enabled (checked at " +
					"plan time).",
				Required:   true,
				Validators: []validator.String{centsValidator{}},
			},
			"preference": schema.StringAttribute{
				MarkdownDescription: "How the recharge is paid: `credit_paypal` (the default) or `ach`. The reference backend " +
					"charges the account's default card for either.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(client.AutoRechargePreferenceCreditPaypal),
				Validators: []validator.String{stringvalidator.OneOf(
					client.AutoRechargePreferenceCreditPaypal, client.AutoRechargePreferenceACH)},
			},
			"invoice_enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether an invoice is issued for each recharge. Defaults to `false`.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
		},
	}
}

func (r *autoRechargeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan autoRechargeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Create, providerdata.DefaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	// The preferences always exist: creating the resource writes them.
	state := plan
	r.write(ctx, &state, &resp.Diagnostics, "Unable to set the auto-recharge preferences"+providerdata.OfAccount(plan.ManagedAccountID.ValueString()))
	if resp.Diagnostics.HasError() {
		return
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

// write sends every preference of m in one PATCH, so that the API checks
// them together (an enabled auto-recharge with its recharge amount), and
// copies the answer into m.
func (r *autoRechargeResource) write(ctx context.Context, m *autoRechargeModel, diags *diag.Diagnostics, summary string) {
	c := r.Data.AccountClient(ctx, m.ManagedAccountID.ValueString(), diags)
	if c == nil {
		return
	}
	p, err := c.UpdateAutoRechargePref(ctx, client.UpdateAutoRechargePrefRequest{
		Enabled:         m.Enabled.ValueBoolPointer(),
		InvoiceEnabled:  m.InvoiceEnabled.ValueBoolPointer(),
		Preference:      m.Preference.ValueStringPointer(),
		RechargeAmount:  m.RechargeAmount.ValueStringPointer(),
		ThresholdAmount: m.ThresholdAmount.ValueStringPointer(),
	})
	if err != nil {
		providerdata.AddAPIError(diags, summary, err)
		return
	}
	tflog.Info(ctx, "Wrote auto-recharge preferences", map[string]any{"id": p.ID, "enabled": p.Enabled})
	applyAutoRecharge(m, p)
}

func (r *autoRechargeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state autoRechargeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	accountID := state.ManagedAccountID.ValueString()
	c, err := r.Data.ClientFor(ctx, accountID)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Managed account of the auto-recharge preferences not found",
			fmt.Sprintf("The managed account %s no longer exists or is no longer visible to this manager, and its "+
				"auto-recharge preferences with it; they are removed from the Terraform state.", accountID))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to act as the managed account "+accountID, err)
		return
	}
	p, err := c.GetAutoRechargePref(ctx)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Auto-recharge preferences not found",
			"The API no longer shows the account's auto-recharge preferences; they are removed from the Terraform state "+
				"and will be written again if they are still configured.")
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the auto-recharge preferences"+providerdata.OfAccount(accountID), err)
		return
	}
	applyAutoRecharge(&state, p)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *autoRechargeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state autoRechargeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	next := plan
	next.ID = state.ID
	if plan.Enabled.Equal(state.Enabled) && plan.ThresholdAmount.Equal(state.ThresholdAmount) &&
		plan.RechargeAmount.Equal(state.RechargeAmount) && plan.Preference.Equal(state.Preference) &&
		plan.InvoiceEnabled.Equal(state.InvoiceEnabled) {
		// Only the timeouts changed: nothing to write.
		providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
		return
	}
	r.write(ctx, &next, &resp.Diagnostics, "Unable to update the auto-recharge preferences"+providerdata.OfAccount(state.ManagedAccountID.ValueString()))
	if resp.Diagnostics.HasError() {
		return
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
}

// Delete turns auto-recharge off: the preferences themselves cannot be
// deleted, and the amounts are left as they are.
func (r *autoRechargeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state autoRechargeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, state.Timeouts.Delete, providerdata.DefaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	accountID := state.ManagedAccountID.ValueString()
	r.Data.RemoveAsAccount(ctx, accountID,
		providerdata.Removal{Object: "auto-recharge preferences", Action: "turn auto-recharge off" + providerdata.OfAccount(accountID), Done: "Turned auto-recharge off"},
		map[string]any{"id": state.ID.ValueString(), "managed_account_id": accountID}, &resp.Diagnostics,
		func(ctx context.Context, c *client.Client) error {
			off := false
			_, err := c.UpdateAutoRechargePref(ctx, client.UpdateAutoRechargePrefRequest{Enabled: &off})
			return err
		})
}

// IdentitySchema: the preferences are named by their account and their own
// id; an import may give the account alone, as an account has one set.
func (r *autoRechargeResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = providerdata.AccountScopedIdentitySchema("the auto-recharge preferences", true)
}

func (m *autoRechargeModel) identity() providerdata.AccountScopedIdentity {
	return providerdata.NewAccountScopedIdentity(m.ManagedAccountID, m.ID.ValueString())
}

// ImportState takes the account whose preferences to import: "self" for the
// provider's own account, or a managed account's id. The preferences' own
// id names no account, so it cannot be imported by; Read replaces the
// placeholder id with it. An identity names the account by its
// managed_account_id (none for the provider's own), and may add the
// preferences' id, which must then be that account's.
func (r *autoRechargeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var ident providerdata.AccountScopedIdentity
	if providerdata.ImportIdentity(ctx, req, &ident, &resp.Diagnostics) {
		r.importIdentity(ctx, ident, resp)
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}
	switch req.ID {
	case "":
		resp.Diagnostics.AddError("Invalid import identifier",
			`The import identifier is the account whose auto-recharge preferences to import: "self" for the provider's `+
				"own account, or the id of one of its managed accounts.")
	case ImportSelf:
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ImportSelf)...)
	default:
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), req.ID)...)
	}
}

func (r *autoRechargeResource) importIdentity(ctx context.Context, ident providerdata.AccountScopedIdentity, resp *resource.ImportStateResponse) {
	accountID := ident.ManagedAccountID.ValueString()
	if !ident.ID.IsNull() {
		c := r.Data.AccountClient(ctx, accountID, &resp.Diagnostics)
		if c == nil {
			return
		}
		p, err := c.GetAutoRechargePref(ctx)
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the auto-recharge preferences to import", err)
			return
		}
		if p.ID != ident.ID.ValueString() {
			resp.Diagnostics.AddError("Invalid import identity", fmt.Sprintf(
				"The auto-recharge preferences %s are not those of %s, which are %s. Give that id, or leave id out of the identity.",
				ident.ID.ValueString(), accountName(accountID), p.ID))
			return
		}
	}
	placeholder := ImportSelf
	if accountID != "" {
		placeholder = accountID
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), accountID)...)
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), placeholder)...)
}

func accountName(managedAccountID string) string {
	if managedAccountID == "" {
		return "the provider's own account"
	}
	return "managed account " + managedAccountID
}

// applyAutoRecharge copies what the API answered into m, keeping the
// configured spelling of an amount that denotes the API's.
func applyAutoRecharge(m *autoRechargeModel, p *client.AutoRechargePref) {
	m.ID = types.StringValue(p.ID)
	m.Enabled = types.BoolValue(p.Enabled)
	m.InvoiceEnabled = types.BoolValue(p.InvoiceEnabled)
	m.Preference = types.StringValue(p.Preference)
	m.RechargeAmount = keepAmount(m.RechargeAmount, p.RechargeAmount)
	m.ThresholdAmount = keepAmount(m.ThresholdAmount, p.ThresholdAmount)
}
