package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/client"
)

// TestListPaging pins down page[number]/page[size] and the meta, at the edges.
func TestListPaging(t *testing.T) {
	srv := backendtest.Start(t)
	var created []string
	for i := range 5 {
		created = append(created, createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": fmt.Sprintf("Paged %d", i)}).ID)
	}
	pages := []struct {
		query    string
		wantLen  int
		wantMeta client.PageMeta
	}{
		{"page[size]=2", 2, client.PageMeta{PageNumber: 1, PageSize: 2, TotalPages: 3, TotalResults: 5}},
		{"page[number]=2&page[size]=2", 2, client.PageMeta{PageNumber: 2, PageSize: 2, TotalPages: 3, TotalResults: 5}},
		{"page[number]=3&page[size]=2", 1, client.PageMeta{PageNumber: 3, PageSize: 2, TotalPages: 3, TotalResults: 5}}, // last page
		{"page[number]=4&page[size]=2", 0, client.PageMeta{PageNumber: 4, PageSize: 2, TotalPages: 3, TotalResults: 5}}, // past the end
		{"page[number]=1000000&page[size]=250", 0, client.PageMeta{PageNumber: 1000000, PageSize: 250, TotalPages: 1, TotalResults: 5}},
		{"page[size]=250", 5, client.PageMeta{PageNumber: 1, PageSize: 250, TotalPages: 1, TotalResults: 5}},
		{"page[size]=5", 5, client.PageMeta{PageNumber: 1, PageSize: 5, TotalPages: 1, TotalResults: 5}},
		{"", 5, client.PageMeta{PageNumber: 1, PageSize: 20, TotalPages: 1, TotalResults: 5}}, // defaults
	}
	for _, p := range pages {
		t.Run(p.query, func(t *testing.T) {
			got := listManaged(t, srv, srv.ManagerKey, p.query)
			if len(got.Data) != p.wantLen || got.Meta != p.wantMeta {
				t.Fatalf("got %d items, meta %+v; want %d items, meta %+v", len(got.Data), got.Meta, p.wantLen, p.wantMeta)
			}
		})
	}
	t.Run("the pages together hold every account once", func(t *testing.T) {
		var seen []string
		for n := 1; n <= 3; n++ {
			seen = append(seen, ids(listManaged(t, srv, srv.ManagerKey, fmt.Sprintf("page[number]=%d&page[size]=2", n)).Data)...)
		}
		slices.Sort(seen)
		want := slices.Clone(created)
		slices.Sort(want)
		if !slices.Equal(seen, want) {
			t.Fatalf("pages hold %v, want %v", seen, want)
		}
	})
	t.Run("a manager without accounts gets an empty array", func(t *testing.T) {
		_, key := srv.NewManager(t)
		got := listManaged(t, srv, key, "")
		want := client.PageMeta{PageNumber: 1, PageSize: 20, TotalPages: 0, TotalResults: 0}
		if got.Data == nil || len(got.Data) != 0 || got.Meta != want {
			t.Fatalf("got %v, meta %+v; want [] and %+v", got.Data, got.Meta, want)
		}
	})

	bad := []struct{ query, parameter string }{
		{"page[size]=251", "page[size]"},
		{"page[size]=0", "page[size]"},
		{"page[size]=-1", "page[size]"},
		{"page[size]=1.5", "page[size]"},
		{"page[size]=ten", "page[size]"},
		{"page[size]=", "page[size]"},
		{"page[number]=0", "page[number]"},
		{"page[number]=abc", "page[number]"},
		{"page[number]=99999999999999999999", "page[number]"},
		{"page[number]=1&page[number]=2", "page[number]"},
		{"page[limit]=5", "page[limit]"},
		{"page=5", ""}, // not a page key: ignored like any unknown parameter
	}
	for _, b := range bad {
		t.Run("refuses "+b.query, func(t *testing.T) {
			r := call(t, srv, http.MethodGet, "/v2/managed_accounts?"+b.query, srv.ManagerKey, nil)
			if b.parameter == "" {
				r.wantStatus(t, http.StatusOK)
				return
			}
			r.wantError(t, errWant{status: 400, code: "10015", parameter: b.parameter})
		})
	}
}

// TestListFilters pins down the email, organization and status filters.
func TestListFilters(t *testing.T) {
	srv := backendtest.Start(t)
	alpha := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Alpha Foods LLC", "email": "Alpha.Ops@Example.com"})
	beta := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Beta Foods", "email": "beta@example.org"})
	gamma := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Gamma Tools", "email": "gamma@example.net"})
	cancelled := createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": "Gone Foods", "email": "gone@example.com"})
	call(t, srv, http.MethodPost, "/v2/managed_accounts/"+beta.ID+"/actions/disable", srv.ManagerKey, nil).wantStatus(t, http.StatusOK)
	srv.CancelAccount(t, cancelled.ID)

	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{alpha.ID, beta.ID, gamma.ID}},
		{"filter[email][eq]=alpha.ops@example.com", []string{alpha.ID}}, // eq on email ignores case
		{"filter[email][eq]=alpha", nil},
		{"filter[email][contains]=EXAMPLE.COM", []string{alpha.ID}},
		{"filter[email][contains]=example", []string{alpha.ID, beta.ID, gamma.ID}},
		{"filter[organization_name][eq]=Beta%20Foods", []string{beta.ID}},
		{"filter[organization_name][eq]=beta%20foods", nil}, // eq on the organization is exact
		{"filter[organization_name][contains]=foods", []string{alpha.ID, beta.ID}},
		{"filter[organization_name][contains]=foo&filter[email][contains]=.org", []string{beta.ID}},
		{"filter[status][eq]=disabled", []string{beta.ID}},
		{"filter[status][eq]=enabled", []string{alpha.ID, gamma.ID}},
		{"filter[status][eq]=active", []string{alpha.ID, gamma.ID}},
		{"filter[status][eq]=cancelled", []string{cancelled.ID}},
		{"filter[status][eq]=all", []string{alpha.ID, beta.ID, gamma.ID, cancelled.ID}},
		{"filter[status][eq]=blocked", nil},
		{"include_cancelled_accounts=true", []string{alpha.ID, beta.ID, gamma.ID, cancelled.ID}},
		{"include_cancelled_accounts=false", []string{alpha.ID, beta.ID, gamma.ID}},
		{"include_cancelled_accounts=true&filter[organization_name][contains]=foods", []string{alpha.ID, beta.ID, cancelled.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			got := listManaged(t, srv, srv.ManagerKey, tc.query)
			gotIDs := ids(got.Data)
			slices.Sort(gotIDs)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(gotIDs, want) || got.Meta.TotalResults != len(want) {
				t.Fatalf("got %v (total %d), want %v", gotIDs, got.Meta.TotalResults, want)
			}
		})
	}

	bad := []struct{ query, parameter string }{
		{"filter[email][contains]=ab", "filter[email][contains]"},
		{"filter[organization_name][contains]=Fo", "filter[organization_name][contains]"},
		{"filter[email][eq]=", "filter[email][eq]"},
		{"filter[status][eq]=sleeping", "filter[status][eq]"},
		{"filter[email][like]=alpha", "filter[email][like]"},
		{"filter[phone][eq]=123", "filter[phone][eq]"},
		{"include_cancelled_accounts=yes", "include_cancelled_accounts"},
		{"include_cancelled_accounts=1", "include_cancelled_accounts"},
		{"filter[email][contains]=alp%00ha", "filter[email][contains]"},
	}
	for _, b := range bad {
		t.Run("refuses "+b.query, func(t *testing.T) {
			call(t, srv, http.MethodGet, "/v2/managed_accounts?"+b.query, srv.ManagerKey, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: b.parameter})
		})
	}
}

