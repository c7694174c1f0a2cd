package managedaccount_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// instanceFile is one resource instance of a state file as Terraform writes
// it.
type instanceFile struct {
	SchemaVersion       int                        `json:"schema_version"`
	Attributes          map[string]json.RawMessage `json:"attributes"`
	SensitiveAttributes json.RawMessage            `json:"sensitive_attributes"`
}

// stateInstances returns the instances of the managed resource typ.name in
// a state file, and the bytes of the attributes of each as Terraform wrote
// them (indented).
func stateInstances(t *testing.T, raw []byte, typ, name string) ([]instanceFile, []int) {
	t.Helper()
	var file struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []struct {
				// json.RawMessage keeps the bytes of the file, indentation
				// included: what Terraform serializes at each state write.
				Attributes json.RawMessage `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("decode the state file: %v\n%s", err, raw)
	}
	var decoded struct {
		Resources []struct {
			Mode, Type, Name string
			Instances        []instanceFile `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	for i, r := range file.Resources {
		if r.Mode != "managed" || r.Type != typ || r.Name != name {
			continue
		}
		sizes := make([]int, len(r.Instances))
		for j, in := range r.Instances {
			sizes[j] = len(in.Attributes)
		}
		return decoded.Resources[i].Instances, sizes
	}
	t.Fatalf("%s.%s is not in the state", typ, name)
	return nil, nil
}

// maxAccountAttributeBytes bounds the attributes of an account's instance in
// the state file as Terraform writes them, for an account of a business name
// only (as make bench creates them). Terraform rewrites the whole state after
// each resource it creates or destroys (and, in a destroy, also serializes
// the state it started from to compare), so each byte of an instance is paid
// once per resource of the configuration: what a destroy of n accounts costs
// grows as n² times this size. Schema version 1 wrote about 800 bytes of
// attributes here, a fifth of them values repeated (api_user,
// organization_name, status), and a sensitivity mark of 150 more; version 2
// writes about 630.
const maxAccountAttributeBytes = 680

// TestAccManagedAccount_stateIsSmall applies accounts as make bench does, and
// one with a write-only password, and reads the state file Terraform wrote:
// no attribute is marked sensitive (the password is write-only: there is
// nothing in the plan or the state to hide), no value is kept twice, and the
// attributes of each stay within maxAccountAttributeBytes.
func TestAccManagedAccount_stateIsSmall(t *testing.T) {
	tf, _ := newTerraform(t)
	const password = "canary-password-0123"
	tf.WriteFile("main.tf", terraformProvider+fmt.Sprintf(`
resource "telnyx_managed_account" "bench" {
  count         = 3
  business_name = "Bench customer ${count.index}"
}

resource "telnyx_managed_account" "password" {
  business_name       = "Password Co"
  password_wo         = %q
  password_wo_version = 1
}
`, password))
	t.Cleanup(func() {
		if _, err := tf.Run("destroy", "-auto-approve"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	tf.Must("apply", "-auto-approve")
	raw := tf.ReadFile("terraform.tfstate")
	if bytes.Contains(raw, []byte(password)) {
		t.Fatal("the state holds the write-only password")
	}

	bench, sizes := stateInstances(t, raw, resourceType, "bench")
	withPassword, _ := stateInstances(t, raw, resourceType, "password")
	for i, in := range append(bench, withPassword...) {
		if string(in.SensitiveAttributes) != "[]" {
			t.Errorf("instance %d marks attributes sensitive: %s", i, in.SensitiveAttributes)
		}
		seen := map[string]string{}
		for name, v := range in.Attributes {
			var s string
			if string(v) == "null" || json.Unmarshal(v, &s) != nil {
				continue // null, a number or a boolean
			}
			if other, ok := seen[s]; ok {
				t.Errorf("instance %d keeps %q twice, as %s and as %s", i, s, other, name)
			}
			seen[s] = name
		}
		for _, name := range droppedSince[1] {
			if _, ok := in.Attributes[name]; ok {
				t.Errorf("instance %d keeps %s, which repeats another attribute", i, name)
			}
		}
	}
	for i, n := range sizes {
		if n > maxAccountAttributeBytes {
			t.Errorf("the attributes of bench instance %d take %d bytes of the state file, more than %d", i, n, maxAccountAttributeBytes)
		}
	}
	t.Logf("the attributes of the bench instances take %v bytes of the state file", sizes)
	tf.ExpectEmptyPlan()
}

// terraformProvider is the start of a configuration for acctest.Terraform.
const terraformProvider = `
terraform {
  required_providers {
    telnyx = {
      source = "managedaccounts/telnyx"
    }
  }
}

provider "telnyx" {
  max_retries = 0
}
`

// newTerraform returns a terraform runner and a backend whose manager's key
// configures the provider.
func newTerraform(t *testing.T) (*acctest.Terraform, *backendtest.Server) {
	t.Helper()
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	tf.Setenv("TELNYX_BASE_URL", srv.URL)
	tf.Setenv("TELNYX_API_KEY", srv.ManagerKey)
	return tf, srv
}

// upgradeWorkspace sets up the test of a state upgrade: an account "Upgrade
// Co" made through the API with an email of prefix, and the configuration
// that manages it as telnyx_managed_account.test.
func upgradeWorkspace(t *testing.T, prefix string) (*acctest.Terraform, *backendtest.Server, *client.ManagedAccount, string) {
	t.Helper()
	tf, srv := newTerraform(t)
	email := uniqueEmail(t, prefix)
	a, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(context.Background(),
		client.CreateManagedAccountRequest{BusinessName: "Upgrade Co", Email: &email})
	if err != nil {
		t.Fatalf("create managed account: %v", err)
	}
	return tf, srv, a, terraformProvider + fmt.Sprintf(`
resource "telnyx_managed_account" "test" {
  business_name = "Upgrade Co"
  email         = %q
}
`, email)
}

// expectMarkOnlyUpdate fails the test unless the plan from an older state
// updates addr in place and nothing else, with no value changing: only the
// sensitive mark on password_wo goes. Terraform keeps the marks a state
// records and treats dropping one as an update, so the first apply after the
// upgrade makes it, once; it sends nothing to the API but a read.
func expectMarkOnlyUpdate(t *testing.T, tf *acctest.Terraform, addr string) {
	t.Helper()
	tf.Must("plan", "-out=upgrade.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Mode    string `json:"mode"`
			Change  struct {
				Actions         []string        `json:"actions"`
				Before          json.RawMessage `json:"before"`
				After           json.RawMessage `json:"after"`
				BeforeSensitive json.RawMessage `json:"before_sensitive"`
				AfterSensitive  json.RawMessage `json:"after_sensitive"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(tf.Must("show", "-json", "upgrade.tfplan"), &plan); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rc := range plan.ResourceChanges {
		if rc.Mode != "managed" {
			continue
		}
		c := rc.Change
		if rc.Address != addr || len(c.Actions) != 1 || c.Actions[0] != "update" {
			t.Errorf("the plan from the old state has %s %v, want only %s updated in place", rc.Address, c.Actions, addr)
			continue
		}
		found = true
		if !jsonEqual(t, c.Before, c.After) {
			t.Errorf("the update of %s changes values:\nbefore %s\nafter  %s", addr, c.Before, c.After)
		}
		if !jsonEqual(t, c.BeforeSensitive, []byte(`{"password_wo":true}`)) || !jsonEqual(t, c.AfterSensitive, []byte(`{}`)) {
			t.Errorf("the update of %s changes the marks from %s to %s, want only password_wo's dropped", addr, c.BeforeSensitive, c.AfterSensitive)
		}
	}
	if !found {
		t.Errorf("the plan from the old state does not update %s: %+v", addr, plan.ResourceChanges)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// TestAccManagedAccount_upgradeFromV1 starts Terraform from a state that
// Terraform 1.11.4 wrote with the provider at schema version 1, and checks
// that the first apply with this provider (a plain apply, and again from the
// same old state, apply -refresh-only) writes schema version 2: api_user,
// organization_name and status gone, every other value kept. The plan from
// the old state updates the account in place to drop the mark on the
// write-only password and changes nothing else (a refresh keeps the marks, so
// after apply -refresh-only that update is still to be applied); after it,
// there is nothing to change.
func TestAccManagedAccount_upgradeFromV1(t *testing.T) {
	for _, tc := range []struct {
		name, state string
		identity    bool // the state holds the resource's identity, which 1.12+ writes
	}{
		{"written by Terraform 1.11.4", v1State, false},
		{"with its identity, written by Terraform 1.15.9", v1IdentityState, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.identity {
				acctest.SkipUnlessCLI(t, acctest.IdentityVersions)
			}
			upgradeFromV1(t, tc.state)
		})
	}
}

func upgradeFromV1(t *testing.T, path string) {
	tf, _, a, config := upgradeWorkspace(t, "upgrade-v1")
	tf.WriteFile("main.tf", config)
	upgradeByEitherApply(t, tf, renderState(t, path, a), func(command []string, raw []byte) {
		instances, _ := stateInstances(t, raw, resourceType, "test")
		in := instances[0]
		if in.SchemaVersion != currentSchemaVersion {
			t.Errorf("after terraform %v, the schema_version is %d, want %d", command, in.SchemaVersion, currentSchemaVersion)
		}
		for _, name := range droppedSince[1] {
			if v, ok := in.Attributes[name]; ok {
				t.Errorf("after terraform %v, the state still has %s: %s", command, name, v)
			}
		}
		for name, want := range map[string]string{
			"id": a.ID, "email": a.Email, "business_name": "Upgrade Co", "manager_account_id": a.ManagerAccountID,
			"created_at": a.CreatedAt, "deletion_policy": "disable",
		} {
			var got string
			if err := json.Unmarshal(in.Attributes[name], &got); err != nil || got != want {
				t.Errorf("after terraform %v, %s is %s, want %q", command, name, in.Attributes[name], want)
			}
		}
		if got := string(in.Attributes["enabled"]); got != "true" {
			t.Errorf("after terraform %v, enabled is %s, want true", command, got)
		}
		// Whether the old state had an identity or not, the account has
		// its own after the upgrade.
		if acctest.CLISupports(t, acctest.IdentityVersions) {
			if got := string(readState(t, raw).find(t, "telnyx_managed_account.test").Identity["id"]); got != `"`+a.ID+`"` {
				t.Errorf("after terraform %v, the resource's identity has id %s, want %q", command, got, a.ID)
			}
		}
	})
}

// upgradeByEitherApply starts Terraform from old, a state of
// telnyx_managed_account.test written by an older schema version, once for
// each command that writes the state (a plain apply, apply -refresh-only),
// and calls check with the state the command wrote. The plan from old must
// change no value and drop only the mark on the write-only password
// (expectMarkOnlyUpdate); a refresh keeps the marks, so after apply
// -refresh-only an apply drops it. Then the state marks nothing and there is
// nothing to change.
func upgradeByEitherApply(t *testing.T, tf *acctest.Terraform, old []byte, check func(command []string, raw []byte)) {
	t.Helper()
	t.Cleanup(func() {
		if _, err := tf.Run("destroy", "-auto-approve"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for _, command := range [][]string{{"apply", "-auto-approve"}, {"apply", "-refresh-only", "-auto-approve"}} {
		tf.WriteFile("terraform.tfstate", string(old))
		expectMarkOnlyUpdate(t, tf, "telnyx_managed_account.test")
		tf.Must(command...)
		check(command, tf.ReadFile("terraform.tfstate"))
		if command[1] == "-refresh-only" {
			tf.Must("apply", "-auto-approve")
		}
		instances, _ := stateInstances(t, tf.ReadFile("terraform.tfstate"), resourceType, "test")
		if marks := string(instances[0].SensitiveAttributes); marks != "[]" {
			t.Errorf("after terraform %v, the state marks attributes sensitive: %s", command, marks)
		}
		tf.ExpectEmptyPlan()
	}
}
