# Custom rates are imported by the identifier of their managed account.
terraform import telnyx_managed_account_pricing.wholesale 6a09cdc3-8948-47f0-aa62-74ac943d6c58

# With Terraform 1.5 or later, an import block does the same during plan:
#
# import {
#   to = telnyx_managed_account_pricing.wholesale
#   id = "6a09cdc3-8948-47f0-aa62-74ac943d6c58"
# }
