package backend

import (
	"context"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// KeyKind tells an account's primary key (the managed account object's
// api_key) from the extra keys an account creates.
type KeyKind string

const (
	KeyPrimary KeyKind = "primary"
	KeyUser    KeyKind = "user"
)

// KeyStatus is the state of an API key.
type KeyStatus string

const (
	KeyActive   KeyStatus = "active"
	KeyDisabled KeyStatus = "disabled"
	KeyRevoked  KeyStatus = "revoked"
)

// APIKey is stored as a hash only. A primary key is also sealed with the server
// secret, because the manager reads it back from the managed account object.
type APIKey struct {
	ID        string
	AccountID string
	Kind      KeyKind
	Hash      string
	Sealed    string // primary keys only
	// IssuedBy records who the key was made for: ChangeByAccountManager for a
	// managed account's primary key and for keys created while a manager acts
	// as the account; ChangeByAccountOwner otherwise. Requests made with the key
	// are audited as that.
	IssuedBy    string
	MaskedKey   string
	Status      KeyStatus
	Description string
	Tags        []string
	ExpiresAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// APIKeyQuery selects a page of an account's keys. Empty fields do not filter.
type APIKeyQuery struct {
	Kind   KeyKind
	Status KeyStatus // the stored status (active or disabled)
	// ExpiredAt keeps keys whose expires_at is at or before it; UnexpiredAt
	// keeps keys without expiry or expiring after it.
	ExpiredAt, UnexpiredAt *time.Time
	Page                   Page
}

// Limits on API keys.
const (
	MaxAPIKeysPerAccount = 100
	maxKeyTags           = 10
	maxKeyTagLen         = 64
	maxDescriptionLen    = 255
)

// keysCounted are the stored statuses of the keys that count towards an
// account's MaxAPIKeysPerAccount: every status but revoked (a disabled or
// expired key still counts until it is revoked). This is the rule; the
// stores count the statuses they are given.
var keysCounted = []KeyStatus{KeyActive, KeyDisabled}

// KeyExpired is the status shown for a key whose expires_at has passed; it is
// derived, never stored.
const KeyExpired KeyStatus = "expired"

// DisplayStatus is the status a key shows at time now: revoked, expired,
// disabled or active, in that order of precedence.
func (k *APIKey) DisplayStatus(now time.Time) KeyStatus {
	if k.Status == KeyRevoked {
		return KeyRevoked
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return KeyExpired
	}
	return k.Status
}

// CreateAPIKeyInput is the body of POST /api_keys.
type CreateAPIKeyInput struct {
	Description *string
	Tags        *[]string
	ExpiresAt   *string
}

// UpdateAPIKeyInput is the body of PATCH /api_keys/{id}.
type UpdateAPIKeyInput struct {
	Description *string
	Tags        *[]string
	Status      *string
}

func validateDescription(d *string) (string, error) {
	if d == nil {
		return "", nil
	}
	if utf8.RuneCountInString(*d) > maxDescriptionLen {
		return "", InvalidField("/description", "description must be at most %d characters.", maxDescriptionLen)
	}
	return *d, nil
}

func validateTags(tags *[]string) ([]string, error) {
	if tags == nil {
		return []string{}, nil
	}
	if len(*tags) > maxKeyTags {
		return nil, InvalidField("/tags", "tags may hold at most %d tags.", maxKeyTags)
	}
	out := make([]string, 0, len(*tags))
	for i, t := range *tags {
		if n := utf8.RuneCountInString(t); n == 0 || n > maxKeyTagLen {
			return nil, InvalidField("/tags/"+strconv.Itoa(i), "each tag must be 1 to %d characters.", maxKeyTagLen)
		}
		if slices.Contains(out, t) {
			return nil, InvalidField("/tags/"+strconv.Itoa(i), "tag %q appears twice.", t)
		}
		out = append(out, t)
	}
	return out, nil
}

// CreateAPIKey creates a key for the caller's own account and returns it with
// its secret, which is never shown again. Any authenticated caller may; a key
// created while a manager acts as the account is issued to the manager.
// Returns EINVALID for bad input or when the account has too many keys.
func (s *Service) CreateAPIKey(ctx context.Context, c *Caller, in CreateAPIKeyInput) (*APIKey, string, error) {
	desc, err := validateDescription(in.Description)
	if err != nil {
		return nil, "", err
	}
	tags, err := validateTags(in.Tags)
	if err != nil {
		return nil, "", err
	}
	var expires *time.Time
	if in.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return nil, "", InvalidField("/expires_at", "expires_at must be an RFC 3339 time such as 2030-01-02T15:04:05Z.")
		}
		// Truncated to the stored precision before the check, so that an
		// expiry less than 1 ms ahead cannot make a key born expired.
		t = t.UTC().Truncate(time.Millisecond)
		if !t.After(s.now()) {
			return nil, "", InvalidField("/expires_at", "expires_at must be in the future.")
		}
		expires = &t
	}
	secret := NewAPIKey()
	now := s.timestamp()
	issuedBy := ChangeByAccountOwner
	if c.ActingAs == ChangeByAccountManager {
		issuedBy = ChangeByAccountManager
	}
	k := &APIKey{
		ID: newID(), AccountID: c.Account.ID, Kind: KeyUser, IssuedBy: issuedBy,
		Hash: s.secrets.HashKey(secret), MaskedKey: MaskKey(secret), Status: KeyActive,
		Description: desc, Tags: tags, ExpiresAt: expires, CreatedAt: now, UpdatedAt: now,
	}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		if err := tx.Claim(ctx, SetAPIKeys, c.Account.ID); err != nil {
			return err
		}
		n, err := tx.CountAPIKeys(ctx, c.Account.ID, KeyUser, keysCounted)
		if err != nil {
			return err
		}
		if n >= MaxAPIKeysPerAccount {
			return InvalidField("/", "This account already has %d API keys, the most it may have; revoke one first.", MaxAPIKeysPerAccount)
		}
		if err := tx.InsertAPIKey(ctx, k); err != nil {
			return err
		}
		changes := map[string]any{"api_key_id": k.ID, "description": desc, "tags": tags, "masked_key": k.MaskedKey}
		if expires != nil {
			changes["expires_at"] = expires.Format(time.RFC3339)
		}
		return s.audit(ctx, tx, c, c.Account.ID, "api_key.create", changes)
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// parseKeyStatus turns filter[status][eq] into a query: "active" and
// "disabled" exclude expired keys, which show as "expired".
func (s *Service) parseKeyStatus(v string, q *APIKeyQuery) error {
	now := s.now()
	switch KeyStatus(v) {
	case "":
	case KeyActive, KeyDisabled:
		q.Status, q.UnexpiredAt = KeyStatus(v), &now
	case KeyExpired:
		q.ExpiredAt = &now
	default:
		return InvalidParameter("filter[status][eq]", "filter[status][eq] must be one of active, disabled, expired.")
	}
	return nil
}

// ListAPIKeys returns a page of the caller's own keys that are not revoked,
// newest first; primary keys are managed through the managed account object
// and are not listed. Returns EBADREQUEST for a bad page or status filter.
func (s *Service) ListAPIKeys(ctx context.Context, c *Caller, status string, page Page) ([]*APIKey, PageMeta, error) {
	q := APIKeyQuery{Kind: KeyUser, Page: page}
	if err := validatePage(&q.Page); err != nil {
		return nil, PageMeta{}, err
	}
	if err := s.parseKeyStatus(status, &q); err != nil {
		return nil, PageMeta{}, err
	}
	var (
		keys  []*APIKey
		total int
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		keys, total, err = tx.ListAPIKeys(ctx, c.Account.ID, q)
		return err
	})
	if err != nil {
		return nil, PageMeta{}, err
	}
	return keys, NewPageMeta(q.Page, total), nil
}

