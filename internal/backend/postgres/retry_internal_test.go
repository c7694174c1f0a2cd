package postgres

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// TestSerializationFailureIsErrTxRetry: what a statement answers when its
// transaction must run again is backend.ErrTxRetry to whoever sees it (the
// HTTP layer, inside an idempotent request), wrapped or not; a unique
// violation is not.
func TestSerializationFailureIsErrTxRetry(t *testing.T) {
	ctx := t.Context()
	for _, code := range []string{codeSerializationFailure, codeDeadlockDetected} {
		err := classify(ctx, "insert account", &pgconn.PgError{Code: code})
		if !errors.Is(err, backend.ErrTxRetry) || !errors.Is(fmt.Errorf("wrapped: %w", err), backend.ErrTxRetry) {
			t.Errorf("SQLSTATE %s gives %v, which is not backend.ErrTxRetry", code, err)
		}
	}
	if err := classify(ctx, "insert account", &pgconn.PgError{Code: codeUniqueViolation}); errors.Is(err, backend.ErrTxRetry) {
		t.Errorf("a unique violation is backend.ErrTxRetry: %v", err)
	}
}
