# Terraform 1.14 or later. The active keys of the provider's own account, and
# every key of one managed account (whose keys the provider reads through the
# manager's key).
list "telnyx_api_key" "own" {
  provider         = telnyx
  include_resource = true

  config {
    status = "active"
  }
}

list "telnyx_api_key" "customer" {
  provider         = telnyx
  include_resource = true

  config {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
