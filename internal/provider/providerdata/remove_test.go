package providerdata_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/provider/providerdata"
)

// TestRemoveAsAccount: the removal runs as the managed account; a managed
// account or an object already gone is a success without a call or a
// diagnostic; any other failure is an error diagnostic naming the action.
func TestRemoveAsAccount(t *testing.T) {
	removal := providerdata.Removal{Object: "widget", Action: "delete the widget", Done: "Deleted widget"}
	d, api := newData(t)
	ctx := context.Background()
	notFound := func(ctx context.Context, c *client.Client) error {
		_, err := c.RevokeAPIKey(ctx, "k-1") // a route the fake API answers 404, as for an object gone
		return err
	}
	for _, tc := range []struct {
		name      string
		accountID string
		remove    func(context.Context, *client.Client) error
		wantErr   string
		wantCall  bool
		wantKey   string
	}{
		{name: "removed as the managed account", accountID: "acct-1", wantCall: true, wantKey: "KEYprimary_of_acct-1",
			remove: func(ctx context.Context, c *client.Client) error { _, err := c.GetBalance(ctx); return err }},
		{name: "removed as the provider's account", wantCall: true, wantKey: managerKey,
			remove: func(ctx context.Context, c *client.Client) error { _, err := c.GetBalance(ctx); return err }},
		{name: "managed account gone", accountID: "missing"},
		{name: "object gone", accountID: "acct-1", remove: notFound, wantCall: true},
		{name: "failure", accountID: "acct-1", wantErr: "Unable to delete the widget", wantCall: true,
			remove: func(context.Context, *client.Client) error { return errors.New("boom") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			var diags diag.Diagnostics
			d.RemoveAsAccount(ctx, tc.accountID, removal, map[string]any{"id": "w-1"}, &diags,
				func(ctx context.Context, c *client.Client) error {
					called = true
					return tc.remove(ctx, c)
				})
			if called != tc.wantCall {
				t.Errorf("remove called = %v, want %v", called, tc.wantCall)
			}
			if tc.wantKey != "" && api.lastBalanceKey() != tc.wantKey {
				t.Errorf("removed with the key %q, want %q", api.lastBalanceKey(), tc.wantKey)
			}
			switch {
			case tc.wantErr == "" && diags.HasError():
				t.Errorf("diagnostics %v, want none", diags)
			case tc.wantErr != "" && (!diags.HasError() || !strings.Contains(diags.Errors()[0].Summary(), tc.wantErr)):
				t.Errorf("diagnostics %v, want an error %q", diags, tc.wantErr)
			}
		})
	}
}
