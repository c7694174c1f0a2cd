package portal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// replica is one backend process over a shared database file.
type replica struct {
	http  *httptest.Server
	store backend.Store
	svc   *backend.Service
}

func startReplica(t *testing.T, path string, serverSecret []byte) *replica {
	t.Helper()
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	secrets, err := backend.NewSecrets(serverSecret)
	if err != nil {
		t.Fatal(err)
	}
	secrets.PasswordCost = bcrypt.MinCost
	svc := backend.NewService(store, secrets)
	return &replica{http: httptest.NewServer(httpapi.New(svc, httpapi.Options{})), store: store, svc: svc}
}

func (r *replica) stop(t *testing.T) {
	t.Helper()
	r.http.Close()
	if err := r.store.Close(); err != nil {
		t.Errorf("close the store: %v", err)
	}
}

// TestSessionsSurviveARestartAndWorkAcrossReplicas: a session lives in the
// database, so another process on the same database (a replica, or the same
// server restarted) knows it, and the forms it rendered still post.
func TestSessionsSurviveARestartAndWorkAcrossReplicas(t *testing.T) {
	path, secret := filepath.Join(t.TempDir(), "reference.db"), backend.NewServerSecret()
	first := startReplica(t, path, secret)
	if _, _, err := first.svc.CreateManager(context.Background(), backend.CreateManagerInput{
		Email: ptr("restart@example.com"), Password: ptr(testPassword)}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, first.http.URL)
	list := b.signIn("restart@example.com", testPassword).wantStatus(t, http.StatusOK)

	second := startReplica(t, path, secret)
	defer second.stop(t)
	b.root = second.http.URL // cookies go to the host whatever the port, as in a browser
	b.get("/portal/managed-accounts").wantStatus(t, http.StatusOK).wantContains(t, "restart@example.com")

	first.stop(t)
	restarted := startReplica(t, path, secret)
	defer restarted.stop(t)
	b.root = restarted.http.URL
	b.get("/portal/managed-accounts").wantStatus(t, http.StatusOK)
	b.follow(b.submit(list, "/portal/managed-accounts", url.Values{"business_name": {"Made After The Restart"}})).
		wantStatus(t, http.StatusOK).wantContains(t, "Made After The Restart")
}

func ptr[T any](v T) *T { return &v }
