# Terraform 1.12 or later. An account has one set of preferences: the
# managed account's id names them (an empty identity, {}, names the provider's
# own account's). The preferences' own id may be added; it must then be
# that account's.
import {
  to = telnyx_auto_recharge.customer
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
