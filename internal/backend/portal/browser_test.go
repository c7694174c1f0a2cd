package portal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
)

// The portal in a real browser: headless Chromium driven by chromedp against
// the backend on loopback. The test skips when no Chromium is found, unless
// PORTAL_BROWSER_TESTS=required (CI), which makes that a failure. Screenshots
// of the main pages go to $PORTAL_SCREENSHOTS_DIR, or to a folder under the
// test's temporary directory, whose path is logged.

const (
	browserTestsEnv  = "PORTAL_BROWSER_TESTS"
	chromiumEnv      = "PORTAL_CHROMIUM"
	screenshotDirEnv = "PORTAL_SCREENSHOTS_DIR"
	// browserStepTimeout bounds one navigation or action.
	browserStepTimeout = 30 * time.Second
)

// findChromium returns the Chromium to drive: $PORTAL_CHROMIUM, or the
// first of the usual names on PATH.
func findChromium(t *testing.T) string {
	t.Helper()
	if path := os.Getenv(chromiumEnv); path != "" {
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "no Chromium found on PATH (chromium, chromium-browser, google-chrome) and " + chromiumEnv + " is not set; " +
		"install it (Debian: apt-get install chromium) to run the browser tests"
	if os.Getenv(browserTestsEnv) == "required" {
		t.Fatalf("%s=required: %s", browserTestsEnv, msg)
	}
	t.Skip(msg + " (set " + browserTestsEnv + "=required to make this a failure)")
	return ""
}

// screenshotDir is where the run writes its screenshots.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(screenshotDirEnv)
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "portal-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	t.Logf("screenshots of the portal: %s", dir)
	return dir
}

// chrome is one headless Chromium with one tab, driven step by step.
type chrome struct {
	t     *testing.T
	ctx   context.Context
	root  string
	shots string
}

func startChrome(t *testing.T, path, root, shots string) *chrome {
	t.Helper()
	// The machine may have no network: without these flags Chromium keeps
	// trying to reach Google's services.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	c := &chrome{t: t, ctx: ctx, root: root, shots: shots}
	// The first run starts the browser, on a context without a deadline
	// (a deadline there would end the browser with it).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return c
}

// step runs fn with a deadline.
func (c *chrome) step(what string, fn func(ctx context.Context) error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, browserStepTimeout)
	defer cancel()
	if err := fn(ctx); err != nil {
		c.t.Fatalf("browser: %s: %v", what, err)
	}
}

// visit opens a portal path and returns the HTTP status of the page it
// ends on (after redirects).
func (c *chrome) visit(path string) int64 {
	c.t.Helper()
	var status int64
	c.step("open "+path, func(ctx context.Context) error {
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(c.root+path))
		if err == nil {
			status = resp.Status
		}
		return err
	})
	return status
}

// press clicks what selector names (a submit button, a link) and returns
// the status of the page the navigation ends on.
func (c *chrome) press(selector string) int64 {
	c.t.Helper()
	var status int64
	c.step("press "+selector, func(ctx context.Context) error {
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(selector)))
		if err == nil {
			status = resp.Status
		}
		return err
	})
	return status
}

// fill types value into the input that selector names.
func (c *chrome) fill(selector, value string) {
	c.t.Helper()
	c.step("fill "+selector, func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(selector), value))
	})
}

func (c *chrome) eval(expression string) string {
	c.t.Helper()
	var out string
	c.step("evaluate "+expression, func(ctx context.Context) error {
		var err error
		out, err = chromedp.Run(ctx, chromedp.Evaluate[string](expression))
		return err
	})
	return out
}

// text is the page's visible text; html its markup.
func (c *chrome) text() string { c.t.Helper(); return c.eval("document.body.innerText") }
func (c *chrome) html() string { c.t.Helper(); return c.eval("document.documentElement.outerHTML") }
func (c *chrome) path() string { c.t.Helper(); return c.eval("location.pathname + location.search") }

func (c *chrome) wantText(parts ...string) {
	c.t.Helper()
	// Layout breaks lines where a sentence runs across elements.
	text := strings.Join(strings.Fields(c.text()), " ")
	for _, p := range parts {
		if !strings.Contains(text, p) {
			c.t.Errorf("the page at %s does not show %q; it shows:\n%s", c.path(), p, text)
		}
	}
}

// wantNoPrice fails when the page's text or markup shows a price, a rate or
// a cost.
func (c *chrome) wantNoPrice(who string) {
	c.t.Helper()
	for _, body := range []string{c.text(), c.html()} {
		if leaks := priceLeaks(body); len(leaks) > 0 {
			c.t.Errorf("%s sees price words %q at %s", who, leaks, c.path())
		}
	}
}

