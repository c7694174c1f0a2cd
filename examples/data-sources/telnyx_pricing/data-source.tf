# The manager's rates in force now: what its managed accounts pay unless they
# have custom rates.
data "telnyx_pricing" "current" {}

# Outbound SMS rates by country, and whether each is committed or listed.
output "outbound_sms_rates" {
  value = {
    for r in data.telnyx_pricing.current.rates : r.country_iso => "${r.rate} per ${r.unit} (${r.source})"
    if r.product == "messaging" && r.direction == "outbound" && r.message_type == "SMS"
  }
}
