package acctest

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider"
)

// Protocol is the provider served in-process and driven through the plugin
// protocol, as Terraform drives it, for what an acceptance test cannot
// reach: a warning (plugin-testing shows none), a call Terraform makes only
// after a long wait (Renew), a prior state of the test's choosing.
type Protocol struct {
	tfprotov6.ProviderServer
	Schemas *tfprotov6.GetProviderSchemaResponse
}

// Serve serves the provider, not configured yet, and reads its schemas.
func Serve(t *testing.T) *Protocol {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(provider.New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return &Protocol{ProviderServer: server, Schemas: schemas}
}

// NewProtocol serves the provider and configures it as the holder of key on
// srv, with no retries.
func NewProtocol(t *testing.T, srv *backendtest.Server, key string) *Protocol {
	t.Helper()
	ctx := context.Background()
	p := Serve(t)
	cfg := ObjectValue(t, ObjectType(t, p.Schemas.Provider), map[string]tftypes.Value{
		"base_url":    tftypes.NewValue(tftypes.String, srv.URL),
		"api_key":     tftypes.NewValue(tftypes.String, key),
		"max_retries": tftypes.NewValue(tftypes.Number, 0),
	})
	resp, err := p.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	NoErrors(t, "configure", resp.Diagnostics)
	return p
}

// ObjectType is the value type of a schema.
func ObjectType(t *testing.T, s *tfprotov6.Schema) tftypes.Object {
	t.Helper()
	if s == nil {
		t.Fatal("no such schema")
	}
	typ, ok := s.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("the schema's value type %s is not an object", s.ValueType())
	}
	return typ
}

// ObjectValue is an object of type typ whose attributes are set, or null.
func ObjectValue(t *testing.T, typ tftypes.Object, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
		if v, ok := set[name]; ok {
			attrs[name] = v
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// NoErrors fails the test on the first error among diags, from what.
func NoErrors(t *testing.T, what string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Fatalf("%s: %s: %s", what, d.Summary, d.Detail)
		}
	}
}
