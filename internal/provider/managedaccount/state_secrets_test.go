package managedaccount_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// accountSecrets asks the backend, through its API, for every key and token
// of srv's accounts that a state could leak: the operator key, the manager's
// primary key, and the primary key and API v1 token of each of the manager's
// managed accounts. It is called after each step, so that accounts created by
// the step are included.
func accountSecrets(t *testing.T, srv *backendtest.Server) []acctest.Secret {
	t.Helper()
	ctx := context.Background()
	manager := srv.Client(t, srv.ManagerKey)
	secrets := []acctest.Secret{
		{Name: "the operator key", Value: srv.OperatorKey},
		{Name: "the manager's primary key", Value: srv.ManagerKey},
	}
	for listed, err := range manager.AllManagedAccounts(ctx, client.ListManagedAccountsOptions{}) {
		if err != nil {
			t.Fatalf("list managed accounts: %v", err)
		}
		a, err := manager.GetManagedAccount(ctx, listed.ID)
		if err != nil {
			t.Fatalf("get managed account %s: %v", listed.ID, err)
		}
		if a.APIKey == "" || a.APIToken == "" {
			t.Fatalf("the backend answered managed account %s without its api_key or api_token", a.ID)
		}
		secrets = append(secrets,
			acctest.Secret{Name: "the primary key of managed account " + a.ID, Value: a.APIKey},
			acctest.Secret{Name: "the API v1 token of managed account " + a.ID, Value: a.APIToken})
	}
	return secrets
}

// stateFile is the part of a state file (format version 4) these tests read.
type stateFile struct {
	Resources []struct {
		Mode      string          `json:"mode"`
		Type      string          `json:"type"`
		Name      string          `json:"name"`
		Instances []stateInstance `json:"instances"`
	} `json:"resources"`
}

