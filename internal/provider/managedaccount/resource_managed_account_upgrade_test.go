package managedaccount_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// upgradeV0 asks the provider, as Terraform does, to upgrade raw (the
// attributes of a telnyx_managed_account at schema version 0) and returns the
// diagnostics, and the upgraded attributes when there are no errors.
func upgradeV0(t *testing.T, raw []byte) ([]*tfprotov6.Diagnostic, map[string]tftypes.Value) {
	t.Helper()
	ctx := context.Background()
	server := acctest.Serve(t)
	current := server.Schemas.ResourceSchemas[resourceType]
	if current == nil {
		t.Fatalf("no schema for %s", resourceType)
	}
	if current.Version != 1 {
		t.Errorf("%s is at schema version %d, want 1", resourceType, current.Version)
	}
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: resourceType, Version: 0, RawState: &tfprotov6.RawState{JSON: raw},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return resp.Diagnostics, nil
		}
	}
	if resp.UpgradedState == nil {
		t.Fatal("no upgraded state")
	}
	secrets := []acctest.Secret{{Name: "the primary key", Value: fakeV0Account.APIKey}, {Name: "the API v1 token", Value: fakeV0Account.APIToken}}
	if found := acctest.FindSecrets(resp.UpgradedState.MsgPack, secrets); len(found) != 0 {
		t.Errorf("the upgraded state holds %v", found)
	}
	v, err := resp.UpgradedState.Unmarshal(current.ValueType())
	if err != nil {
		t.Fatalf("the upgraded state does not match the current schema: %v", err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics, attrs
}

// fakeV0Account fills the state that the previous provider version wrote.
var fakeV0Account = &client.ManagedAccount{
	ID: "28ec8fc1-c4b2-4fb0-bdc8-543d0732b454", Email: "upgrade@example.com", APIUser: "upgrade@example.com",
	ManagerAccountID: "4e83479c-7a4c-4e39-a9cf-455f15b8f9d7", CreatedAt: "2025-01-02T03:04:05.000Z",
	APIKey: "KEYCANARY0123456789ABCDEF_canary-primary-key", APIToken: "canary-v1-token",
}

// v0ResourceAttributes returns the attributes of the telnyx_managed_account
// in v0State, as Terraform hands them to UpgradeResourceState.
func v0ResourceAttributes(t *testing.T) []byte {
	t.Helper()
	var file struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Instances []struct {
				Attributes json.RawMessage `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(renderV0State(t, fakeV0Account), &file); err != nil {
		t.Fatal(err)
	}
	for _, r := range file.Resources {
		if r.Mode == "managed" {
			return r.Instances[0].Attributes
		}
	}
	t.Fatal("no managed resource in " + v0State)
	return nil
}

// TestUpgradeStateV0 upgrades the attributes that the previous provider
// version wrote: api_key and api_token are gone, every other value is kept.
func TestUpgradeStateV0(t *testing.T) {
	raw := v0ResourceAttributes(t)
	diags, attrs := upgradeV0(t, raw)
	if attrs == nil {
		t.Fatalf("upgrade failed: %v", diags)
	}
	for _, name := range []string{"api_key", "api_token"} {
		if v, ok := attrs[name]; ok {
			t.Errorf("the upgraded state still has %s: %v", name, v)
		}
	}
	var old map[string]any
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	delete(old, "api_key")
	delete(old, "api_token")
	if len(attrs) != len(old) {
		t.Errorf("the upgraded state has %d attributes, want the %d others of version 0", len(attrs), len(old))
	}
	for name, want := range old {
		got, ok := attrs[name]
		if !ok {
			t.Errorf("the upgrade lost %s", name)
			continue
		}
		switch want := want.(type) {
		case nil:
			if !got.IsNull() {
				t.Errorf("%s = %v after the upgrade, want null", name, got)
			}
		case string:
			var s string
			if err := got.As(&s); err != nil || s != want {
				t.Errorf("%s = %v after the upgrade, want %q", name, got, want)
			}
		case bool:
			var b bool
			if err := got.As(&b); err != nil || b != want {
				t.Errorf("%s = %v after the upgrade, want %v", name, got, want)
			}
		case float64:
			if !got.Equal(tftypes.NewValue(tftypes.Number, want)) {
				t.Errorf("%s = %v after the upgrade, want %v", name, got, want)
			}
		default:
			t.Errorf("%s: unexpected JSON value %v in the v0 state", name, want)
		}
	}
}

// TestUpgradeStateV0_unexpectedAttribute refuses a version 0 state that
// holds what version 0 never had, rather than dropping it unseen.
func TestUpgradeStateV0_unexpectedAttribute(t *testing.T) {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(v0ResourceAttributes(t), &attrs); err != nil {
		t.Fatal(err)
	}
	attrs["surprise"] = json.RawMessage(`"?"`)
	raw, err := json.Marshal(attrs)
	if err != nil {
		t.Fatal(err)
	}
	diags, upgraded := upgradeV0(t, raw)
	if upgraded != nil {
		t.Fatalf("the upgrade accepted an unknown attribute: %v", upgraded)
	}
	var text []string
	for _, d := range diags {
		text = append(text, d.Summary+": "+d.Detail)
	}
	if joined := strings.Join(text, "\n"); !strings.Contains(joined, `unsupported attribute "surprise"`) {
		t.Errorf("diagnostics %q do not name the unknown attribute", joined)
	}
}
