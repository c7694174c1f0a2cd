package providerdata

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// The bases below give every resource, data source, ephemeral resource and
// action of the provider its Metadata and Configure: embed the one of its
// kind with Name set, and read Data in the other methods. There are four
// because the framework's request and response types differ by kind (a list
// resource's are a resource's: it embeds ResourceBase).

// ResourceBase is embedded by every resource.
type ResourceBase struct {
	// Name is the type name after the provider's: "api_key" for
	// telnyx_api_key.
	Name string
	// Data is what the provider's Configure made; nil until then.
	Data *Data
}

func (b *ResourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.Name
}

func (b *ResourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if d := FromConfigure(req.ProviderData, &resp.Diagnostics); d != nil {
		b.Data = d
	}
}

// DataSourceBase is embedded by every data source.
type DataSourceBase struct {
	// Name is the type name after the provider's: "api_keys" for
	// data.telnyx_api_keys.
	Name string
	// Data is what the provider's Configure made; nil until then.
	Data *Data
}

func (b *DataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.Name
}

func (b *DataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if d := FromConfigure(req.ProviderData, &resp.Diagnostics); d != nil {
		b.Data = d
	}
}

// EphemeralBase is embedded by every ephemeral resource.
type EphemeralBase struct {
	// Name is the type name after the provider's: "api_key" for
	// ephemeral.telnyx_api_key.
	Name string
	// Data is what the provider's Configure made; nil until then.
	Data *Data
}

func (b *EphemeralBase) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.Name
}

func (b *EphemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	if d := FromConfigure(req.ProviderData, &resp.Diagnostics); d != nil {
		b.Data = d
	}
}

// ActionBase is embedded by every action (Terraform 1.14 and later).
type ActionBase struct {
	// Name is the type name after the provider's: "top_up" for
	// action.telnyx_top_up.
	Name string
	// Data is what the provider's Configure made; nil until then.
	Data *Data
}

func (b *ActionBase) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + b.Name
}

func (b *ActionBase) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if d := FromConfigure(req.ProviderData, &resp.Diagnostics); d != nil {
		b.Data = d
	}
}
