package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// CodeDuplicate is the API's error code for a value that must be unique and
// is taken, such as the email of a new managed account.
const CodeDuplicate = "10012"

// ErrorObject is one entry of the API's {"errors": […]} envelope.
type ErrorObject struct {
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail,omitempty"`
	Source *ErrorSource `json:"source,omitempty"`
}

// ErrorSource says which input an error is about.
type ErrorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// Error is a non-2xx answer from the API.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	RequestID  string
	Errors     []ErrorObject
	// Body is a short snippet of a body that was not the error envelope.
	Body string
}

func (e *Error) Error() string {
	return e.Method + " " + e.Path + ": " + e.describe()
}

// describe is the error without the call it answers.
func (e *Error) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	for _, o := range e.Errors {
		fmt.Fprintf(&b, "; %s", o.Title)
		if o.Code != "" {
			fmt.Fprintf(&b, " (code %s)", o.Code)
		}
		if o.Detail != "" {
			fmt.Fprintf(&b, ": %s", o.Detail)
		}
		if o.Source != nil && o.Source.Pointer != "" {
			fmt.Fprintf(&b, " [at %s]", o.Source.Pointer)
		}
		if o.Source != nil && o.Source.Parameter != "" {
			fmt.Fprintf(&b, " [parameter %s]", o.Source.Parameter)
		}
	}
	if len(e.Errors) == 0 && e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Code returns the first error's code, or "".
func (e *Error) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Detail returns the first error's detail (or title), for diagnostics.
func (e *Error) Detail() string {
	if len(e.Errors) == 0 {
		return e.Body
	}
	if e.Errors[0].Detail != "" {
		return e.Errors[0].Detail
	}
	return e.Errors[0].Title
}

func newError(method, path string, resp *http.Response, raw []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var env struct {
		Errors []ErrorObject `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err == nil && len(env.Errors) > 0 {
		e.Errors = env.Errors
	} else {
		e.Body = snippet(raw)
	}
	return e
}

// ConnectionError is a call that got no answer from the API, its retries
// included: the connection was refused or dropped, the name did not resolve,
// TLS failed. The base URL or the network is then at fault, not the request.
type ConnectionError struct {
	Method string
	Path   string
	Err    error
}

func (e *ConnectionError) Error() string { return e.Method + " " + e.Path + ": " + e.Err.Error() }

func (e *ConnectionError) Unwrap() error { return e.Err }

// UnexpectedAnswerError is a successful answer whose body is not the JSON
// the call expects: what answers at the base URL is most likely not the
// Telnyx API v2 (a proxy's page, another version of the API).
type UnexpectedAnswerError struct {
	Method     string
	Path       string
	StatusCode int
	// Err is the decoding error; Body a short snippet of the body.
	Err  error
	Body string
}

func (e *UnexpectedAnswerError) Error() string {
	return fmt.Sprintf("%s %s: the API answered %d with a body that is not the expected JSON (%v): %s",
		e.Method, e.Path, e.StatusCode, e.Err, e.Body)
}

func (e *UnexpectedAnswerError) Unwrap() error { return e.Err }

// StatusCode returns the HTTP status of an API error in err's chain, or 0.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is the API's 404.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }
