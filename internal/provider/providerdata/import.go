package providerdata

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// errBadAccountScopedID is what parseAccountScopedID returns for an import
// identifier of neither form.
var errBadAccountScopedID = errors.New("use <id> for one of the provider's account, or <managed_account_id>/<id> for one of its managed accounts")

// parseAccountScopedID splits the import identifier of an object that lives
// on an account: "<id>" for one of the provider's own account (accountID is
// then empty), "<managed_account_id>/<id>" for one of a managed account's.
// Neither part may be empty or hold a "/".
func parseAccountScopedID(importID string) (accountID, id string, err error) {
	accountID, id, found := strings.Cut(importID, "/")
	if !found {
		accountID, id = "", importID
	}
	if id == "" || (found && accountID == "") || strings.Contains(id, "/") {
		return "", "", errBadAccountScopedID
	}
	return accountID, id, nil
}

// ImportAccountScopedID imports an object that lives on an account, by an
// identifier parseAccountScopedID reads or by its AccountScopedIdentity.
// what names the object with its article ("an API key") in the error.
func ImportAccountScopedID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, what string) {
	var ident AccountScopedIdentity
	if ImportIdentity(ctx, req, &ident, &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), ident.ID)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), ident.ManagedAccountID)...)
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}
	accountID, id, err := parseAccountScopedID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import identifier", fmt.Sprintf("%q is not %s identifier: %s.", req.ID, what, err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if accountID != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), accountID)...)
	}
}