// shot saves a screenshot of the whole page.
func (c *chrome) shot(name string) {
	c.t.Helper()
	c.step("screenshot "+name, func(ctx context.Context) error {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(c.shots, name+".png"), png, 0o644)
	})
}

func (c *chrome) viewport(width, height int64) {
	c.t.Helper()
	c.step(fmt.Sprintf("viewport %dx%d", width, height), func(ctx context.Context) error {
		return chromedp.Do(ctx, chromedp.EmulateViewport(width, height))
	})
}

// wantCharts fails unless the page shows one usage chart per product (of
// the two layouts, the one for the screen's width), with bars.
func (c *chrome) wantCharts() {
	c.t.Helper()
	shown := `[...document.querySelectorAll("figure.chart")].filter(f => getComputedStyle(f).display !== "none")`
	if n := c.eval(`String(` + shown + `.length)`); n != "3" {
		c.t.Errorf("%s usage charts shown, want one per product (3)", n)
	}
	if bars := c.eval(`String(` + shown + `.reduce((n, f) => n + f.querySelectorAll("svg[role=img] rect").length, 0))`); bars == "0" {
		c.t.Error("the usage charts shown draw no bar")
	}
}

func wantStatus(t *testing.T, what string, got, want int64) {
	t.Helper()
	if got != want {
		t.Fatalf("%s answered %d, want %d", what, got, want)
	}
}

