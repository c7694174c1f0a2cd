package managedaccount

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// statusCancelled is the status of an account the operator cancelled: gone
// for its manager, although its email stays taken.
const statusCancelled = "cancelled"

// isEmailTaken reports whether err is the API's refusal of a new account's
// email because another account has it.
func isEmailTaken(err error) bool {
	apiErr, ok := errors.AsType[*client.Error](err)
	if !ok || apiErr.Code() != client.CodeDuplicate {
		return false
	}
	src := apiErr.Errors[0].Source
	return src == nil || src.Pointer == "" || src.Pointer == "/email"
}

// addEmailTaken explains a create that the API refused because its email is
// taken. The most common holder is an account this configuration destroyed
// (Telnyx cannot delete accounts, so destroying disables them), which the
// user wants back: the manager's accounts are searched for the email, and
// the error shows the import block that adopts the holder.
func (r *managedAccountResource) addEmailTaken(ctx context.Context, plan managedAccountModel, email string, err error, diags *diag.Diagnostics) {
	taken := takenEmail{
		Email: email, BusinessName: plan.BusinessName.ValueString(),
		RollupBilling: plan.RollupBilling.ValueBool(), Enabled: plan.Enabled.ValueBool(),
	}
	taken.Holder, taken.LookupErr = findByEmail(ctx, r.Data.Client, email)
	diags.AddAttributeError(path.Root("email"), "Unable to create the managed account: its email is taken",
		taken.detail()+"\n\n"+err.Error())
}

// findByEmail returns the caller's managed account with this email,
// cancelled ones included, or nil when it has none. Telnyx compares emails
// without regard to case, and so does this search. An account that is not
// cancelled is preferred, should the API list more than one.
func findByEmail(ctx context.Context, c *client.Client, email string) (*client.ManagedAccount, error) {
	var found *client.ManagedAccount
	opts := client.ListManagedAccountsOptions{EmailEq: email, IncludeCancelledAccounts: true, PageSize: client.MaxPageSize}
	for a, err := range c.AllManagedAccounts(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(a.Email, email) && (found == nil || statusOf(found) == statusCancelled) {
			found = &a
		}
	}
	return found, nil
}

func statusOf(a *client.ManagedAccount) string {
	if a.Status == nil {
		return ""
	}
	return *a.Status
}

// takenEmail is what the error about a taken email is made of: what the
// configuration asks for, and who holds the email.
type takenEmail struct {
	Email         string
	BusinessName  string
	RollupBilling bool
	Enabled       bool
	// Holder is the manager's account with the email; nil when none is, or
	// when the search failed with LookupErr.
	Holder    *client.ManagedAccount
	LookupErr error
}

// adoptAddress stands for the resource's address in the import block: a
// provider is never told the address of the resource it acts for, and
// Terraform prints the address with the error.
const adoptAddress = "telnyx_managed_account.NAME"

// importBlock is an import block that adopts the account id, indented so
// that Terraform prints it as it is instead of rewrapping it.
func importBlock(id string) string {
	return fmt.Sprintf("  import {\n    to = %s\n    id = %q\n  }", adoptAddress, id)
}

const adoptHow = "add this import block to the configuration, with " + adoptAddress + " replaced by this resource's " +
	"address (Terraform shows it with this error, after \"with\"), and apply again:"

func (e takenEmail) detail() string {
	switch {
	case e.LookupErr != nil:
		return fmt.Sprintf("Another account has the email %q. The provider could not search the manager's managed accounts "+
			"for it: %v\n\nIf it is one of them, such as an account this configuration destroyed (destroying disables an "+
			"account, and its email stays taken), find its id (the telnyx_managed_accounts data source with email_eq and "+
			"include_cancelled_accounts = true lists it) and adopt it: %s\n\n%s\n\nOtherwise, choose another email.",
			e.Email, e.LookupErr, adoptHow, importBlock("<its id>"))
	case e.Holder == nil:
		return fmt.Sprintf("No managed account of this manager has the email %q: another Telnyx account has it (another "+
			"manager's managed account, or an account of its own, such as the manager itself), and this provider cannot "+
			"adopt it. Choose another email, or leave email unset and the API derives one from the manager's.", e.Email)
	}
	a := e.Holder
	status := statusOf(a)
	if status == statusCancelled {
		return fmt.Sprintf("The manager's managed account %s has the email %q, and it was cancelled: a cancelled account "+
			"cannot be adopted or enabled again through the API, and its email stays taken. Choose another email.", a.ID, e.Email)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The manager's managed account %s has the email %q", a.ID, e.Email)
	switch status {
	case statusDisabled:
		b.WriteString(", and it is disabled. Telnyx cannot delete accounts: destroying a telnyx_managed_account disables " +
			"the account (deletion_policy = \"disable\") and its email stays taken, so this is most likely an account this " +
			"configuration destroyed.")
	case "":
		b.WriteString(". It may be managed by another configuration or resource, or have been made outside Terraform.")
	default:
		fmt.Fprintf(&b, ", and it is %s. It may be managed by another configuration or resource, or have been made "+
			"outside Terraform or abandoned (deletion_policy = \"abandon\"); make sure nothing else manages it before "+
			"adopting it.", status)
	}
	fmt.Fprintf(&b, "\n\nTo manage it with this resource rather than create another account, adopt it: %s\n\n%s\n\n", adoptHow, importBlock(a.ID))
	b.WriteString(e.afterImport())
	b.WriteString("To create a new account instead, choose another email.")
	return b.String()
}

// afterImport says what the apply that imports the holder goes on to do:
// what it changes in place, and what would make the plan replace it (and
// fail again on the email).
func (e takenEmail) afterImport() string {
	a := e.Holder
	var out strings.Builder
	switch status := statusOf(a); {
	case e.Enabled && status == statusDisabled:
		out.WriteString("The apply that imports it enables it again, as this configuration has enabled = true (the " +
			"default); set enabled = false to adopt it disabled. ")
	case !e.Enabled && status == statusEnabled:
		out.WriteString("The apply that imports it disables it, as this configuration has enabled = false. ")
	}
	var differ []string
	if strings.TrimSpace(e.BusinessName) != a.OrganizationName {
		differ = append(differ, fmt.Sprintf("business_name %q (not %q)", a.OrganizationName, e.BusinessName))
	}
	if e.RollupBilling != a.RollupBilling {
		differ = append(differ, fmt.Sprintf("rollup_billing %t (not %t)", a.RollupBilling, e.RollupBilling))
	}
	// Exactly: after an import the state holds the API's spelling, and any
	// other (other capitals, surrounding spaces) plans a replacement.
	if a.Email != e.Email {
		differ = append(differ, fmt.Sprintf("email %q", a.Email))
	}
	if len(differ) > 0 {
		fmt.Fprintf(&out, "It differs from this configuration in what cannot change in place: it has %s. Write those "+
			"values in the configuration to keep it; otherwise the plan after the import replaces it, and a new account "+
			"needs another email. ", strings.Join(differ, ", "))
	}
	if out.Len() == 0 {
		return ""
	}
	return strings.TrimSpace(out.String()) + "\n\n"
}
