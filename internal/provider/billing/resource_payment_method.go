package billing

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// Limits the API enforces on billing details; checked at plan time too.
const (
	maxBillingNameLen = 255
	maxPostalCodeLen  = 16
)

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

var (
	_ resource.Resource                = &paymentMethodResource{}
	_ resource.ResourceWithConfigure   = &paymentMethodResource{}
	_ resource.ResourceWithImportState = &paymentMethodResource{}
	_ resource.ResourceWithIdentity    = &paymentMethodResource{}
)

// NewPaymentMethodResource returns the telnyx_payment_method resource.
func NewPaymentMethodResource() resource.Resource {
	return &paymentMethodResource{ResourceBase: providerdata.ResourceBase{Name: "payment_method"}}
}

type paymentMethodResource struct {
	providerdata.ResourceBase
}

type paymentMethodModel struct {
	ID               types.String   `tfsdk:"id"`
	ManagedAccountID types.String   `tfsdk:"managed_account_id"`
	CardNumberWO     types.String   `tfsdk:"card_number_wo"`
	CardCVCWO        types.String   `tfsdk:"card_cvc_wo"`
	CardWOVersion    types.Int64    `tfsdk:"card_wo_version"`
	ExpMonth         types.Int64    `tfsdk:"exp_month"`
	ExpYear          types.Int64    `tfsdk:"exp_year"`
	BillingDetails   types.Object   `tfsdk:"billing_details"`
	Default          types.Bool     `tfsdk:"default"`
	Brand            types.String   `tfsdk:"brand"`
	Last4            types.String   `tfsdk:"last4"`
	Fingerprint      types.String   `tfsdk:"fingerprint"`
	CreatedAt        types.String   `tfsdk:"created_at"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

type billingDetailsModel struct {
	Name       types.String `tfsdk:"name"`
	PostalCode types.String `tfsdk:"postal_code"`
	Country    types.String `tfsdk:"country"`
}

var billingDetailsTypes = map[string]attr.Type{
	"name":        types.StringType,
	"postal_code": types.StringType,
	"country":     types.StringType,
}

func (r *paymentMethodResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A card payment method of the provider's account, or of one of its managed accounts " +
			"(`managed_account_id`). Requires Terraform 1.11 or later: the card number and CVC are write-only arguments " +
			"(`card_number_wo`, `card_cvc_wo`), sent to the API once, when the card is created, and never stored in the plan " +
			"or the state; the API never shows them again either, only `brand`, `last4` and a `fingerprint`.\n\n" +
			"The expiry, the billing details and `default` are updated in place. A new card number is a new payment method: " +
			"change `card_wo_version` to replace the card with the one now written in `card_number_wo` and `card_cvc_wo`.\n\n" +
			"**One default card.** Whenever an account has payment methods, exactly one of them is its default, the one " +
			"top-ups and auto-recharge charge. The account's first card becomes the default whatever `default` says; a card " +
			"created or updated with `default = true` takes the default over; destroying the default card makes the newest " +
			"remaining card the default. Set `default = true` on at most one card of an account: two would take the default " +
			"from each other on every apply. A card cannot be made non-default by itself (`default = false` on the default " +
			"card is refused): set another card as the default instead.\n\n" +
			"A managed account with rollup billing has no payment methods of its own (its manager pays its charges): the API " +
			"refuses them. Destroying the resource deletes the card.\n\n" +
			"Import a card by its id, or as `<managed_account_id>/<id>` for a card of a managed account, or by its identity " +
			"(Terraform 1.12 or later). The card number " +
			"and CVC cannot be imported (the API never shows them): the configuration still sets them, and they are sent " +
			"only if the card is replaced.",
		Blocks: map[string]schema.Block{"timeouts": providerdata.TimeoutsBlock(ctx)},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the payment method.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider: " +
					"the card is added to that account (the provider acts as it through its primary key, fetched with the " +
					"manager's key and never stored). When not set, the card belongs to the provider's own account (the " +
					"provider's `managed_account_id`, if it has one). Changing it creates a new card.",
				Optional:      true,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			// The validators of the two write-only values (card_checks.go)
			// never repeat the value they refuse.
			"card_number_wo": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The card number, write-only: %d to %d digits, with spaces allowed between "+
					"them, that pass the Luhn check (checked at plan time when the value is known then, as when it is "+
					"written literally or comes from a variable). It is sent to the API when the card is created (and when "+
					"`card_wo_version` changes, which creates a new card), and never stored in the plan or the state. "+
					"Changing it alone does nothing: Terraform cannot see a change of a write-only value. It cannot be "+
					"imported.", minCardDigits, maxCardDigits),
				Required:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{cardNumberValidator{}},
			},
			"card_cvc_wo": schema.StringAttribute{
				MarkdownDescription: "The card's security code (CVC), write-only: 3 digits, 4 for American Express (checked " +
					"against the card number at plan time when both are known then). Sent with `card_number_wo`, never " +
					"stored. It cannot be imported.",
				Required:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{cvcValidator{}},
			},
			"card_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Version of the card written in `card_number_wo` and `card_cvc_wo`. Change it to replace " +
					"this card with the one now written there: a new payment method is created and this one deleted. " +
					"Setting it where it was not set, as after an import (which cannot know it), records it without replacing " +
					"the card.",
				Optional:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplaceIf(versionChanged, versionChangedDescription, versionChangedDescription)},
			},
			"exp_month": schema.Int64Attribute{
				MarkdownDescription: "Expiry month of the card, 1 to 12. Updated in place.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.Between(1, 12)},
			},
			"exp_year": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("Expiry year of the card, four digits such as `2030`. The card must not "+
					"have expired (a card is good through the last day of its expiry month, UTC), nor expire more than %d "+
					"years ahead: the plan checks this against the local clock whenever the expiry is to be sent (a new "+
					"card, or a new expiry), and the API against its own. Updated in place.", maxExpiryYears),
				Required:   true,
				Validators: []validator.Int64{int64validator.Between(1000, 9999)},
			},
			"billing_details": schema.SingleNestedAttribute{
				MarkdownDescription: "The card holder's billing details. Updated in place.",
				Required:            true,
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: fmt.Sprintf("Name of the card holder, 1 to %d characters.", maxBillingNameLen),
						Required:            true,
						Validators:          []validator.String{stringvalidator.LengthBetween(1, maxBillingNameLen)},
					},
					"postal_code": schema.StringAttribute{
						MarkdownDescription: fmt.Sprintf("Postal code of the billing address, at most %d characters. "+
							"Defaults to none (an empty string).", maxPostalCodeLen),
						Optional:   true,
						Computed:   true,
						Default:    stringdefault.StaticString(""),
						Validators: []validator.String{stringvalidator.LengthAtMost(maxPostalCodeLen)},
					},
					"country": schema.StringAttribute{
						MarkdownDescription: "Country of the billing address, an ISO 3166-1 alpha-2 code in capitals such as `US`.",
						Required:            true,
						Validators: []validator.String{stringvalidator.RegexMatches(countryPattern,
							"must be an ISO 3166-1 alpha-2 country code in capitals, such as US")},
					},
				},
			},
			"default": schema.BoolAttribute{
				MarkdownDescription: "Whether this card is the account's default payment method, which top-ups and " +
					"auto-recharge charge. `true` makes it the default (taking it from the account's other card); when not " +
					"set, the provider leaves the default where the API puts it and reports it (the account's first card is " +
					"always the default). `false` is refused for the account's first card, and for the default card: move " +
					"the default by setting `default = true` on another card. Updated in place.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"brand": schema.StringAttribute{
				MarkdownDescription: "Brand of the card, detected from its number: `visa`, `mastercard`, `amex`, `discover`, " +
					"`diners`, `jcb`, `unionpay` or `unknown`.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"last4": schema.StringAttribute{
				MarkdownDescription: "Last four digits of the card number, to recognise the card.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"fingerprint": schema.StringAttribute{
				MarkdownDescription: "A keyed hash of the card number: two payment methods with the same fingerprint are the " +
					"same card. It does not reveal the number.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the payment method was created (RFC 3339).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

const versionChangedDescription = "changing card_wo_version replaces the card, unless it was not set before (as after an import)"

// versionChanged asks for a new card when card_wo_version changes from one
// value to another (or is removed), not when it is first set on a card that
// had none, as after an import.
func versionChanged(_ context.Context, req planmodifier.Int64Request, resp *int64planmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull()
}

func (r *paymentMethodResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan paymentMethodModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// Write-only values are only in the configuration, never in the plan.
	var number, cvc types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("card_number_wo"), &number)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("card_cvc_wo"), &cvc)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Create, providerdata.DefaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if !providerdata.IsKnown(number) || !providerdata.IsKnown(cvc) {
		resp.Diagnostics.AddError("Missing card number or CVC",
			"card_number_wo and card_cvc_wo must both be set to create a payment method. Being write-only, they need "+
				"Terraform 1.11 or later, which sends them to the provider.")
		return
	}
	billing := billingFromObject(ctx, plan.BillingDetails, &resp.Diagnostics)
	c := r.Data.AccountClient(ctx, plan.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil || resp.Diagnostics.HasError() {
		return
	}

	wantsNotDefault := providerdata.IsKnown(plan.Default) && !plan.Default.ValueBool()
	if wantsNotDefault && r.firstMethod(ctx, c, plan.ManagedAccountID.ValueString(), &resp.Diagnostics) {
		resp.Diagnostics.AddAttributeError(path.Root("default"), "The first card is always the default",
			"The account has no payment method yet, and the API makes its first card the default, so default = false "+
				"cannot hold. Remove default (or set it to true) on this card.")
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}

	in := client.CreatePaymentMethodRequest{
		Type: client.PaymentMethodTypeCard,
		Card: client.NewCard{
			Number: number.ValueString(), CVC: cvc.ValueString(),
			ExpMonth: plan.ExpMonth.ValueInt64(), ExpYear: plan.ExpYear.ValueInt64(),
		},
		BillingDetails: client.BillingDetails{
			Name: billing.Name.ValueString(), PostalCode: billing.PostalCode.ValueString(), Country: billing.Country.ValueString(),
		},
	}
	if providerdata.IsKnown(plan.Default) {
		in.Default = plan.Default.ValueBoolPointer()
	}
	pm, err := c.CreatePaymentMethod(ctx, in)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to create the payment method"+providerdata.OfAccount(plan.ManagedAccountID.ValueString()), err)
		return
	}
	tflog.Info(ctx, "Created payment method", map[string]any{"id": pm.ID, "brand": pm.Card.Brand, "last4": pm.Card.Last4})

	state := plan
	applyPaymentMethod(ctx, &state, pm, &resp.Diagnostics)
	if wantsNotDefault && pm.Default {
		// Another card was deleted between the check above and the create.
		resp.Diagnostics.AddAttributeError(path.Root("default"), "The card became the default",
			fmt.Sprintf("The API made payment method %s the default, because the account had no other card when it was "+
				"created, although default = false. Remove default (or set it to true) on this card.", pm.ID))
	}
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

// firstMethod reports whether c's account (the managed account accountID,
// or the provider's own for "") has no payment method yet.
func (r *paymentMethodResource) firstMethod(ctx context.Context, c *client.Client, accountID string, diags *diag.Diagnostics) bool {
	list, _, err := c.ListPaymentMethods(ctx, client.ListPaymentMethodsOptions{PageSize: 1})
	if err != nil {
		providerdata.AddAPIError(diags, "Unable to list the payment methods"+providerdata.OfAccount(accountID)+
			" to check that default = false can hold", err)
		return false
	}
	return len(list) == 0
}

func (r *paymentMethodResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state paymentMethodModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	c, err := r.Data.ClientFor(ctx, state.ManagedAccountID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Managed account of the payment method not found",
			fmt.Sprintf("The managed account %s no longer exists or is no longer visible to this manager, and its payment "+
				"method %s with it; the payment method is removed from the Terraform state.", state.ManagedAccountID.ValueString(), id))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to act as the managed account "+state.ManagedAccountID.ValueString(), err)
		return
	}
	pm, err := c.GetPaymentMethod(ctx, id)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Payment method not found",
			fmt.Sprintf("The payment method %s no longer exists: it was deleted outside Terraform. It is removed from the "+
				"Terraform state and will be planned for creation (with the card in card_number_wo) if it is still configured.", id))
		providerdata.RemoveFromState(ctx, resp, state.identity())
		return
	}
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to read the payment method "+id, err)
		return
	}
	applyPaymentMethod(ctx, &state, pm, &resp.Diagnostics)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &state, state.identity(), &resp.Diagnostics)
}

func (r *paymentMethodResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state paymentMethodModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, plan.Timeouts.Update, providerdata.DefaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	var patch client.UpdatePaymentMethodRequest
	if !plan.ExpMonth.Equal(state.ExpMonth) || !plan.ExpYear.Equal(state.ExpYear) {
		// Both together: the API checks the expiry they make, not each alone.
		patch.Card = &client.CardExpiry{ExpMonth: plan.ExpMonth.ValueInt64Pointer(), ExpYear: plan.ExpYear.ValueInt64Pointer()}
	}
	if !plan.BillingDetails.Equal(state.BillingDetails) {
		b := billingFromObject(ctx, plan.BillingDetails, &resp.Diagnostics)
		patch.BillingDetails = &client.BillingDetails{
			Name: b.Name.ValueString(), PostalCode: b.PostalCode.ValueString(), Country: b.Country.ValueString(),
		}
	}
	if providerdata.IsKnown(plan.Default) && !plan.Default.Equal(state.Default) {
		patch.Default = plan.Default.ValueBoolPointer()
	}
	if resp.Diagnostics.HasError() {
		return
	}

	next := plan
	next.ID = state.ID
	if patch.Card == nil && patch.BillingDetails == nil && patch.Default == nil {
		// Only card_wo_version was set (after an import): nothing to send.
		next.Brand, next.Last4, next.Fingerprint, next.CreatedAt = state.Brand, state.Last4, state.Fingerprint, state.CreatedAt
		next.Default = state.Default
		next.CardNumberWO, next.CardCVCWO = types.StringNull(), types.StringNull()
		providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
		return
	}
	c := r.Data.AccountClient(ctx, state.ManagedAccountID.ValueString(), &resp.Diagnostics)
	if c == nil {
		return
	}
	pm, err := c.UpdatePaymentMethod(ctx, state.ID.ValueString(), patch)
	if err != nil {
		providerdata.AddAPIError(&resp.Diagnostics, "Unable to update the payment method "+state.ID.ValueString(), err)
		return
	}
	applyPaymentMethod(ctx, &next, pm, &resp.Diagnostics)
	providerdata.SaveState(ctx, &resp.State, resp.Identity, &next, next.identity(), &resp.Diagnostics)
}

func (r *paymentMethodResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state paymentMethodModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := providerdata.WithTimeout(ctx, state.Timeouts.Delete, providerdata.DefaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	r.Data.RemoveAsAccount(ctx, state.ManagedAccountID.ValueString(),
		providerdata.Removal{Object: "payment method", Action: "delete the payment method " + id, Done: "Deleted payment method"},
		map[string]any{"id": id}, &resp.Diagnostics, func(ctx context.Context, c *client.Client) error {
			_, err := c.DeletePaymentMethod(ctx, id)
			return err
		})
}

// IdentitySchema: a card is named by its account and its own id.
func (r *paymentMethodResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = providerdata.AccountScopedIdentitySchema("the payment method", false)
}

func (m *paymentMethodModel) identity() providerdata.AccountScopedIdentity {
	return providerdata.NewAccountScopedIdentity(m.ManagedAccountID, m.ID.ValueString())
}

// ImportState accepts "<payment_method_id>" for a card of the provider's own
// account and "<managed_account_id>/<payment_method_id>" for a card of one
// of its managed accounts, or the same as an identity. The card number and
// CVC cannot be imported: the API never shows them.
func (r *paymentMethodResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	providerdata.ImportAccountScopedID(ctx, req, resp, "a payment method")
}

// applyPaymentMethod copies what the API answered into m. Billing details
// the user wrote are kept when the API only trimmed them.
func applyPaymentMethod(ctx context.Context, m *paymentMethodModel, pm *client.PaymentMethod, diags *diag.Diagnostics) {
	m.ID = types.StringValue(pm.ID)
	m.ExpMonth = types.Int64Value(pm.Card.ExpMonth)
	m.ExpYear = types.Int64Value(pm.Card.ExpYear)
	m.Default = types.BoolValue(pm.Default)
	m.Brand = types.StringValue(pm.Card.Brand)
	m.Last4 = types.StringValue(pm.Card.Last4)
	m.Fingerprint = types.StringValue(pm.Card.Fingerprint)
	m.CreatedAt = types.StringValue(pm.CreatedAt)

	current := billingDetailsModel{Name: types.StringNull(), PostalCode: types.StringNull(), Country: types.StringNull()}
	if providerdata.IsKnown(m.BillingDetails) {
		current = billingFromObject(ctx, m.BillingDetails, diags)
	}
	obj, d := types.ObjectValueFrom(ctx, billingDetailsTypes, billingDetailsModel{
		Name:       providerdata.KeepIfSame(current.Name, pm.BillingDetails.Name),
		PostalCode: providerdata.KeepIfSame(current.PostalCode, pm.BillingDetails.PostalCode),
		Country:    types.StringValue(pm.BillingDetails.Country),
	})
	diags.Append(d...)
	m.BillingDetails = obj
	// Write-only values never reach the state.
	m.CardNumberWO, m.CardCVCWO = types.StringNull(), types.StringNull()
}

func billingFromObject(ctx context.Context, o types.Object, diags *diag.Diagnostics) billingDetailsModel {
	var b billingDetailsModel
	diags.Append(o.As(ctx, &b, basetypes.ObjectAsOptions{})...)
	return b
}
