package apikey

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// Defaults and bounds of the ephemeral key's life.
const (
	defaultTTL         = "15m"
	minTTL             = time.Minute
	defaultDescription = "Ephemeral key (Terraform)"
	// privateKey names the private data that Renew and Close receive.
	privateKey = "api_key"
	// apiTimeFormat is how the API writes times: UTC, milliseconds.
	apiTimeFormat = "2006-01-02T15:04:05.000Z"
)

var (
	_ ephemeral.EphemeralResource              = &ephemeralAPIKey{}
	_ ephemeral.EphemeralResourceWithConfigure = &ephemeralAPIKey{}
	_ ephemeral.EphemeralResourceWithRenew     = &ephemeralAPIKey{}
	_ ephemeral.EphemeralResourceWithClose     = &ephemeralAPIKey{}
)

// NewEphemeralResource returns the telnyx_api_key ephemeral resource.
func NewEphemeralResource() ephemeral.EphemeralResource {
	return &ephemeralAPIKey{EphemeralBase: providerdata.EphemeralBase{Name: "api_key"}}
}

type ephemeralAPIKey struct {
	providerdata.EphemeralBase
}

type ephemeralAPIKeyModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	Description      types.String `tfsdk:"description"`
	TTL              types.String `tfsdk:"ttl"`
	ID               types.String `tfsdk:"id"`
	Secret           types.String `tfsdk:"secret"`
	ExpiresAt        types.String `tfsdk:"expires_at"`
}

// openedKey is the private data of an open key: what Renew and Close need
// to find it again. It holds no secret.
type openedKey struct {
	ID               string `json:"id"`
	ManagedAccountID string `json:"managed_account_id,omitempty"`
	ExpiresAt        string `json:"expires_at"`
}

func (e *ephemeralAPIKey) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A short-lived extra API key (Terraform 1.10 or later), never stored in the plan or the state: " +
			"it is created when Terraform opens the ephemeral resource, with an `expires_at` `ttl` ahead, and revoked when " +
			"Terraform closes it at the end of the run. Use it to configure an aliased provider as a managed account without " +
			"a long-lived secret in the state. The account's primary key is never touched.\n\n" +
			"Terraform asks the provider to renew the key after about two thirds of `ttl`. The API cannot extend a key's " +
			"expiry, so renewing only checks that the key still works and warns when the run outlives it; choose a `ttl` " +
			"longer than the longest run.",
		Attributes: map[string]schema.Attribute{
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider: " +
					"the key is created for that account. When not set, the key belongs to the provider's own account.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the key is for, shown in key listings while it exists; at most %d "+
					"characters. Defaults to `%s`.", maxDescriptionLen, defaultDescription),
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtMost(maxDescriptionLen)},
			},
			"ttl": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long the key works at most, as a Go duration of at least %s such as "+
					"`15m` or `1h`. Defaults to `%s`. The key is revoked earlier, when the run ends.", minTTL, defaultTTL),
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{durationValidator{minimum: minTTL}},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the key.",
				Computed:            true,
			},
			"secret": schema.StringAttribute{
				MarkdownDescription: "The API key itself.",
				Computed:            true,
				Sensitive:           true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the key expires at the latest (RFC 3339, UTC).",
				Computed:            true,
			},
		},
	}
}

