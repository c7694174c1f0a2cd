package httpapi

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// checkQueryError fails unless err is what a bad query string must give: a
// 400 (EBADREQUEST) with a detail, naming the parameter at fault unless the
// whole query string is malformed.
func checkQueryError(t *testing.T, raw string, err error) {
	t.Helper()
	e, ok := errors.AsType[*backend.Error](err)
	if !ok {
		t.Fatalf("query %q: error %v (%T) is not a *backend.Error", raw, err, err)
	}
	if e.Kind != backend.EBADREQUEST || e.Detail == "" {
		t.Fatalf("query %q: error %+v, want EBADREQUEST with a detail", raw, e)
	}
	if e.Parameter == "" && !strings.HasPrefix(e.Detail, "The query string is malformed") {
		t.Fatalf("query %q: error %q names no parameter", raw, e.Detail)
	}
}

func checkPage(t *testing.T, raw string, p backend.Page) {
	t.Helper()
	if p.Number < 0 || p.Size < 0 || p.Number > math.MaxInt32 || p.Size > math.MaxInt32 {
		t.Fatalf("query %q: page %+v out of range", raw, p)
	}
}

func setPage(v url.Values, p backend.Page) {
	if p.Number > 0 {
		v.Set("page[number]", strconv.Itoa(p.Number))
	}
	if p.Size > 0 {
		v.Set("page[size]", strconv.Itoa(p.Size))
	}
}

// statusFilterOf writes back the filter[status][eq] that parses into q's
// statuses, in its canonical spelling ("enabled" for "active" too).
func statusFilterOf(q backend.ManagedAccountQuery) string {
	switch {
	case q.MatchNone:
		return "blocked"
	case len(q.Statuses) == 3:
		return "all"
	case len(q.Statuses) == 1:
		return string(q.Statuses[0])
	}
	return ""
}

// encodeManagedAccountQuery writes q back as a query string.
func encodeManagedAccountQuery(q backend.ManagedAccountQuery) string {
	v := url.Values{}
	for name, value := range map[string]string{
		"filter[email][eq]": q.EmailEq, "filter[email][contains]": q.EmailContains,
		"filter[organization_name][eq]": q.OrganizationEq, "filter[organization_name][contains]": q.OrganizationContains,
		"filter[status][eq]": statusFilterOf(q),
	} {
		if value != "" {
			v.Set(name, value)
		}
	}
	if q.IncludeCancelled {
		v.Set("include_cancelled_accounts", "true")
	}
	if q.Sort.Field != "" {
		s := q.Sort.Field
		if q.Sort.Descending {
			s = "-" + s
		}
		v.Set("sort", s)
	}
	setPage(v, q.Page)
	return v.Encode()
}

// encodeUsageReportInput writes in back as a query string, each array as
// one comma-separated value.
func encodeUsageReportInput(in backend.UsageReportInput, format string) string {
	v := url.Values{}
	for name, value := range map[string]string{
		"product": in.Product, "start_date": in.StartDate, "end_date": in.EndDate, "date_range": in.DateRange,
		"dimensions": strings.Join(in.Dimensions, ","), "metrics": strings.Join(in.Metrics, ","), "sort": strings.Join(in.Sort, ","),
	} {
		if value != "" {
			v.Set(name, value)
		}
	}
	for name, value := range in.Filters {
		v.Set("filter["+name+"]", value)
	}
	if in.ManagedAccounts {
		v.Set("managed_accounts", "true")
	}
	if format != formatJSON {
		v.Set("format", format)
	}
	setPage(v, in.Page)
	return v.Encode()
}

