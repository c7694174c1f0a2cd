package providerdata

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// List resources (terraform query, Terraform 1.14 and later) embed
// ResourceBase, whose Metadata and Configure are also a list resource's:
// a list resource is named as the resource it lists. Each one streams every
// page of an API list through ListResults, giving each object its identity,
// a display name and, when include_resource is set, the state an import of
// it would read, so that terraform query -generate-config-out writes
// configuration that imports and then plans no change. To add one for a new
// resource type: a NewListResource beside the resource, its config schema
// (filters), and a List that calls ListResults; then list it in the
// provider's ListResources, with an example under examples/list-resources.

// PageSize is the page size to read at most limit objects (a list block's
// limit; 0 or less: no limit) in the fewest calls.
func PageSize(limit int64) int {
	if limit > 0 && limit < client.MaxPageSize {
		return int(limit)
	}
	return client.MaxPageSize
}

// ListResults streams the objects of items as list results: fill sets each
// result's display name, identity and (when req.IncludeResource) resource.
// It stops after req.Limit results (when above 0), when Terraform stops
// reading, or at the first error of items, which ends the stream as an error
// diagnostic with summary.
func ListResults[T any](ctx context.Context, req list.ListRequest, items iter.Seq2[T, error], summary string,
	fill func(item T, result *list.ListResult)) iter.Seq[list.ListResult] {
	return func(push func(list.ListResult) bool) {
		var n int64
		for item, err := range items {
			if err != nil {
				var diags diag.Diagnostics
				AddAPIError(&diags, summary, err)
				push(list.ListResult{Diagnostics: diags})
				return
			}
			result := req.NewListResult(ctx)
			fill(item, &result)
			if !push(result) {
				return
			}
			if n++; req.Limit > 0 && n >= req.Limit {
				return
			}
		}
	}
}

// ListManagedAccountIDAttribute is the managed_account_id filter of a list
// resource that lists what lives on an account; what names it, as in "keys".
func ListManagedAccountIDAttribute(what string) listschema.StringAttribute {
	return listschema.StringAttribute{
		MarkdownDescription: "List the " + what + " of this managed account of the manager whose `api_key` configures " +
			"the provider (the provider acts as it through its primary key, fetched with the manager's key and never " +
			"stored). When not set, the " + what + " of the provider's own account are listed.",
		Optional:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
}

// ReadListConfig reads a list block's configuration into cfg and returns the
// timeouts block of the resources it lists (null, as after an import) and
// the diagnostics, which end the list when they hold an error.
func ReadListConfig(ctx context.Context, req list.ListRequest, cfg any) (timeouts.Value, diag.Diagnostics) {
	diags := req.Config.Get(ctx, cfg)
	var t timeouts.Value
	if req.IncludeResource && !diags.HasError() {
		t = nullTimeouts(ctx, req, &diags)
	}
	return t, diags
}

// ListClient is AccountClient for a list whose configuration was read
// with diags: nil, without a call, when diags already hold an error.
func (d *Data) ListClient(ctx context.Context, managedAccountID types.String, diags *diag.Diagnostics) *client.Client {
	if diags.HasError() {
		return nil
	}
	return d.AccountClient(ctx, managedAccountID.ValueString(), diags)
}

// SetResult gives a list result its display name and identity and, when the
// list block asks for them (include_resource), the state m of its object.
func SetResult(ctx context.Context, req list.ListRequest, result *list.ListResult, displayName string, ident, m any) {
	result.DisplayName = displayName
	result.Diagnostics.Append(result.Identity.Set(ctx, ident)...)
	if req.IncludeResource {
		result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
	}
}

// nullTimeouts is the timeouts block of a listed object: not set, as after
// an import. Its type comes from the resource's schema.
func nullTimeouts(ctx context.Context, req list.ListRequest, diags *diag.Diagnostics) timeouts.Value {
	t, d := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	diags.Append(d...)
	if d.HasError() {
		return timeouts.Value{}
	}
	v, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
	tv, ok := v.(timeouts.Value)
	if err != nil || !ok {
		diags.AddError("Unexpected resource schema", fmt.Sprintf("The resource's timeouts block is a %T (%v), not a timeouts "+
			"block. This is a bug in the provider; please report it.", v, err))
		return timeouts.Value{}
	}
	return tv
}