func (e *ephemeralAPIKey) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m ephemeralAPIKeyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.TTL.IsNull() {
		m.TTL = types.StringValue(defaultTTL)
	}
	ttl, err := time.ParseDuration(m.TTL.ValueString())
	if err != nil { // the validator has refused it already
		resp.Diagnostics.AddAttributeError(path.Root("ttl"), "Invalid ttl", err.Error())
		return
	}
	if m.Description.IsNull() {
		m.Description = types.StringValue(defaultDescription)
	}
	accountID := m.ManagedAccountID.ValueString()
	c := e.Data.AccountClient(ctx, accountID, &resp.Diagnostics)
	if c == nil {
		return
	}

	opened := time.Now()
	expiresAt := opened.Add(ttl).UTC().Format(apiTimeFormat)
	description := m.Description.ValueString()
	k, err := c.CreateAPIKey(ctx, client.CreateAPIKeyRequest{Description: &description, ExpiresAt: &expiresAt})
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the ephemeral API key"+providerdata.OfAccount(accountID), err)
		return
	}
	if k.ExpiresAt != nil {
		expiresAt = *k.ExpiresAt
	}
	tflog.Info(ctx, "Opened ephemeral API key", map[string]any{"id": k.ID, "masked_key": k.MaskedKey, "expires_at": expiresAt})

	private, err := json.Marshal(openedKey{ID: k.ID, ManagedAccountID: accountID, ExpiresAt: expiresAt})
	if err != nil {
		resp.Diagnostics.AddError("Unable to record the ephemeral API key "+k.ID,
			"The provider could not record the key it created, so it revokes it now. This is a bug in the provider; "+
				"please report it.\n\n"+err.Error())
		e.revoke(ctx, c, k.ID, &resp.Diagnostics)
		return
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, privateKey, private)...)
	if resp.Diagnostics.HasError() {
		// Without private data Close could not revoke it: revoke it now.
		e.revoke(ctx, c, k.ID, &resp.Diagnostics)
		return
	}
	m.ID = types.StringValue(k.ID)
	m.Secret = types.StringValue(k.APIKey)
	m.ExpiresAt = types.StringValue(expiresAt)
	resp.RenewAt = opened.Add(ttl * 2 / 3)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// Renew cannot extend the key, which the API does not allow: it checks that
// the key still works, and warns that it expires at the time set at open.
func (e *ephemeralAPIKey) Renew(ctx context.Context, req ephemeral.RenewRequest, resp *ephemeral.RenewResponse) {
	k, c := e.opened(ctx, req.Private, &resp.Diagnostics)
	if c == nil {
		return
	}
	got, err := c.GetAPIKey(ctx, k.ID)
	if client.IsNotFound(err) || (err == nil && got.Status != client.APIKeyStatusActive) {
		status := "revoked"
		if got != nil {
			status = got.Status
		}
		resp.Diagnostics.AddError("Ephemeral API key no longer works",
			fmt.Sprintf("The ephemeral API key %s is %s although the run that opened it has not ended; whatever was "+
				"configured with it will be refused. Run again, with a longer ttl if the key expired.", k.ID, status))
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to check the ephemeral API key "+k.ID, err)
		return
	}
	resp.Diagnostics.AddWarning("Ephemeral API key cannot be extended",
		fmt.Sprintf("The run has lasted most of the ephemeral API key's ttl. The API cannot extend a key, so the key %s "+
			"stops working at %s; if the run lasts longer, set a longer ttl.", k.ID, k.ExpiresAt))
}

// Close revokes the key, so that it does not outlive the run.
func (e *ephemeralAPIKey) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	k, c := e.opened(ctx, req.Private, &resp.Diagnostics)
	if c == nil {
		return
	}
	e.revoke(ctx, c, k.ID, &resp.Diagnostics)
}

// opened reads the private data of an open key and returns it with the client
// that acts as its account, or a nil client after a diagnostic.
func (e *ephemeralAPIKey) opened(ctx context.Context, private interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}, diags *diag.Diagnostics,
) (openedKey, *client.Client) {
	var k openedKey
	raw, d := private.GetKey(ctx, privateKey)
	diags.Append(d...)
	if diags.HasError() {
		return k, nil
	}
	if err := json.Unmarshal(raw, &k); err != nil || k.ID == "" {
		diags.AddError("Unknown ephemeral API key",
			"The provider's record of the ephemeral API key is missing or unreadable, so it cannot act on it; "+
				"the key still expires at the end of its ttl. This is a bug in the provider; please report it.")
		return k, nil
	}
	return k, e.Data.AccountClient(ctx, k.ManagedAccountID, diags)
}

func (e *ephemeralAPIKey) revoke(ctx context.Context, c *client.Client, id string, diags *diag.Diagnostics) {
	_, err := c.RevokeAPIKey(ctx, id)
	if client.IsNotFound(err) {
		tflog.Info(ctx, "Ephemeral API key already revoked", map[string]any{"id": id})
		return
	}
	if err != nil {
		providerdata.AddAPIError(diags, "Unable to revoke the ephemeral API key "+id+"; it still works until it expires", err)
		return
	}
	tflog.Info(ctx, "Revoked ephemeral API key", map[string]any{"id": id})
}
