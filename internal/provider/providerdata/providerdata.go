// Package providerdata holds what the provider hands to its resources and data
// sources once it is configured, and the helpers they share to receive it and
// to report API errors.
package providerdata

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// Data is the one value every resource and data source receives from the
// provider's Configure.
type Data struct {
	Client *client.Client
}

// FromConfigure extracts the provider's Data from a resource's or data
// source's ConfigureRequest.ProviderData. It returns nil without a diagnostic
// when the provider is not configured yet (Terraform calls Configure early,
// during validation), and nil with an error for a value of another type.
func FromConfigure(providerData any, diags *diag.Diagnostics) *Data {
	if providerData == nil {
		return nil
	}
	d, ok := providerData.(*Data)
	if !ok || d == nil {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerdata.Data, got %T. This is a bug in the provider; please report it.", providerData))
		return nil
	}
	return d
}

// AddAPIError adds an error diagnostic for a failed API call. Its detail
// carries everything the API said (status, code, title, detail, the field it
// is about, the request id), so that a user can act on it or quote it.
func AddAPIError(diags *diag.Diagnostics, summary string, err error) {
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		diags.AddError(summary, fmt.Sprintf("The Telnyx API answered: %s\n\n%s", apiErr.Detail(), err))
		return
	}
	diags.AddError(summary, err.Error())
}
