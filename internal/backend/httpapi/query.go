package httpapi

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// queryParams reads a request's query string against the parameters an
// endpoint accepts. The contract's deepObject parameters (filter, page) are
// closed (additionalProperties: false), so an unknown key under them is a 400
// rather than a filter silently ignored; other unknown parameters are ignored,
// as clients add cache busters and the like.
type queryParams struct {
	values url.Values
}

// closedPrefixes are the deepObject parameters whose keys are all known.
var closedPrefixes = []string{"filter[", "page["}

// parseQueryString parses a query string, refusing a NUL character (%00)
// in any name or value: no parameter means one, and the stores would treat
// it differently (PostgreSQL cannot store it; SQLite's LIKE stops at it).
func parseQueryString(raw string) (url.Values, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, backend.InvalidParameter("", "The query string is malformed: %v.", err)
	}
	for k, vs := range values {
		if k == "" {
			continue // a parameter without a name means nothing to any endpoint
		}
		for _, v := range append([]string{k}, vs...) {
			if strings.ContainsRune(v, 0) {
				return nil, backend.InvalidParameter(strings.ReplaceAll(k, "\x00", "%00"), "Query parameters must not contain NUL characters (%%00).")
			}
		}
	}
	return values, nil
}

func newQueryParams(u *url.URL, known ...string) (*queryParams, error) {
	values, err := parseQueryString(u.RawQuery)
	if err != nil {
		return nil, err
	}
	accepted := make(map[string]bool, len(known))
	for _, k := range known {
		accepted[k] = true
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first bad key reported is the same on every call
	for _, k := range keys {
		if accepted[k] {
			if len(values[k]) > 1 {
				return nil, backend.InvalidParameter(k, "%s must be given at most once.", k)
			}
			continue
		}
		for _, p := range closedPrefixes {
			if strings.HasPrefix(k, p) {
				return nil, backend.InvalidParameter(k, "%s is not a parameter of this endpoint.", k)
			}
		}
	}
	return &queryParams{values: values}, nil
}

// str returns a parameter's value; a parameter given empty is refused, since
// an empty filter or sort means nothing a client could intend.
func (q *queryParams) str(name string) (string, bool, error) {
	vs, ok := q.values[name]
	if !ok {
		return "", false, nil
	}
	if vs[0] == "" {
		return "", false, backend.InvalidParameter(name, "%s must not be empty.", name)
	}
	return vs[0], true, nil
}

// positiveInt reads an integer parameter of at least 1. The page bounds
// proper are the service's; this only makes sure that what it gets is a
// number the client actually sent (0 would read as "use the default").
func (q *queryParams) positiveInt(name string) (int, error) {
	v, ok, err := q.str(name)
	if err != nil || !ok {
		return 0, err
	}
	if strings.TrimLeft(v, "0123456789") != "" {
		return 0, backend.InvalidParameter(name, "%s must be a positive integer, not %q.", name, v)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > math.MaxInt32 {
		return 0, backend.InvalidParameter(name, "%s is too large.", name)
	}
	if n < 1 {
		return 0, backend.InvalidParameter(name, "%s must be 1 or more.", name)
	}
	return int(n), nil
}

// boolean reads a true/false parameter.
func (q *queryParams) boolean(name string) (bool, error) {
	v, ok, err := q.str(name)
	if err != nil || !ok {
		return false, err
	}
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, backend.InvalidParameter(name, "%s must be true or false, not %q.", name, v)
}

// page reads page[number] and page[size]; zero means not given.
func (q *queryParams) page() (backend.Page, error) {
	number, err := q.positiveInt("page[number]")
	if err != nil {
		return backend.Page{}, err
	}
	size, err := q.positiveInt("page[size]")
	if err != nil {
		return backend.Page{}, err
	}
	return backend.Page{Number: number, Size: size}, nil
}

// pageParams are the page keys every list endpoint accepts.
var pageParams = []string{"page[number]", "page[size]"}

// managedAccountsParams are the query parameters of GET /v2/managed_accounts.
var managedAccountsParams = append([]string{
	"filter[email][eq]", "filter[email][contains]",
	"filter[organization_name][eq]", "filter[organization_name][contains]",
	"filter[status][eq]", "include_cancelled_accounts", "sort",
}, pageParams...)

// parseManagedAccountQuery reads the list endpoint's filters, sort and page.
// Rules that do not depend on the wire (contains needs three characters, the
// page size cap) are the service's.
func parseManagedAccountQuery(u *url.URL) (backend.ManagedAccountQuery, error) {
	var q backend.ManagedAccountQuery
	params, err := newQueryParams(u, managedAccountsParams...)
	if err != nil {
		return q, err
	}
	textFilters := []struct {
		name string
		dst  *string
	}{
		{"filter[email][eq]", &q.EmailEq},
		{"filter[email][contains]", &q.EmailContains},
		{"filter[organization_name][eq]", &q.OrganizationEq},
		{"filter[organization_name][contains]", &q.OrganizationContains},
	}
	for _, f := range textFilters {
		if *f.dst, _, err = params.str(f.name); err != nil {
			return q, err
		}
	}
	if status, ok, err := params.str("filter[status][eq]"); err != nil {
		return q, err
	} else if ok {
		if err := backend.ParseManagedAccountStatusFilter(status, &q); err != nil {
			return q, err
		}
	}
	if q.IncludeCancelled, err = params.boolean("include_cancelled_accounts"); err != nil {
		return q, err
	}
	if sortBy, ok, err := params.str("sort"); err != nil {
		return q, err
	} else if ok {
		field, descending := strings.CutPrefix(sortBy, "-")
		if field != "created_at" && field != "email" {
			return q, backend.InvalidParameter("sort", "sort must be one of created_at, -created_at, email, -email, not %q.", sortBy)
		}
		q.Sort = backend.SortOrder{Field: field, Descending: descending}
	}
	q.Page, err = params.page()
	return q, err
}

// apiKeysParams are the query parameters of GET /v2/api_keys.
var apiKeysParams = append([]string{"filter[status][eq]"}, pageParams...)

// parseAPIKeyQuery reads the key list's status filter (empty when not given;
// its values are the service's to judge) and page.
func parseAPIKeyQuery(u *url.URL) (status string, page backend.Page, err error) {
	params, err := newQueryParams(u, apiKeysParams...)
	if err != nil {
		return "", page, err
	}
	if status, _, err = params.str("filter[status][eq]"); err != nil {
		return "", page, err
	}
	page, err = params.page()
	return status, page, err
}

// auditEventsParams are the query parameters of both audit-log endpoints.
var auditEventsParams = append([]string{
	"filter[account_id]", "filter[created_at][gte]", "filter[created_at][lte]",
}, pageParams...)

// parseAuditFilter reads the audit log's account and time-range filters and page.
func parseAuditFilter(u *url.URL) (backend.AuditFilter, error) {
	var f backend.AuditFilter
	params, err := newQueryParams(u, auditEventsParams...)
	if err != nil {
		return f, err
	}
	if f.AccountID, _, err = params.str("filter[account_id]"); err != nil {
		return f, err
	}
	if f.From, err = params.instant("filter[created_at][gte]"); err != nil {
		return f, err
	}
	if f.To, err = params.instant("filter[created_at][lte]"); err != nil {
		return f, err
	}
	f.Page, err = params.page()
	return f, err
}

// instant reads an RFC 3339 time parameter; nil means not given.
func (q *queryParams) instant(name string) (*time.Time, error) {
	v, ok, err := q.str(name)
	if err != nil || !ok {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, backend.InvalidParameter(name, "%s must be an RFC 3339 time such as 2030-01-02T15:04:05Z, not %q.", name, v)
	}
	return &t, nil
}
