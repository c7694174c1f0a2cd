# Terraform 1.14 or later. The notification profiles of the provider's own
# account, and those of one managed account.
list "telnyx_notification_profile" "own" {
  provider         = telnyx
  include_resource = true
}

list "telnyx_notification_profile" "customer" {
  provider         = telnyx
  include_resource = true

  config {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
