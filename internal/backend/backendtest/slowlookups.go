package backendtest

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// SlowLookups is a store (for Options.WrapStore) whose lookups that come
// before a credential is checked, of an API key by its hash and of an
// account by its email, are counted and take Delay, as on a busy database,
// in read transactions (where authentication and sign-in make them).
// A limit that counts a failure only after its check lets every attempt that
// arrives meanwhile through; the delay makes that window as wide as it is in
// production, so that a test of the limit under concurrency fails every
// time, not now and then, when the limit is not exact.
type SlowLookups struct {
	backend.Store
	Delay        time.Duration
	keys, emails atomic.Int64
}

// KeyLookups is how many API keys have been looked up by their hash.
func (s *SlowLookups) KeyLookups() int64 { return s.keys.Load() }

// EmailLookups is how many accounts have been looked up by their email.
func (s *SlowLookups) EmailLookups() int64 { return s.emails.Load() }

// ReadTx runs fn in a read transaction of the store whose lookups are slow.
func (s *SlowLookups) ReadTx(ctx context.Context, fn func(backend.Tx) error) error {
	return s.Store.ReadTx(ctx, func(tx backend.Tx) error { return fn(slowLookupTx{tx, s}) })
}

type slowLookupTx struct {
	backend.Tx
	s *SlowLookups
}

func (tx slowLookupTx) GetAPIKeyByHash(ctx context.Context, hash string) (*backend.APIKey, error) {
	tx.s.keys.Add(1)
	time.Sleep(tx.s.Delay)
	return tx.Tx.GetAPIKeyByHash(ctx, hash)
}

func (tx slowLookupTx) GetAPIKeyAndAccountByHash(ctx context.Context, hash string) (*backend.APIKey, *backend.Account, error) {
	tx.s.keys.Add(1)
	time.Sleep(tx.s.Delay)
	return tx.Tx.GetAPIKeyAndAccountByHash(ctx, hash)
}

func (tx slowLookupTx) GetAccountByEmail(ctx context.Context, email string) (*backend.Account, error) {
	tx.s.emails.Add(1)
	time.Sleep(tx.s.Delay)
	return tx.Tx.GetAccountByEmail(ctx, email)
}
