package providerdata

import (
	"errors"
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// advice says what the user can do about a failed call, by the kind of
// failure: the summary names what failed and the API's detail why, but only
// the kind tells whether to fix the configuration, the key, the URL, or
// nothing and run again. It is "" when there is nothing general to say.
func advice(err error) string {
	if _, ok := errors.AsType[*client.ConnectionError](err); ok {
		return "The provider got no answer from the API, its retries included. Check the provider's base_url (or " +
			"TELNYX_BASE_URL), the network, and that the API is up, then run again."
	}
	if _, ok := errors.AsType[*client.UnexpectedAnswerError](err); ok {
		return notTheAPI
	}
	apiErr, ok := errors.AsType[*client.Error](err)
	if !ok {
		return ""
	}
	status := apiErr.StatusCode
	if status >= 500 {
		return "The API failed, and went on failing through the provider's retries: the configuration is not at fault. " +
			"Run again later; if it keeps failing, report it to the API's operators with the request id below."
	}
	if len(apiErr.Errors) == 0 {
		// A refusal without the API's error envelope comes from something
		// else that answers at the URL, such as a proxy or another service.
		return notTheAPI
	}
	switch status {
	case http.StatusBadRequest:
		return "The API could not read the request (the parameter or field it names). When it comes from an argument " +
			"of the configuration, correct that; otherwise this is a bug in the provider: please report it with the " +
			"request id below."
	case http.StatusUnauthorized:
		return "Check the API key the provider calls with (api_key in the provider block, or TELNYX_API_KEY): it must " +
			"be a live key of an enabled account. An object with a managed_account_id, or a provider configured with " +
			"one, calls with that managed account's own key, which is refused while the account is disabled: enable " +
			"the account first."
	case http.StatusForbidden:
		return "The key the provider calls with may not do this. Managed accounts, their pricing, and reports over all " +
			"of them take a manager's key: configure this provider with the manager's api_key, without managed_account_id."
	case http.StatusNotFound:
		return "Check the id. The API answers alike for an object that does not exist and for one this key may not " +
			"see (another manager's account, another account's object); an object deleted or cancelled outside " +
			"Terraform is gone, and the next plan drops it from the state."
	case http.StatusConflict:
		return "The object was changed at the same time by another request, and the provider's retries did not get " +
			"past it: run again."
	case http.StatusTooManyRequests:
		return "The API still limited the rate of requests after the provider's retries. Run again in a moment; with " +
			"many objects, lower terraform's -parallelism, or raise the provider's max_retries and retry_wait_max."
	case http.StatusUnprocessableEntity:
		if src := apiErr.Errors[0].Source; src != nil && src.Pointer != "" && src.Pointer != "/" {
			return "Correct the argument behind the field the API names (" + src.Pointer + ") as its detail says, and " +
				"run again."
		}
		return "The API refused the request as it stands; its detail says why. Change the configuration, or the " +
			"account it acts on, accordingly and run again."
	}
	return ""
}

// notTheAPI is the advice for an answer that the Telnyx API would not give.
const notTheAPI = "What answers at the provider's base_url (or TELNYX_BASE_URL) does not answer like the Telnyx API v2: " +
	"check the URL (the live API is " + client.DefaultBaseURL + ")."

// OfAccount names the account of an object in a summary: nothing for the
// provider's own account, which goes without saying, and " of the managed
// account <id>" for one of its managed accounts.
func OfAccount(managedAccountID string) string {
	if managedAccountID == "" {
		return ""
	}
	return " of the managed account " + managedAccountID
}
