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
	hash, err := s.keyHash(key)
	if err != nil {
		return nil, err
	}
	var (
		caller *Caller
		touch  bool
	)
	err = s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		caller, touch, err = s.authenticate(ctx, tx, hash)
		return err
	})
	if err != nil {
		return nil, err
	}
	if touch {
		s.touchKey(ctx, caller)
	}
	return caller, nil
}

// ReadAs authenticates key as Authenticate does and runs fn as its caller,
// both in one read transaction: the key's check and every read that fn
// makes through the service, with the context it is given, see one
// snapshot of the store, and cost it one transaction instead of two. It is
// for requests that only read (a retrieve, a list): a write in fn fails
// with EINTERNAL. The store may run the transaction again (PostgreSQL,
// after a lost connection), and fn with it: fn must be safe to run again.
// Returns Authenticate's errors, then fn's.
func (s *Service) ReadAs(ctx context.Context, key string, fn func(ctx context.Context, c *Caller) error) error {
	hash, err := s.keyHash(key)
	if err != nil {
		return err
	}
	var (
		caller *Caller
		touch  bool
	)
	err = s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		if caller, touch, err = s.authenticate(ctx, tx, hash); err != nil {
			return err
		}
		return fn(context.WithValue(ctx, readTxKey{}, tx), caller)
	})
	if err == nil && touch {
		// After the read transaction, never in it: a write there would
		// wait for a second connection while holding the first.
		s.touchKey(ctx, caller)
	}
	return err
}

// keyHash is the keyed hash an API key is looked up by.
func (s *Service) keyHash(key string) (string, error) {
	if key == "" {
		return "", Errorf(EUNAUTHENTICATED, "Authentication failed: no API key was given. Send it as 'Authorization: Bearer <key>'.")
	}
	return s.secrets.HashKey(key), nil
}

// authenticate checks the key whose hash is given, in tx, and says whether
// its last_used_at is due to be written.
func (s *Service) authenticate(ctx context.Context, tx Tx, hash string) (caller *Caller, touch bool, err error) {
	k, a, err := tx.GetAPIKeyAndAccountByHash(ctx, hash)
	if ErrorKind(err) == ENOTFOUND {
		return nil, false, Errorf(EUNAUTHENTICATED, "Authentication failed: the API key is not valid.")
	} else if err != nil {
		return nil, false, err
	}
	switch {
	case k.Status == KeyRevoked:
		return nil, false, Errorf(EUNAUTHENTICATED, "Authentication failed: the API key has been revoked.")
	case k.Status == KeyDisabled:
		return nil, false, Errorf(EUNAUTHENTICATED, "Authentication failed: the API key is disabled.")
	case k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt):
		return nil, false, Errorf(EUNAUTHENTICATED, "Authentication failed: the API key has expired.")
	}
	switch a.Status {
	case StatusDisabled:
		return nil, false, Errorf(EUNAUTHENTICATED, "Authentication failed: the account is disabled.")
	case StatusCancelled:
		return nil, false, Errorf(EUNAUTHENTICATED, "Authentication failed: the account is cancelled.")
	}
	touch = k.LastUsedAt == nil || s.now().Sub(*k.LastUsedAt) >= LastUsedInterval
	return &Caller{Account: a, KeyID: k.ID, ActingAs: k.IssuedBy}, touch, nil
}

// touchKey writes the caller's key's last_used_at. A failed touch must not
// fail the request it belongs to: last_used_at is informational.
func (s *Service) touchKey(ctx context.Context, c *Caller) {
	_ = s.store.WriteTx(ctx, func(tx Tx) error { return tx.TouchAPIKey(ctx, c.KeyID, s.timestamp()) })
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
