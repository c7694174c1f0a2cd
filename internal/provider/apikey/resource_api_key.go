// Package apikey implements the telnyx_api_key resource, the telnyx_api_key
// ephemeral resource and the telnyx_api_keys data source: additional API keys
// of the provider's account or of one of its managed accounts.
package apikey

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// Limits the API enforces on keys; checked at plan time too, so that a bad
// configuration fails before anything is created.
const (
	maxDescriptionLen = 255
	maxTags           = 10
	maxTagLen         = 64
)

var (
	_ resource.Resource                = &apiKeyResource{}
	_ resource.ResourceWithConfigure   = &apiKeyResource{}
	_ resource.ResourceWithImportState = &apiKeyResource{}
	_ resource.ResourceWithIdentity    = &apiKeyResource{}
)

// NewResource returns the telnyx_api_key resource.
func NewResource() resource.Resource {
	return &apiKeyResource{ResourceBase: providerdata.ResourceBase{Name: "api_key"}}
}

type apiKeyResource struct {
	providerdata.ResourceBase
}

type apiKeyModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	Description      types.String   `tfsdk:"description"`
	Tags             types.Set      `tfsdk:"tags"`
	ExpiresAt        types.String   `tfsdk:"expires_at"`
	Enabled          types.Bool     `tfsdk:"enabled"`
	RotationTriggers types.Map      `tfsdk:"rotation_triggers"`
	Status           types.String   `tfsdk:"status"`
	MaskedKey        types.String   `tfsdk:"masked_key"`
	CreatedAt        types.String   `tfsdk:"created_at"`
	Secret           types.String   `tfsdk:"secret"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

func (r *apiKeyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An additional API key of the provider's account, or of one of its managed accounts " +
			"(`managed_account_id`). The key itself (`secret`) is shown by the API only when the key is created: " +
			"it is kept in the Terraform state, marked sensitive, and cannot be recovered after an import.\n\n" +
			"Destroying the resource revokes the key at once. To rotate a key, change `rotation_triggers` " +
			"(for example to a date or a version number); with `lifecycle { create_before_destroy = true }` the new key " +
			"exists before the old one is revoked, so that whatever reads `secret` can switch over without a gap.\n\n" +
			"A key revoked or expired outside Terraform is removed from the state with a warning, and planned for creation again. " +
			"An account's primary key (which the ephemeral `telnyx_managed_account_credentials` reads) is not managed here.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the key.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider: " +
					"the key is created for that account (the provider acts as it through its primary key, fetched with the " +
					"manager's key and never stored). When not set, the key belongs to the provider's own account " +
					"(the provider's `managed_account_id`, if it has one). Changing it creates a new key.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the key is for, at most %d characters. Defaults to an empty string. "+
					"Updated in place.", maxDescriptionLen),
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(""),
				Validators: []validator.String{stringvalidator.LengthAtMost(maxDescriptionLen)},
			},
			"tags": schema.SetAttribute{
				MarkdownDescription: fmt.Sprintf("Tags of the key: at most %d, each 1 to %d characters. Defaults to no tags "+
					"(an empty set). Updated in place.", maxTags, maxTagLen),
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				Validators: []validator.Set{
					setvalidator.SizeAtMost(maxTags),
					setvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, maxTagLen)),
				},
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key stops working, as an RFC 3339 time in the future such as " +
					"`2030-01-31T00:00:00Z` (a time already past fails the plan, by the local clock, whenever a key is to be " +
					"created with it). When not set, the key does not expire. The API cannot change it: changing it " +
					"creates a new key. A time written in another form (another offset, fewer or more fractional digits) " +
					"is kept as written as long as it denotes the same instant as the API's. Once the key has expired, " +
					"it is removed from the state and a later apply must set a new time.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{rfc3339Validator{}},
				// sameInstant first, so that RequiresReplace compares instants,
				// not spellings.
				PlanModifiers: []planmodifier.String{sameInstant{}, stringplanmodifier.RequiresReplace()},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the key works. A disabled key is refused by the API until it is enabled again. " +
					"Defaults to `true`. Updated in place.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"rotation_triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary values that, when any of them changes, create a new key (a rotation): for " +
					"example `{ rotated = \"2026-01\" }`. They are not sent to the API. An imported key has none, so adding " +
					"them after an import creates a new key.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "Status of the key: `active` or `disabled`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{providerdata.StatusFollowsEnabled()},
			},
			"masked_key": schema.StringAttribute{
				MarkdownDescription: "The key with all but its prefix and last four characters hidden, to recognise it.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the key was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The API key itself, for example to configure an aliased provider or another system. " +
					"The API shows it only when the key is created, so it is null after an import.",
				Computed:      true,
				Sensitive:     true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *apiKeyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Create, providerdata.DefaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.Data.AccountClient(ctx, plan.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	tags := providerdata.SetElements[string](ctx, plan.Tags, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	in := client.CreateAPIKeyRequest{Tags: tags}
	if d := plan.Description.ValueString(); d != "" {
		in.Description = &d
	}
	if providerdata.IsKnown(plan.ExpiresAt) {
		in.ExpiresAt = plan.ExpiresAt.ValueStringPointer()
	}
	created, err := c.CreateAPIKey(ctx, in)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the API key"+providerdata.OfAccount(plan.ManagedAccountID.ValueString()), err)
		return
	}
	tflog.Info(ctx, "Created API key", map[string]any{"id": created.ID, "masked_key": created.MaskedKey})

	// From here on the key exists: each later failure still records it
	// (Terraform marks it tainted and replaces it), so that it is not orphaned.
	state := plan
	state.Secret = types.StringNull()
	if created.APIKey != "" {
		state.Secret = types.StringValue(created.APIKey)
	}
	applyKey(ctx, &state, created, &resp.Diagnostics)
	if !plan.Enabled.ValueBool() {
		disabled := client.APIKeyStatusDisabled
		updated, err := c.UpdateAPIKey(ctx, created.ID, client.UpdateAPIKeyRequest{Status: &disabled})
		if err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to disable the new API key "+created.ID, err,
				"The key was created, and is in the state marked tainted: the next apply replaces it with a new key.")
		} else {
			applyKey(ctx, &state, updated, &resp.Diagnostics)
		}
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *apiKeyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	c, err := r.Data.ClientFor(ctx, state.ManagedAccountID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Managed account of the API key not found",
			fmt.Sprintf("The managed account %s no longer exists or is no longer visible to this manager, and its API key %s "+
				"with it; the key is removed from the Terraform state.", state.ManagedAccountID.ValueString(), id))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to act as the managed account "+state.ManagedAccountID.ValueString(), err)
		return
	}
	k, err := c.GetAPIKey(ctx, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("API key not found",
			fmt.Sprintf("The API key %s no longer exists: it was revoked outside Terraform. It is removed from the Terraform "+
				"state and will be planned for creation (with a new secret) if it is still configured.", id))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the API key "+id, err)
		return
	}
	if k.Status == client.APIKeyStatusExpired || k.Status == client.APIKeyStatusRevoked {
		resp.Diagnostics.AddWarning("API key "+k.Status,
			fmt.Sprintf("The API key %s is %s (expires_at %s) and no longer works. It is removed from the Terraform state and "+
				"will be planned for creation if it is still configured; give it an expires_at in the future.", id, k.Status, deref(k.ExpiresAt)))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	applyKey(ctx, &state, k, &resp.Diagnostics)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *apiKeyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state apiKeyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	c := r.Data.AccountClient(ctx, state.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}

	var patch client.UpdateAPIKeyRequest
	if !plan.Description.Equal(state.Description) {
		patch.Description = plan.Description.ValueStringPointer()
	}
	if !plan.Tags.Equal(state.Tags) {
		tags := providerdata.SetElements[string](ctx, plan.Tags, &resp.Diagnostics)
		if tags == nil {
			tags = []string{} // [] removes every tag; a nil slice would be sent as null
		}
		patch.Tags = &tags
	}
	if !plan.Enabled.Equal(state.Enabled) {
		status := client.APIKeyStatusActive
		if !plan.Enabled.ValueBool() {
			status = client.APIKeyStatusDisabled
		}
		patch.Status = &status
	}
	if resp.Diagnostics.HasError() {
		return
	}

	next := plan
	next.Secret = state.Secret
	if patch.Description == nil && patch.Tags == nil && patch.Status == nil {
		// Every other argument forces a new key: only the timeouts changed,
		// and the key is as the state says.
		next.ID, next.Status, next.MaskedKey, next.CreatedAt = state.ID, state.Status, state.MaskedKey, state.CreatedAt
		next.ExpiresAt = state.ExpiresAt
		providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
		return
	}
	// The answer is the key as it now is.
	k, err := c.UpdateAPIKey(ctx, state.ID.ValueString(), patch)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to update the API key "+state.ID.ValueString(), err)
		return
	}
	applyKey(ctx, &next, k, &resp.Diagnostics)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
}