// TestListSorting pins down sort on created_at and email, both ways, with
// -created_at the default.
func TestListSorting(t *testing.T) {
	srv := backendtest.Start(t)
	var byCreation []string
	for _, email := range []string{"charlie@example.com", "alice@example.com", "bob@example.com"} {
		byCreation = append(byCreation, createManaged(t, srv, srv.ManagerKey, map[string]any{"business_name": email, "email": email}).Email)
		time.Sleep(5 * time.Millisecond) // timestamps have millisecond precision
	}
	reversed := slices.Clone(byCreation)
	slices.Reverse(reversed)
	cases := []struct {
		query string
		want  []string
	}{
		{"", reversed},
		{"sort=-created_at", reversed},
		{"sort=created_at", byCreation},
		{"sort=email", []string{"alice@example.com", "bob@example.com", "charlie@example.com"}},
		{"sort=-email", []string{"charlie@example.com", "bob@example.com", "alice@example.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			if got := emails(listManaged(t, srv, srv.ManagerKey, tc.query).Data); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, q := range []string{"sort=name", "sort=--email", "sort=", "sort=email&sort=-email"} {
		t.Run("refuses "+q, func(t *testing.T) {
			call(t, srv, http.MethodGet, "/v2/managed_accounts?"+q, srv.ManagerKey, nil).
				wantError(t, errWant{status: 400, code: "10015", parameter: "sort"})
		})
	}
}
