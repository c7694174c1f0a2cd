# Custom rates: the identifier of their managed account.
import {
  to = telnyx_managed_account_pricing.wholesale
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}
