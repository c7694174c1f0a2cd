package managedaccount_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/managedaccount"
)

// diagnosticsRecorder serves the provider in-process, as
// acctest.ProtoV6ProviderFactories does, and keeps the error details its
// applies return, exactly as the provider wrote them: Terraform rewraps the
// text it prints, and a test step can only match it.
type diagnosticsRecorder struct {
	mu      sync.Mutex
	details []string
}

type recordingServer struct {
	tfprotov6.ProviderServer
	rec *diagnosticsRecorder
}

func (s recordingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		s.rec.mu.Lock()
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				s.rec.details = append(s.rec.details, d.Detail)
			}
		}
		s.rec.mu.Unlock()
	}
	return resp, err
}

func (r *diagnosticsRecorder) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		acctest.ProviderName: func() (tfprotov6.ProviderServer, error) {
			inner, err := acctest.ProtoV6ProviderFactories[acctest.ProviderName]()
			return recordingServer{ProviderServer: inner, rec: r}, err
		},
	}
}

// lastError returns the detail of the last error an apply returned.
func (r *diagnosticsRecorder) lastError(t *testing.T) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.details) == 0 {
		t.Fatal("no apply returned an error")
	}
	return r.details[len(r.details)-1]
}

// importBlockIn finds the import block an error detail shows (indented, so
// that Terraform prints it as it is), parses it as HCL and returns its
// target address and id.
func importBlockIn(t *testing.T, detail string) (block, to, id string) {
	t.Helper()
	start := strings.Index(detail, "  import {\n")
	if start < 0 {
		t.Fatalf("the error shows no import block:\n%s", detail)
	}
	end := strings.Index(detail[start:], "\n  }")
	if end < 0 {
		t.Fatalf("the import block does not end:\n%s", detail)
	}
	block = detail[start : start+end+len("\n  }")]
	file, diags := hclsyntax.ParseConfig([]byte(block), "error.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("the import block is not valid HCL: %v\n%s", diags, block)
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		t.Fatalf("the parsed block has a body of type %T", file.Body)
	}
	if len(body.Blocks) != 1 || body.Blocks[0].Type != "import" || len(body.Blocks[0].Labels) != 0 || len(body.Attributes) != 0 {
		t.Fatalf("want exactly one import block, got:\n%s", block)
	}
	attrs := body.Blocks[0].Body.Attributes
	if len(attrs) != 2 || attrs["to"] == nil || attrs["id"] == nil {
		t.Fatalf("want the import block to set to and id, and nothing else:\n%s", block)
	}
	traversal, diags := hcl.AbsTraversalForExpr(attrs["to"].Expr)
	if diags.HasErrors() {
		t.Fatalf("to is not a resource address: %v", diags)
	}
	var parts []string
	for _, step := range traversal {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		default:
			t.Fatalf("to has a step %T: want a plain address", step)
		}
	}
	literal, ok := attrs["id"].Expr.(*hclsyntax.TemplateExpr)
	if !ok || !literal.IsStringLiteral() {
		t.Fatalf("id is not a literal string:\n%s", block)
	}
	value, diags := literal.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("id: %v", diags)
	}
	return block, strings.Join(parts, "."), value.AsString()
}

// adopted is the configuration with the import block an error showed, its
// placeholder address replaced by the resource's.
func adopted(t *testing.T, config, block string) string {
	t.Helper()
	if !strings.Contains(block, "to = "+resourceType+".NAME\n") {
		t.Fatalf("the import block's address is not the placeholder %s.NAME:\n%s", resourceType, block)
	}
	return config + "\n" + strings.Replace(block, resourceType+".NAME", testAddr, 1) + "\n"
}

