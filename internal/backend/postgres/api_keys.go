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
	var (
		k                  backend.APIKey
		kind, status, tags string
	)
	if err := row.Scan(&k.ID, &k.AccountID, &kind, &k.Hash, &k.Sealed, &k.MaskedKey, &status, &k.Description, &tags,
		&k.ExpiresAt, &k.LastUsedAt, &k.CreatedAt, &k.UpdatedAt, &k.IssuedBy); err != nil {
		return nil, err
	}
	k.Kind, k.Status = backend.KeyKind(kind), backend.KeyStatus(status)
	var err error
	if k.Tags, err = sqlstore.DecodeTags(tags); err != nil {
		return nil, err
	}
	k.ExpiresAt, k.LastUsedAt = utcPtr(k.ExpiresAt), utcPtr(k.LastUsedAt)
	k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC()
	return &k, nil
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
