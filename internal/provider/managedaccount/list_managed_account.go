package managedaccount

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ list.ListResource              = &managedAccountListResource{}
	_ list.ListResourceWithConfigure = &managedAccountListResource{}
)

// NewListResource returns the telnyx_managed_account list resource.
func NewListResource() list.ListResource {
	return &managedAccountListResource{ResourceBase: providerdata.ResourceBase{Name: "managed_account"}}
}

type managedAccountListResource struct {
	providerdata.ResourceBase
}

type managedAccountListModel struct {
	Status                   types.String `tfsdk:"status"`
	EmailContains            types.String `tfsdk:"email_contains"`
	OrganizationNameContains types.String `tfsdk:"organization_name_contains"`
}

func (r *managedAccountListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	contains := []validator.String{stringvalidator.LengthAtLeast(minContainsLen)}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the managed accounts of the manager whose `api_key` configures the provider " +
			"(Terraform 1.14 or later, `terraform query`), reading every page of the API's list. Each result is named " +
			"by the account's identity (its `id`) and shown as its organization name and email. With " +
			"`include_resource = true`, each result carries the account as an import would read it, so that " +
			"`terraform query -generate-config-out=FILE` writes a `telnyx_managed_account` block and an `import` " +
			"block per account that import it with no change planned. Cancelled accounts, which cannot be managed, " +
			"are never listed. The filters are the API's, applied by the API.",
		Attributes: map[string]schema.Attribute{
			"status": schema.StringAttribute{
				MarkdownDescription: "Only accounts with this status: `enabled` or `disabled`. Without it, both.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(statusEnabled, statusDisabled)},
			},
			"email_contains": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Only accounts whose email contains this text, ignoring case (at least %d characters).", minContainsLen),
				Optional:            true,
				Validators:          contains,
			},
			"organization_name_contains": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Only accounts whose organization name (the resource's `business_name`) "+
					"contains this text, ignoring case (at least %d characters).", minContainsLen),
				Optional:   true,
				Validators: contains,
			},
		},
	}
}

func (r *managedAccountListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg managedAccountListModel
	t, diags := providerdata.ReadListConfig(ctx, req, &cfg)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := client.ListManagedAccountsOptions{
		Status:                   cfg.Status.ValueString(),
		EmailContains:            cfg.EmailContains.ValueString(),
		OrganizationNameContains: cfg.OrganizationNameContains.ValueString(),
		// The oldest first: the generated names (NAME_0, NAME_1, …) then
		// keep their accounts when new ones are created.
		Sort:     "created_at",
		PageSize: providerdata.PageSize(req.Limit),
	}
	stream.Results = providerdata.ListResults(ctx, req, r.Data.Client.AllManagedAccounts(ctx, opts), "Unable to list managed accounts",
		func(a client.ManagedAccount, result *list.ListResult) {
			m := importedAccount(&a, t)
			providerdata.SetResult(ctx, req, result, fmt.Sprintf("%s (%s)", a.OrganizationName, a.Email), m.identity(), &m)
		})
}

// importedAccount is the state that an import of a reads: what a list
// result carries, so that the configuration generated from it plans no
// change after the import.
func importedAccount(a *client.ManagedAccount, t timeouts.Value) managedAccountModel {
	m := managedAccountModel{Timeouts: t}
	applyAccount(&m, a)
	settle(&m)
	m.DeletionPolicy = types.StringValue(DeletionPolicyDisable)
	return m
}
