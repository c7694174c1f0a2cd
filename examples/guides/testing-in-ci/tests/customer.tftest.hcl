# `terraform test` applies the module against the reference backend that the
# CI job started (TELNYX_BASE_URL and TELNYX_API_KEY point at it), checks
# what the API answered, and destroys everything at the end. No mock: every
# request reaches the backend.

variables {
  name  = "Test Customer"
  email = "test-customer@ci.example.com"
}

run "own_balance" {
  command = apply

  assert {
    condition     = telnyx_managed_account.customer.enabled
    error_message = "A new managed account is enabled."
  }

  assert {
    condition     = telnyx_managed_account.customer.global_channel_limit == 10
    error_message = "The customer gets 10 channels by default."
  }

  assert {
    condition     = data.telnyx_balance.customer.balance == "0.00"
    error_message = "A new account with its own balance starts at 0.00."
  }

  assert {
    condition     = startswith(telnyx_api_key.integration.masked_key, "KEY")
    error_message = "The integration key is a Telnyx-style key."
  }
}

run "more_channels_in_place" {
  command = apply

  variables {
    channels = 25
    # A value of an earlier run, for the assertion below (OpenTofu reads run
    # outputs in variables, not in assertions).
    first_account_id = run.own_balance.account_id
  }

  assert {
    condition     = telnyx_managed_account.customer.global_channel_limit == 25
    error_message = "The channel limit changes in place."
  }

  assert {
    condition     = output.account_id == var.first_account_id
    error_message = "Changing the channel limit must not replace the account."
  }
}

run "rollup_needs_a_new_account" {
  command = plan

  variables {
    billed_to_manager = true
  }

  assert {
    condition     = telnyx_managed_account.customer.rollup_billing
    error_message = "The plan switches the customer to rollup billing."
  }
}
