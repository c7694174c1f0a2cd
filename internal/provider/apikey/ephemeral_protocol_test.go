package apikey_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/acctest"
)

// Terraform calls Renew only when a run outlives RenewAt, which no
// acceptance test should wait for; these tests drive the ephemeral resource
// through the protocol, as Terraform does, to pin Open, Renew and Close.

// protocolServer is the provider served in-process and configured as the
// manager of srv.
type protocolServer struct {
	t       *testing.T
	server  *acctest.Protocol
	keyType tftypes.Object
}

func newProtocolServer(t *testing.T, srv *backendtest.Server) *protocolServer {
	t.Helper()
	server := acctest.NewProtocol(t, srv, srv.ManagerKey)
	return &protocolServer{t: t, server: server, keyType: acctest.ObjectType(t, server.Schemas.EphemeralResourceSchemas["telnyx_api_key"])}
}

// value is an object of type typ whose attributes are set, or null.
func (ps *protocolServer) value(typ tftypes.Object, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	ps.t.Helper()
	return acctest.ObjectValue(ps.t, typ, set)
}

func (ps *protocolServer) noErrors(what string, diags []*tfprotov6.Diagnostic) {
	ps.t.Helper()
	acctest.NoErrors(ps.t, what, diags)
}

// open opens a key configured with set and returns its secret ("" when it
// failed to open) and the response.
func (ps *protocolServer) open(set map[string]tftypes.Value) (string, *tfprotov6.OpenEphemeralResourceResponse) {
	ps.t.Helper()
	resp, err := ps.server.OpenEphemeralResource(context.Background(), &tfprotov6.OpenEphemeralResourceRequest{
		TypeName: "telnyx_api_key", Config: ps.value(ps.keyType, set),
	})
	if err != nil {
		ps.t.Fatal(err)
	}
	if resp.Result == nil {
		return "", resp
	}
	result, err := resp.Result.Unmarshal(ps.keyType)
	if err != nil {
		ps.t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := result.As(&attrs); err != nil {
		ps.t.Fatal(err)
	}
	var secret string
	if err := attrs["secret"].As(&secret); err != nil {
		ps.t.Fatal(err)
	}
	return secret, resp
}

func (ps *protocolServer) renew(private []byte) *tfprotov6.RenewEphemeralResourceResponse {
	ps.t.Helper()
	resp, err := ps.server.RenewEphemeralResource(context.Background(), &tfprotov6.RenewEphemeralResourceRequest{TypeName: "telnyx_api_key", Private: private})
	if err != nil {
		ps.t.Fatal(err)
	}
	return resp
}

func (ps *protocolServer) close(private []byte) *tfprotov6.CloseEphemeralResourceResponse {
	ps.t.Helper()
	resp, err := ps.server.CloseEphemeralResource(context.Background(), &tfprotov6.CloseEphemeralResourceRequest{TypeName: "telnyx_api_key", Private: private})
	if err != nil {
		ps.t.Fatal(err)
	}
	return resp
}

func hasDiagnostic(diags []*tfprotov6.Diagnostic, severity tfprotov6.DiagnosticSeverity, summary string) bool {
	for _, d := range diags {
		if d.Severity == severity && strings.Contains(d.Summary, summary) {
			return true
		}
	}
	return false
}

func TestEphemeralAPIKeyOpenRenewClose(t *testing.T) {
	srv := backendtest.Start(t)
	ps := newProtocolServer(t, srv)
	manager := srv.Client(t, srv.ManagerKey)

	before := time.Now()
	secret, opened := ps.open(map[string]tftypes.Value{"ttl": tftypes.NewValue(tftypes.String, "3m")})
	ps.noErrors("open", opened.Diagnostics)
	// Renewal is asked for at two thirds of the ttl.
	if lo, hi := before.Add(2*time.Minute), time.Now().Add(2*time.Minute); opened.RenewAt.Before(lo) || opened.RenewAt.After(hi) {
		t.Fatalf("RenewAt = %s, want two minutes after open (between %s and %s)", opened.RenewAt, lo, hi)
	}
	if !secretPattern.MatchString(secret) {
		t.Fatalf("secret %q does not look like a key", secret)
	}
	if strings.Contains(string(opened.Private), secret) {
		t.Fatal("the private data carries the secret")
	}
	if _, err := srv.Client(t, secret).GetBalance(t.Context()); err != nil {
		t.Fatalf("the open key does not authenticate: %v", err)
	}
	keys := activeKeys(t, manager)
	if len(keys) != 1 || keys[0].ExpiresAt == nil {
		t.Fatalf("keys = %+v, want the one ephemeral key with an expiry", keys)
	}

	// Renew cannot extend the key: it warns, and asks for no further renewal.
	renewed := ps.renew(opened.Private)
	ps.noErrors("renew", renewed.Diagnostics)
	if !hasDiagnostic(renewed.Diagnostics, tfprotov6.DiagnosticSeverityWarning, "Ephemeral API key cannot be extended") {
		t.Fatalf("renew diagnostics = %v, want the warning that the key cannot be extended", renewed.Diagnostics)
	}
	if !renewed.RenewAt.IsZero() {
		t.Fatalf("renew asked to be called again at %s", renewed.RenewAt)
	}
	if after := activeKeys(t, manager); len(after) != 1 || *after[0].ExpiresAt != *keys[0].ExpiresAt {
		t.Fatalf("renew changed the keys: %+v", after)
	}

	closed := ps.close(opened.Private)
	ps.noErrors("close", closed.Diagnostics)
	if err := refused(t, srv, secret, "revoked"); err != nil {
		t.Fatal(err)
	}
	if left := activeKeys(t, manager); len(left) != 0 {
		t.Fatalf("keys left after close: %+v", left)
	}

	// A key revoked before the run ends fails the renewal; closing it twice
	// is harmless.
	if !hasDiagnostic(ps.renew(opened.Private).Diagnostics, tfprotov6.DiagnosticSeverityError, "Ephemeral API key no longer works") {
		t.Fatal("renewing a revoked key did not fail")
	}
	ps.noErrors("second close", ps.close(opened.Private).Diagnostics)
}

func TestEphemeralAPIKeyOfAManagedAccount(t *testing.T) {
	srv := backendtest.Start(t)
	ps := newProtocolServer(t, srv)
	account := acctest.NewManagedAccount(t, srv, "Protocol Co")

	secret, opened := ps.open(map[string]tftypes.Value{
		"managed_account_id": tftypes.NewValue(tftypes.String, account.ID),
		"description":        tftypes.NewValue(tftypes.String, "deploy"),
	})
	ps.noErrors("open", opened.Diagnostics)
	keys := activeKeys(t, srv.Client(t, account.APIKey))
	if len(keys) != 1 || keys[0].Description != "deploy" {
		t.Fatalf("the managed account's keys = %+v, want the ephemeral one", keys)
	}
	// The primary key is untouched, and the new key acts as the account.
	if _, _, err := srv.Client(t, secret).ListManagedAccounts(t.Context(), client.ListManagedAccountsOptions{}); client.StatusCode(err) != http.StatusForbidden {
		t.Fatalf("the ephemeral key listed managed accounts (err %v): it is not the managed account's", err)
	}
	ps.noErrors("close", ps.close(opened.Private).Diagnostics)
	if err := refused(t, srv, secret, "revoked"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client(t, account.APIKey).GetBalance(t.Context()); err != nil {
		t.Fatalf("the primary key stopped working: %v", err)
	}

	_, failed := ps.open(map[string]tftypes.Value{
		"managed_account_id": tftypes.NewValue(tftypes.String, "00000000-0000-4000-8000-000000000000"),
	})
	if !hasDiagnostic(failed.Diagnostics, tfprotov6.DiagnosticSeverityError, "Unable to act as the managed account") {
		t.Fatalf("open for an unknown account: diagnostics %v", failed.Diagnostics)
	}
}
