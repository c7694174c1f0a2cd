package backend

import "context"

// PostChargeForTest runs postCharge on the ledger of accountID in a write
// transaction, for the tests of charges that no endpoint makes yet (usage
// under rollup billing) and of postCharge's own guards.
func (s *Service) PostChargeForTest(ctx context.Context, accountID string, entry *LedgerEntry) error {
	return s.store.WriteTx(ctx, func(tx Tx) error {
		a, err := tx.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		return s.postCharge(ctx, tx, a, entry, "/amount")
	})
}
