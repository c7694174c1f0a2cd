package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

const accountColumns = `id, manager_id, email, organization_name, password_hash, status,
	allow_custom_pricing, rollup_billing, global_channel_limit, allocatable_channels,
	managed_account_limit, credit_limit, api_token_sealed, created_at, updated_at`

func (t *tx) InsertAccount(ctx context.Context, a *backend.Account) error {
	if err := checkTime("created_at", a.CreatedAt); err != nil {
		return err
	}
	if err := checkTime("updated_at", a.UpdatedAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, nullID(a.ManagerID), a.Email, a.OrganizationName, a.PasswordHash, string(a.Status),
		boolInt(a.AllowCustomPricing), boolInt(a.RollupBilling), a.GlobalChannelLimit, a.AllocatableChannels,
		a.ManagedAccountLimit, int64(a.CreditLimit), a.APITokenSealed, formatTime(a.CreatedAt), formatTime(a.UpdatedAt))
	if isUniqueViolation(err) {
		return conflict("An account with this id or email")
	}
	if err != nil {
		return dbError("insert account", err)
	}
	return nil
}

func (t *tx) GetAccount(ctx context.Context, id string) (*backend.Account, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id)
	return scanOneAccount(row, "get account")
}

func (t *tx) GetAccountByEmail(ctx context.Context, email string) (*backend.Account, error) {
	// lower() on both sides, as in the unique index, which this query uses.
	row := t.tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE lower(email) = lower(?)`, email)
	return scanOneAccount(row, "get account by email")
}

func (t *tx) UpdateAccount(ctx context.Context, a *backend.Account) error {
	if err := checkTime("updated_at", a.UpdatedAt); err != nil {
		return err
	}
	// id, manager_id and created_at never change.
	res, err := t.tx.ExecContext(ctx, `UPDATE accounts SET
		email = ?, organization_name = ?, password_hash = ?, status = ?,
		allow_custom_pricing = ?, rollup_billing = ?, global_channel_limit = ?, allocatable_channels = ?,
		managed_account_limit = ?, credit_limit = ?, api_token_sealed = ?, updated_at = ?
		WHERE id = ?`,
		a.Email, a.OrganizationName, a.PasswordHash, string(a.Status),
		boolInt(a.AllowCustomPricing), boolInt(a.RollupBilling), a.GlobalChannelLimit, a.AllocatableChannels,
		a.ManagedAccountLimit, int64(a.CreditLimit), a.APITokenSealed, formatTime(a.UpdatedAt), a.ID)
	if isUniqueViolation(err) {
		return conflict("An account with this email")
	}
	if err != nil {
		return dbError("update account", err)
	}
	return expectOneRow(res, "Account", "update account")
}

// managedAccountFilter is the WHERE clause of ListManagedAccounts, shared by
// the page query and the count.
func managedAccountFilter(managerID string, q backend.ManagedAccountQuery) (string, []any) {
	where := []string{"manager_id = ?"}
	args := []any{managerID}
	if q.EmailEq != "" {
		where = append(where, "lower(email) = lower(?)")
		args = append(args, q.EmailEq)
	}
	if q.EmailContains != "" {
		where = append(where, `lower(email) LIKE '%' || lower(?) || '%' ESCAPE '\'`)
		args = append(args, sqlstore.EscapeLike(q.EmailContains))
	}
	if q.OrganizationEq != "" {
		where = append(where, "organization_name = ?")
		args = append(args, q.OrganizationEq)
	}
	if q.OrganizationContains != "" {
		where = append(where, `lower(organization_name) LIKE '%' || lower(?) || '%' ESCAPE '\'`)
		args = append(args, sqlstore.EscapeLike(q.OrganizationContains))
	}
	switch {
	case len(q.Statuses) > 0:
		// An explicit status filter is exact: it names cancelled when it wants it.
		var cond string
		cond, args, _ = inStatuses(args, q.Statuses)
		where = append(where, cond)
	case !q.IncludeCancelled:
		where = append(where, "status <> ?")
		args = append(args, string(backend.StatusCancelled))
	}
	return strings.Join(where, " AND "), args
}

