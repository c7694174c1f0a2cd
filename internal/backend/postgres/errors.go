package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// failureClass sorts database errors by what the caller can do about them.
type failureClass int

const (
	// classOther: a bug, a constraint the domain should have checked, bad data.
	classOther failureClass = iota
	// classConflict: a unique violation (23505).
	classConflict
	// classSerialization: the transaction could not be serialized (40001) or
	// deadlocked (40P01); running it again may succeed.
	classSerialization
	// classConnection: the connection was lost or the server is going away;
	// a transaction that did not reach COMMIT may run again elsewhere.
	classConnection
	// classUnavailable: the database cannot serve now (cannot connect, too
	// many connections, statement timeout, out of resources).
	classUnavailable
	// classBadText: text PostgreSQL cannot store (a NUL character).
	classBadText
)

// SQLSTATE codes and classes this package tells apart.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014" // statement_timeout, or a cancel request
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
	codeLockNotAvailable     = "55P03"
	codeCharNotInRepertoire  = "22021" // NUL in text, invalid UTF-8
	codeUntranslatableChar   = "22P05" // \u0000 in jsonb
	classConnectionException = "08"
	classInsufficientRes     = "53" // too many connections, out of memory or disk
)

// classOf classifies err.
func classOf(err error) failureClass {
	// First: a failed connect wraps the server's refusal (a database that
	// does not accept connections, 55000; a bad password, 28P01), which is
	// no fault of the statement: the database is unavailable.
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return classUnavailable
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch code := pgErr.Code; {
		case code == codeUniqueViolation:
			return classConflict
		case code == codeSerializationFailure, code == codeDeadlockDetected:
			return classSerialization
		case strings.HasPrefix(code, classConnectionException),
			code == codeAdminShutdown, code == codeCrashShutdown:
			return classConnection
		case code == codeCannotConnectNow, strings.HasPrefix(code, classInsufficientRes),
			code == codeQueryCanceled, code == codeLockNotAvailable:
			return classUnavailable
		case code == codeCharNotInRepertoire, code == codeUntranslatableChar:
			return classBadText
		}
		return classOther
	}
	if pgconn.Timeout(err) {
		return classUnavailable
	}
	if errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return classConnection
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return classConnection
	}
	return classOther
}

// classify maps err, from a statement or from BEGIN, to what the caller gets:
// the context's error when it ended, a *retryError when running the
// transaction again may help, a domain error or a wrapped error otherwise.
func classify(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(err, ctxErr) {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		return fmt.Errorf("postgres: %s: %w", op, errors.Join(ctxErr, err))
	}
	switch c := classOf(err); c {
	case classSerialization, classConnection:
		return &retryError{class: c, op: op, err: err}
	}
	return dbError(ctx, op, err)
}

// dbError maps err to the error a caller outside the retry loop gets.
func dbError(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = errors.Join(ctxErr, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	switch classOf(err) {
	case classConflict:
		return errors.Join(conflict("A row with this key"), fmt.Errorf("postgres: %s: %w", op, err))
	case classSerialization:
		return busy(op, err)
	case classConnection, classUnavailable:
		return unavailable(op, err)
	case classBadText:
		return errors.Join(
			&backend.Error{Kind: backend.EINVALID, Detail: "Text must not contain NUL characters (\\u0000)."},
			fmt.Errorf("postgres: %s: %w", op, err))
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unavailable is EUNAVAILABLE, which the HTTP layer answers with a 503 that
// tells the client to retry; the cause is kept for the logs.
func unavailable(op string, err error) error {
	return errors.Join(
		&backend.Error{Kind: backend.EUNAVAILABLE, Detail: "The database is unavailable; retry shortly."},
		fmt.Errorf("postgres: %s: %w", op, err))
}

// busy is EUNAVAILABLE for a transaction that kept conflicting with others.
func busy(op string, err error) error {
	return errors.Join(
		&backend.Error{Kind: backend.EUNAVAILABLE, Detail: "The database is busy with conflicting changes; retry shortly."},
		fmt.Errorf("postgres: %s: %w", op, err))
}

// conflict is the ECONFLICT answer to a unique violation on what.
func conflict(what string) error {
	return &backend.Error{Kind: backend.ECONFLICT, Detail: what + " already exists."}
}
