package managedaccount

import "github.com/managedaccounts/terraform-provider-telnyx/internal/client"

// EmailTakenDetail exposes the detail of the error about a taken email, for
// a configuration with this email and the business name "Acme", enabled,
// without rollup billing.
func EmailTakenDetail(email string, holder *client.ManagedAccount, lookupErr error) string {
	return takenEmail{Email: email, BusinessName: "Acme", Enabled: true, Holder: holder, LookupErr: lookupErr}.detail()
}
