// Package managedaccount implements the telnyx_managed_account resource and
// the telnyx_managed_account and telnyx_managed_accounts data sources.
package managedaccount

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// Deletion policies: what destroying the resource does to the account.
const (
	DeletionPolicyDisable = "disable"
	DeletionPolicyAbandon = "abandon"
)

// Account statuses as the API reports them (an extension of the contract).
const (
	statusEnabled  = "enabled"
	statusDisabled = "disabled"
)

var (
	_ resource.Resource                 = &managedAccountResource{}
	_ resource.ResourceWithConfigure    = &managedAccountResource{}
	_ resource.ResourceWithImportState  = &managedAccountResource{}
	_ resource.ResourceWithUpgradeState = &managedAccountResource{}
	_ resource.ResourceWithIdentity     = &managedAccountResource{}
)

// NewResource returns the telnyx_managed_account resource.
func NewResource() resource.Resource {
	return &managedAccountResource{ResourceBase: providerdata.ResourceBase{Name: "managed_account"}}
}

type managedAccountResource struct {
	providerdata.ResourceBase
}

type managedAccountModel struct {
	ID                 types.String   `tfsdk:"id"`
	BusinessName       types.String   `tfsdk:"business_name"`
	Email              types.String   `tfsdk:"email"`
	RollupBilling      types.Bool     `tfsdk:"rollup_billing"`
	AllowCustomPricing types.Bool     `tfsdk:"managed_account_allow_custom_pricing"`
	Enabled            types.Bool     `tfsdk:"enabled"`
	GlobalChannelLimit types.Int64    `tfsdk:"global_channel_limit"`
	PasswordWO         types.String   `tfsdk:"password_wo"`
	PasswordWOVersion  types.Int64    `tfsdk:"password_wo_version"`
	DeletionPolicy     types.String   `tfsdk:"deletion_policy"`
	ManagerAccountID   types.String   `tfsdk:"manager_account_id"`
	CreatedAt          types.String   `tfsdk:"created_at"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

func (r *managedAccountResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// See removedIn for what each version dropped.
		Version: schemaVersion,
		MarkdownDescription: "A Telnyx managed account: a sub-account of the manager account whose key configures the provider. " +
			"The account's credentials (its primary API key and API v1 token) are never stored in the state: the provider " +
			"acts as the account through `managed_account_id`, and the ephemeral `telnyx_managed_account_credentials` hands " +
			"them to another system when one must have them.\n\n" +
			"Telnyx accounts cannot be deleted through the API: destroying this resource disables the account " +
			"(`deletion_policy = \"disable\"`, the default) or leaves it untouched (`\"abandon\"`). " +
			"The old account keeps its email, which stays taken: when a change of `business_name` or `rollup_billing` " +
			"replaces an account that has an explicit `email`, change the `email` too.\n\n" +
			"Applying a configuration again after destroying its account therefore fails on the taken email: the error " +
			"names the manager's account that has it, and shows the `import` block that adopts it (the apply that imports a " +
			"disabled account enables it again, unless the configuration sets `enabled = false`).\n\n" +
			"The account's `organization_name`, `api_user` and `status` are on the `telnyx_managed_account` data source: " +
			"here they would only repeat `business_name`, `email` and `enabled`.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the managed account.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"business_name": schema.StringAttribute{
				MarkdownDescription: "Business name of the managed account; the API reports it as `organization_name`, " +
					"without leading and trailing spaces. Changing it creates a new account.",
				Required:      true,
				Validators:    []validator.String{stringvalidator.LengthBetween(1, 255)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"email": schema.StringAttribute{
				MarkdownDescription: "Email address of the managed account, unique across Telnyx, such as " +
					"`name@example.com` (checked at plan time); it is also the account's API user (`api_user`). When not " +
					"set, the API derives one from the manager's email. Changing it creates a new account.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{emailValidator{}},
				// UseStateForUnknown first, so that a generated email kept in
				// state is not seen as a change that forces replacement.
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplace()},
			},
			"rollup_billing": schema.BoolAttribute{
				MarkdownDescription: "Whether the account's charges roll up to the manager's balance and invoices instead of " +
					"the account having its own. Defaults to `false`. Changing it creates a new account.",
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(false),
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
			},
			"managed_account_allow_custom_pricing": schema.BoolAttribute{
				MarkdownDescription: "Whether the manager may set custom pricing on this account. Defaults to `false`. Updated in place.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the account is enabled (its `status` is `enabled` rather than `disabled`). " +
					"A disabled account's API keys are refused. Defaults to `true`. Updated in place through the disable and " +
					"enable actions; enabling does not re-enable the account's connections.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"global_channel_limit": schema.Int64Attribute{
				MarkdownDescription: "Number of global outbound channels allocated to the account out of the manager's pool " +
					"(0 up to what is left to allocate). Updated in place. When not set, the provider leaves the allocation alone " +
					"and reports what the API returns.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.Int64{int64validator.AtLeast(0)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Password of the account, write-only (Terraform 1.11 or later): it is sent to the API " +
					"and never stored in the plan or the state. It is sent at creation, and again whenever " +
					"`password_wo_version` changes.",
				Optional: true,
				// Not Sensitive: Terraform marks only the planned and stored
				// values of a sensitive attribute, and those of a write-only
				// one are always null. The mark would hide nothing and cost
				// an entry in every account's state (see removedIn).
				WriteOnly:  true,
				Validators: []validator.String{stringvalidator.LengthBetween(8, 72)},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Version of `password_wo`. Terraform cannot see a change of a write-only value, so change " +
					"this number to send a new password; the change is made in place.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot("password_wo"))},
			},
			"deletion_policy": schema.StringAttribute{
				MarkdownDescription: "What destroying this resource does: `disable` (the default) disables the account, " +
					"`abandon` only removes it from the Terraform state and leaves the account as it is, enabled or disabled.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(DeletionPolicyDisable),
				Validators: []validator.String{stringvalidator.OneOf(DeletionPolicyDisable, DeletionPolicyAbandon)},
			},
			"manager_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the manager account that owns this account.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the account was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *managedAccountResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan managedAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var password types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &password)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Create, providerdata.DefaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	in := client.CreateManagedAccountRequest{
		BusinessName:                     plan.BusinessName.ValueString(),
		ManagedAccountAllowCustomPricing: plan.AllowCustomPricing.ValueBoolPointer(),
		RollupBilling:                    plan.RollupBilling.ValueBoolPointer(),
	}
	if providerdata.IsKnown(plan.Email) {
		in.Email = plan.Email.ValueStringPointer()
	}
	if providerdata.IsKnown(password) {
		in.Password = password.ValueStringPointer()
	}
	created, err := r.Data.Client.CreateManagedAccount(ctx, in)
	if err != nil && in.Email != nil && isEmailTaken(err) {
		r.addEmailTaken(ctx, plan, *in.Email, err, &resp.Diagnostics)
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the managed account", err)
		return
	}
	tflog.Info(ctx, "Created managed account", map[string]any{"id": created.ID})

	// From here on the account exists: each later failure still records it
	// (Terraform marks it tainted), so that it is not orphaned.
	state := plan
	applyAccount(&state, created)
	settle(&state)
	saveState := func() {
		providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
	}
	unfinished := tainted(created.ID, providerdata.IsKnown(plan.Email))

	// Each answer is the account, or its channel limit, as it now is: no
	// read is needed after them (one request per account instead of two).
	if !plan.Enabled.ValueBool() {
		disabled, err := r.Data.Client.DisableManagedAccount(ctx, created.ID)
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to disable the new managed account "+created.ID, err, unfinished)
			saveState()
			return
		}
		applyAccount(&state, disabled)
	}
	if providerdata.IsKnown(plan.GlobalChannelLimit) {
		allocated, err := r.Data.Client.UpdateGlobalChannelLimit(ctx, created.ID, plan.GlobalChannelLimit.ValueInt64())
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to set the global channel limit of the new managed account "+created.ID, err, unfinished)
			saveState()
			return
		}
		state.GlobalChannelLimit = types.Int64Value(allocated.ChannelLimit)
	}
	settle(&state)
	saveState()
}

