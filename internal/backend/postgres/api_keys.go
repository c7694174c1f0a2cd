package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
	if err := checkTimes(optional("expires_at", k.ExpiresAt), optional("last_used_at", k.LastUsedAt),
		at("created_at", k.CreatedAt), at("updated_at", k.UpdatedAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert api key", `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
		k.ID, k.AccountID, string(k.Kind), k.Hash, k.Sealed, k.MaskedKey, string(k.Status), k.Description, tags,
		k.ExpiresAt, k.LastUsedAt, k.CreatedAt, k.UpdatedAt, sqlstore.IssuedBy(k.IssuedBy))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("An API key with this id or hash, or an active primary key for this account,")
	}
	return nil
}

func (t *tx) GetAPIKeyByHash(ctx context.Context, hash string) (*backend.APIKey, error) {
	if !storable(hash) {
		return nil, backend.NotFound("API key")
	}
	return queryOne(ctx, t, "get api key", "API key", scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash)
}

func (t *tx) GetAPIKey(ctx context.Context, id string) (*backend.APIKey, error) {
	if !storable(id) {
		return nil, backend.NotFound("API key")
	}
	return queryOne(ctx, t, "get api key", "API key", scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
}

func (t *tx) GetPrimaryKey(ctx context.Context, accountID string) (*backend.APIKey, error) {
	if !storable(accountID) {
		return nil, backend.NotFound("API key")
	}
	// The partial unique index allows one active primary key per account.
	return queryOne(ctx, t, "get primary key", "API key", scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE account_id = $1 AND kind = $2 AND status = $3`,
		accountID, string(backend.KeyPrimary), string(backend.KeyActive))
}

func (t *tx) UpdateAPIKey(ctx context.Context, k *backend.APIKey) error {
	tags, err := sqlstore.EncodeTags(k.Tags)
	if err != nil {
		return err
	}
	if err := checkTimes(optional("expires_at", k.ExpiresAt), optional("last_used_at", k.LastUsedAt),
		at("updated_at", k.UpdatedAt)); err != nil {
		return err
	}
	// The key material (hash, sealed, masked), its kind and owner never change.
	tag, err := t.execGuarded(ctx, "update api key", conflictIs(conflict("An active primary key for this account")), `UPDATE api_keys SET
		status = $1, description = $2, tags = $3, expires_at = $4, last_used_at = $5, updated_at = $6
		WHERE id = $7`,
		string(k.Status), k.Description, tags, k.ExpiresAt, k.LastUsedAt, k.UpdatedAt, k.ID)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "API key")
}

func scanAPIKey(row pgx.Row) (*backend.APIKey, error) {
	var r apiKeyRow
	if err := row.Scan(r.dest(nil)...); err != nil {
		return nil, err
	}
	return r.key()
}

// apiKeyRow holds the columns of apiKeyColumns as scanned, for the key
// they make (key), alone or beside another table's columns in a join.
type apiKeyRow struct {
	k                  backend.APIKey
	kind, status, tags string
}

// dest appends r's scan destinations to d: a join scans into one slice.
func (r *apiKeyRow) dest(d []any) []any {
	return append(d, &r.k.ID, &r.k.AccountID, &r.kind, &r.k.Hash, &r.k.Sealed, &r.k.MaskedKey, &r.status, &r.k.Description, &r.tags,
		&r.k.ExpiresAt, &r.k.LastUsedAt, &r.k.CreatedAt, &r.k.UpdatedAt, &r.k.IssuedBy)
}

// key completes r.k, in place: r escapes to the heap anyway, through dest.
func (r *apiKeyRow) key() (*backend.APIKey, error) {
	k := &r.k
	k.Kind, k.Status = backend.KeyKind(r.kind), backend.KeyStatus(r.status)
	var err error
	if k.Tags, err = sqlstore.DecodeTags(r.tags); err != nil {
		return nil, err
	}
	k.ExpiresAt, k.LastUsedAt = utcPtr(k.ExpiresAt), utcPtr(k.LastUsedAt)
	k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC()
	return k, nil
}

// keyAndAccount is a key and its account, read in one statement.
type keyAndAccount struct {
	k *backend.APIKey
	a *backend.Account
}

// scanKeyAndAccount scans a row of a key's columns and then its account's.
func scanKeyAndAccount(row pgx.Row) (keyAndAccount, error) {
	var (
		kr apiKeyRow
		ar accountRow
	)
	if err := row.Scan(ar.dest(kr.dest(make([]any, 0, 32) /* 29 columns */))...); err != nil {
		return keyAndAccount{}, err
	}
	k, err := kr.key()
	return keyAndAccount{k, ar.account()}, err
}

// The lookups of a key and its account in one statement, each selecting
// the columns that scanKeyAndAccount scans. (Variables, built once: the
// qualified column lists are not constants.)
var (
	keyAndAccountColumns = sqlstore.Qualified("k", apiKeyColumns) + `, ` + sqlstore.Qualified("a", accountColumns)
	keyAndAccountQuery   = `SELECT ` + keyAndAccountColumns + ` FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.hash = $1`
	// The partial unique index allows one active primary key per account.
	accountWithPrimaryKeyQuery = `SELECT ` + keyAndAccountColumns + ` FROM accounts a
		JOIN api_keys k ON k.account_id = a.id AND k.kind = $2 AND k.status = $3 WHERE a.id = $1`
)

func (t *tx) GetAPIKeyAndAccountByHash(ctx context.Context, hash string) (*backend.APIKey, *backend.Account, error) {
	if !storable(hash) {
		return nil, nil, backend.NotFound("API key")
	}
	got, err := queryOne(ctx, t, "get api key and account", "API key", scanKeyAndAccount, keyAndAccountQuery, hash)
	return got.k, got.a, err
}

func (t *tx) GetAccountWithPrimaryKey(ctx context.Context, id string) (*backend.Account, *backend.APIKey, error) {
	if !storable(id) {
		return nil, nil, backend.NotFound("Account")
	}
	got, err := queryOne(ctx, t, "get account with primary key", "Account", scanKeyAndAccount, accountWithPrimaryKeyQuery,
		id, string(backend.KeyPrimary), string(backend.KeyActive))
	if backend.ErrorKind(err) == backend.ENOTFOUND {
		// No such account, or one without an active primary key: rare
		// enough to tell apart with a second lookup.
		a, err := t.GetAccount(ctx, id)
		return a, nil, err
	}
	return got.a, got.k, err
}

func apiKeyFilter(accountID string, q backend.APIKeyQuery, p *params) string {
	where := []string{"account_id = " + p.add(accountID), "status <> 'revoked'"}
	if q.Kind != "" {
		where = append(where, "kind = "+p.add(string(q.Kind)))
	}
	if q.Status != "" {
		where = append(where, "status = "+p.add(string(q.Status)))
	}
	if q.ExpiredAt != nil {
		where = append(where, "expires_at IS NOT NULL AND expires_at <= "+p.add(*q.ExpiredAt))
	}
	if q.UnexpiredAt != nil {
		where = append(where, "(expires_at IS NULL OR expires_at > "+p.add(*q.UnexpiredAt)+")")
	}
	return strings.Join(where, " AND ")
}

func (t *tx) ListAPIKeys(ctx context.Context, accountID string, q backend.APIKeyQuery) ([]*backend.APIKey, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list api keys: %w", err)
	}
	if !storable(accountID, string(q.Kind), string(q.Status)) {
		return []*backend.APIKey{}, 0, nil
	}
	var p params
	where := apiKeyFilter(accountID, q, &p)
	total, err := t.count(ctx, "count api keys", `SELECT COUNT(*) FROM api_keys WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(q.Page.Size), p.add(q.Page.Offset())
	keys, err := queryAll(ctx, t, "list api keys", scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT `+limit+` OFFSET `+offset, p...)
	if err != nil {
		return nil, 0, err
	}
	return keys, total, nil
}

func (t *tx) CountAPIKeys(ctx context.Context, accountID string, kind backend.KeyKind, statuses []backend.KeyStatus) (int, error) {
	return t.count(ctx, "count api keys", `SELECT COUNT(*) FROM api_keys
		WHERE account_id = $1 AND kind = $2 AND status = ANY($3)`, accountID, string(kind), texts(statuses))
}

func (t *tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("last_used_at", at); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "touch api key", `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, at, id)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "API key")
}
