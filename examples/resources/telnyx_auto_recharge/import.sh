# The auto-recharge preferences of the provider's own account are imported as "self".
terraform import telnyx_auto_recharge.own self

# Those of a managed account are imported by the managed account's id.
terraform import telnyx_auto_recharge.customer 6a09cdc3-8948-47f0-aa62-74ac943d6c58
