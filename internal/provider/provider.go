// Package provider implements the Telnyx Terraform provider.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/apikey"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/billing"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/managedaccount"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/notification"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/pricing"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/usage"
)

// Environment variables the provider block falls back to.
const (
	EnvAPIKey  = "TELNYX_API_KEY" //nolint:gosec // G101: the name of an environment variable, not a credential
	EnvBaseURL = "TELNYX_BASE_URL"
)

const registryURL = "https://registry.terraform.io/providers/managedaccounts/telnyx"

var (
	_ provider.Provider                       = &telnyxProvider{}
	_ provider.ProviderWithValidateConfig     = &telnyxProvider{}
	_ provider.ProviderWithEphemeralResources = &telnyxProvider{}
	_ provider.ProviderWithListResources      = &telnyxProvider{}
	_ provider.ProviderWithActions            = &telnyxProvider{}
)

// New returns a constructor of the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &telnyxProvider{version: version}
	}
}

type telnyxProvider struct {
	version string
}

type providerModel struct {
	APIKey           types.String `tfsdk:"api_key"`
	BaseURL          types.String `tfsdk:"base_url"`
	ManagedAccountID types.String `tfsdk:"managed_account_id"`
	MaxRetries       types.Int64  `tfsdk:"max_retries"`
	RetryWaitMin     types.String `tfsdk:"retry_wait_min"`
	RetryWaitMax     types.String `tfsdk:"retry_wait_max"`
}

func (p *telnyxProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "telnyx"
	resp.Version = p.version
}

func (p *telnyxProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Telnyx provider manages Telnyx managed accounts (sub-accounts of a manager account) " +
			"and their API keys, payment methods, auto-recharge preferences and custom rates, and reads balances, invoices, " +
			"pricing and usage reports, through the " +
			"Telnyx v2 API or through the bundled reference backend that speaks the same API. With `managed_account_id`, " +
			"a provider instance acts as one of the manager's managed accounts.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "API key of the account the provider acts as (a manager account to manage managed accounts). " +
					"Can also be set with the `" + EnvAPIKey + "` environment variable.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Telnyx v2 API, an absolute `http` or `https` URL. Defaults to `" +
					client.DefaultBaseURL + "`; point it at a reference backend (for example `http://127.0.0.1:8787/v2`) " +
					"to work offline. Can also be set with the `" + EnvBaseURL + "` environment variable.",
				Optional:   true,
				Validators: []validator.String{httpURLValidator{}},
			},
			"managed_account_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of a managed account of the manager whose `api_key` configures the provider. " +
					"When set, the whole provider instance acts as that managed account (like the portal's \"log in as\"): " +
					"the provider fetches the account's primary key once, through the manager's key, and keeps it in memory " +
					"for the run only; it is never logged or stored. Use an aliased provider block to manage several accounts. " +
					"It must be known during plan; to act as an account created in the same configuration, use the " +
					"`managed_account_id` argument of the resources that have one instead.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request is retried after a connection error, "+
					"a rate limit (429) or a server error (5xx). `0` disables retries. Defaults to `%d`.", client.DefaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"retry_wait_min": schema.StringAttribute{
				MarkdownDescription: "Shortest wait between retries, as a Go duration such as `500ms` or `1s`. " +
					"A `Retry-After` header from the API takes precedence. Defaults to `" + client.DefaultRetryWaitMin.String() + "`.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"retry_wait_max": schema.StringAttribute{
				MarkdownDescription: "Longest wait between retries, as a Go duration such as `30s` or `1m`; at least " +
					"`retry_wait_min`. Defaults to `" + client.DefaultRetryWaitMax.String() + "`.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
		},
	}
}

// ValidateConfig checks what single-attribute validators cannot: that the
// retry waits are in order. Values unknown at validation time are checked
// again in Configure.
func (p *telnyxProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !isSet(cfg.RetryWaitMin) || !isSet(cfg.RetryWaitMax) {
		return
	}
	minWait, errMin := time.ParseDuration(cfg.RetryWaitMin.ValueString())
	maxWait, errMax := time.ParseDuration(cfg.RetryWaitMax.ValueString())
	if errMin == nil && errMax == nil && minWait > maxWait {
		resp.Diagnostics.AddAttributeError(path.Root("retry_wait_max"), "Invalid retry waits",
			fmt.Sprintf("retry_wait_max (%s) must be at least retry_wait_min (%s).", maxWait, minWait))
	}
}

func isSet(v types.String) bool { return !v.IsNull() && !v.IsUnknown() }