// TestPortalInABrowser: a manager signs in, creates an account, logs in as
// it, sees its usage chart and balance and no price anywhere, returns, and
// disables it; a form posted without its token is refused; a managed
// account's user signs in and cannot reach another account's pages.
func TestPortalInABrowser(t *testing.T) {
	chromium := findChromium(t)
	w := newWorld(t, backendtest.Options{})
	sibling := w.createManaged(t, w.srv.ManagerKey, "Sibling Corp", testPassword)
	w.srv.Adjust(t, sibling.ID, "40.00")
	for _, day := range []int{1, 3, 4, 9, 15} {
		w.ingestUsage(t, sibling.ID, day)
	}
	c := startChrome(t, chromium, w.srv.RootURL, screenshotDir(t))

	// The manager signs in.
	wantStatus(t, "the portal, signed out", c.visit("/portal/"), 200)
	if p := c.path(); !strings.HasPrefix(p, "/portal/sign-in") {
		t.Fatalf("signed out, the portal shows %s, want the sign-in page", p)
	}
	c.shot("01-sign-in")
	c.fill("#email", w.managerEmail)
	c.fill("#password", w.managerPassword)
	wantStatus(t, "signing in", c.press(`form[action="/portal/sign-in"] button[type="submit"]`), 200)
	c.wantText("Managed accounts", "Sibling Corp")
	c.shot("02-managed-accounts")

	// It creates an account.
	wantStatus(t, "the new account form", c.press(`a[href="/portal/managed-accounts/new"]`), 200)
	c.fill("#business_name", "Nimbus Telecom")
	c.fill("#email", "ops@nimbus-telecom.example")
	c.fill("#password", "nimbus password")
	c.shot("03-new-managed-account")
	wantStatus(t, "creating the account", c.press(`form[action="/portal/managed-accounts"] button[type="submit"]`), 200)
	c.wantText("The managed account was created.", "Nimbus Telecom", "ops@nimbus-telecom.example")
	nimbus := managedAccountID(t, w, "ops@nimbus-telecom.example")
	w.srv.Adjust(t, nimbus, "120.00")
	for _, day := range []int{0, 1, 2, 4, 6, 7, 11, 14, 20, 27} {
		w.ingestUsage(t, nimbus, day)
	}
	wantStatus(t, "the list", c.visit("/portal/managed-accounts"), 200)
	c.shot("04-managed-accounts-with-usage")
	c.viewport(390, 844)
	c.visit("/portal/managed-accounts")
	c.shot("04-managed-accounts-phone")
	c.viewport(1280, 900)
	c.visit("/portal/managed-accounts")

	// It logs in as the account: banner, usage chart, balance, no price.
	wantStatus(t, "log in as", c.press(`form[action="/portal/managed-accounts/`+nimbus+`/log-in-as"] button`), 200)
	c.wantText("Acting as Nimbus Telecom — return to manager", "Balance", "Available credit", "Usage in the last 31 days", "Messaging", "Voice", "Wireless data")
	c.wantCharts()
	c.wantNoPrice("the manager acting as the account")
	c.shot("05-acting-overview")
	for _, page := range []struct{ path, shot string }{
		{"/portal/accounts/" + nimbus + "/api-keys", "06-acting-api-keys"},
		{"/portal/accounts/" + nimbus + "/payment-methods", "07-acting-payment-methods"},
		{"/portal/accounts/" + nimbus + "/invoices", "08-acting-invoices"},
	} {
		wantStatus(t, page.path, c.visit(page.path), 200)
		c.wantText("Acting as Nimbus Telecom")
		c.wantNoPrice("the manager acting as the account")
		c.shot(page.shot)
	}

	// It returns, and disables the account.
	wantStatus(t, "return to manager", c.press(`.acting-banner button[type="submit"]`), 200)
	c.wantText("You are back in your own account.")
	if strings.Contains(c.text(), "Acting as") {
		t.Error("the banner is still shown after returning to the manager")
	}
	wantStatus(t, "disable", c.press(`form[action="/portal/managed-accounts/`+nimbus+`/disable"] button`), 200)
	c.wantText("The managed account was disabled")
	if status := c.eval(`document.querySelector("form[action='/portal/managed-accounts/` + nimbus + `/enable']") ? "disabled" : "enabled"`); status != "disabled" {
		t.Errorf("after disabling, the list offers no Enable for the account")
	}
	c.shot("09-disabled")
	wantStatus(t, "the manager's pricing", c.visit("/portal/accounts/"+w.srv.ManagerID+"/pricing"), 200)
	c.shot("10-manager-pricing")

	// A form posted without its token is refused.
	wantStatus(t, "the list", c.visit("/portal/managed-accounts"), 200)
	c.eval(`document.querySelector("form[action='/portal/managed-accounts/` + nimbus + `/enable'] input[name=csrf_token]").remove(); ""`)
	wantStatus(t, "a form without its token", c.press(`form[action="/portal/managed-accounts/`+nimbus+`/enable"] button`), 403)
	c.wantText("This form has expired")
	c.shot("11-form-without-token")
	if view, err := w.srv.Service.GetManagedAccount(context.Background(), callerOf(t, w.srv, w.srv.ManagerKey), nimbus); err != nil || view.Account.Status != backend.StatusDisabled {
		t.Errorf("after the refused form the account is %v (%v), want still disabled", view.Account.Status, err)
	}

	// It signs out; the managed account's user signs in.
	wantStatus(t, "the list", c.visit("/portal/managed-accounts"), 200)
	wantStatus(t, "sign out", c.press(`form[action="/portal/sign-out"] button`), 200)
	c.wantText("You have signed out.")
	c.fill("#email", sibling.Email)
	c.fill("#password", sibling.Password)
	wantStatus(t, "the user signs in", c.press(`form[action="/portal/sign-in"] button[type="submit"]`), 200)
	c.wantText("Sibling Corp", "Balance", "Usage in the last 31 days")
	c.wantNoPrice("the account's own user")
	c.wantCharts()
	c.shot("12-managed-user-overview")
	c.viewport(390, 844)
	c.visit("/portal/accounts/" + sibling.ID)
	c.wantCharts() // the phone's layout of them
	c.shot("13-managed-user-overview-phone")
	c.visit("/portal/accounts/" + sibling.ID + "/api-keys")
	c.shot("14-api-keys-phone")
	c.viewport(1280, 900)

	// Other accounts' pages answer 404, as pages that do not exist.
	for _, path := range []string{
		"/portal/accounts/" + nimbus, "/portal/accounts/" + nimbus + "/invoices", "/portal/accounts/" + nimbus + "/api-keys",
		"/portal/accounts/" + w.srv.ManagerID, "/portal/accounts/" + w.srv.ManagerID + "/pricing",
	} {
		wantStatus(t, "the user opens "+path, c.visit(path), 404)
		c.wantText("Page not found")
		c.wantNoPrice("the account's own user")
	}
	c.shot("15-not-found")
	wantStatus(t, "the user opens the manager's list", c.visit("/portal/managed-accounts"), 403)
}

// managedAccountID finds the id of the manager's account with email.
func managedAccountID(t *testing.T, w *world, email string) string {
	t.Helper()
	list, _, err := w.srv.Service.ListManagedAccounts(context.Background(), callerOf(t, w.srv, w.srv.ManagerKey),
		backend.ManagedAccountQuery{EmailEq: email})
	if err != nil || len(list) != 1 {
		t.Fatalf("find %s: %d accounts, %v", email, len(list), err)
	}
	return list[0].ID
}
