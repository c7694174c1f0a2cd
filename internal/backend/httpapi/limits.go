package httpapi

import (
	"fmt"
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// headerSlack is how far above the header limit this layer enforces the
// http.Server's own limit is set (ServerMaxHeaderBytes), so that a header
// block a little too long reaches withHeaderLimit and is answered in the
// envelope, not in net/http's plain text.
const headerSlack = 4 << 10

// ServerMaxHeaderBytes is the http.Server MaxHeaderBytes to serve this
// handler with when Options.MaxHeaderBytes is limit. net/http reads up to
// 4096 bytes beyond its own limit, so it answers 431 itself (in plain text,
// closing the connection, before any handler runs) only to a header block
// over limit + 8192 bytes on a new connection; on a kept-alive one, what it
// read ahead of the previous request can let up to 4096 more through.
func ServerMaxHeaderBytes(limit int) int { return limit + headerSlack }

// withHeaderLimit answers 431 in the error envelope to a request whose
// header block is over limit bytes (0: no limit of its own).
func (s *server) withHeaderLimit(limit int, next http.Handler) http.Handler {
	if limit <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerBlockSize(r) <= limit {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestHeaderFieldsTooLarge, errorDocument{Errors: []errorObject{{
			Code: "10015", Title: "Request header fields too large",
			Detail: fmt.Sprintf("The request line and headers must take at most %d bytes.", limit),
		}}})
	})
}

// headerBlockSize is the size of r's request line and header fields as a
// client writes them: "Name: value\r\n" each, then an empty line. It is
// what net/http read, less the blanks around values and the breaks of
// folded lines.
func headerBlockSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" { // net/http moves Host out of Header
		n += len("Host: ") + len(r.Host) + 2
	}
	for _, coding := range r.TransferEncoding { // and Transfer-Encoding
		n += len("Transfer-Encoding: ") + len(coding) + 2
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// withConcurrencyLimit serves at most limit requests at once and answers the
// rest 503 (with Retry-After) at once, rather than queueing them without
// bound. The probes are exempt, so that a busy server still reports itself
// alive and ready. limit 0 or less means no cap. The metrics count the
// requests in flight as the cap does, with or without a cap.
func (s *server) withConcurrencyLimit(limit int, next http.Handler) http.Handler {
	if limit <= 0 && s.metrics == nil {
		return next
	}
	var slots chan struct{}
	if limit > 0 {
		slots = make(chan struct{}, limit)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		if slots != nil {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			default:
				if s.metrics != nil {
					s.metrics.RequestRefusedAtCap()
				}
				s.writeError(w, r, &backend.Error{Kind: backend.EUNAVAILABLE,
					Detail: fmt.Sprintf("The server is serving its maximum of %d requests at once; retry shortly.", limit)})
				return
			}
		}
		if s.metrics != nil {
			s.metrics.RequestStarted()
			defer s.metrics.RequestEnded()
		}
		next.ServeHTTP(w, r)
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
