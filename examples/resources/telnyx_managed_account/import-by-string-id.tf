import {
  to = telnyx_managed_account.example
  id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}
