package sqlstore

import (
	"errors"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// BalanceTransferColumns are the columns of balance_transfers, in the order
// the stores write and scan them.
const BalanceTransferColumns = `id, manager_id, account_id, amount, currency, description, created_at`

// BalanceTransferFilter is the column a list of transfers selects on, and
// its value: exactly one of the query's ManagerID and AccountID is set (the
// domain sets it; any other query is a caller's bug).
func BalanceTransferFilter(q backend.BalanceTransferQuery) (column, value string, err error) {
	switch {
	case q.ManagerID != "" && q.AccountID == "":
		return "manager_id", q.ManagerID, nil
	case q.AccountID != "" && q.ManagerID == "":
		return "account_id", q.AccountID, nil
	}
	return "", "", errors.New("a list of balance transfers selects on exactly one of ManagerID and AccountID")
}