func sameInstant(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// FuzzQueryParsing feeds one query string to every query parser. Each either
// refuses it with a 400 naming the parameter, or reads values in range that
// say the same once written back in canonical form and read again.
func FuzzQueryParsing(f *testing.F) {
	for _, seed := range []string{
		"", "page[number]=2&page[size]=250", "filter[email][contains]=acme&sort=-created_at",
		"filter[status][eq]=active&include_cancelled_accounts=false", "filter[status][eq]=all", "filter[status][eq]=blocked",
		"product=messaging&dimensions=country_iso,direction&metrics=count,cost&date_range=last_7_days&sort=-cost",
		"product=voice&dimensions=country_iso&dimensions=product_name&metrics=count&managed_accounts=true&format=csv",
		"filter[country_code]=US&filter[direction]=outbound&start_date=2025-01-01T00:00:00Z&end_date=2025-01-08T00:00:00Z",
		"filter[account_id]=abc&filter[created_at][gte]=2025-01-01T00:00:00Z&filter[created_at][lte]=2025-01-02T00:00:00%2B02:00",
		"filter[status][eq]=disabled&page[number]=0", "page[size]=99999999999", "%zz", "a=1;b=2", "sort=", "dimensions=,",
		"filter[a][b]=1", "filter[]=1", "page[size]=1&page[size]=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u := &url.URL{RawQuery: raw}

		if q, err := parseManagedAccountQuery(u); err != nil {
			checkQueryError(t, raw, err)
		} else {
			checkPage(t, raw, q.Page)
			if !slices.Contains([]string{"", "created_at", "email"}, q.Sort.Field) {
				t.Fatalf("query %q: sort field %q", raw, q.Sort.Field)
			}
			again, err := parseManagedAccountQuery(&url.URL{RawQuery: encodeManagedAccountQuery(q)})
			if err != nil || !reflect.DeepEqual(again, q) {
				t.Fatalf("query %q read %+v; written back and read again: %+v, %v", raw, q, again, err)
			}
		}

		if status, page, err := parseAPIKeyQuery(u); err != nil {
			checkQueryError(t, raw, err)
		} else {
			checkPage(t, raw, page)
			v := url.Values{}
			if status != "" {
				v.Set("filter[status][eq]", status)
			}
			setPage(v, page)
			status2, page2, err := parseAPIKeyQuery(&url.URL{RawQuery: v.Encode()})
			if err != nil || status2 != status || page2 != page {
				t.Fatalf("query %q read %q %+v; again: %q %+v, %v", raw, status, page, status2, page2, err)
			}
		}

		if filter, err := parseAuditFilter(u); err != nil {
			checkQueryError(t, raw, err)
		} else {
			checkPage(t, raw, filter.Page)
			v := url.Values{}
			if filter.AccountID != "" {
				v.Set("filter[account_id]", filter.AccountID)
			}
			if filter.From != nil {
				v.Set("filter[created_at][gte]", filter.From.Format(time.RFC3339Nano))
			}
			if filter.To != nil {
				v.Set("filter[created_at][lte]", filter.To.Format(time.RFC3339Nano))
			}
			setPage(v, filter.Page)
			again, err := parseAuditFilter(&url.URL{RawQuery: v.Encode()})
			if err != nil || again.AccountID != filter.AccountID || again.Page != filter.Page ||
				!sameInstant(again.From, filter.From) || !sameInstant(again.To, filter.To) {
				t.Fatalf("query %q read %+v; again: %+v, %v", raw, filter, again, err)
			}
		}

		if in, format, err := parseUsageReportInput(u); err != nil {
			checkQueryError(t, raw, err)
		} else {
			checkPage(t, raw, in.Page)
			if format != formatJSON && format != formatCSV {
				t.Fatalf("query %q: format %q", raw, format)
			}
			for _, list := range [][]string{in.Dimensions, in.Metrics, in.Sort} {
				for _, item := range list {
					if item == "" || item != strings.TrimSpace(item) || strings.Contains(item, ",") {
						t.Fatalf("query %q: list item %q is empty, untrimmed or holds a comma", raw, item)
					}
				}
			}
			again, format2, err := parseUsageReportInput(&url.URL{RawQuery: encodeUsageReportInput(in, format)})
			if err != nil || format2 != format || !reflect.DeepEqual(again, in) {
				t.Fatalf("query %q read %+v (%s); again: %+v (%s), %v", raw, in, format, again, format2, err)
			}
		}
	})
}

// FuzzBearerToken checks the Authorization header parser: a token it reads
// holds no blank, came after a "Bearer" scheme (in any case), and reads
// back the same from the canonical header; anything else is a 401.
func FuzzBearerToken(f *testing.F) {
	for _, seed := range []string{
		"", "Bearer KEY0123456789ABCDEF_secret", "bearer KEYx", "BEARER   KEYx  ", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz",
		"Bearer KEY a", "Bearer\tKEY", "Token KEY", "Bearer KEY\u00e9", " Bearer KEY",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{Header: http.Header{}}
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		token, err := bearerToken(r)
		if err != nil {
			if e, ok := errors.AsType[*backend.Error](err); !ok || e.Kind != backend.EUNAUTHENTICATED {
				t.Fatalf("header %q: error %v, want EUNAUTHENTICATED", header, err)
			}
			if token != "" {
				t.Fatalf("header %q: token %q returned with an error", header, token)
			}
			return
		}
		if token == "" {
			if header != "" {
				t.Fatalf("header %q: no token and no error", header)
			}
			return
		}
		if strings.ContainsAny(token, " \t") {
			t.Fatalf("header %q: token %q holds a blank", header, token)
		}
		scheme, rest, _ := strings.Cut(header, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) != token {
			t.Fatalf("header %q: token %q is not what follows its Bearer scheme", header, token)
		}
		canonical := &http.Request{Header: http.Header{"Authorization": {"Bearer " + token}}}
		if again, err := bearerToken(canonical); err != nil || again != token {
			t.Fatalf("token %q read from %q, but %q from its canonical header (%v)", token, header, again, err)
		}
	})
}
