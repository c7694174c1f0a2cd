package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

//nolint:gosec // G101: column names, not a credential
const apiKeyColumns = `id, account_id, kind, hash, sealed, masked, status, description, tags,
	expires_at, last_used_at, created_at, updated_at, issued_by`

func (t *tx) InsertAPIKey(ctx context.Context, k *backend.APIKey) error {
	tags, err := sqlstore.EncodeTags(k.Tags)
	if err != nil {
		return err
	}
	expires, err := nullTime("expires_at", k.ExpiresAt)
	if err != nil {
		return err
	}
	lastUsed, err := nullTime("last_used_at", k.LastUsedAt)
	if err != nil {
		return err
	}
	if err := checkTime("created_at", k.CreatedAt); err != nil {
		return err
	}
	if err := checkTime("updated_at", k.UpdatedAt); err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.AccountID, string(k.Kind), k.Hash, k.Sealed, k.MaskedKey, string(k.Status), k.Description, tags,
		expires, lastUsed, formatTime(k.CreatedAt), formatTime(k.UpdatedAt), sqlstore.IssuedBy(k.IssuedBy))
	if isUniqueViolation(err) {
		return conflict("An API key with this id or hash, or an active primary key for this account,")
	}
	if err != nil {
		return dbError("insert api key", err)
	}
	return nil
}

func (t *tx) GetAPIKeyByHash(ctx context.Context, hash string) (*backend.APIKey, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash)
	return scanOneAPIKey(row, "get api key")
}

// primaryKeyQuery finds an account's active primary key through the partial
// unique index that allows one per account. The index's condition is written
// as literals, not parameters: with parameters SQLite can use the index only
// by planning the statement for their values, and plans it again on every
// run (a third of a managed account's retrieve, make bench).
const primaryKeyQuery = `SELECT ` + apiKeyColumns + ` FROM api_keys
	WHERE account_id = ? AND kind = '` + string(backend.KeyPrimary) + `' AND status = '` + string(backend.KeyActive) + `'`

func (t *tx) GetPrimaryKey(ctx context.Context, accountID string) (*backend.APIKey, error) {
	row := t.tx.QueryRowContext(ctx, primaryKeyQuery, accountID)
	return scanOneAPIKey(row, "get primary key")
}

func (t *tx) UpdateAPIKey(ctx context.Context, k *backend.APIKey) error {
	tags, err := sqlstore.EncodeTags(k.Tags)
	if err != nil {
		return err
	}
	expires, err := nullTime("expires_at", k.ExpiresAt)
	if err != nil {
		return err
	}
	lastUsed, err := nullTime("last_used_at", k.LastUsedAt)
	if err != nil {
		return err
	}
	if err := checkTime("updated_at", k.UpdatedAt); err != nil {
		return err
	}
	// The key material (hash, sealed, masked), its kind and owner never change.
	res, err := t.tx.ExecContext(ctx, `UPDATE api_keys SET
		status = ?, description = ?, tags = ?, expires_at = ?, last_used_at = ?, updated_at = ?
		WHERE id = ?`,
		string(k.Status), k.Description, tags, expires, lastUsed, formatTime(k.UpdatedAt), k.ID)
	if isUniqueViolation(err) {
		return conflict("An active primary key for this account")
	}
	if err != nil {
		return dbError("update api key", err)
	}
	return expectOneRow(res, "API key", "update api key")
}

func scanOneAPIKey(row *sql.Row, op string) (*backend.APIKey, error) {
	k, err := scanAPIKey(row, op)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("API key")
	}
	return k, err
}

