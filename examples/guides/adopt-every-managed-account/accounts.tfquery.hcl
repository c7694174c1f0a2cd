# Every managed account of the manager that is not cancelled, each with the
# state an import would read (include_resource), so that
#
#   terraform query -generate-config-out=generated.tf
#
# writes a resource block and an import block for each. A list block stops
# at 100 results unless limit says more: set it above the number of accounts.
list "telnyx_managed_account" "all" {
  provider         = telnyx
  include_resource = true
  limit            = 10000

  config {}
}
