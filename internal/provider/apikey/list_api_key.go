package apikey

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ list.ListResource              = &apiKeyListResource{}
	_ list.ListResourceWithConfigure = &apiKeyListResource{}
)

// NewListResource returns the telnyx_api_key list resource.
func NewListResource() list.ListResource {
	return &apiKeyListResource{ResourceBase: providerdata.ResourceBase{Name: "api_key"}}
}

type apiKeyListResource struct {
	providerdata.ResourceBase
}

type apiKeyListModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	Status           types.String `tfsdk:"status"`
}

func (r *apiKeyListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the additional API keys of the provider's account, or of one of its managed " +
			"accounts (`managed_account_id`) (Terraform 1.14 or later, `terraform query`), reading every page of the " +
			"API's list. Each result is named by the key's identity (`managed_account_id` and `id`) and shown as its " +
			"masked key and description. With `include_resource = true`, each result carries the key as an import " +
			"would read it, so that `terraform query -generate-config-out=FILE` writes a `telnyx_api_key` block and " +
			"an `import` block per key that import it with no change planned; the key itself (`secret`) is never " +
			"shown again by the API, so it is null after the import. Revoked keys are never listed, and neither are " +
			"expired ones, which cannot be managed (the provider drops them from the state): the API filters by " +
			"`status` when it is set, and the provider leaves the expired keys out of the rest.",
		Attributes: map[string]schema.Attribute{
			"managed_account_id": providerdata.ListManagedAccountIDAttribute("keys"),
			"status": schema.StringAttribute{
				MarkdownDescription: "Only keys with this status: `active` or `disabled`. Without it, both.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(client.APIKeyStatusActive, client.APIKeyStatusDisabled)},
			},
		},
	}
}

func (r *apiKeyListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg apiKeyListModel
	t, diags := providerdata.ReadListConfig(ctx, req, &cfg)
	c := r.Data.ListClient(ctx, cfg.ManagedAccountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := client.ListAPIKeysOptions{Status: cfg.Status.ValueString(), PageSize: providerdata.PageSize(req.Limit)}
	stream.Results = providerdata.ListResults(ctx, req, unexpired(c.AllAPIKeys(ctx, opts)), "Unable to list API keys",
		func(k client.APIKey, result *list.ListResult) {
			name := k.MaskedKey
			if k.Description != "" {
				name += " (" + k.Description + ")"
			}
			m := importedKey(ctx, cfg.ManagedAccountID, &k, t, &result.Diagnostics)
			providerdata.SetResult(ctx, req, result, name, m.identity(), &m)
		})
}

// unexpired leaves out the expired keys of keys, which the resource cannot
// manage (its Read drops them from the state).
func unexpired(keys iter.Seq2[client.APIKey, error]) iter.Seq2[client.APIKey, error] {
	return func(yield func(client.APIKey, error) bool) {
		for k, err := range keys {
			if err == nil && k.Status == client.APIKeyStatusExpired {
				continue
			}
			if !yield(k, err) {
				return
			}
		}
	}
}

// importedKey is the state that an import of k, a key of the managed account
// managedAccountID (null: the provider's own account), reads: what a list
// result carries, so that the configuration generated from it plans no
// change after the import.
func importedKey(ctx context.Context, managedAccountID types.String, k *client.APIKey, t timeouts.Value, diags *diag.Diagnostics) apiKeyModel {
	m := apiKeyModel{
		ManagedAccountID: managedAccountID,
		RotationTriggers: types.MapNull(types.StringType),
		Secret:           types.StringNull(),
		Timeouts:         t,
	}
	applyKey(ctx, &m, k, diags)
	return m
}