func (t *tx) ListManagedAccounts(ctx context.Context, managerID string, q backend.ManagedAccountQuery) ([]*backend.Account, int, error) {
	if q.MatchNone {
		return []*backend.Account{}, 0, nil
	}
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list managed accounts: %w", err)
	}
	order, err := sqlstore.ManagedAccountOrder(q.Sort)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: list managed accounts: %w", err)
	}
	where, args := managedAccountFilter(managerID, q)

	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError("count managed accounts", err)
	}
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where+
		` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, q.Page.Size, q.Page.Offset())...)
	if err != nil {
		return nil, 0, dbError("list managed accounts", err)
	}
	defer func() { _ = rows.Close() }()
	list := []*backend.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, 0, dbError("list managed accounts", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list managed accounts", err)
	}
	return list, total, nil
}

func (t *tx) CountManagedAccounts(ctx context.Context, managerID string, statuses []backend.AccountStatus) (int, error) {
	// Kept per status by triggers (migration 0015): no count of the
	// accounts. The manager's few rows are read whole and the statuses
	// asked for added up here, which is faster than an IN on the index.
	rows, err := t.tx.QueryContext(ctx, `SELECT status, n FROM managed_account_counts WHERE manager_id = ?`, managerID)
	if err != nil {
		return 0, dbError("count managed accounts", err)
	}
	defer func() { _ = rows.Close() }()
	total := 0
	for rows.Next() {
		var (
			status string
			n      int
		)
		if err := rows.Scan(&status, &n); err != nil {
			return 0, dbError("count managed accounts", err)
		}
		if slices.Contains(statuses, backend.AccountStatus(status)) {
			total += n
		}
	}
	if err := rows.Err(); err != nil {
		return 0, dbError("count managed accounts", err)
	}
	return total, nil
}

func (t *tx) SumGlobalChannelLimits(ctx context.Context, managerID string, statuses []backend.AccountStatus) (int, error) {
	cond, args, ok := inStatuses([]any{managerID}, statuses)
	if !ok {
		return 0, nil
	}
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(global_channel_limit), 0) FROM accounts WHERE manager_id = ? AND `+cond,
		args...).Scan(&n)
	if err != nil {
		return 0, dbError("sum global channel limits", err)
	}
	return n, nil
}

func scanAccount(s scanner) (*backend.Account, error) {
	var r accountRow
	if err := s.Scan(r.dest(nil)...); err != nil {
		return nil, err
	}
	return r.account()
}

// accountRow holds the columns of accountColumns as scanned, for the
// account they make (account), alone or beside another table's columns in
// a join.
type accountRow struct {
	a                    backend.Account
	managerID            sql.NullString
	status               string
	allowCustom, rollup  int
	credit               int64
	createdAt, updatedAt string
}

// dest appends r's scan destinations to d: a join scans into one slice.
func (r *accountRow) dest(d []any) []any {
	return append(d, &r.a.ID, &r.managerID, &r.a.Email, &r.a.OrganizationName, &r.a.PasswordHash, &r.status,
		&r.allowCustom, &r.rollup, &r.a.GlobalChannelLimit, &r.a.AllocatableChannels,
		&r.a.ManagedAccountLimit, &r.credit, &r.a.APITokenSealed, &r.createdAt, &r.updatedAt)
}

// account completes r.a, in place: r escapes to the heap anyway, through
// dest.
func (r *accountRow) account() (*backend.Account, error) {
	a := &r.a
	a.ManagerID = r.managerID.String
	a.Status = backend.AccountStatus(r.status)
	a.AllowCustomPricing, a.RollupBilling = r.allowCustom != 0, r.rollup != 0
	a.CreditLimit = backend.Money(r.credit)
	var err error
	if a.CreatedAt, err = parseTime(r.createdAt); err != nil {
		return nil, err
	}
	if a.UpdatedAt, err = parseTime(r.updatedAt); err != nil {
		return nil, err
	}
	return a, nil
}

func scanOneAccount(row *sql.Row, op string) (*backend.Account, error) {
	a, err := scanAccount(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("Account")
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	return a, nil
}
