package providerdata_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// baseCase runs one kind's Metadata and Configure, the latter with the
// given provider data, and returns the type name, the Data it kept and the
// diagnostics.
type baseCase struct {
	kind string
	run  func(providerData any) (string, *providerdata.Data, diag.Diagnostics)
}

func baseCases() []baseCase {
	ctx := context.Background()
	return []baseCase{
		{"resource", func(pd any) (string, *providerdata.Data, diag.Diagnostics) {
			b := &providerdata.ResourceBase{Name: "api_key"}
			var meta resource.MetadataResponse
			b.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
			var conf resource.ConfigureResponse
			b.Configure(ctx, resource.ConfigureRequest{ProviderData: pd}, &conf)
			return meta.TypeName, b.Data, conf.Diagnostics
		}},
		{"data source", func(pd any) (string, *providerdata.Data, diag.Diagnostics) {
			b := &providerdata.DataSourceBase{Name: "api_key"}
			var meta datasource.MetadataResponse
			b.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
			var conf datasource.ConfigureResponse
			b.Configure(ctx, datasource.ConfigureRequest{ProviderData: pd}, &conf)
			return meta.TypeName, b.Data, conf.Diagnostics
		}},
		{"ephemeral resource", func(pd any) (string, *providerdata.Data, diag.Diagnostics) {
			b := &providerdata.EphemeralBase{Name: "api_key"}
			var meta ephemeral.MetadataResponse
			b.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
			var conf ephemeral.ConfigureResponse
			b.Configure(ctx, ephemeral.ConfigureRequest{ProviderData: pd}, &conf)
			return meta.TypeName, b.Data, conf.Diagnostics
		}},
		{"action", func(pd any) (string, *providerdata.Data, diag.Diagnostics) {
			b := &providerdata.ActionBase{Name: "api_key"}
			var meta action.MetadataResponse
			b.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "telnyx"}, &meta)
			var conf action.ConfigureResponse
			b.Configure(ctx, action.ConfigureRequest{ProviderData: pd}, &conf)
			return meta.TypeName, b.Data, conf.Diagnostics
		}},
	}
}

func TestBasesNameTheTypeAndKeepTheProvidersData(t *testing.T) {
	data, _ := newData(t)
	for _, c := range baseCases() {
		t.Run(c.kind, func(t *testing.T) {
			name, kept, diags := c.run(data)
			if name != "telnyx_api_key" {
				t.Errorf("type name %q, want telnyx_api_key", name)
			}
			if kept != data || diags.HasError() {
				t.Errorf("Configure kept %p (%v), want the provider's %p", kept, diags, data)
			}
			// Terraform configures before the provider is: nothing to keep,
			// and no error.
			if _, kept, diags := c.run(nil); kept != nil || diags.HasError() {
				t.Errorf("Configure(nil) kept %p (%v), want nothing and no error", kept, diags)
			}
			if _, kept, diags := c.run("not the provider's data"); kept != nil || !diags.HasError() {
				t.Errorf("Configure(string) kept %p (%v), want an error", kept, diags)
			}
		})
	}
}
