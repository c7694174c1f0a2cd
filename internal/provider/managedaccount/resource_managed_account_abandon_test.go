package managedaccount_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// TestAbandonWarningSaysWhatHappens destroys abandoned accounts, one enabled
// and one disabled, through the protocol (plugin-testing shows no warning to
// a test), and checks that the warning tells what becomes of each account,
// and that the account is indeed left as it was.
func TestAbandonWarningSaysWhatHappens(t *testing.T) {
	srv := backendtest.Start(t)
	manager := srv.Client(t, srv.ManagerKey)
	ctx := context.Background()
	p := acctest.NewProtocol(t, srv, srv.ManagerKey)
	accountType := acctest.ObjectType(t, p.Schemas.ResourceSchemas[resourceType])

	for _, tc := range []struct {
		name    string
		enabled bool
		// The detail must say these, and none of notSay.
		say, notSay []string
	}{
		{name: "enabled", enabled: true, say: []string{"stays enabled", "keys keep working"}, notSay: []string{"disabled"}},
		{name: "disabled", enabled: false, say: []string{"stays disabled", "refused"}, notSay: []string{"stays enabled", "keep working"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := manager.CreateManagedAccount(ctx, client.CreateManagedAccountRequest{BusinessName: "Abandoned " + tc.name})
			if err != nil {
				t.Fatal(err)
			}
			status := "enabled"
			if !tc.enabled {
				status = "disabled"
				if _, err := manager.DisableManagedAccount(ctx, a.ID); err != nil {
					t.Fatal(err)
				}
			}
			prior := acctest.ObjectValue(t, accountType, map[string]tftypes.Value{
				"id":              tftypes.NewValue(tftypes.String, a.ID),
				"business_name":   tftypes.NewValue(tftypes.String, a.OrganizationName),
				"email":           tftypes.NewValue(tftypes.String, a.Email),
				"enabled":         tftypes.NewValue(tftypes.Bool, tc.enabled),
				"deletion_policy": tftypes.NewValue(tftypes.String, "abandon"),
			})
			null, err := tfprotov6.NewDynamicValue(accountType, tftypes.NewValue(accountType, nil))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
				TypeName: resourceType, PriorState: prior, PlannedState: &null, Config: &null,
			})
			if err != nil {
				t.Fatal(err)
			}
			acctest.NoErrors(t, "destroy", resp.Diagnostics)
			var warning *tfprotov6.Diagnostic
			for _, d := range resp.Diagnostics {
				if d.Severity == tfprotov6.DiagnosticSeverityWarning && d.Summary == "Managed account abandoned" {
					warning = d
				}
			}
			if warning == nil {
				t.Fatalf("diagnostics = %v, want the warning that the account was abandoned", resp.Diagnostics)
			}
			if !strings.Contains(warning.Detail, a.ID) {
				t.Errorf("the warning does not name the account %s: %s", a.ID, warning.Detail)
			}
			for _, s := range tc.say {
				if !strings.Contains(warning.Detail, s) {
					t.Errorf("the warning does not say %q: %s", s, warning.Detail)
				}
			}
			for _, s := range tc.notSay {
				if strings.Contains(warning.Detail, s) {
					t.Errorf("the warning says %q of a %s account: %s", s, tc.name, warning.Detail)
				}
			}
			// What the warning says is what happened: nothing.
			got, err := manager.GetManagedAccount(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := statusIs(status)(got); err != nil {
				t.Fatalf("after the destroy: %v", err)
			}
		})
	}
}