// ownKey loads one of the caller's own user keys. Returns ENOTFOUND when it
// is unknown, revoked, a primary key, or another account's.
func ownKey(ctx context.Context, tx Tx, c *Caller, id string) (*APIKey, error) {
	k, err := tx.GetAPIKey(ctx, id)
	if ErrorKind(err) == ENOTFOUND || (err == nil && (k.AccountID != c.Account.ID || k.Kind != KeyUser || k.Status == KeyRevoked)) {
		return nil, NotFound("API key")
	}
	return k, err
}

// GetAPIKey returns one of the caller's own keys (without its secret).
// Returns ENOTFOUND when the key is not the caller's or is revoked.
func (s *Service) GetAPIKey(ctx context.Context, c *Caller, id string) (*APIKey, error) {
	var k *APIKey
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		k, err = ownKey(ctx, tx, c, id)
		return err
	})
	return k, err
}

// UpdateAPIKey changes a key's description, tags or status (active or
// disabled). Returns ENOTFOUND when the key is not the caller's or is revoked,
// and EINVALID for bad input.
func (s *Service) UpdateAPIKey(ctx context.Context, c *Caller, id string, in UpdateAPIKeyInput) (*APIKey, error) {
	var (
		desc   *string
		tags   []string
		status KeyStatus
	)
	if in.Description != nil {
		d, err := validateDescription(in.Description)
		if err != nil {
			return nil, err
		}
		desc = &d
	}
	if in.Tags != nil {
		t, err := validateTags(in.Tags)
		if err != nil {
			return nil, err
		}
		tags = t
	}
	if in.Status != nil {
		status = KeyStatus(*in.Status)
		if status != KeyActive && status != KeyDisabled {
			return nil, InvalidField("/status", "status must be active or disabled; revoke a key with DELETE.")
		}
	}
	return s.mutateKey(ctx, c, id, "api_key.update", func(k *APIKey, changes map[string]any) {
		if desc != nil && *desc != k.Description {
			changes["description"] = map[string]any{"old": k.Description, "new": *desc}
			k.Description = *desc
		}
		if in.Tags != nil && !slices.Equal(tags, k.Tags) {
			changes["tags"] = map[string]any{"old": k.Tags, "new": tags}
			k.Tags = tags
		}
		if status != "" && status != k.Status {
			changes["status"] = map[string]any{"old": k.Status, "new": status}
			k.Status = status
		}
	})
}

