# The disabled keys of the provider's own account.
data "telnyx_api_keys" "disabled" {
  status = "disabled"
}

# Every key of a managed account that is not revoked (no secrets are listed).
data "telnyx_api_keys" "customer" {
  managed_account_id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
}

output "customer_keys" {
  value = {
    for k in data.telnyx_api_keys.customer.api_keys : k.id => {
      masked_key   = k.masked_key
      status       = k.status
      last_used_at = k.last_used_at
    }
  }
}
