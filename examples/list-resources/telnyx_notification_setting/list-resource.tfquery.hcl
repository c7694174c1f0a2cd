# Terraform 1.14 or later. The notification settings of the provider's own
# account, and those of one managed account. Query the profiles and channels
# too: the settings name them by id.
list "telnyx_notification_setting" "own" {
  provider         = telnyx
  include_resource = true
}

list "telnyx_notification_setting" "customer" {
  provider         = telnyx
  include_resource = true

  config {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
