# Terraform 1.12 or later: the account's identity is its id.
import {
  to = telnyx_managed_account.example
  identity = {
    id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