// refresh reads the account into m after a change. The change is made, so on
// a failure m keeps what is already known and the caller still saves it.
func (r *managedAccountResource) refresh(ctx context.Context, m *managedAccountModel, diags *diag.Diagnostics, summary string) {
	a, err := r.Data.Client.GetManagedAccount(ctx, m.ID.ValueString())
	if err != nil {
		providerdata.AddAPIError(diags, summary, err)
		return
	}
	applyAccount(m, a)
}

func (r *managedAccountResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state managedAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	a, err := r.Data.Client.GetManagedAccount(ctx, state.ID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Managed account not found",
			fmt.Sprintf("The managed account %s no longer exists or is no longer visible to this manager (it may have been "+
				"cancelled); it is removed from the Terraform state and will be planned for creation if it is still configured.",
				state.ID.ValueString()))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the managed account "+state.ID.ValueString(), err)
		return
	}
	applyAccount(&state, a)
	settle(&state)
	// An imported account has no policy yet: give it the default, which is
	// what an unset deletion_policy plans.
	if state.DeletionPolicy.IsNull() {
		state.DeletionPolicy = types.StringValue(DeletionPolicyDisable)
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *managedAccountResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state managedAccountModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	var password types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &password)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()

	var patch client.UpdateManagedAccountRequest
	if !plan.AllowCustomPricing.Equal(state.AllowCustomPricing) {
		patch.ManagedAccountAllowCustomPricing = plan.AllowCustomPricing.ValueBoolPointer()
	}
	// A write-only value is not in the state to compare with: its version
	// says when to send it again.
	if !plan.PasswordWOVersion.Equal(state.PasswordWOVersion) && providerdata.IsKnown(password) {
		patch.Password = password.ValueStringPointer()
	}
	// latest is the last answer that carried the whole account, as it then
	// was; the account is read again only when no call answered it.
	var latest *client.ManagedAccount
	if patch.ManagedAccountAllowCustomPricing != nil || patch.Password != nil {
		updated, err := r.Data.Client.UpdateManagedAccount(ctx, id, patch)
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to update the managed account "+id, err)
			return
		}
		latest = updated
	}

	if !plan.Enabled.Equal(state.Enabled) {
		var (
			changed *client.ManagedAccount
			err     error
		)
		if plan.Enabled.ValueBool() {
			changed, err = r.Data.Client.EnableManagedAccount(ctx, id, false)
		} else {
			changed, err = r.Data.Client.DisableManagedAccount(ctx, id)
		}
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, fmt.Sprintf("Unable to %s the managed account %s", enableVerb(plan.Enabled.ValueBool()), id), err)
			return
		}
		latest = changed
	}

	var allocated *client.SingleManagedAccountGlobalOutboundChannels
	if providerdata.IsKnown(plan.GlobalChannelLimit) && !plan.GlobalChannelLimit.Equal(state.GlobalChannelLimit) {
		var err error
		if allocated, err = r.Data.Client.UpdateGlobalChannelLimit(ctx, id, plan.GlobalChannelLimit.ValueInt64()); err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to update the global channel limit of the managed account "+id, err)
			return
		}
	}

	next := plan
	next.ID = state.ID
	if latest != nil {
		applyAccount(&next, latest)
	} else {
		r.refresh(ctx, &next, &resp.Diagnostics, "Unable to read the updated managed account "+id)
	}
	if allocated != nil {
		next.GlobalChannelLimit = types.Int64Value(allocated.ChannelLimit)
	}
	settle(&next)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
}

