package billing

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ list.ListResource              = &paymentMethodListResource{}
	_ list.ListResourceWithConfigure = &paymentMethodListResource{}
)

// NewPaymentMethodListResource returns the telnyx_payment_method list resource.
func NewPaymentMethodListResource() list.ListResource {
	return &paymentMethodListResource{ResourceBase: providerdata.ResourceBase{Name: "payment_method"}}
}

type paymentMethodListResource struct {
	providerdata.ResourceBase
}

type paymentMethodListModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
}

func (r *paymentMethodListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the payment methods (cards) of the provider's account, or of one of its managed " +
			"accounts (`managed_account_id`) (Terraform 1.14 or later, `terraform query`), reading every page of the " +
			"API's list. Each result is named by the card's identity (`managed_account_id` and `id`) and shown as its " +
			"brand, last four digits and expiry. With `include_resource = true`, each result carries the card as an " +
			"import would read it, and `terraform query -generate-config-out=FILE` writes a `telnyx_payment_method` " +
			"block and an `import` block per card. The card number and CVC are never shown again by the API: the " +
			"generated block has `card_number_wo = null` and `card_cvc_wo = null`, which you must replace with the " +
			"card's number and CVC (they are write-only, sent only if the card is ever replaced) before the plan " +
			"imports it with no other change than recording `card_wo_version`, if you set one. A managed account with " +
			"rollup billing has no cards of its own: the API refuses to list them.",
		Attributes: map[string]schema.Attribute{
			"managed_account_id": providerdata.ListManagedAccountIDAttribute("cards"),
		},
	}
}

func (r *paymentMethodListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg paymentMethodListModel
	t, diags := providerdata.ReadListConfig(ctx, req, &cfg)
	c := r.Data.ListClient(ctx, cfg.ManagedAccountID, &diags)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	opts := client.ListPaymentMethodsOptions{PageSize: providerdata.PageSize(req.Limit)}
	stream.Results = providerdata.ListResults(ctx, req, c.AllPaymentMethods(ctx, opts), "Unable to list payment methods",
		func(pm client.PaymentMethod, result *list.ListResult) {
			name := fmt.Sprintf("%s ending in %s, expires %02d/%d", pm.Card.Brand, pm.Card.Last4, pm.Card.ExpMonth, pm.Card.ExpYear)
			if pm.Default {
				name += " (default)"
			}
			m := importedPaymentMethod(ctx, cfg.ManagedAccountID, &pm, t, &result.Diagnostics)
			providerdata.SetResult(ctx, req, result, name, m.identity(), &m)
		})
}

// importedPaymentMethod is the state that an import of pm, a card of the
// managed account managedAccountID (null: the provider's own account),
// reads: what a list result carries.
func importedPaymentMethod(ctx context.Context, managedAccountID types.String, pm *client.PaymentMethod, t timeouts.Value, diags *diag.Diagnostics) paymentMethodModel {
	m := paymentMethodModel{
		ManagedAccountID: managedAccountID,
		BillingDetails:   types.ObjectNull(billingDetailsTypes),
		Timeouts:         t,
	}
	applyPaymentMethod(ctx, &m, pm, diags)
	return m
}
