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

// currentSchemaVersion is the version of telnyx_managed_account's schema.
const currentSchemaVersion = 2

// droppedSince are the attributes that a state of each older version holds
// and the current version does not.
var droppedSince = map[int64][]string{
	0: {"api_key", "api_token", "api_user", "organization_name", "status"},
	1: {"api_user", "organization_name", "status"},
}

// upgradeV0 asks the provider, as Terraform does, to upgrade raw (the
// attributes of a telnyx_managed_account at schema version 0) and returns the
// diagnostics, and the upgraded attributes when there are no errors.
func upgradeV0(t *testing.T, raw []byte) ([]*tfprotov6.Diagnostic, map[string]tftypes.Value) {
	t.Helper()
	return upgrade(t, 0, raw)
}

// upgrade asks the provider, as Terraform does, to upgrade raw (the
// attributes of a telnyx_managed_account at schema version from) and returns
// the diagnostics, and the upgraded attributes when there are no errors.
func upgrade(t *testing.T, from int64, raw []byte) ([]*tfprotov6.Diagnostic, map[string]tftypes.Value) {
	t.Helper()
	ctx := context.Background()
	server := acctest.Serve(t)
	current := server.Schemas.ResourceSchemas[resourceType]
	if current == nil {
		t.Fatalf("no schema for %s", resourceType)
	}
	if current.Version != currentSchemaVersion {
		t.Errorf("%s is at schema version %d, want %d", resourceType, current.Version, currentSchemaVersion)
	}
	resp, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: resourceType, Version: from, RawState: &tfprotov6.RawState{JSON: raw},
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
	return resourceAttributes(t, renderV0State(t, fakeV0Account))
}

// resourceAttributes returns the attributes of the managed resource in a
// rendered state file, as Terraform hands them to UpgradeResourceState.
func resourceAttributes(t *testing.T, state []byte) []byte {
	t.Helper()
	var file struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Instances []struct {
				Attributes json.RawMessage `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(state, &file); err != nil {
		t.Fatal(err)
	}
	for _, r := range file.Resources {
		if r.Mode == "managed" {
			return r.Instances[0].Attributes
		}
	}
	t.Fatal("no managed resource in the state")
	return nil
}

// TestUpgradeStateV0 upgrades the attributes that the provider wrote at
// schema version 0: api_key and api_token are gone, and so is what version 2
// dropped; every other value is kept.
func TestUpgradeStateV0(t *testing.T) {
	raw := v0ResourceAttributes(t)
	diags, attrs := upgradeV0(t, raw)
	if attrs == nil {
		t.Fatalf("upgrade failed: %v", diags)
	}
	checkUpgraded(t, raw, droppedSince[0], attrs)
}

// TestUpgradeStateV1 upgrades the attributes that the provider wrote at
// schema version 1 (as Terraform 1.11.4 stored them): api_user,
// organization_name and status, which repeated other attributes, are gone;
// every other value is kept.
func TestUpgradeStateV1(t *testing.T) {
	raw := resourceAttributes(t, renderState(t, v1State, fakeV0Account))
	diags, attrs := upgrade(t, 1, raw)
	if attrs == nil {
		t.Fatalf("upgrade failed: %v", diags)
	}
	checkUpgraded(t, raw, droppedSince[1], attrs)
}

// checkUpgraded checks that attrs, upgraded from raw, have every attribute
// of raw but dropped, each with its value.
func checkUpgraded(t *testing.T, raw []byte, dropped []string, attrs map[string]tftypes.Value) {
	t.Helper()
	var old map[string]any
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatal(err)
	}
	for _, name := range dropped {
		if _, ok := old[name]; !ok {
			t.Fatalf("the old state has no %s: it proves nothing", name)
		}
		if v, ok := attrs[name]; ok {
			t.Errorf("the upgraded state still has %s: %v", name, v)
		}
		delete(old, name)
	}
	if len(attrs) != len(old) {
		t.Errorf("the upgraded state has %d attributes, want the %d others of the old version", len(attrs), len(old))
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
			t.Errorf("%s: unexpected JSON value %v in the old state", name, want)
		}
	}
}

// TestUpgradeState_unexpectedAttribute refuses an old state that holds what
// its version never had, rather than dropping it unseen: an attribute no
// version had, and (from version 1) one that only version 0 had.
func TestUpgradeState_unexpectedAttribute(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from     int64
		state    []byte
		surprise string
	}{
		{"v0", 0, renderV0State(t, fakeV0Account), "surprise"},
		{"v1", 1, renderState(t, v1State, fakeV0Account), "surprise"},
		{"v1 with a credential", 1, renderState(t, v1State, fakeV0Account), "api_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attrs map[string]json.RawMessage
			if err := json.Unmarshal(resourceAttributes(t, tc.state), &attrs); err != nil {
				t.Fatal(err)
			}
			attrs[tc.surprise] = json.RawMessage(`"?"`)
			raw, err := json.Marshal(attrs)
			if err != nil {
				t.Fatal(err)
			}
			diags, upgraded := upgrade(t, tc.from, raw)
			if upgraded != nil {
				t.Fatalf("the upgrade accepted an unknown attribute: %v", upgraded)
			}
			var text []string
			for _, d := range diags {
				text = append(text, d.Summary+": "+d.Detail)
			}
			if joined := strings.Join(text, "\n"); !strings.Contains(joined, `unsupported attribute "`+tc.surprise+`"`) {
				t.Errorf("diagnostics %q do not name the unknown attribute", joined)
			}
		})
	}
}