func (r *apiKeyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state apiKeyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, state.Timeouts.Delete, providerdata.DefaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	r.Data.RemoveAsAccount(ctx, state.ManagedAccountID.ValueString(),
		providerdata.Removal{Object: "API key", Action: "revoke the API key " + id, Done: "Revoked API key"},
		map[string]any{"id": id}, &resp.Diagnostics, func(ctx context.Context, c *client.Client) error {
			_, err := c.RevokeAPIKey(ctx, id)
			return err
		})
}

// IdentitySchema: a key is named by its account and its own id.
func (r *apiKeyResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = providerdata.AccountScopedIdentitySchema("the API key", false)
}

func (m *apiKeyModel) identity() providerdata.AccountScopedIdentity {
	return providerdata.NewAccountScopedIdentity(m.ManagedAccountID, m.ID.ValueString())
}

// ImportState accepts "<key_id>" for a key of the provider's own account and
// "<managed_account_id>/<key_id>" for a key of one of its managed accounts,
// or the same as an identity.
func (r *apiKeyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	providerdata.ImportAccountScopedID(ctx, req, resp, "an API key")
}

// applyKey copies what the API answered into m. The configured spelling of
// expires_at is kept when it denotes the API's instant.
func applyKey(ctx context.Context, m *apiKeyModel, k *client.APIKey, diags *diag.Diagnostics) {
	m.ID = types.StringValue(k.ID)
	m.Description = types.StringValue(k.Description)
	tags, d := types.SetValueFrom(ctx, types.StringType, nonNil(k.Tags))
	diags.Append(d...)
	m.Tags = tags
	m.Status = types.StringValue(k.Status)
	m.Enabled = types.BoolValue(k.Status != client.APIKeyStatusDisabled)
	m.MaskedKey = types.StringValue(k.MaskedKey)
	m.CreatedAt = types.StringValue(k.CreatedAt)
	switch {
	case k.ExpiresAt == nil:
		m.ExpiresAt = types.StringNull()
	case !providerdata.IsKnown(m.ExpiresAt) || !sameTime(m.ExpiresAt.ValueString(), *k.ExpiresAt):
		m.ExpiresAt = types.StringValue(*k.ExpiresAt)
	}
	// An imported key has no secret: the API never shows it again.
	if m.Secret.IsUnknown() {
		m.Secret = types.StringNull()
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func deref(p *string) string {
	if p == nil {
		return "not set"
	}
	return *p
}
