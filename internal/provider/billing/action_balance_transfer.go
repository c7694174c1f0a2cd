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

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// maxTransferDescriptionLen is the API's limit on a transfer's description.
const maxTransferDescriptionLen = 255

var (
	_ action.Action              = &balanceTransferAction{}
	_ action.ActionWithConfigure = &balanceTransferAction{}
)

// NewBalanceTransferAction returns the telnyx_balance_transfer action.
func NewBalanceTransferAction() action.Action {
	return &balanceTransferAction{ActionBase: providerdata.ActionBase{Name: "balance_transfer"}}
}

type balanceTransferAction struct {
	providerdata.ActionBase
}

type balanceTransferModel struct {
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	Amount           types.String `tfsdk:"amount"`
	Description      types.String `tfsdk:"description"`
}

func (a *balanceTransferAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Moves money from the balance of the manager whose `api_key` configures the provider to " +
			"one of its managed accounts' (Terraform 1.14 or later): a debit on the manager's ledger and a credit on " +
			"the managed account's, made together, both shown on the two accounts' invoices. The managed account " +
			"sees the credit and its `description`.\n\n" +
			"Each invocation is one transfer: run it when you mean to with " +
			"`terraform apply -invoke=action.telnyx_balance_transfer.NAME`, or from a resource's `action_trigger`, " +
			"for example a welcome credit when Terraform creates a managed account. Each invocation sends one " +
			"idempotency key, which every retry of its request repeats, so that an API that honours it (the reference " +
			"backend does) never moves the money of a retry twice. Nothing is stored in the state.\n\n" +
			"The API refuses the transfer, and the apply fails with its reason, beyond the manager's available " +
			"balance (its balance plus its credit limit), and for a managed account with rollup billing (it has no " +
			"balance of its own), a disabled one or a cancelled one. The provider must act as the manager: a provider " +
			"configured with `managed_account_id` cannot transfer.",
		Attributes: map[string]schema.Attribute{
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the managed account to credit, one of the manager's.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"amount": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How much to move, in US dollars and cents with exactly two decimals, from "+
					"`%s` to `%s`, such as `\"25.00\"`: a decimal string, never rounded through a floating-point number.",
					chargeAmount.min, chargeAmount.max),
				Required:   true,
				Validators: []validator.String{chargeAmount},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("What the transfer is for, at most %d characters, such as `\"Welcome credit\"`: "+
					"shown to the managed account with the credit, and on both accounts' invoices.", maxTransferDescriptionLen),
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtMost(maxTransferDescriptionLen)},
			},
		},
	}
}

func (a *balanceTransferAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var cfg balanceTransferModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, providerdata.DefaultCreateTimeout)
	defer cancel()
	accountID := cfg.ManagedAccountID.ValueString()
	t, err := a.Data.Client.CreateBalanceTransfer(ctx, accountID, client.CreateBalanceTransferRequest{
		Amount: cfg.Amount.ValueString(), Description: cfg.Description.ValueString(),
	})
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, fmt.Sprintf("Unable to transfer %s to managed account %s", cfg.Amount.ValueString(), accountID), err)
		return
	}
	tflog.Info(ctx, "Transferred to a managed account", map[string]any{"transfer_id": t.ID, "managed_account_id": accountID, "amount": t.Amount})
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(
		"Moved %s %s from the manager's balance to managed account %s (transfer %s).", t.Amount, t.Currency, accountID, t.ID)})
}
