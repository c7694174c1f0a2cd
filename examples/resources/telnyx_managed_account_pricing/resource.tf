# A managed account that may have custom rates, and its rates: cheaper US
# SMS, one voice rate for every destination, and the manager's rates (its
# committed rates, else the list prices) for everything else.
resource "telnyx_managed_account" "wholesale" {
  business_name                        = "Wholesale Co"
  managed_account_allow_custom_pricing = true
}

resource "telnyx_managed_account_pricing" "wholesale" {
  managed_account_id = telnyx_managed_account.wholesale.id

  rates = [
    {
      product      = "messaging"
      direction    = "outbound"
      message_type = "SMS"
      country_iso  = "US"
      rate         = "0.0035" # per message part
    },
    {
      product     = "voice"
      direction   = "outbound"
      country_iso = "*"     # every country without a rate of its own
      rate        = "0.012" # per minute
    },
    {
      product     = "wireless"
      country_iso = "US"
      rate        = "0.01" # per MB
    },
  ]
}