// destroyThenApplyAgain applies config, whose account has an explicit email,
// and destroys it, which disables the account (Telnyx cannot delete it);
// then it applies config again, which must fail as expectError, made with
// the account's id, says. It returns the id, and the detail of the error as
// the provider wrote it.
func destroyThenApplyAgain(t *testing.T, c *client.Client, config string, expectError func(id string) *regexp.Regexp) (id, detail string) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps:                    []resource.TestStep{{Config: config, Check: acctest.CaptureAttr(testAddr, "id", &id)}},
	})
	if t.Failed() {
		t.FailNow()
	}
	rec := &diagnosticsRecorder{}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: rec.factories(),
		Steps:                    []resource.TestStep{{Config: config, ExpectError: expectError(id)}},
	})
	if t.Failed() {
		t.FailNow()
	}
	return id, rec.lastError(t)
}

// TestAccManagedAccount_emailTakenAfterDestroy walks the story of issue 19:
// an account with an explicit email is created and destroyed (disabled, as
// Telnyx cannot delete it); applying the same configuration again fails, and
// the error names the disabled account and shows the import block that
// adopts it. With that block, the apply adopts the account and enables it
// again, as the configuration says enabled (the default); nothing is planned
// after, with or without the block.
func TestAccManagedAccount_emailTakenAfterDestroy(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	email := uniqueEmail(t, "again")
	config := accountConfig(srv, fmt.Sprintf(`
  business_name = "Again Ltd"
  email         = %q`, email))

	id, detail := destroyThenApplyAgain(t, c, config, func(id string) *regexp.Regexp {
		return acctest.ErrorMatching("Unable to create the managed account: its email is taken",
			"The manager's managed account "+id+" has the email", email, "it is disabled",
			"import {", "to = telnyx_managed_account.NAME", fmt.Sprintf("id = %q", id), "}",
			"enables it again", "code 10012")
	})
	block, to, blockID := importBlockIn(t, detail)
	if to != resourceType+".NAME" || blockID != id {
		t.Fatalf("the import block adopts %s into %s, want %s into %s.NAME", blockID, to, id, resourceType)
	}

	adopt := adopted(t, config, block)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config: adopt,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(testAddr, tfjsonpath.New("enabled"), knownvalue.Bool(true)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					known("id", knownvalue.StringExact(id)),
					known("email", knownvalue.StringExact(email)),
					known("enabled", knownvalue.Bool(true)),
					known("deletion_policy", knownvalue.StringExact("disable")),
				},
				Check: checkAccount(c, &id, statusIs("enabled")),
			},
			acctest.EmptyPlan(adopt),
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccManagedAccount_emailTakenAdoptDisabled: a configuration that keeps
// its account disabled adopts it as it is, and the error does not promise
// to enable it.
func TestAccManagedAccount_emailTakenAdoptDisabled(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	config := accountConfig(srv, fmt.Sprintf(`
  business_name = "Dormant Ltd"
  email         = %q
  enabled       = false`, uniqueEmail(t, "dormant")))

	id, detail := destroyThenApplyAgain(t, c, config, func(id string) *regexp.Regexp {
		return acctest.ErrorMatching("its email is taken", id, "it is disabled", fmt.Sprintf("id = %q", id))
	})
	if strings.Contains(detail, "enables it again") {
		t.Fatalf("the error promises to enable an account the configuration keeps disabled:\n%s", detail)
	}
	block, _, _ := importBlockIn(t, detail)
	adopt := adopted(t, config, block)
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		CheckDestroy:             checkDestroyed(c, "disabled"),
		Steps: []resource.TestStep{
			{
				Config:            adopt,
				ConfigPlanChecks:  acctest.ExpectAction(testAddr, plancheck.ResourceActionNoop),
				ConfigStateChecks: []statecheck.StateCheck{known("id", knownvalue.StringExact(id)), known("enabled", knownvalue.Bool(false))},
				Check:             checkAccount(c, &id, statusIs("disabled")),
			},
			acctest.EmptyPlan(config),
		},
	})
}

