# Terraform 1.14 or later, in a file ending in .tfquery.hcl beside the
# configuration that declares the provider. `terraform query` lists the
# manager's enabled accounts whose organization name contains "acme";
# `terraform query -generate-config-out=generated.tf` writes a resource block
# and an import block (by identity) for each.
list "telnyx_managed_account" "acme" {
  provider         = telnyx
  include_resource = true
  # At most 100 results unless limit says otherwise.
  limit = 1000

  config {
    status                     = "enabled"
    organization_name_contains = "acme"
  }
}
