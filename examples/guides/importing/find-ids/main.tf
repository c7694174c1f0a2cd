# Look an account up by email, and list the keys of that account.
data "telnyx_managed_account" "acme" {
  email = "ops@acme.example.com"
}

data "telnyx_api_keys" "acme" {
  managed_account_id = data.telnyx_managed_account.acme.id
}

output "acme_id" {
  value = data.telnyx_managed_account.acme.id
}

output "acme_key_ids" {
  value = { for k in data.telnyx_api_keys.acme.api_keys : k.id => k.description }
}