// tainted is the advice after a create that made the account id but failed
// to finish: Terraform keeps the account in the state, tainted, and the next
// apply replaces it, which a configured email makes fail (it stays taken).
func tainted(id string, explicitEmail bool) string {
	replace := "the next apply replaces it (disables it and creates another)"
	if explicitEmail {
		replace = "the next apply would replace it (disable it and create another), and fail, as the email stays taken"
	}
	return fmt.Sprintf("The managed account %s was created, and is in the state marked tainted: %s. To keep this "+
		"account instead, run terraform untaint with this resource's address, and apply again to finish configuring it.",
		id, replace)
}

func enableVerb(enable bool) string {
	if enable {
		return "enable"
	}
	return "disable"
}

func (r *managedAccountResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state managedAccountModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, state.Timeouts.Delete, providerdata.DefaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	if state.DeletionPolicy.ValueString() == DeletionPolicyAbandon {
		resp.Diagnostics.AddWarning("Managed account abandoned", abandonedDetail(id, state))
		return
	}
	_, err := r.Data.Client.DisableManagedAccount(ctx, id)
	if client.IsNotFound(err) {
		tflog.Info(ctx, "Managed account already gone", map[string]any{"id": id})
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to disable the managed account "+id, err,
			"To destroy the resource without disabling the account, set deletion_policy = \"abandon\" and apply first.")
		return
	}
	tflog.Info(ctx, "Disabled managed account", map[string]any{"id": id})
}

