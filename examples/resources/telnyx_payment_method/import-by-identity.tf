# Terraform 1.12 or later. A card of a managed account: the account's id and
# the card's (a card of the provider's own account: its id alone).
import {
  to = telnyx_payment_method.customer
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
    id                 = "9b0f6a3e-51c4-4d2e-8f7a-0c1d2e3f4a5b"
  }
}
