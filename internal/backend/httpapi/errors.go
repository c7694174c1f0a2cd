package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// errorDocument is the contract's error envelope.
type errorDocument struct {
	Errors []errorObject `json:"errors"`
}

type errorObject struct {
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail,omitempty"`
	Source *errorSource `json:"source,omitempty"`
}

type errorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// errorClass is how one kind of domain error goes out on the wire.
type errorClass struct {
	status int
	code   string
	title  string
}

// errorClasses is the one mapping from domain error kinds to HTTP: every
// failure the API answers passes through it.
var errorClasses = map[backend.Kind]errorClass{
	backend.EBADREQUEST:      {http.StatusBadRequest, "10015", "Bad request"},
	backend.EINVALID:         {http.StatusUnprocessableEntity, "10004", "Invalid value"},
	backend.ECONFLICT:        {http.StatusUnprocessableEntity, "10004", "Conflict"},
	backend.EUNAUTHENTICATED: {http.StatusUnauthorized, "10009", "Authentication failed"},
	backend.EFORBIDDEN:       {http.StatusForbidden, "10010", "Forbidden"},
	backend.ENOTFOUND:        {http.StatusNotFound, "10005", "Resource not found"},
	backend.ETOOLARGE:        {http.StatusRequestEntityTooLarge, "10015", "Request body too large"},
	backend.ERATELIMITED:     {http.StatusTooManyRequests, "10011", "Too many requests"},
	backend.EUNAVAILABLE:     {http.StatusServiceUnavailable, "10007", "Service unavailable"},
	backend.EINTERNAL:        {http.StatusInternalServerError, "10007", "Internal server error"},
}

// internalDetail is all a client learns of an unexpected failure; the error
// itself goes to the log under the request id.
const internalDetail = "An unexpected error occurred. Quote the X-Request-Id response header when reporting it."

// writeError answers err in the error envelope. Domain errors keep their
// detail and source; anything else is an internal error whose cause is logged,
// never returned.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	domainErr, ok := errors.AsType[*backend.Error](err)
	switch {
	case ok && domainErr.Kind == backend.EINTERNAL:
		s.logInternal(r, err)
		domainErr = &backend.Error{Kind: backend.EINTERNAL, Detail: internalDetail}
	case !ok && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) && r.Context().Err() != nil:
		// The client went away or the server is shutting down: not a bug.
		domainErr = &backend.Error{Kind: backend.EUNAVAILABLE, Detail: "The request was cancelled before it completed."}
	case !ok && errors.Is(err, backend.ErrTxRetry):
		// A nested transaction of an idempotent request lost a race: the
		// store runs the whole request again, and this answer is dropped.
		s.logger.LogAttrs(r.Context(), slog.LevelDebug, "transaction runs again",
			slog.String("request_id", requestIDFrom(r.Context())), slog.String("error", err.Error()))
		domainErr = &backend.Error{Kind: backend.EUNAVAILABLE, Detail: "The database is busy; retry shortly."}
	case !ok:
		s.logInternal(r, err)
		domainErr = &backend.Error{Kind: backend.EINTERNAL, Detail: internalDetail}
	}
	class, known := errorClasses[domainErr.Kind]
	if !known {
		s.logInternal(r, err)
		class = errorClasses[backend.EINTERNAL]
		domainErr = &backend.Error{Kind: backend.EINTERNAL, Detail: internalDetail}
	}
	obj := errorObject{Code: class.code, Title: class.title, Detail: domainErr.Detail}
	if domainErr.Code != "" {
		obj.Code = domainErr.Code
	}
	if domainErr.Title != "" {
		obj.Title = domainErr.Title
	}
	if domainErr.Pointer != "" || domainErr.Parameter != "" {
		obj.Source = &errorSource{Pointer: domainErr.Pointer, Parameter: domainErr.Parameter}
	}
	switch class.status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if w.Header().Get("Retry-After") == "" { // a rate limit sets its own
			w.Header().Set("Retry-After", "1")
		}
	}
	writeJSON(w, class.status, errorDocument{Errors: []errorObject{obj}})
}

func (s *server) logInternal(r *http.Request, err error) {
	s.logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
		slog.String("request_id", requestIDFrom(r.Context())),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("error", err.Error()))
}

// routeNotFound is the error for a path that no route serves.
func routeNotFound(r *http.Request) error {
	return &backend.Error{Kind: backend.ENOTFOUND, Title: "Route not found",
		Detail: "No route matches " + r.Method + " " + r.URL.Path + "."}
}

// writeMethodNotAllowed answers 405, which has no domain kind: only the
// router knows that the path exists under other methods.
func writeMethodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, errorDocument{Errors: []errorObject{{
		Code: "10015", Title: "Method not allowed",
		Detail: "The method " + r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + allow + ".",
	}}})
}
