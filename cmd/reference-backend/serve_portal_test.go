package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeGivesTheBootstrapManagerAPortalPassword: with
// REFERENCE_BACKEND_BOOTSTRAP_MANAGER_PASSWORD the bootstrap manager signs in
// to the portal, also after a restart; the password never reaches the log.
func TestServeGivesTheBootstrapManagerAPortalPassword(t *testing.T) {
	const password = "demo portal password"
	dataDir := filepath.Join(t.TempDir(), "data")
	args := []string{"--data-dir", dataDir, "--bootstrap-manager-key", "KEYbootstrap-portal-key-0001", "--bootstrap-manager-email", "portal@example.com"}
	env := map[string]string{"REFERENCE_BACKEND_BOOTSTRAP_MANAGER_PASSWORD": password}
	var logs strings.Builder
	for range 2 { // the second start finds the password already set
		r := startServe(t, &app{getenv: func(k string) string { return env[k] }}, args...)
		if got := portalSignIn(t, r.url, "portal@example.com", password); got != "/portal/" {
			t.Fatalf("signing in answered a redirect to %q, want /portal/:\n%s", got, r.logs)
		}
		if code := r.stop(t); code != 0 {
			t.Fatalf("serve exited with %d:\n%s", code, r.logs)
		}
		logs.WriteString(r.logs.String())
	}
	if strings.Contains(logs.String(), password) {
		t.Error("the log holds the bootstrap manager's password")
	}
	if !strings.Contains(logs.String(), `"portal_password":true`) {
		t.Errorf("the log does not say the bootstrap manager has a portal password:\n%s", logs.String())
	}
}

// portalSignIn signs in through the portal's form and returns where the
// answer redirects (empty when it does not).
func portalSignIn(t *testing.T, root, email, password string) string {
	t.Helper()
	_, location := portalSignInAnswer(t, root, email, password)
	return location
}

// portalSignInAnswer signs in through the portal's form and returns the
// answer's status and where it redirects.
func portalSignInAnswer(t *testing.T, root, email, password string) (status int, location string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, root+"/portal/sign-in", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	token := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if token == nil {
		t.Fatalf("the sign-in page has no form token: %s", page)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf_token": {string(token[1])}}
	req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, root+"/portal/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}