// RevokeAPIKey revokes one of the caller's keys at once; the key is refused
// from its next request on. Returns ENOTFOUND when the key is not the caller's
// or is already revoked.
func (s *Service) RevokeAPIKey(ctx context.Context, c *Caller, id string) (*APIKey, error) {
	return s.mutateKey(ctx, c, id, "api_key.revoke", func(k *APIKey, changes map[string]any) {
		changes["status"] = map[string]any{"old": k.Status, "new": KeyRevoked}
		k.Status = KeyRevoked
	})
}

func (s *Service) mutateKey(ctx context.Context, c *Caller, id, action string, change func(*APIKey, map[string]any)) (*APIKey, error) {
	var out *APIKey
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		k, err := ownKey(ctx, tx, c, id)
		if err != nil {
			return err
		}
		changes := map[string]any{}
		change(k, changes)
		out = k
		if len(changes) == 0 {
			return nil
		}
		k.UpdatedAt = s.timestamp()
		if err := tx.UpdateAPIKey(ctx, k); err != nil {
			return err
		}
		changes["api_key_id"] = k.ID
		return s.audit(ctx, tx, c, c.Account.ID, action, changes)
	})
	return out, err
}

// newPrimaryKey makes the stored record of an account's primary key, sealed
// so that its manager can read it back. A managed account's primary key is
// the manager's handle on it, so it is issued to the manager.
func (s *Service) newPrimaryKey(a *Account, plaintext string, now time.Time) *APIKey {
	issuedBy := ChangeByAccountOwner
	if !a.IsManager() {
		issuedBy = ChangeByAccountManager
	}
	return &APIKey{
		ID: newID(), AccountID: a.ID, Kind: KeyPrimary, IssuedBy: issuedBy,
		Hash: s.secrets.HashKey(plaintext), Sealed: s.secrets.Seal(plaintext), MaskedKey: MaskKey(plaintext),
		Status: KeyActive, Description: "Primary API key", Tags: []string{}, CreatedAt: now, UpdatedAt: now,
	}
}
