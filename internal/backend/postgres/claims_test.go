package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Each rule of the domain that reads a set and then adds to it ("at most N",
// "only one") must hold when two transactions check it at once: both claim
// the set and read it before either writes, and exactly one may add to it.
// Without the claims, snapshot isolation lets both add (write skew): the
// conformance suite races the rules themselves, through the Service.
func TestClaimsPreventWriteSkew(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	managedOf := func(managerID string) *backend.Account {
		return account(managerID, uuid.NewString()+"@example.com", "Managed")
	}
	counted := []backend.AccountStatus{backend.StatusEnabled}
	ledgerSize := func(tx backend.Tx, id string) (int, error) {
		sum, err := balance(ctx, tx, id)
		return int(sum), err
	}
	for _, tc := range []struct {
		name string
		// setUp stores what the race needs and returns the account whose set
		// the race is about.
		setUp func(t *testing.T, db backend.Store) string
		// set is what the racers claim.
		set backend.Set
		// nested runs each racer's claim, read and write in a nested
		// transaction, as an idempotent request's are.
		nested bool
		// size counts the set; add adds to it (racer i of 2).
		size func(tx backend.Tx, id string) (int, error)
		add  func(tx backend.Tx, id string, racer int) error
	}{{
		name: "ledger",
		set:  backend.SetLedger,
		size: ledgerSize,
		add:  func(tx backend.Tx, id string, _ int) error { return tx.InsertLedgerEntry(ctx, entry(id, 1)) },
	}, {
		name:   "ledger in a nested transaction",
		set:    backend.SetLedger,
		nested: true,
		size:   ledgerSize,
		add:    func(tx backend.Tx, id string, _ int) error { return tx.InsertLedgerEntry(ctx, entry(id, 1)) },
	}, {
		// A claim made in a nested transaction that rolled back is undone
		// with it, and one made before it is kept.
		name: "ledger claimed before a nested rollback",
		set:  backend.SetLedger,
		size: ledgerSize,
		add: func(tx backend.Tx, id string, _ int) error {
			stop := errors.New("stop")
			err := tx.Nested(ctx, func(tx backend.Tx) error {
				if err := tx.Claim(ctx, backend.SetLedger, id); err != nil {
					return err
				}
				if err := tx.InsertLedgerEntry(ctx, entry(id, 1)); err != nil {
					return err
				}
				return stop
			})
			if !errors.Is(err, stop) {
				return fmt.Errorf("nested transaction: %w", err)
			}
			return tx.InsertLedgerEntry(ctx, entry(id, 1))
		},
	}, {
		name: "managed accounts",
		set:  backend.SetManagedAccounts,
		size: func(tx backend.Tx, id string) (int, error) { return tx.CountManagedAccounts(ctx, id, counted) },
		add:  func(tx backend.Tx, id string, _ int) error { return tx.InsertAccount(ctx, managedOf(id)) },
	}, {
		name: "channel pool",
		set:  backend.SetManagedAccounts,
		setUp: func(t *testing.T, db backend.Store) string {
			m := manager(t, db)
			if err := db.WriteTx(ctx, func(tx backend.Tx) error {
				for range 2 {
					if err := tx.InsertAccount(ctx, managedOf(m)); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return m
		},
		size: func(tx backend.Tx, id string) (int, error) { return tx.SumGlobalChannelLimits(ctx, id, counted) },
		add: func(tx backend.Tx, id string, racer int) error {
			// Each racer gives one channel to another of the managed accounts.
			list, _, err := tx.ListManagedAccounts(ctx, id, backend.ManagedAccountQuery{Page: backend.Page{Number: 1, Size: 10}})
			if err != nil {
				return err
			}
			a := list[racer]
			a.GlobalChannelLimit++
			return tx.UpdateAccount(ctx, a)
		},
	}, {
		name: "api keys",
		set:  backend.SetAPIKeys,
		size: func(tx backend.Tx, id string) (int, error) {
			return tx.CountAPIKeys(ctx, id, backend.KeyUser, []backend.KeyStatus{backend.KeyActive})
		},
		add: func(tx backend.Tx, id string, _ int) error {
			return tx.InsertAPIKey(ctx, &backend.APIKey{ID: uuid.NewString(), AccountID: id, Kind: backend.KeyUser,
				Hash: uuid.NewString(), MaskedKey: "KEY…0000", Status: backend.KeyActive, CreatedAt: now, UpdatedAt: now})
		},
	}, {
		name: "payment methods",
		set:  backend.SetPaymentMethods,
		size: func(tx backend.Tx, id string) (int, error) { return tx.CountPaymentMethods(ctx, id) },
		add: func(tx backend.Tx, id string, racer int) error {
			// Not the default, so that only the count can stop the second.
			return tx.InsertPaymentMethod(ctx, &backend.PaymentMethod{ID: uuid.NewString(), AccountID: id,
				Type: backend.PaymentMethodCard, Card: backend.Card{Brand: "visa", Last4: fmt.Sprintf("%04d", racer),
					ExpMonth: 1, ExpYear: 2040, Fingerprint: uuid.NewString()},
				Billing: backend.BillingDetails{Name: "N", Country: "US"}, CreatedAt: now, UpdatedAt: now})
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t)
			var id string
			if tc.setUp != nil {
				id = tc.setUp(t, db)
			} else {
				id = manager(t, db)
			}
			var start int
			if err := db.ReadTx(ctx, func(tx backend.Tx) (err error) { start, err = tc.size(tx, id); return err }); err != nil {
				t.Fatal(err)
			}
			var (
				read sync.WaitGroup
				wg   sync.WaitGroup
				errs [2]error
			)
			read.Add(2)
			for racer := range 2 {
				var runs atomic.Int32
				wg.Go(func() {
					rule := func(tx backend.Tx) error {
						if err := tx.Claim(ctx, tc.set, id); err != nil {
							return err
						}
						n, err := tc.size(tx, id)
						if err != nil {
							return err
						}
						if runs.Add(1) == 1 {
							read.Done()
							read.Wait() // both have read the set
						}
						if n > start {
							return nil // the other added already: the rule says no
						}
						return tc.add(tx, id, racer)
					}
					errs[racer] = db.WriteTx(ctx, func(tx backend.Tx) error {
						if tc.nested {
							return tx.Nested(ctx, rule)
						}
						return rule(tx)
					})
				})
			}
			wg.Wait()
			if err := errors.Join(errs[:]...); err != nil {
				t.Fatalf("racers: %v", err)
			}
			var end int
			if err := db.ReadTx(ctx, func(tx backend.Tx) (err error) { end, err = tc.size(tx, id); return err }); err != nil {
				t.Fatal(err)
			}
			if end != start+1 {
				t.Errorf("the set went from %d to %d, want one addition: both racers added", start, end)
			}
		})
	}
}
