package postgres

import (
	"context"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

func (t *tx) ListAccountsByPasswordHashPrefix(ctx context.Context, prefix string) ([]*backend.Account, error) {
	if !storable(prefix) {
		return []*backend.Account{}, nil
	}
	// left and length count characters and = compares bytes under the
	// database's deterministic collation: the prefix matches exactly.
	return queryAll(ctx, t, "list accounts by password hash", scanAccount, `SELECT `+accountColumns+` FROM accounts
		WHERE left(password_hash, length($1)) = $1`, prefix)
}

// ScrubAccounts rebuilds the accounts table (VACUUM FULL): its rows, indexes
// and TOAST move to new files and the old ones, with every dead row
// version, are removed, as migration 0013's TRUNCATE does for its tables. It
// holds the table's exclusive lock for the time of the copy.
func (db *DB) ScrubAccounts(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, "VACUUM FULL accounts"); err != nil {
		return dbError(ctx, "scrub accounts", err)
	}
	return nil
}
