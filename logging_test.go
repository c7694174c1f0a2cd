package main

import (
	"maps"
	"testing"
)

// TestProviderLogsOffUnlessTerraformShowsThem: without TF_LOG or
// TF_LOG_PROVIDER, Terraform discards provider logs, so the provider writes
// none; with either, or with the provider's own variables set, nothing
// changes.
func TestProviderLogsOffUnlessTerraformShowsThem(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"TerraformLogsOff", map[string]string{},
			map[string]string{"TF_LOG_SDK": "off", "TF_LOG_PROVIDER_TELNYX": "off"}},
		{"TerraformLogsOn", map[string]string{"TF_LOG": "DEBUG"},
			map[string]string{"TF_LOG": "DEBUG"}},
		{"TerraformProviderLogsOn", map[string]string{"TF_LOG_PROVIDER": "TRACE"},
			map[string]string{"TF_LOG_PROVIDER": "TRACE"}},
		{"UserChoiceKept", map[string]string{"TF_LOG_PROVIDER_TELNYX": "DEBUG"},
			map[string]string{"TF_LOG_SDK": "off", "TF_LOG_PROVIDER_TELNYX": "DEBUG"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := maps.Clone(tc.env)
			err := quietLogs(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(env, tc.want) {
				t.Errorf("environment %v, want %v", env, tc.want)
			}
		})
	}
}
