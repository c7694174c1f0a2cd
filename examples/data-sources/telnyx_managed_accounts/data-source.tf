# Every enabled managed account whose organization name contains "acme",
# sorted by email. Every page is read.
data "telnyx_managed_accounts" "acme" {
  organization_name_contains = "acme"
  status                     = "enabled"
  sort                       = "email"
}

output "acme_account_ids" {
  value = [for a in data.telnyx_managed_accounts.acme.managed_accounts : a.id]
}
