package backend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Service holds the rules of the Managed Accounts system (DESIGN section 3):
// tenancy, validation, money and secrets. Each method states who may call it.
type Service struct {
	// store joins the transaction of an idempotent request (idempotency.go).
	store   joiningStore
	secrets *Secrets
	now     func() time.Time
	// settlementDelay is how long a top-up stays pending, in nanoseconds;
	// atomic so that tests may change it while the server runs.
	settlementDelay atomic.Int64
	// idempotentRequests counts idempotent requests, to purge expired
	// records every purgeEvery (idempotencyPurgeEvery when 0) of them.
	idempotentRequests, purgeEvery atomic.Uint64
	// passwordChecks counts bcrypt comparisons (PasswordChecks).
	passwordChecks atomic.Uint64
	// emailSuffix, when set, replaces the random part of generated emails
	// (tests).
	emailSuffix func() string
	// notifications is the Notifications API's state (notifications.go).
	notifications notificationState
}

// NewService returns a Service over store, keyed by secrets.
func NewService(store Store, secrets *Secrets) *Service {
	return &Service{store: joiningStore{store}, secrets: secrets, now: time.Now}
}

// SetTopUpSettlementDelay sets how long a top-up stays pending before it
// counts in the balance (0, the default, settles it at once). Returns an
// error for a negative delay.
func (s *Service) SetTopUpSettlementDelay(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("the top-up settlement delay must not be negative, got %s", d)
	}
	s.settlementDelay.Store(int64(d))
	return nil
}

// TopUpSettlementDelay is how long a top-up stays pending.
func (s *Service) TopUpSettlementDelay() time.Duration {
	return time.Duration(s.settlementDelay.Load())
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Now is the service's current time, by which the HTTP layer shows derived
// states (an expired key) exactly as authentication judges them.
func (s *Service) Now() time.Time { return s.now() }

// Ping checks that the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// timestamp is the current time as stored and shown: UTC, millisecond precision.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func newID() string { return uuid.NewString() }

// Caller is the authenticated account a request acts as.
type Caller struct {
	Account *Account
	KeyID   string
	// ActingAs is ChangeByAccountManager when a manager drives this account
	// through a key issued to it (DESIGN 2.3), ChangeByAccountOwner otherwise.
	ActingAs string
	// ActorAccountID is the account behind the request when it is not
	// Account: the manager acting as Account in the portal, which the audit
	// log then names. Empty otherwise.
	ActorAccountID string
}

// Authenticate resolves an API key to its caller. Returns EUNAUTHENTICATED, with
// a detail that says why, when the key is unknown, revoked, disabled or expired,
// or when its account is disabled or cancelled.
func (s *Service) Authenticate(ctx context.Context, key string) (*Caller, error) {
	if key == "" {
		return nil, Errorf(EUNAUTHENTICATED, "Authentication failed: no API key was given. Send it as 'Authorization: Bearer <key>'.")
	}
	var (
		caller *Caller
		touch  bool
	)
	err := s.store.ReadTx(ctx, func(tx Tx) error {
		k, err := tx.GetAPIKeyByHash(ctx, s.secrets.HashKey(key))
		if ErrorKind(err) == ENOTFOUND {
			return Errorf(EUNAUTHENTICATED, "Authentication failed: the API key is not valid.")
		} else if err != nil {
			return err
		}
		switch {
		case k.Status == KeyRevoked:
			return Errorf(EUNAUTHENTICATED, "Authentication failed: the API key has been revoked.")
		case k.Status == KeyDisabled:
			return Errorf(EUNAUTHENTICATED, "Authentication failed: the API key is disabled.")
		case k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt):
			return Errorf(EUNAUTHENTICATED, "Authentication failed: the API key has expired.")
		}
		a, err := tx.GetAccount(ctx, k.AccountID)
		if err != nil {
			return err
		}
		switch a.Status {
		case StatusDisabled:
			return Errorf(EUNAUTHENTICATED, "Authentication failed: the account is disabled.")
		case StatusCancelled:
			return Errorf(EUNAUTHENTICATED, "Authentication failed: the account is cancelled.")
		}
		caller = &Caller{Account: a, KeyID: k.ID, ActingAs: k.IssuedBy}
		touch = k.LastUsedAt == nil || s.now().Sub(*k.LastUsedAt) >= LastUsedInterval
		return nil
	})
	if err != nil || !touch {
		return caller, err
	}
	// A failed touch must not fail the request it belongs to: last_used_at is
	// informational.
	_ = s.store.WriteTx(ctx, func(tx Tx) error { return tx.TouchAPIKey(ctx, caller.KeyID, s.timestamp()) })
	return caller, nil
}

// LastUsedInterval is how stale a key's last_used_at may get: it is written at
// most once per interval per key, so that authentication is not a write on
// every request.
const LastUsedInterval = time.Minute

// requireManager refuses callers that are not manager accounts.
func requireManager(c *Caller) error {
	if c == nil || c.Account == nil {
		return Errorf(EUNAUTHENTICATED, "Authentication failed.")
	}
	if !c.Account.IsManager() {
		return Errorf(EFORBIDDEN, "Only manager accounts may use the managed accounts endpoints; this key belongs to a managed account.")
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
