package managedaccount

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ ephemeral.EphemeralResource              = &credentialsEphemeral{}
	_ ephemeral.EphemeralResourceWithConfigure = &credentialsEphemeral{}
)

// NewCredentialsEphemeralResource returns the
// telnyx_managed_account_credentials ephemeral resource.
func NewCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return &credentialsEphemeral{EphemeralBase: providerdata.EphemeralBase{Name: "managed_account_credentials"}}
}

// credentialsEphemeral hands a managed account's primary credentials to the
// configuration without writing them to the plan or the state: the one
// explicit way to read them, now that telnyx_managed_account does not keep
// them.
type credentialsEphemeral struct {
	providerdata.EphemeralBase
}

type credentialsModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	APIUser          types.String `tfsdk:"api_user"`
	APIKey           types.String `tfsdk:"api_key"`
	APIToken         types.String `tfsdk:"api_token"`
}

func (e *credentialsEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The primary credentials of a managed account (Terraform 1.10 or later): its `api_key` and " +
			"API v1 `api_token`, read through the manager's key whenever Terraform opens the ephemeral resource and never " +
			"written to the plan or the state. They are for the rare system that needs the account's own primary key, " +
			"through a write-only argument or a provider block. The primary key cannot be rotated or revoked through the " +
			"API: whatever receives it can act as the account until the account is disabled. For Terraform itself, prefer " +
			"`managed_account_id` or the ephemeral `telnyx_api_key`; for another system, a `telnyx_api_key` of the account, " +
			"which can be rotated and revoked on its own.",
		Attributes: map[string]schema.Attribute{
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider " +
					"(the provider's own `managed_account_id` does not change which manager asks).",
				Required:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"api_user": schema.StringAttribute{
				MarkdownDescription: "API user of the account (its email), which goes with `api_token` in API v1 requests.",
				Computed:            true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Primary API key of the managed account.",
				Computed:            true,
				Sensitive:           true,
			},
			"api_token": schema.StringAttribute{
				MarkdownDescription: "API v1 token of the managed account.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

func (e *credentialsEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m credentialsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.ManagedAccountID.ValueString()
	// The manager's own key reads a managed account's credentials, even when
	// the provider acts as one of its managed accounts.
	a, err := e.Data.Manager.GetManagedAccount(ctx, id)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the credentials of the managed account "+id, err)
		return
	}
	if a.APIKey == "" {
		resp.Diagnostics.AddError("Managed account without credentials",
			"The API answered the managed account "+id+" without its api_key, which it gives only to the account's "+
				"manager. Check that the provider's api_key is that manager's key, and that base_url points at the Telnyx "+
				"API v2.")
		return
	}
	tflog.Info(ctx, "Read the credentials of a managed account", map[string]any{"managed_account_id": id})
	m.APIUser = types.StringValue(a.APIUser)
	m.APIKey = types.StringValue(a.APIKey)
	m.APIToken = types.StringNull()
	if a.APIToken != "" {
		m.APIToken = types.StringValue(a.APIToken)
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
