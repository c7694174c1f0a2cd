package providerdata

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// ImportAccountScopedID imports an object that lives on an account: "<id>"
// for one of the provider's own account, "<managed_account_id>/<id>" for one
// of a managed account's. what names the object with its article ("an API
// key") in the error.
func ImportAccountScopedID(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, what string) {
	accountID, id, found := strings.Cut(req.ID, "/")
	if !found {
		accountID, id = "", req.ID
	}
	if id == "" || (found && accountID == "") || strings.Contains(id, "/") {
		resp.Diagnostics.AddError("Invalid import identifier",
			fmt.Sprintf("%q is not %s identifier: use <id> for one of the provider's account, or "+
				"<managed_account_id>/<id> for one of its managed accounts.", req.ID, what))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if found {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("managed_account_id"), accountID)...)
	}
}
