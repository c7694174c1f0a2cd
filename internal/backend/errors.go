package backend

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error. The HTTP layer maps each kind to one status
// code and one default Telnyx error code, in one place.
type Kind string

const (
	// EBADREQUEST: the request itself is malformed (bad JSON, bad query parameter).
	EBADREQUEST Kind = "bad_request"
	// EINVALID: a well-formed request whose content breaks a rule (422).
	EINVALID Kind = "invalid"
	// ECONFLICT: the request conflicts with existing state permanently (422, never 409).
	ECONFLICT Kind = "conflict"
	// EUNAUTHENTICATED: no key, or a key that is unknown, revoked, disabled or expired.
	EUNAUTHENTICATED Kind = "unauthenticated"
	// EFORBIDDEN: the caller is known but may not use this endpoint.
	EFORBIDDEN Kind = "forbidden"
	// ENOTFOUND: the object does not exist or the caller may not see it.
	ENOTFOUND Kind = "not_found"
	// ETOOLARGE: the request body is over the size limit.
	ETOOLARGE Kind = "too_large"
	// ERATELIMITED: too many requests.
	ERATELIMITED Kind = "rate_limited"
	// EUNAVAILABLE: a dependency (the database) is unavailable; the client may retry.
	EUNAVAILABLE Kind = "unavailable"
	// EINTERNAL: a bug or an unexpected failure; details are logged, not returned.
	EINTERNAL Kind = "internal"
)

// Telnyx error codes used where a kind's default code is not the right one.
const (
	CodeDuplicate     = "10012"
	CodeInvalidAmount = "10027"
)

// Error is the domain error. Detail is safe to show to the caller; it never
// carries a secret. Pointer (a JSON pointer into the body) or Parameter (a
// query parameter name) say which input was at fault.
type Error struct {
	Kind      Kind
	Code      string // Telnyx code; empty means the kind's default
	Title     string // empty means the kind's default
	Detail    string
	Pointer   string
	Parameter string
}

func (e *Error) Error() string {
	switch {
	case e.Pointer != "":
		return fmt.Sprintf("%s: %s (at %s)", e.Kind, e.Detail, e.Pointer)
	case e.Parameter != "":
		return fmt.Sprintf("%s: %s (parameter %s)", e.Kind, e.Detail, e.Parameter)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Detail)
}

// ErrorKind returns the kind of err, or EINTERNAL when err is not a domain error.
func ErrorKind(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return EINTERNAL
}

// Errorf builds a domain error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// InvalidField reports a body field that breaks a rule.
func InvalidField(pointer, format string, args ...any) *Error {
	return &Error{Kind: EINVALID, Detail: fmt.Sprintf(format, args...), Pointer: pointer}
}

// InvalidParameter reports a query parameter that cannot be used.
func InvalidParameter(parameter, format string, args ...any) *Error {
	return &Error{Kind: EBADREQUEST, Detail: fmt.Sprintf(format, args...), Parameter: parameter}
}

// NotFound reports an object that does not exist or that the caller may not see:
// the two are deliberately indistinguishable, so that ids cannot be probed.
func NotFound(what string) *Error {
	return &Error{Kind: ENOTFOUND, Detail: what + " not found"}
}
