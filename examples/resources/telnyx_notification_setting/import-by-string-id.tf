# A setting of a managed account: <managed_account_id>/<setting_id> (its id
# alone for a setting of the provider's own account).
import {
  to = telnyx_notification_setting.customer_low_balance
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58/8eb5b5f9-5893-423c-9f15-b487713d44d4"
}
