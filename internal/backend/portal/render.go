package portal

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

//go:embed templates/*.html.tmpl static/portal.css
var assets embed.FS

// stylesheetBody is the portal's one stylesheet.
var stylesheetBody = mustRead(assets, "static/portal.css")

func mustRead(fsys fs.FS, name string) []byte {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic(err) // the embed directive guarantees the file
	}
	return b
}

// stylesheetVersion changes the stylesheet's URL when its content changes,
// so that it can be cached for long.
var stylesheetVersion = shortHash(stylesheetBody)

// stylesheet serves the CSS, cacheable: its URL carries its version.
func (p *Portal) stylesheet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(stylesheetBody)
}

// pageTemplates are the pages by name, each parsed with the layout and the
// shared partials.
type pageTemplates map[string]*template.Template

var templateFuncs = template.FuncMap{
	"money":    formatMoney,
	"count":    formatCount,
	"date":     formatDate,
	"datetime": formatDateTime,
	"optionalDateTime": func(t *time.Time) string {
		return formatOptionalDateTime(t)
	},
	"month":         formatMonth,
	"stylesheetURL": func() string { return "/portal/static/portal.css?v=" + stylesheetVersion },
	"accountURL":    accountURL,
	"lower":         strings.ToLower,
}

// layoutFiles are parsed into every page.
var layoutFiles = []string{"templates/layout.html.tmpl", "templates/partials.html.tmpl"}

func mustParsePages() pageTemplates {
	names, err := fs.Glob(assets, "templates/*.html.tmpl")
	if err != nil {
		panic(err)
	}
	base := template.Must(template.New("layout").Funcs(templateFuncs).ParseFS(assets, layoutFiles...))
	pages := pageTemplates{}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html.tmpl")
		if page == "layout" || page == "partials" {
			continue
		}
		pages[page] = template.Must(template.Must(base.Clone()).ParseFS(assets, name))
	}
	return pages
}

// view is what every page's template gets.
type view struct {
	Title string
	// Section names the navigation entry of the page.
	Section string
	// User is the signed-in user; nil on the sign-in page.
	User *userView
	// Acting is the managed account acted as, shown in the banner.
	Acting *backend.Account
	// CSRF is the anti-forgery token of the page's forms.
	CSRF   string
	Nav    []navLink
	Notice string
	Error  string
	Page   any
}

type userView struct {
	Email, Organization string
	// AccountID is the account the pages show: its own, or the one acted as.
	AccountID string
}

type navLink struct {
	Label, URL string
	Current    bool
}

// accountURL is the URL of an account's page ("" for its overview).
func accountURL(accountID, page string) string {
	u := "/portal/accounts/" + url.PathEscape(accountID)
	if page != "" {
		u += "/" + page
	}
	return u
}

// newView fills in what every page of a signed-in request shows.
func (p *Portal) newView(rq *request, title, section string) *view {
	v := &view{Title: title, Section: section}
	if rq.user == nil {
		return v
	}
	c := rq.user.Caller()
	v.User = &userView{Email: rq.user.Account.Email, Organization: rq.user.Account.OrganizationName, AccountID: c.Account.ID}
	v.Acting = rq.user.ActingAs
	v.CSRF = p.svc.PortalFormToken(rq.user.Session.ID)
	links := []struct{ section, label, page string }{
		{"overview", "Overview", ""}, {"invoices", "Invoices", "invoices"},
		{"payment-methods", "Payment methods", "payment-methods"}, {"api-keys", "API keys", "api-keys"},
		{"notifications", "Notifications", "notifications"},
	}
	if c.Account.IsManager() {
		v.Nav = append(v.Nav, navLink{Label: "Managed accounts", URL: "/portal/managed-accounts", Current: section == "managed"})
		links = append(links[:1], append([]struct{ section, label, page string }{{"pricing", "Pricing", "pricing"}}, links[1:]...)...)
	}
	for _, l := range links {
		v.Nav = append(v.Nav, navLink{Label: l.label, URL: accountURL(c.Account.ID, l.page), Current: section == l.section})
	}
	v.Notice = notices[rq.r.URL.Query().Get("done")]
	return v
}

// notices are the messages a redirect after a change shows, by the code in
// its "done" parameter: a fixed set, so that a link cannot make the portal
// say anything else.
var notices = map[string]string{
	"created":       "The managed account was created.",
	"disabled":      "The managed account was disabled: its keys and sign-in stop working until it is enabled.",
	"enabled":       "The managed account was enabled.",
	"returned":      "You are back in your own account.",
	"card-added":    "The card was added.",
	"default-set":   "The default card was changed.",
	"card-removed":  "The card was removed.",
	"key-revoked":   "The API key was revoked. It stops working at once.",
	"acting-ended":  "The account you were acting as is no longer available: you are back in your own account.",
	"signed-out":    "You have signed out.",
	"session-ended": "Your session has ended. Sign in again.",
}

// render writes a page with status.
func (p *Portal) render(rq *request, status int, page string, v *view) {
	t, ok := p.pages[page]
	if !ok {
		p.logger.LogAttrs(rq.r.Context(), slog.LevelError, "portal: no such page template", slog.String("page", page))
		http.Error(rq.w, "Internal error", http.StatusInternalServerError)
		return
	}
	var body bytes.Buffer
	if err := t.ExecuteTemplate(&body, "layout", v); err != nil {
		p.logger.LogAttrs(rq.r.Context(), slog.LevelError, "portal: render page",
			slog.String("page", page), slog.String("error", err.Error()))
		http.Error(rq.w, "Internal error", http.StatusInternalServerError)
		return
	}
	rq.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rq.w.WriteHeader(status)
	_, _ = rq.w.Write(body.Bytes())
}

// errorPage is the content of an error page.
type errorPage struct {
	Detail string
}

func (p *Portal) renderError(rq *request, status int, title, detail string) {
	v := p.newView(rq, title, "")
	v.Notice = ""
	v.Page = errorPage{Detail: detail}
	p.render(rq, status, "error", v)
}

// redirect answers a change with a redirect to a page (Post/Redirect/Get),
// with a notice code for the page to show.
func redirect(rq *request, target, done string) error {
	if done != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "done=" + url.QueryEscape(done)
	}
	http.Redirect(rq.w, rq.r, target, http.StatusSeeOther)
	return nil
}

// shortHash is the first 12 hex digits of b's SHA-256.
func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
