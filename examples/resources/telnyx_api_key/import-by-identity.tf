# Terraform 1.12 or later. A key of the provider's own account: its id alone.
import {
  to = telnyx_api_key.ci
  identity = {
    id = "2f1c9a4e-7d3b-4c55-9e0a-1b2c3d4e5f60"
  }
}

# A key of a managed account: the account's id and the key's.
import {
  to = telnyx_api_key.customer_integration
  identity = {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
    id                 = "7d3b2f1c-9a4e-4c55-9e0a-5e4f3d2c1b0a"
  }
}
