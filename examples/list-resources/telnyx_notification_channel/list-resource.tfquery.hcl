# Terraform 1.14 or later. The notification channels of a managed account
# (notification_profile_id narrows them to one profile's).
list "telnyx_notification_channel" "customer" {
  provider         = telnyx
  include_resource = true

  config {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
