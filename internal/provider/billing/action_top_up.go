package billing

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

var (
	_ action.Action              = &topUpAction{}
	_ action.ActionWithConfigure = &topUpAction{}
)

// NewTopUpAction returns the telnyx_top_up action.
func NewTopUpAction() action.Action {
	return &topUpAction{ActionBase: providerdata.ActionBase{Name: "top_up"}}
}

type topUpAction struct {
	providerdata.ActionBase
}

type topUpModel struct {
	Amount           types.String `tfsdk:"amount"`
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
}

func (a *topUpAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Tops an account up (Terraform 1.14 or later): charges `amount` to the default payment " +
			"method of the provider's account, or of one of its managed accounts (`managed_account_id`), and credits " +
			"the account's balance with it. Until the payment settles, the credit shows as pending on the balance.\n\n" +
			"Each invocation is one charge, made once: run it when you mean to with " +
			"`terraform apply -invoke=action.telnyx_top_up.NAME`, or from a resource's `action_trigger` (for example " +
			"after a card is added). Each invocation sends one idempotency key, which every retry of its request " +
			"repeats, so that an API that honours it (the reference backend does) never charges a retry twice. " +
			"Nothing is stored in the state.\n\n" +
			"The API refuses the charge, and the apply fails with its reason, when the account has no default payment " +
			"method, when the card is declined, and for a managed account with rollup billing (its manager pays its " +
			"charges).",
		Attributes: map[string]schema.Attribute{
			"amount": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How much to charge, in US dollars and cents with exactly two decimals, from "+
					"`%s` to `%s`, such as `\"50.00\"`: a decimal string, never rounded through a floating-point number.",
					chargeAmount.min, chargeAmount.max),
				Required:   true,
				Validators: []validator.String{chargeAmount},
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider: " +
					"that account is topped up, with its own default card (the provider acts as it through its primary " +
					"key, fetched with the manager's key and never stored). When not set, the provider's own account is " +
					"topped up (the provider's `managed_account_id`, if it has one).",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (a *topUpAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg topUpModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, providerdata.DefaultCreateTimeout)
	defer cancel()
	accountID := cfg.ManagedAccountID.ValueString()
	c := a.Data.AccountClient(ctx, accountID, &resp.Diagnostics)
	if c == nil {
		return
	}
	t, err := c.CreateStoredPaymentTransaction(ctx, cfg.Amount.ValueString())
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to top up "+accountName(accountID), err)
		return
	}
	tflog.Info(ctx, "Topped up an account", map[string]any{"transaction_id": t.ID, "managed_account_id": accountID, "amount_cents": t.AmountCents})
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(
		"Charged %s %s to the default card of %s (transaction %s, processor status %s).",
		centsString(t.AmountCents), t.AmountCurrency, accountName(accountID), t.ID, t.ProcessorStatus)})
}

// centsString writes an amount in cents as dollars and cents: 5000 is
// "50.00".
func centsString(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
