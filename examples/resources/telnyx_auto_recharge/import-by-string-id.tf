# The preferences of a managed account: the managed account's id ("self" for
# the provider's own account).
import {
  to = telnyx_auto_recharge.customer
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}