type stateInstance struct {
	SchemaVersion int                        `json:"schema_version"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	// Identity is written by Terraform 1.12 and later.
	Identity map[string]json.RawMessage `json:"identity"`
}

// instance returns the attributes and schema version of the one instance of
// a resource ("data." before the address of a data source).
func (s *stateFile) instance(t *testing.T, addr string) (map[string]json.RawMessage, int) {
	t.Helper()
	i := s.find(t, addr)
	return i.Attributes, i.SchemaVersion
}

// find returns the one instance of a resource ("data." before the address
// of a data source).
func (s *stateFile) find(t *testing.T, addr string) *stateInstance {
	t.Helper()
	for _, r := range s.Resources {
		name := r.Type + "." + r.Name
		if r.Mode == "data" {
			name = "data." + name
		}
		if name == addr && len(r.Instances) == 1 {
			return &r.Instances[0]
		}
	}
	t.Fatalf("%s is not in the state", addr)
	return nil
}

func readState(t *testing.T, raw []byte) *stateFile {
	t.Helper()
	var s stateFile
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("decode the state file: %v\n%s", err, raw)
	}
	return &s
}

// checkNoCredentials fails the test when any file of the working directory
// that Terraform wrote (the state, its backup, a saved plan) holds a secret
// the backend knows, in any derived form. A saved plan is read through
// terraform show -json, since the file itself is compressed.
func checkNoCredentials(t *testing.T, tf *acctest.Terraform, srv *backendtest.Server, step string, extra ...[]byte) {
	t.Helper()
	secrets := accountSecrets(t, srv)
	files := map[string][]byte{"terraform.tfstate": tf.ReadFile("terraform.tfstate")}
	if backup, err := os.ReadFile(filepath.Join(tf.Dir, "terraform.tfstate.backup")); err == nil {
		files["terraform.tfstate.backup"] = backup
	}
	for i, e := range extra {
		files[fmt.Sprintf("output %d", i+1)] = e
	}
	for name, data := range files {
		for _, found := range acctest.FindSecrets(data, secrets) {
			t.Errorf("after %s, %s holds %s", step, name, found)
		}
	}
}

// TestAccManagedAccount_stateHoldsNoCredentials runs Terraform itself, with
// the built provider, over a configuration that uses every way to reach a
// managed account: the resource, both data sources (by id and by email), the
// list, a data source acting through managed_account_id, and an aliased
// provider configured with telnyx_managed_account_credentials. After apply,
// refresh and import, and in a saved plan, no file Terraform wrote holds any
// key or token the backend knows (the operator's, the manager's, each managed
// account's primary key and v1 token), nor the provider's debug log. The one
// key the configuration asks for (a telnyx_api_key, whose secret is kept by
// design) must be found in the state: the scan sees sensitive values.
func TestAccManagedAccount_stateHoldsNoCredentials(t *testing.T) {
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	logPath := filepath.Join(t.TempDir(), "provider.log")
	tf.Setenv("TELNYX_BASE_URL", srv.URL)
	tf.Setenv("TELNYX_API_KEY", srv.ManagerKey)
	tf.Setenv("TF_LOG_PROVIDER", "DEBUG")
	tf.Setenv("TF_LOG_PATH", logPath)

	// An account that exists before the run: a provider configuration must
	// be known during plan.
	existing, err := srv.Client(t, srv.ManagerKey).CreateManagedAccount(context.Background(),
		client.CreateManagedAccountRequest{BusinessName: "Existing Co"})
	if err != nil {
		t.Fatalf("create managed account: %v", err)
	}
	srv.Adjust(t, existing.ID, "4.20")

	tf.WriteFile("main.tf", terraformProvider+fmt.Sprintf(`
resource "telnyx_managed_account" "own" {
  business_name        = "Own Balance Co"
  email                = %[1]q
  global_channel_limit = 5
}

resource "telnyx_managed_account" "rollup" {
  business_name  = "Rollup Co"
  rollup_billing = true
}

data "telnyx_managed_account" "by_id" {
  id = telnyx_managed_account.own.id
}

data "telnyx_managed_account" "by_email" {
  email = telnyx_managed_account.rollup.email
}

data "telnyx_managed_accounts" "all" {
  depends_on = [telnyx_managed_account.own, telnyx_managed_account.rollup]
}

data "telnyx_balance" "own" {
  managed_account_id = telnyx_managed_account.own.id
}

ephemeral "telnyx_managed_account_credentials" "existing" {
  managed_account_id = %[2]q
}

provider "telnyx" {
  alias       = "existing"
  api_key     = ephemeral.telnyx_managed_account_credentials.existing.api_key
  max_retries = 0
}

data "telnyx_balance" "existing" {
  provider = telnyx.existing
}

resource "telnyx_api_key" "integration" {
  managed_account_id = telnyx_managed_account.own.id
  description        = "integration"
}

output "existing_balance" {
  value = data.telnyx_balance.existing.balance
}
`, uniqueEmail(t, "own"), existing.ID))
	destroyed := false
	t.Cleanup(func() {
		if !destroyed {
			if _, err := tf.Run("destroy", "-auto-approve"); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})

	tf.Must("apply", "-auto-approve")
	// The aliased provider acted as the existing account with its key.
	if out := strings.TrimSpace(string(tf.Must("output", "-raw", "existing_balance"))); out != "4.20" {
		t.Fatalf("the provider configured with the ephemeral credentials read the balance %q, want 4.20", out)
	}
	checkNoCredentials(t, tf, srv, "apply")

	// The scan must see what the state holds, sensitive values included.
	state := readState(t, tf.ReadFile("terraform.tfstate"))
	keyAttrs, _ := state.instance(t, "telnyx_api_key.integration")
	var integration string
	if err := json.Unmarshal(keyAttrs["secret"], &integration); err != nil || integration == "" {
		t.Fatalf("telnyx_api_key.integration has no secret in the state (%v): %s", err, keyAttrs["secret"])
	}
	if found := acctest.FindSecrets(tf.ReadFile("terraform.tfstate"), []acctest.Secret{{Name: "the integration key", Value: integration}}); len(found) == 0 {
		t.Fatal("the scan does not find the telnyx_api_key secret that the state holds")
	}
	ownAttrs, _ := state.instance(t, "telnyx_managed_account.own")
	rollupAttrs, _ := state.instance(t, "telnyx_managed_account.rollup")
	var ownID, rollupID string
	if json.Unmarshal(ownAttrs["id"], &ownID) != nil || json.Unmarshal(rollupAttrs["id"], &rollupID) != nil {
		t.Fatalf("no ids in the state: %s, %s", ownAttrs["id"], rollupAttrs["id"])
	}

	tf.Must("apply", "-refresh-only", "-auto-approve")
	checkNoCredentials(t, tf, srv, "refresh")

	tf.Must("plan", "-out=saved.tfplan")
	checkNoCredentials(t, tf, srv, "a saved plan", tf.Must("show", "-json", "saved.tfplan"), tf.Must("show", "-json"))
	tf.ExpectEmptyPlan()

	tf.Must("state", "rm", "telnyx_managed_account.own", "telnyx_managed_account.rollup")
	tf.Must("import", "telnyx_managed_account.own", ownID)
	tf.Must("import", "telnyx_managed_account.rollup", rollupID)
	checkNoCredentials(t, tf, srv, "import")
	tf.ExpectEmptyPlan()

	tf.Must("destroy", "-auto-approve")
	destroyed = true
	checkNoCredentials(t, tf, srv, "destroy")

	// The provider logged its API calls, the credential reads included,
	// without any of the secrets.
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("read the provider's log: %v", err)
	}
	for _, want := range []string{"Telnyx API request", "/managed_accounts/" + existing.ID, "Read the credentials of a managed account"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Fatalf("the provider's debug log (%d bytes) lacks %q: it did not capture the provider's output", len(log), want)
		}
	}
	for _, found := range acctest.FindSecrets(log, accountSecrets(t, srv)) {
		t.Errorf("the provider's debug log holds %s", found)
	}
}

// v0State is a state file that Terraform 1.11.4 wrote with the provider as it
// was before schema version 1 (a telnyx_managed_account and its data source,
// both with api_key and api_token), the account's values made placeholders.
const v0State = "testdata/v0.tfstate.tmpl"

// v0Values fill v0State.
type v0Values struct {
	ID, Email, ManagerID, CreatedAt, APIKey, APIToken string
}

// v1State is a state file that Terraform 1.11.4 wrote with the provider at
// schema version 1 (a telnyx_managed_account), the account's values made
// placeholders (v0Values, without the credentials).
const v1State = "testdata/v1.tfstate.tmpl"

// v1IdentityState is a state file that Terraform 1.15.9 wrote with the
// provider at schema version 1 and with resource identity (the release of
// issue 18), the same placeholders.
const v1IdentityState = "testdata/v1-identity.tfstate.tmpl"

// renderV0State returns v0State filled with a's values.
func renderV0State(t *testing.T, a *client.ManagedAccount) []byte {
	t.Helper()
	return renderState(t, v0State, a)
}

// renderState returns the state file template at path filled with a's values.
func renderState(t *testing.T, path string, a *client.ManagedAccount) []byte {
	t.Helper()
	tmpl, err := template.ParseFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = tmpl.Execute(&out, v0Values{
		ID: a.ID, Email: a.Email, ManagerID: a.ManagerAccountID, CreatedAt: a.CreatedAt, APIKey: a.APIKey, APIToken: a.APIToken,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestAccManagedAccount_upgradeRemovesCredentials starts Terraform from a
// state written by the previous provider version, which held the account's
// api_key and api_token in the resource and in the data source, and checks
// that the first apply with this provider (a plain apply, and again from the
// same old state, apply -refresh-only) removes both from both, while the
// account stays managed with no value changed.
func TestAccManagedAccount_upgradeRemovesCredentials(t *testing.T) {
	tf, srv, a, config := upgradeWorkspace(t, "upgrade")
	tf.WriteFile("main.tf", config+`
data "telnyx_managed_account" "test" {
  id = telnyx_managed_account.test.id
}
`)
	old := renderV0State(t, a)
	// The seeded state holds the credentials, or the test proves nothing.
	for _, secret := range []string{a.APIKey, a.APIToken} {
		if n := bytes.Count(old, []byte(secret)); n != 2 {
			t.Fatalf("the seeded v0 state holds a credential %d times, want twice (resource and data source)", n)
		}
	}
	// Either command that writes the state removes them, with nothing to
	// change but the mark on the write-only password (upgradeByEitherApply).
	upgradeByEitherApply(t, tf, old, func(command []string, raw []byte) {
		for _, found := range acctest.FindSecrets(raw, accountSecrets(t, srv)) {
			t.Errorf("after terraform %v, the state holds %s", command, found)
		}
		state := readState(t, raw)
		attrs, version := state.instance(t, "telnyx_managed_account.test")
		if version != currentSchemaVersion {
			t.Errorf("after terraform %v, the resource's schema_version is %d, want %d", command, version, currentSchemaVersion)
		}
		dataAttrs, _ := state.instance(t, "data.telnyx_managed_account.test")
		for addr, m := range map[string]map[string]json.RawMessage{"the resource": attrs, "the data source": dataAttrs} {
			for _, name := range []string{"api_key", "api_token"} {
				if v, ok := m[name]; ok {
					t.Errorf("after terraform %v, %s still has %s in the state: %s", command, addr, name, v)
				}
			}
			if got := string(m["id"]); got != `"`+a.ID+`"` {
				t.Errorf("after terraform %v, %s has id %s, want %q", command, addr, got, a.ID)
			}
		}
		for name, want := range map[string]string{"business_name": `"Upgrade Co"`, "deletion_policy": `"disable"`, "enabled": `true`} {
			if got := string(attrs[name]); got != want {
				t.Errorf("after terraform %v, the upgraded resource has %s %s, want %s", command, name, got, want)
			}
		}
		// The old state had no identity: the refresh gives it one.
		if acctest.CLISupports(t, acctest.IdentityVersions) {
			if got := string(state.find(t, "telnyx_managed_account.test").Identity["id"]); got != `"`+a.ID+`"` {
				t.Errorf("after terraform %v, the resource's identity has id %s, want %q", command, got, a.ID)
			}
		}
	})
}
