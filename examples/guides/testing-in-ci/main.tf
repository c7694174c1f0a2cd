# The module under test: one customer, as your own code would make it. Its
# tests (tests/customer.tftest.hcl) apply it against a reference backend.
terraform {
  required_version = ">= 1.11"

  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

variable "name" {
  type        = string
  description = "The customer's business name."
}

variable "email" {
  type        = string
  description = "The customer's email, unique across the manager's accounts."
}

variable "channels" {
  type        = number
  description = "Outbound channels allocated to the customer."
  default     = 10
}

variable "billed_to_manager" {
  type    = bool
  default = false
}

resource "telnyx_managed_account" "customer" {
  business_name        = var.name
  email                = var.email
  global_channel_limit = var.channels
  rollup_billing       = var.billed_to_manager
}

resource "telnyx_api_key" "integration" {
  managed_account_id = telnyx_managed_account.customer.id
  description        = "${var.name} integration"
  tags               = ["integration"]
}

data "telnyx_balance" "customer" {
  managed_account_id = telnyx_managed_account.customer.id

  depends_on = [telnyx_api_key.integration]
}

output "account_id" {
  value = telnyx_managed_account.customer.id
}

output "balance" {
  value = data.telnyx_balance.customer.balance
}

output "integration_key" {
  value     = telnyx_api_key.integration.secret
  sensitive = true
}
