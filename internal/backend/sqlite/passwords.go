package sqlite

import (
	"context"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

func (t *tx) ListAccountsByPasswordHashPrefix(ctx context.Context, prefix string) ([]*backend.Account, error) {
	// substr and length count characters and = compares bytes (BINARY): the
	// prefix matches exactly, where LIKE would ignore case.
	rows, err := t.tx.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE substr(password_hash, 1, length(?1)) = ?1`, prefix)
	if err != nil {
		return nil, dbError("list accounts by password hash", err)
	}
	defer func() { _ = rows.Close() }()
	list := []*backend.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, dbError("list accounts by password hash", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list accounts by password hash", err)
	}
	return list, nil
}

// ScrubAccounts rewrites the whole file and empties its write-ahead log
// (scrubFile): SQLite keeps no table apart.
func (db *DB) ScrubAccounts(ctx context.Context) error {
	if err := scrubFile(ctx, db.writer); err != nil {
		return dbError("scrub accounts", err)
	}
	return nil
}
