package managedaccount_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// guide holds the files of the guide "Adopt every existing managed account",
// which TestAccManagedAccountList_adoptAll runs.
const guide = "../../../examples/guides/adopt-every-managed-account"

// adoptAccounts is how many accounts TestAccManagedAccountList_adoptAll
// adopts: more than one page of the API's list (client.MaxPageSize).
const adoptAccounts = client.MaxPageSize + 13

// TestAccManagedAccountList_adoptAll is the guide "Adopt every existing
// managed account", with its own files, run by the terraform binary itself:
// a manager has more accounts than one page holds, made outside Terraform
// with every setting the resource manages; terraform query
// -generate-config-out writes a resource and an import block by identity
// for each; the plan imports them all and changes nothing; after the apply,
// the state holds each with its identity, and the plan is empty.
func TestAccManagedAccountList_adoptAll(t *testing.T) {
	acctest.SkipUnlessCLI(t, acctest.QueryVersions)
	tf := acctest.NewTerraform(t)
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	ctx := context.Background()
	ids := map[string]bool{}
	for i := range adoptAccounts {
		email := fmt.Sprintf("adopt-%03d-%s", i, uniqueEmail(t, "x"))
		rollup, custom := i%5 == 1, i%3 == 2
		a, err := manager.CreateManagedAccount(ctx, client.CreateManagedAccountRequest{
			BusinessName: fmt.Sprintf("Adopted %03d \"Ltd\"", i), Email: &email, RollupBilling: &rollup, ManagedAccountAllowCustomPricing: &custom,
		})
		if err != nil {
			t.Fatal(err)
		}
		if i%7 == 3 {
			if _, err := manager.DisableManagedAccount(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
		}
		if i%11 == 4 {
			if _, err := manager.UpdateGlobalChannelLimit(ctx, a.ID, int64(i%4+1)); err != nil {
				t.Fatal(err)
			}
		}
		ids[a.ID] = true
	}

	tf.Setenv("TELNYX_BASE_URL", srv.URL)
	tf.Setenv("TELNYX_API_KEY", srv.ManagerKey)
	// The guide's own files, as a reader would copy them.
	for _, name := range []string{"main.tf", "accounts.tfquery.hcl"} {
		b, err := os.ReadFile(filepath.Join(guide, name))
		if err != nil {
			t.Fatal(err)
		}
		tf.WriteFile(name, string(b))
	}
	out := string(tf.Must("query", "-generate-config-out=generated.tf"))
	generated := string(tf.ReadFile("generated.tf"))
	imports := regexp.MustCompile(`(?s)import \{\s*to\s*=\s*telnyx_managed_account\.all_\d+\s*provider\s*=\s*telnyx\s*identity\s*=\s*\{\s*id\s*=\s*"([^"]+)"\s*\}\s*\}`).
		FindAllStringSubmatch(generated, -1)
	if len(imports) != adoptAccounts {
		t.Fatalf("generated.tf has %d import blocks by identity, want %d\nquery output:\n%s", len(imports), adoptAccounts, out)
	}
	for _, m := range imports {
		if !ids[m[1]] {
			t.Errorf("generated.tf imports %s, which is not one of the manager's accounts", m[1])
		}
		delete(ids, m[1])
	}
	if len(ids) != 0 {
		t.Errorf("generated.tf leaves out %d accounts", len(ids))
	}
	if n := strings.Count(generated, `resource "telnyx_managed_account"`); n != adoptAccounts {
		t.Errorf("generated.tf has %d resource blocks, want %d", n, adoptAccounts)
	}

	plan := string(tf.Must("plan"))
	want := fmt.Sprintf("Plan: %d to import, 0 to add, 0 to change, 0 to destroy.", adoptAccounts)
	if !strings.Contains(plan, want) {
		t.Fatalf("the plan does not say %q:\n%s", want, plan)
	}
	tf.Must("apply", "-auto-approve")
	state := readState(t, tf.ReadFile("terraform.tfstate"))
	adopted := 0
	for _, r := range state.Resources {
		if r.Type != resourceType {
			continue
		}
		for _, i := range r.Instances {
			adopted++
			if string(i.Identity["id"]) != string(i.Attributes["id"]) {
				t.Errorf("%s: identity %s, attributes id %s", r.Name, i.Identity["id"], i.Attributes["id"])
			}
		}
	}
	if adopted != adoptAccounts {
		t.Errorf("the state holds %d accounts, want %d", adopted, adoptAccounts)
	}
	tf.ExpectEmptyPlan()
}
