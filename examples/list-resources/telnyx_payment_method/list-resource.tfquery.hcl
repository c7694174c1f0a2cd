# Terraform 1.14 or later. The cards of a managed account. The configuration
# that -generate-config-out writes for them has card_number_wo = null and
# card_cvc_wo = null: the API never shows a card's number again, so fill them
# in (from ephemeral variables) before the plan.
list "telnyx_payment_method" "customer" {
  provider         = telnyx
  include_resource = true

  config {
    managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
  }
}
