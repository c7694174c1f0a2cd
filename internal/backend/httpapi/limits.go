package httpapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// withConcurrencyLimit serves at most limit requests at once and answers the
// rest 503 (with Retry-After) at once, rather than queueing them without
// bound. The probes are exempt, so that a busy server still reports itself
// alive and ready. limit 0 or less means no cap.
func (s *server) withConcurrencyLimit(limit int, next http.Handler) http.Handler {
	if limit <= 0 {
		return next
	}
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			next.ServeHTTP(w, r)
		default:
			s.writeError(w, r, &backend.Error{Kind: backend.EUNAVAILABLE,
				Detail: fmt.Sprintf("The server is serving its maximum of %d requests at once; retry shortly.", limit)})
		}
	})
}

// router is the ServeMux that also remembers its patterns, so that tests can
// walk every route (every POST must be idempotent, say).
type router struct {
	*http.ServeMux
	patterns []string
}

func newRouter() *router { return &router{ServeMux: http.NewServeMux()} }

// HandleFunc registers h for pattern, as http.ServeMux does.
func (m *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

// Routes returns the patterns the API serves ("POST /v2/api_keys", …), in
// the order they are registered. The portal's pages under /portal/ are not
// API routes and are not listed.
func Routes() []string {
	s := &server{mux: newRouter()}
	s.routes()
	return slices.Clone(s.mux.patterns)
}
