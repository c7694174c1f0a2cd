package sqlite

import (
	"context"
	"fmt"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// ---------------------------------------------------------------- balance transfers

const balanceTransferColumns = sqlstore.BalanceTransferColumns

func (t *tx) InsertBalanceTransfer(ctx context.Context, bt *backend.BalanceTransfer) error {
	if err := checkTime("created_at", bt.CreatedAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO balance_transfers (`+balanceTransferColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		bt.ID, bt.ManagerID, bt.AccountID, int64(bt.Amount), bt.Currency, bt.Description, formatTime(bt.CreatedAt))
	if isUniqueViolation(err) {
		return conflict("A balance transfer with this id")
	}
	if err != nil {
		return dbError("insert balance transfer", err)
	}
	return nil
}

func (t *tx) ListBalanceTransfers(ctx context.Context, q backend.BalanceTransferQuery) ([]*backend.BalanceTransfer, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list balance transfers: %w", err)
	}
	column, value, err := sqlstore.BalanceTransferFilter(q)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list balance transfers: %w", err)
	}
	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM balance_transfers WHERE `+column+` = ?`, value).Scan(&total); err != nil {
		return nil, 0, dbError("count balance transfers", err)
	}
	//nolint:gosec // G202: column is one of two constant names; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT `+balanceTransferColumns+` FROM balance_transfers
		WHERE `+column+` = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, value, q.Page.Size, q.Page.Offset())
	if err != nil {
		return nil, 0, dbError("list balance transfers", err)
	}
	defer func() { _ = rows.Close() }()
	list := []*backend.BalanceTransfer{}
	for rows.Next() {
		var (
			bt        backend.BalanceTransfer
			amount    int64
			createdAt string
		)
		if err := rows.Scan(&bt.ID, &bt.ManagerID, &bt.AccountID, &amount, &bt.Currency, &bt.Description, &createdAt); err != nil {
			return nil, 0, dbError("list balance transfers", err)
		}
		bt.Amount = backend.Money(amount)
		if bt.CreatedAt, err = parseTime(createdAt); err != nil {
			return nil, 0, dbError("list balance transfers", err)
		}
		list = append(list, &bt)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list balance transfers", err)
	}
	return list, total, nil
}
