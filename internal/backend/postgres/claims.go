package postgres

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// claim is a set of an account that the transaction has claimed.
type claim struct{ accountID, set string }

// Claim records that the transaction claims set of accountID; commit writes
// the claims (see the package comment).
func (t *tx) Claim(_ context.Context, set backend.Set, accountID string) error {
	if t.claims == nil {
		t.claims = map[claim]bool{}
	}
	t.claims[claim{accountID, string(set)}] = true
	return nil
}

// claimSets updates (creating it when missing) the write point of each claim,
// given as two arrays, account ids and sets, in the order they are locked.
const claimSets = `INSERT INTO write_points AS w (account_id, topic, version)
	SELECT a, s, 1 FROM unnest($1::text[], $2::text[]) AS c (a, s)
	ON CONFLICT (account_id, topic) DO UPDATE SET version = w.version + 1`

// commit writes the transaction's claims and commits, in one round trip.
// rollback reports that COMMIT did not run (the claims failed), so the
// transaction is still open, aborted, and must be rolled back.
func (t *tx) commit(ctx context.Context) (rollback bool, err error) {
	if len(t.claims) == 0 {
		tag, err := t.conn.Exec(ctx, "COMMIT")
		return false, committed(ctx, tag, err)
	}
	// In one order, so that two transactions that claim the same sets
	// conflict rather than deadlock.
	claims := slices.SortedFunc(maps.Keys(t.claims), func(a, b claim) int {
		return cmp.Or(strings.Compare(a.accountID, b.accountID), strings.Compare(a.set, b.set))
	})
	accounts, sets := make([]string, len(claims)), make([]string, len(claims))
	for i, c := range claims {
		accounts[i], sets[i] = c.accountID, c.set
	}
	batch := &pgx.Batch{}
	batch.Queue(claimSets, accounts, sets)
	batch.Queue("COMMIT")
	results := t.conn.SendBatch(ctx, batch)
	_, claimErr := results.Exec()
	tag, commitErr := results.Exec()
	closeErr := results.Close()
	if claimErr != nil {
		// The server skipped COMMIT after the failed statement.
		return true, classify(ctx, "claim sets", claimErr)
	}
	return false, committed(ctx, tag, cmp.Or(commitErr, closeErr))
}

// committed maps the outcome of COMMIT.
func committed(ctx context.Context, tag pgconn.CommandTag, err error) error {
	if err != nil {
		if c := classOf(err); c == classConnection {
			// COMMIT may or may not have reached the server: running the
			// transaction again could apply it twice.
			return unavailable("commit", err)
		}
		return classify(ctx, "commit", err)
	}
	if tag.String() != "COMMIT" {
		// The server rolled back: a statement failed and fn went on.
		return errors.New("postgres: commit: the transaction had failed and was rolled back")
	}
	return nil
}
