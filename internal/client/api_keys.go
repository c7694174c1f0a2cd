package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// API key statuses as the API reports them. Expired is computed by the API
// when expires_at has passed; revoked keys are only seen in the answer of the
// call that revokes them.
const (
	APIKeyStatusActive   = "active"
	APIKeyStatusDisabled = "disabled"
	APIKeyStatusExpired  = "expired"
	APIKeyStatusRevoked  = "revoked"
)

// APIKey is an additional API key of the calling account (a reference-backend
// extension: /v2/api_keys). APIKey holds the key itself and is set only in
// the answer of CreateAPIKey; the API never shows it again.
type APIKey struct {
	RecordType  string   `json:"record_type"`
	ID          string   `json:"id"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Status      string   `json:"status"`
	MaskedKey   string   `json:"masked_key"`
	ExpiresAt   *string  `json:"expires_at"`
	LastUsedAt  *string  `json:"last_used_at"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	APIKey      string   `json:"api_key,omitempty"`
}

// CreateAPIKeyRequest is the body of POST /api_keys. ExpiresAt is an RFC 3339
// time in the future; nil means the key does not expire.
type CreateAPIKeyRequest struct {
	Description *string  `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	ExpiresAt   *string  `json:"expires_at,omitempty"`
}

// UpdateAPIKeyRequest is the body of PATCH /api_keys/{id}; nil fields are
// left unchanged. Tags, when not nil, replaces every tag (an empty slice
// removes them all). Status is APIKeyStatusActive or APIKeyStatusDisabled.
type UpdateAPIKeyRequest struct {
	Description *string   `json:"description,omitempty"`
	Tags        *[]string `json:"tags,omitempty"`
	Status      *string   `json:"status,omitempty"`
}

// ListAPIKeysOptions filter and page the key list. Empty fields are not sent.
type ListAPIKeysOptions struct {
	Status     string // filter[status][eq]: active, disabled or expired
	PageNumber int
	PageSize   int
}

func (o ListAPIKeysOptions) values() url.Values {
	v := pageValues(o.PageNumber, o.PageSize)
	if o.Status != "" {
		v.Set("filter[status][eq]", o.Status)
	}
	return v
}

// CreateAPIKey creates a key for the calling account. The answer's APIKey is
// the only time the key is shown.
func (c *Client) CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (*APIKey, error) {
	return send[APIKey](ctx, c, http.MethodPost, "/api_keys", req)
}

// GetAPIKey retrieves one of the calling account's keys, without its secret.
// A revoked key, the account's primary key and another account's key are all
// the API's 404.
func (c *Client) GetAPIKey(ctx context.Context, id string) (*APIKey, error) {
	return get[APIKey](ctx, c, "/api_keys/"+url.PathEscape(id), nil)
}

// UpdateAPIKey changes a key's description, tags or status.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, req UpdateAPIKeyRequest) (*APIKey, error) {
	return send[APIKey](ctx, c, http.MethodPatch, "/api_keys/"+url.PathEscape(id), req)
}

// RevokeAPIKey revokes a key at once and returns it with status revoked. The
// key is refused from its next request on, and the API no longer shows it.
func (c *Client) RevokeAPIKey(ctx context.Context, id string) (*APIKey, error) {
	return send[APIKey](ctx, c, http.MethodDelete, "/api_keys/"+url.PathEscape(id), nil)
}

// ListAPIKeys returns one page of the calling account's keys that are not
// revoked, newest first.
func (c *Client) ListAPIKeys(ctx context.Context, opts ListAPIKeysOptions) ([]APIKey, PageMeta, error) {
	return list[APIKey](ctx, c, "/api_keys", opts.values())
}

// AllAPIKeys iterates over every page of the key list, starting at
// opts.PageNumber (default 1). It stops at the first error, which it yields.
func (c *Client) AllAPIKeys(ctx context.Context, opts ListAPIKeysOptions) iter.Seq2[APIKey, error] {
	return paginate(opts.PageNumber, func(page int) ([]APIKey, PageMeta, error) {
		o := opts
		o.PageNumber = page
		return c.ListAPIKeys(ctx, o)
	})
}
