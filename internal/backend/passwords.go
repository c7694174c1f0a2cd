package backend

import (
	"context"
	"fmt"
	"strings"
)

// plainPasswordPrefix begins a password hash stored in the clear: bcrypt's
// own form ("$2a$10$…"), as releases before sealing stored every password.
const plainPasswordPrefix = "$"

// SealPasswordHashes converts the password hashes that earlier releases
// stored in the clear into what HashPassword stores now, without their
// passwords (each keeps working), and returns how many it converted. Run it
// at start, before serving: it is idempotent, and cheap once done.
//
// It survives being stopped at any point. The hashes are sealed in one
// transaction, marked UnscrubbedPasswordPrefix; the store is then scrubbed
// of their plain versions (ScrubAccounts), and only then are the marks
// changed to SealedPasswordPrefix. A start that finds a mark scrubs again.
//
// Every replica of an earlier release must be stopped first: it would store
// hashes in the clear again, and sign in nobody whose hash is sealed.
func (s *Service) SealPasswordHashes(ctx context.Context) (int, error) {
	var sealed int
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		plain, err := tx.ListAccountsByPasswordHashPrefix(ctx, plainPasswordPrefix)
		if err != nil {
			return err
		}
		for _, a := range plain {
			// The account's other fields and UpdatedAt stay: its password
			// has not changed, only how it is kept.
			a.PasswordHash = UnscrubbedPasswordPrefix + s.secrets.Seal(a.PasswordHash)
			if err := tx.UpdateAccount(ctx, a); err != nil {
				return err
			}
		}
		sealed = len(plain)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seal password hashes: %w", err)
	}
	var marked []*Account
	err = s.store.ReadTx(ctx, func(tx Tx) error {
		var err error
		marked, err = tx.ListAccountsByPasswordHashPrefix(ctx, UnscrubbedPasswordPrefix)
		return err
	})
	if err != nil {
		return sealed, fmt.Errorf("seal password hashes: %w", err)
	}
	if len(marked) == 0 {
		return sealed, nil
	}
	if err := s.store.ScrubAccounts(ctx); err != nil {
		return sealed, fmt.Errorf("seal password hashes: erase their plain versions: %w", err)
	}
	err = s.store.WriteTx(ctx, func(tx Tx) error {
		marked, err := tx.ListAccountsByPasswordHashPrefix(ctx, UnscrubbedPasswordPrefix)
		if err != nil {
			return err
		}
		for _, a := range marked {
			a.PasswordHash = SealedPasswordPrefix + strings.TrimPrefix(a.PasswordHash, UnscrubbedPasswordPrefix)
			if err := tx.UpdateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return sealed, fmt.Errorf("seal password hashes: %w", err)
	}
	return sealed, nil
}
