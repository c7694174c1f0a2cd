package providerdata

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// Removal says what a resource's Delete does to its object, for
// RemoveAsAccount's messages.
type Removal struct {
	Object string // the object, as in "the API key"
	Action string // what Delete does, as in "Unable to revoke the API key"
	Done   string // the log line once done: "Revoked API key"
}

// RemoveAsAccount does the work of a Delete as the managed account
// managedAccountID ("" for the provider's own account): remove, with that
// account's client. A managed account or an object already gone is not an
// error: what Delete wants is done. fields go into the log lines.
func (d *Data) RemoveAsAccount(ctx context.Context, managedAccountID string, r Removal, fields map[string]any,
	diags *diag.Diagnostics, remove func(context.Context, *client.Client) error,
) {
	c, err := d.ClientFor(ctx, managedAccountID)
	if client.IsNotFound(err) {
		tflog.Info(ctx, "Managed account of the "+r.Object+" already gone", fields)
		return
	}
	if err != nil {
		AddAPIError(diags, "Unable to act as the managed account "+managedAccountID, err)
		return
	}
	err = remove(ctx, c)
	if client.IsNotFound(err) {
		tflog.Info(ctx, "The "+r.Object+" was already gone", fields)
		return
	}
	if err != nil {
		AddAPIError(diags, "Unable to "+r.Action, err)
		return
	}
	tflog.Info(ctx, r.Done, fields)
}
