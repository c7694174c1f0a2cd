package portal_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// transferThroughAPI moves amount from the manager of key to the managed
// account id, with description.
func transferThroughAPI(t *testing.T, srv *backendtest.Server, key, id, amount, description string) {
	t.Helper()
	status, _, raw := srv.Do(t, http.MethodPost, "/v2/managed_accounts/"+id+"/balance_transfers", key,
		map[string]any{"amount": amount, "description": description})
	if status != http.StatusOK {
		t.Fatalf("transfer %s: %d %s", amount, status, raw)
	}
}

// TestBalanceTransfersOnBothAccountsPages: the manager's overview lists the
// transfers it made, naming the account; the managed account's overview
// (its own user's, and its manager's acting as it) lists the credits it
// received with their descriptions, escaped; both accounts' invoice
// documents carry the transfer's line.
func TestBalanceTransfersOnBothAccountsPages(t *testing.T) {
	w := newWorld(t, backendtest.Options{})
	acme := w.createManaged(t, w.srv.ManagerKey, "Acme Rockets", testPassword)
	quiet := w.createManaged(t, w.srv.ManagerKey, "Quiet Co", testPassword)
	w.srv.Adjust(t, w.srv.ManagerID, "2000.00")
	transferThroughAPI(t, w.srv, w.srv.ManagerKey, acme.ID, "1234.50", "")
	transferThroughAPI(t, w.srv, w.srv.ManagerKey, acme.ID, "12.50", "Welcome <b>credit</b>")
	escaped := "Welcome &lt;b&gt;credit&lt;/b&gt;"

	manager := newBrowser(t, w.srv.RootURL)
	list := manager.signIn(w.managerEmail, w.managerPassword)
	overview := manager.get("/portal/accounts/"+w.srv.ManagerID).wantStatus(t, http.StatusOK)
	overview.wantContains(t, "Balance transfers to your managed accounts", "Acme Rockets", "$12.50", "$1,234.50", escaped)
	if strings.Contains(overview.body, "<b>credit</b>") {
		t.Error("the description reached the page unescaped")
	}
	manager.follow(manager.get("/portal/accounts/"+w.srv.ManagerID+"/invoices/"+currentInvoiceID(w, w.srv.ManagerID)+"/document")).
		wantStatus(t, http.StatusOK).wantContains(t, "Balance transfers to a managed account", "Acme Rockets")

	for name, b := range map[string]*browser{"its own user": newBrowser(t, w.srv.RootURL), "its manager acting as it": manager} {
		t.Run(name, func(t *testing.T) {
			if b == manager {
				b.follow(b.submit(list, "/portal/managed-accounts/"+acme.ID+"/log-in-as", nil)).wantStatus(t, http.StatusOK)
			} else {
				b.signIn(acme.Email, acme.Password)
			}
			page := b.get("/portal/accounts/"+acme.ID).wantStatus(t, http.StatusOK)
			page.wantContains(t, "Balance transfers from your manager", "$12.50", "$1,234.50", escaped)
			// (The manager acting as it sees its own name in the header.)
			if b != manager && strings.Contains(page.body, w.managerOrganization) {
				t.Errorf("the managed account's page names its manager's organization %q", w.managerOrganization)
			}
			b.follow(b.get("/portal/accounts/"+acme.ID+"/invoices/"+currentInvoiceID(w, acme.ID)+"/document")).
				wantStatus(t, http.StatusOK).wantContains(t, "Balance transfers received from the manager", "1247.00")
		})
	}
	other := newBrowser(t, w.srv.RootURL)
	other.signIn(quiet.Email, quiet.Password)
	other.get("/portal/accounts/"+quiet.ID).wantStatus(t, http.StatusOK).wantContains(t, "No balance transfers yet.")
}

// currentInvoiceID is the id of the account's invoice for this month.
func currentInvoiceID(w *world, accountID string) string {
	return backend.InvoiceID(accountID, w.srv.Now().UTC().Format("2006-01"))
}