// abandonedDetail says what becomes of an account that deletion_policy =
// "abandon" leaves behind: nothing is sent, so it stays as Terraform last
// read it (the refresh before a destroy sets enabled from the API's status),
// enabled or disabled.
func abandonedDetail(id string, state managedAccountModel) string {
	what := "it stays enabled: its API keys keep working, and its email stays taken"
	if !state.Enabled.ValueBool() {
		what = "it stays disabled: its API keys are refused until it is enabled again (import it and set enabled = true), " +
			"and its email stays taken"
	}
	return fmt.Sprintf("The managed account %s was removed from the Terraform state only (deletion_policy = %q); "+
		"Telnyx keeps it as it is, and %s.", id, DeletionPolicyAbandon, what)
}

// IdentitySchema: a managed account is named by its id.
func (r *managedAccountResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = providerdata.IDIdentitySchema("the managed account")
}

func (m *managedAccountModel) identity() providerdata.IDIdentity {
	return providerdata.IDIdentity{ID: m.ID}
}

// ImportState takes the account's id, as a string or as the identity's id.
func (r *managedAccountResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var ident providerdata.IDIdentity
	if providerdata.ImportIdentity(ctx, req, &ident, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ident.ID)...)
		return
	}
	if !resp.Diagnostics.HasError() {
		resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
	}
}

// applyAccount copies what the API answered into m. Values the user wrote
// (business_name, email) are kept when the API only normalised them.
func applyAccount(m *managedAccountModel, a *client.ManagedAccount) {
	m.ID = types.StringValue(a.ID)
	m.BusinessName = providerdata.KeepIfSame(m.BusinessName, a.OrganizationName)
	m.Email = providerdata.KeepIfSame(m.Email, a.Email)
	m.ManagerAccountID = types.StringValue(a.ManagerAccountID)
	m.CreatedAt = types.StringValue(a.CreatedAt)
	m.RollupBilling = types.BoolValue(a.RollupBilling)
	m.AllowCustomPricing = types.BoolValue(a.ManagedAccountAllowCustomPricing)
	if a.Status != nil {
		m.Enabled = types.BoolValue(*a.Status == statusEnabled)
	}
	if a.GlobalChannelLimit != nil {
		m.GlobalChannelLimit = types.Int64Value(*a.GlobalChannelLimit)
	}
}

// settle replaces what is still unknown after a write (because the API did
// not report it) with null, as Terraform requires after apply.
func settle(m *managedAccountModel) {
	if m.Email.IsUnknown() {
		m.Email = types.StringNull()
	}
	if m.GlobalChannelLimit.IsUnknown() {
		m.GlobalChannelLimit = types.Int64Null()
	}
	if m.Enabled.IsUnknown() || m.Enabled.IsNull() {
		m.Enabled = types.BoolValue(true)
	}
	// Write-only values never reach the state.
	m.PasswordWO = types.StringNull()
}