// TestAccManagedAccount_emailTakenElsewhere: the error says who holds the
// email in each other case. An enabled account of the manager is shown
// with its import block, and with the arguments that would replace it after
// the import; a cancelled one cannot be adopted; another manager's is not
// this provider's to adopt.
func TestAccManagedAccount_emailTakenElsewhere(t *testing.T) {
	srv := backendtest.Start(t)
	c := srv.Client(t, srv.ManagerKey)
	create := func(c *client.Client, name, email string) *client.ManagedAccount {
		t.Helper()
		a, err := c.CreateManagedAccount(context.Background(), client.CreateManagedAccountRequest{BusinessName: name, Email: &email})
		if err != nil {
			t.Fatalf("create the account that holds %s: %v", email, err)
		}
		return a
	}
	enabled := create(c, "First Owner", uniqueEmail(t, "enabled"))
	cancelled := create(c, "Gone Co", uniqueEmail(t, "cancelled"))
	srv.CancelAccount(t, cancelled.ID)
	_, otherKey := srv.NewManager(t)
	foreign := create(srv.Client(t, otherKey), "Foreign Co", uniqueEmail(t, "foreign"))
	config := func(email string) string {
		return accountConfig(srv, fmt.Sprintf(`
  business_name  = "Second Owner"
  rollup_billing = true
  email          = %q`, email))
	}

	resource.ParallelTest(t, resource.TestCase{
		PreCheck:                 func() { acctest.PreCheck(t) },
		ProtoV6ProviderFactories: acctest.ProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Written in other capitals: Telnyx compares emails without case.
				Config: config(strings.ToUpper(enabled.Email)),
				ExpectError: acctest.ErrorMatching("its email is taken", "The manager's managed account "+enabled.ID, "it is enabled",
					fmt.Sprintf("id = %q", enabled.ID),
					fmt.Sprintf(`business_name "First Owner" (not "Second Owner"), rollup_billing false (not true), email %q`, enabled.Email),
					"replaces it"),
			},
			{
				Config: config(cancelled.Email),
				ExpectError: acctest.ErrorMatching("its email is taken", "The manager's managed account "+cancelled.ID,
					"was cancelled", "cannot be adopted", "Choose another email"),
			},
			{
				Config: config(foreign.Email),
				ExpectError: acctest.ErrorMatching("its email is taken", "No managed account of this manager has the email",
					"another Telnyx account", "Choose another email"),
			},
		},
	})
}

// TestEmailTakenDetailWithoutStatusOrSearch covers what the reference
// backend never answers: a holder listed without a status (the live API
// has no such field), and a search that failed. Each still shows an import
// block that parses; the failed search says why, and how to find the id.
func TestEmailTakenDetailWithoutStatusOrSearch(t *testing.T) {
	const email = "ops@example.com"
	holder := &client.ManagedAccount{ID: "acc-1", Email: email, OrganizationName: "Acme"}
	detail := managedaccount.EmailTakenDetail(email, holder, nil)
	if _, to, id := importBlockIn(t, detail); to != resourceType+".NAME" || id != "acc-1" {
		t.Fatalf("import block adopts %s into %s:\n%s", id, to, detail)
	}
	for _, unwanted := range []string{"disabled", "enables it", "differs"} {
		if strings.Contains(detail, unwanted) {
			t.Errorf("the detail says %q of a holder that has no status and matches the configuration:\n%s", unwanted, detail)
		}
	}

	detail = managedaccount.EmailTakenDetail(email, nil, errors.New("GET /managed_accounts: 503 Service Unavailable"))
	if _, _, id := importBlockIn(t, detail); id != "<its id>" {
		t.Fatalf("import block id %q, want a placeholder:\n%s", id, detail)
	}
	for _, want := range []string{email, "503 Service Unavailable", "telnyx_managed_accounts", "email_eq", "include_cancelled_accounts = true", "choose another email"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the detail lacks %q:\n%s", want, detail)
		}
	}
}
