package portal

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// The manager's pages: its managed accounts, searchable and paged, with
// their status, balance and this month's usage; create, disable, enable and
// log in as.

// managedPageSize is the rows of one page of the managed accounts list.
const managedPageSize = 20

// managedListPage is the managed accounts list's content.
type managedListPage struct {
	Query, Field, Status string
	// Self is this page's URL, where a change made from it returns.
	Self             string
	Rows             []managedRow
	Meta             backend.PageMeta
	PrevURL, NextURL string
	// ShowCost is whether the month's usage comes with its cost: the
	// domain offers cost to managers only.
	ShowCost bool
}

type managedRow struct {
	Account *backend.Account
	Balance *backend.Balance
	Usage   monthUsage
}

// managedListQuery is the list's search as the form sends it.
type managedListQuery struct {
	query, field, status string
	page                 int
}

func parseManagedListQuery(q url.Values) managedListQuery {
	out := managedListQuery{query: strings.TrimSpace(q.Get("q")), field: q.Get("field"), status: q.Get("status"), page: 1}
	if out.field != "email" {
		out.field = "organization"
	}
	if out.status != "enabled" && out.status != "disabled" {
		out.status = ""
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		out.page = n
	}
	return out
}

// url is the list's URL for this search at page n.
func (q managedListQuery) url(n int) string {
	v := url.Values{}
	if q.query != "" {
		v.Set("q", q.query)
		v.Set("field", q.field)
	}
	if q.status != "" {
		v.Set("status", q.status)
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/portal/managed-accounts"
	}
	return "/portal/managed-accounts?" + v.Encode()
}

func (q managedListQuery) backendQuery() backend.ManagedAccountQuery {
	out := backend.ManagedAccountQuery{Page: backend.Page{Number: q.page, Size: managedPageSize}}
	if q.query != "" {
		if q.field == "email" {
			out.EmailContains = q.query
		} else {
			out.OrganizationContains = q.query
		}
	}
	if q.status != "" {
		out.Statuses = []backend.AccountStatus{backend.AccountStatus(q.status)}
	}
	return out
}

func (p *Portal) managedAccounts(rq *request) error {
	c := rq.user.Caller()
	q := parseManagedListQuery(rq.r.URL.Query())
	page := &managedListPage{Query: q.query, Field: q.field, Status: q.status, Self: q.url(q.page)}
	v := p.newView(rq, "Managed accounts", "managed")
	v.Page = page
	summaries, meta, err := p.svc.ManagedAccountSummaries(rq.r.Context(), c, q.backendQuery())
	switch backend.ErrorKind(err) {
	case backend.EBADREQUEST:
		v.Error = searchError(err)
		p.render(rq, http.StatusBadRequest, "managed_accounts", v)
		return nil
	case backend.EFORBIDDEN:
		// A manager acting as an account: its list is one step away.
		return err
	}
	if err != nil {
		return err
	}
	usage, showCost, err := p.monthUsageByAccount(rq.r.Context(), c)
	if err != nil {
		return err
	}
	page.ShowCost, page.Meta = showCost, meta
	for _, s := range summaries {
		page.Rows = append(page.Rows, managedRow{Account: s.Account, Balance: s.Balance, Usage: usage[s.Account.ID]})
	}
	if meta.PageNumber > 1 {
		page.PrevURL = q.url(meta.PageNumber - 1)
	}
	if meta.PageNumber < meta.TotalPages {
		page.NextURL = q.url(meta.PageNumber + 1)
	}
	p.render(rq, http.StatusOK, "managed_accounts", v)
	return nil
}

// searchError words the domain's refusal of a search for the search form.
func searchError(err error) string {
	detail := domainDetail(err)
	if strings.Contains(detail, "at least") {
		return "Type at least 3 characters to search."
	}
	return detail
}

// newManagedAccountPage is the create form's content: what was typed, but
// never the password.
type newManagedAccountPage struct {
	BusinessName, Email               string
	RollupBilling, AllowCustomPricing bool
	// ErrorField is the field the error is about ("business_name", …).
	ErrorField string
}

func (p *Portal) newManagedAccountForm(rq *request) error {
	if !rq.user.Caller().Account.IsManager() {
		return backend.Errorf(backend.EFORBIDDEN, "Only managers create managed accounts.")
	}
	v := p.newView(rq, "New managed account", "managed")
	v.Page = &newManagedAccountPage{}
	p.render(rq, http.StatusOK, "managed_account_new", v)
	return nil
}

func (p *Portal) createManagedAccount(rq *request) error {
	f := rq.r.PostForm
	form := &newManagedAccountPage{
		BusinessName: f.Get("business_name"), Email: strings.TrimSpace(f.Get("email")),
		RollupBilling: f.Get("rollup_billing") == "on", AllowCustomPricing: f.Get("allow_custom_pricing") == "on",
	}
	in := backend.CreateManagedAccountInput{
		BusinessName: &form.BusinessName, RollupBilling: &form.RollupBilling, AllowCustomPricing: &form.AllowCustomPricing,
	}
	if form.Email != "" {
		in.Email = &form.Email
	}
	if pw := f.Get("password"); pw != "" {
		in.Password = &pw
	}
	_, err := p.svc.CreateManagedAccount(rq.r.Context(), rq.user.Caller(), in)
	if k := backend.ErrorKind(err); k == backend.EINVALID || k == backend.ECONFLICT {
		form.ErrorField = fieldOf(err)
		v := p.newView(rq, "New managed account", "managed")
		v.Error, v.Page = domainDetail(err), form
		p.render(rq, http.StatusUnprocessableEntity, "managed_account_new", v)
		return nil
	}
	if err != nil {
		return err
	}
	return redirect(rq, "/portal/managed-accounts", "created")
}

// fieldOf names the form field a domain error points at: "/card/number"
// is "card_number".
func fieldOf(err error) string {
	if e, ok := asDomainError(err); ok && e.Pointer != "" {
		return strings.ReplaceAll(strings.TrimPrefix(e.Pointer, "/"), "/", "_")
	}
	return ""
}

func (p *Portal) setManagedAccountStatus(enabled bool) pageHandler {
	done := "disabled"
	if enabled {
		done = "enabled"
	}
	return func(rq *request) error {
		if _, err := p.svc.SetManagedAccountStatus(rq.r.Context(), rq.user.Caller(), rq.r.PathValue("id"), enabled); err != nil {
			return err
		}
		return redirect(rq, returnTo(rq.r.PostForm.Get("return")), done)
	}
}

// returnTo is where a change made from the list goes back to: the list
// page it was made on (a path of the list only, never another site).
func returnTo(target string) string {
	if target == "/portal/managed-accounts" || strings.HasPrefix(target, "/portal/managed-accounts?") {
		return target
	}
	return "/portal/managed-accounts"
}

// logInAs switches the session into a managed account.
func (p *Portal) logInAs(rq *request) error {
	id := rq.r.PathValue("id")
	if err := p.replaceSession(rq, func(ctx context.Context, token string) (string, error) { return p.svc.ActAs(ctx, token, id) }); err != nil {
		return err
	}
	return redirect(rq, accountURL(id, ""), "")
}

// returnToManager ends acting as a managed account.
func (p *Portal) returnToManager(rq *request) error {
	if err := p.replaceSession(rq, p.svc.StopActing); err != nil {
		return err
	}
	return redirect(rq, "/portal/managed-accounts", "returned")
}
