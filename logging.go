package main

// Terraform shows a provider's log lines only when TF_LOG or TF_LOG_PROVIDER
// is set; the provider inherits Terraform's environment, so it sees them
// too. Without them, Terraform reads every line the provider writes to
// stderr, decodes its JSON and discards it, while the plugin SDK, left to
// itself, logs at TRACE: several lines per RPC, a quarter of the provider's
// CPU and a large share of Terraform's in `make bench` (bench/BENCHMARKS.md).
// quietLogs turns the SDK's and this provider's loggers off in that case
// only; any TF_LOG_SDK* or TF_LOG_PROVIDER_TELNYX the user sets still wins.
var terraformLogVariables = []string{"TF_LOG", "TF_LOG_PROVIDER"}

// providerLogVariables are what the plugin SDK reads for its own loggers
// (terraform-plugin-go and terraform-plugin-framework inherit the level of
// TF_LOG_SDK) and for this provider's (TF_LOG_PROVIDER_<type>).
var providerLogVariables = []string{"TF_LOG_SDK", "TF_LOG_PROVIDER_TELNYX"}

// quietLogs sets the provider's log levels to off when Terraform would
// discard its logs anyway. It is skipped in debug mode, where the logs go to
// the developer's terminal instead of through Terraform.
func quietLogs(getenv func(string) string, setenv func(string, string) error) error {
	for _, name := range terraformLogVariables {
		if getenv(name) != "" {
			return nil
		}
	}
	for _, name := range providerLogVariables {
		if getenv(name) != "" {
			continue
		}
		if err := setenv(name, "off"); err != nil {
			return err
		}
	}
	return nil
}