func scanAPIKey(row scanner, op string) (*backend.APIKey, error) {
	var r apiKeyRow
	err := row.Scan(r.dest(nil)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	k, err := r.key()
	if err != nil {
		return nil, dbError(op, err)
	}
	return k, nil
}

// apiKeyRow holds the columns of apiKeyColumns as scanned, for the key
// they make (key), alone or beside another table's columns in a join.
type apiKeyRow struct {
	k                    backend.APIKey
	kind, status, tags   string
	expires, lastUsed    sql.NullString
	createdAt, updatedAt string
}

// dest appends r's scan destinations to d: a join scans into one slice.
func (r *apiKeyRow) dest(d []any) []any {
	return append(d, &r.k.ID, &r.k.AccountID, &r.kind, &r.k.Hash, &r.k.Sealed, &r.k.MaskedKey, &r.status, &r.k.Description, &r.tags,
		&r.expires, &r.lastUsed, &r.createdAt, &r.updatedAt, &r.k.IssuedBy)
}

// key completes r.k, in place (see accountRow.account).
func (r *apiKeyRow) key() (*backend.APIKey, error) {
	k := &r.k
	k.Kind, k.Status = backend.KeyKind(r.kind), backend.KeyStatus(r.status)
	var err error
	if k.Tags, err = sqlstore.DecodeTags(r.tags); err != nil {
		return nil, err
	}
	if k.ExpiresAt, err = parseNullTime(r.expires); err != nil {
		return nil, err
	}
	if k.LastUsedAt, err = parseNullTime(r.lastUsed); err != nil {
		return nil, err
	}
	if k.CreatedAt, err = parseTime(r.createdAt); err != nil {
		return nil, err
	}
	if k.UpdatedAt, err = parseTime(r.updatedAt); err != nil {
		return nil, err
	}
	return k, nil
}

// keyAndAccountQuery reads a key and its account in one statement.
var keyAndAccountQuery = `SELECT ` + sqlstore.Qualified("k", apiKeyColumns) + `, ` + sqlstore.Qualified("a", accountColumns) + `
	FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = ?`

func (t *tx) GetAPIKeyAndAccountByHash(ctx context.Context, hash string) (*backend.APIKey, *backend.Account, error) {
	k, a, err := t.keyAndAccount(ctx, "get api key and account", keyAndAccountQuery, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, backend.NotFound("API key")
	}
	return k, a, err
}

// accountWithPrimaryKeyQuery reads an account and its active primary key
// in one statement, the key's condition as literals (see primaryKeyQuery).
var accountWithPrimaryKeyQuery = `SELECT ` + sqlstore.Qualified("k", apiKeyColumns) + `, ` + sqlstore.Qualified("a", accountColumns) + `
	FROM accounts a JOIN api_keys k ON k.account_id = a.id AND k.kind = '` + string(backend.KeyPrimary) + `' AND k.status = '` +
	string(backend.KeyActive) + `' WHERE a.id = ?`

func (t *tx) GetAccountWithPrimaryKey(ctx context.Context, id string) (*backend.Account, *backend.APIKey, error) {
	k, a, err := t.keyAndAccount(ctx, "get account with primary key", accountWithPrimaryKeyQuery, id)
	if errors.Is(err, sql.ErrNoRows) {
		// No such account, or one without an active primary key: rare
		// enough to tell apart with a second lookup.
		a, err := t.GetAccount(ctx, id)
		return a, nil, err
	}
	return a, k, err
}

// keyAndAccount runs query, which selects one row of a key's columns and
// then its account's, with arg; sql.ErrNoRows when there is none.
func (t *tx) keyAndAccount(ctx context.Context, op, query, arg string) (*backend.APIKey, *backend.Account, error) {
	var (
		kr apiKeyRow
		ar accountRow
	)
	err := t.tx.QueryRowContext(ctx, query, arg).Scan(ar.dest(kr.dest(make([]any, 0, 32) /* 29 columns */))...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, dbError(op, err)
	}
	k, err := kr.key()
	if err != nil {
		return nil, nil, dbError(op, err)
	}
	a, err := ar.account()
	if err != nil {
		return nil, nil, dbError(op, err)
	}
	return k, a, nil
}

func (t *tx) GetAPIKey(ctx context.Context, id string) (*backend.APIKey, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)
	return scanOneAPIKey(row, "get api key")
}

func apiKeyFilter(accountID string, q backend.APIKeyQuery) (string, []any) {
	where := []string{"account_id = ?", "status <> 'revoked'"}
	args := []any{accountID}
	if q.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(q.Kind))
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if q.ExpiredAt != nil {
		where, args = append(where, "expires_at IS NOT NULL AND expires_at <= ?"), append(args, formatTime(*q.ExpiredAt))
	}
	if q.UnexpiredAt != nil {
		where, args = append(where, "(expires_at IS NULL OR expires_at > ?)"), append(args, formatTime(*q.UnexpiredAt))
	}
	return strings.Join(where, " AND "), args
}

func (t *tx) ListAPIKeys(ctx context.Context, accountID string, q backend.APIKeyQuery) ([]*backend.APIKey, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	where, args := apiKeyFilter(accountID, q)
	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError("count api keys", err)
	}
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, q.Page.Size, q.Page.Offset())...)
	if err != nil {
		return nil, 0, dbError("list api keys", err)
	}
	defer func() { _ = rows.Close() }()
	keys := []*backend.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows, "list api keys")
		if err != nil {
			return nil, 0, err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list api keys", err)
	}
	return keys, total, nil
}

func (t *tx) CountAPIKeys(ctx context.Context, accountID string, kind backend.KeyKind, statuses []backend.KeyStatus) (int, error) {
	cond, args, ok := inStatuses([]any{accountID, string(kind)}, statuses)
	if !ok {
		return 0, nil
	}
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys
		WHERE account_id = ? AND kind = ? AND `+cond, args...).Scan(&n)
	if err != nil {
		return 0, dbError("count api keys", err)
	}
	return n, nil
}

func (t *tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("last_used_at", at); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return dbError("touch api key", err)
	}
	return expectOneRow(res, "API key", "touch api key")
}
