package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestTenancyMatrixCoversEveryRoute: every operation of the OpenAPI document
// the backend serves (which TestOpenAPIDocumentDescribesEveryRoute holds to
// the routes the server registers) has at least one row in the tenancy
// matrix, so that no route can be added without saying who may call it.
// Each row's request is routed through the document as the matrix would
// send it, in one world, without being sent.
func TestTenancyMatrixCoversEveryRoute(t *testing.T) {
	doc, router := loadOpenAPI(t)
	w := newTenancyWorld(t)
	covered := map[string][]string{}
	for name, ep := range tenancyEndpoints() {
		var target string
		if ep.link != nil {
			target = ep.link(t, w)
		} else {
			target = w.srv.RootURL + ep.path(w)
		}
		req, err := http.NewRequestWithContext(t.Context(), ep.method, target, nil)
		if err != nil {
			t.Fatalf("row %q: %v", name, err)
		}
		route, _, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("row %q sends %s %s, which no operation of the document describes: %v", name, ep.method, target, err)
			continue
		}
		op := ep.method + " " + route.Path
		covered[op] = append(covered[op], name)
	}
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if op := method + " " + path; len(covered[op]) == 0 {
				missing = append(missing, op)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("the tenancy matrix has no row for:\n  %s", strings.Join(missing, "\n  "))
	}
}
