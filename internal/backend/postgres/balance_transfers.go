package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// ---------------------------------------------------------------- balance transfers

const balanceTransferColumns = sqlstore.BalanceTransferColumns

// InsertBalanceTransfer needs no claim of its own: no rule reads the set
// of transfers before adding to it (the funds a transfer checks are the
// manager's ledger, which the Service claims).
func (t *tx) InsertBalanceTransfer(ctx context.Context, bt *backend.BalanceTransfer) error {
	if err := checkTime("created_at", bt.CreatedAt); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert balance transfer", `INSERT INTO balance_transfers (`+balanceTransferColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		bt.ID, bt.ManagerID, bt.AccountID, int64(bt.Amount), bt.Currency, bt.Description, bt.CreatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A balance transfer with this id")
	}
	return nil
}

func (t *tx) ListBalanceTransfers(ctx context.Context, q backend.BalanceTransferQuery) ([]*backend.BalanceTransfer, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list balance transfers: %w", err)
	}
	column, value, err := sqlstore.BalanceTransferFilter(q)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list balance transfers: %w", err)
	}
	total, err := t.count(ctx, "count balance transfers", `SELECT COUNT(*) FROM balance_transfers WHERE `+column+` = $1`, value)
	if err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, t, "list balance transfers", scanBalanceTransfer, `SELECT `+balanceTransferColumns+`
		FROM balance_transfers WHERE `+column+` = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
		value, q.Page.Size, q.Page.Offset())
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

func scanBalanceTransfer(row pgx.Row) (*backend.BalanceTransfer, error) {
	var (
		bt     backend.BalanceTransfer
		amount int64
	)
	if err := row.Scan(&bt.ID, &bt.ManagerID, &bt.AccountID, &amount, &bt.Currency, &bt.Description, &bt.CreatedAt); err != nil {
		return nil, err
	}
	bt.Amount = backend.Money(amount)
	bt.CreatedAt = bt.CreatedAt.UTC()
	return &bt, nil
}