func (p *telnyxProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// The client is built once, before anything is planned: a value known
	// only after apply (another resource's output) cannot configure it.
	unknown := map[string]bool{
		"api_key":            cfg.APIKey.IsUnknown(),
		"base_url":           cfg.BaseURL.IsUnknown(),
		"managed_account_id": cfg.ManagedAccountID.IsUnknown(),
		"max_retries":        cfg.MaxRetries.IsUnknown(),
		"retry_wait_min":     cfg.RetryWaitMin.IsUnknown(),
		"retry_wait_max":     cfg.RetryWaitMax.IsUnknown(),
	}
	for _, name := range []string{"api_key", "base_url", "managed_account_id", "max_retries", "retry_wait_min", "retry_wait_max"} {
		if unknown[name] {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider setting",
				fmt.Sprintf("The provider's %s must be known during plan, but it depends on a value that is known only after apply. "+
					"Set it from a literal, a variable or a data source, or leave it out and use the environment.", name))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	apiKey := os.Getenv(EnvAPIKey)
	if !cfg.APIKey.IsNull() {
		apiKey = cfg.APIKey.ValueString()
	}
	if apiKey == "" {
		resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Missing Telnyx API key",
			"The provider needs an API key to call the Telnyx API. Set api_key in the provider block, "+
				"or set the "+EnvAPIKey+" environment variable.")
	}

	baseURL := client.DefaultBaseURL
	if v := os.Getenv(EnvBaseURL); v != "" {
		baseURL = v
	}
	if !cfg.BaseURL.IsNull() {
		baseURL = cfg.BaseURL.ValueString()
	}
	if err := checkHTTPURL(baseURL); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid base URL",
			fmt.Sprintf("The base URL %q (from base_url or %s) %s.", baseURL, EnvBaseURL, err))
	}

	// The client reads 0 as "use the default" and a negative count as "no
	// retries"; the provider's 0 means no retries.
	maxRetries := client.DefaultMaxRetries
	if !cfg.MaxRetries.IsNull() {
		maxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	if maxRetries == 0 {
		maxRetries = -1
	}

	waitMin := durationOr(cfg.RetryWaitMin, client.DefaultRetryWaitMin)
	waitMax := durationOr(cfg.RetryWaitMax, client.DefaultRetryWaitMax)
	if waitMin > waitMax {
		resp.Diagnostics.AddAttributeError(path.Root("retry_wait_max"), "Invalid retry waits",
			fmt.Sprintf("retry_wait_max (%s) must be at least retry_wait_min (%s).", waitMax, waitMin))
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		BaseURL:      baseURL,
		APIKey:       apiKey,
		UserAgent:    p.userAgent(req.TerraformVersion),
		MaxRetries:   maxRetries,
		RetryWaitMin: waitMin,
		RetryWaitMax: waitMax,
		Logger:       tflogLogger{},
	})
	if err != nil {
		resp.Diagnostics.AddError("Unable to create the Telnyx API client",
			"The settings were checked before, so this is a bug in the provider; please report it.\n\n"+err.Error())
		return
	}
	data := providerdata.New(c)
	if id := cfg.ManagedAccountID.ValueString(); id != "" {
		// Resolved now, once: every resource and data source of this
		// provider instance then calls the API as the managed account.
		if err := data.ActAs(ctx, id); err != nil {
			providerdata.AddAPIError(&resp.Diagnostics, "Unable to act as the managed account "+id, err)
			return
		}
	}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
	tflog.Debug(ctx, "Configured the Telnyx API client", map[string]any{
		"base_url": baseURL, "max_retries": max(maxRetries, 0), "managed_account_id": cfg.ManagedAccountID.ValueString(),
	})
}

func (p *telnyxProvider) userAgent(terraformVersion string) string {
	return fmt.Sprintf("terraform-provider-telnyx/%s (+%s) Terraform/%s", p.version, registryURL, terraformVersion)
}

// durationOr parses v, already validated by durationValidator, or returns def
// when v is not set.
func durationOr(v types.String, def time.Duration) time.Duration {
	if v.IsNull() {
		return def
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil {
		return def
	}
	return d
}

func (p *telnyxProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		managedaccount.NewResource,
		apikey.NewResource,
		pricing.NewResource,
		billing.NewPaymentMethodResource,
		billing.NewAutoRechargeResource,
		notification.NewProfileResource,
		notification.NewChannelResource,
		notification.NewSettingResource,
	}
}

// ListResources are the resources that terraform query can find (Terraform
// 1.14 and later); each has the name of the resource it lists.
func (p *telnyxProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		managedaccount.NewListResource,
		apikey.NewListResource,
		billing.NewPaymentMethodListResource,
		notification.NewProfileListResource,
		notification.NewChannelListResource,
		notification.NewSettingListResource,
	}
}

// Actions are the one-off operations of Terraform 1.14 and later (apply
// -invoke, action_trigger).
func (p *telnyxProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		billing.NewTopUpAction,
		billing.NewBalanceTransferAction,
	}
}

func (p *telnyxProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		apikey.NewEphemeralResource,
		managedaccount.NewCredentialsEphemeralResource,
	}
}

func (p *telnyxProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		managedaccount.NewDataSource,
		managedaccount.NewListDataSource,
		billing.NewBalanceDataSource,
		billing.NewPaymentMethodsDataSource,
		billing.NewInvoicesDataSource,
		apikey.NewListDataSource,
		pricing.NewDataSource,
		usage.NewDataSource,
		notification.NewEventConditionsDataSource,
	}
}

// tflogLogger forwards the client's request and response lines to Terraform's
// debug log (TF_LOG=DEBUG). The client masks the Authorization header itself.
type tflogLogger struct{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// checkHTTPURL reports why s is not an absolute http(s) URL, or nil.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("is not a URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("must start with http:// or https://")
	case u.Host == "":
		return fmt.Errorf("has no host")
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("must not have a query or a fragment")
	}
	return nil
}

type httpURLValidator struct{}

func (httpURLValidator) Description(_ context.Context) string {
	return "value must be an absolute http or https URL"
}

func (v httpURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (httpURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := checkHTTPURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid base URL",
			fmt.Sprintf("The base URL %q %s.", req.ConfigValue.ValueString(), err))
	}
}

type durationValidator struct{}

func (durationValidator) Description(_ context.Context) string {
	return "value must be a positive Go duration such as 500ms, 1s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a positive duration: use a Go duration such as 500ms, 1s or 2m.", req.ConfigValue.ValueString()))
	}
}
