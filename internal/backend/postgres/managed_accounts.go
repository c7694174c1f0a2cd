package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

const accountColumns = `id, manager_id, email, organization_name, password_hash, status,
	allow_custom_pricing, rollup_billing, global_channel_limit, allocatable_channels,
	managed_account_limit, credit_limit, api_token_sealed, created_at, updated_at`

func (t *tx) InsertAccount(ctx context.Context, a *backend.Account) error {
	if err := checkTimes(at("created_at", a.CreatedAt), at("updated_at", a.UpdatedAt)); err != nil {
		return err
	}
	// ON CONFLICT DO NOTHING covers every unique index (id, lower(email)) and
	// leaves the transaction usable.
	tag, err := t.exec(ctx, "insert account", `INSERT INTO accounts (`+accountColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
		a.ID, nullID(a.ManagerID), a.Email, a.OrganizationName, a.PasswordHash, string(a.Status),
		a.AllowCustomPricing, a.RollupBilling, a.GlobalChannelLimit, a.AllocatableChannels,
		a.ManagedAccountLimit, int64(a.CreditLimit), a.APITokenSealed, a.CreatedAt, a.UpdatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("An account with this id or email")
	}
	return nil
}

func (t *tx) GetAccount(ctx context.Context, id string) (*backend.Account, error) {
	if !storable(id) {
		return nil, backend.NotFound("Account")
	}
	return queryOne(ctx, t, "get account", "Account", scanAccount,
		`SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id)
}

func (t *tx) GetAccountByEmail(ctx context.Context, email string) (*backend.Account, error) {
	if !storable(email) {
		return nil, backend.NotFound("Account")
	}
	// lower() on both sides, as in the unique index, which this query uses.
	return queryOne(ctx, t, "get account by email", "Account", scanAccount,
		`SELECT `+accountColumns+` FROM accounts WHERE lower(email) = lower($1)`, email)
}

func (t *tx) UpdateAccount(ctx context.Context, a *backend.Account) error {
	if err := checkTime("updated_at", a.UpdatedAt); err != nil {
		return err
	}
	// id, manager_id and created_at never change.
	tag, err := t.execGuarded(ctx, "update account", conflictIs(conflict("An account with this email")), `UPDATE accounts SET
		email = $1, organization_name = $2, password_hash = $3, status = $4,
		allow_custom_pricing = $5, rollup_billing = $6, global_channel_limit = $7, allocatable_channels = $8,
		managed_account_limit = $9, credit_limit = $10, api_token_sealed = $11, updated_at = $12
		WHERE id = $13`,
		a.Email, a.OrganizationName, a.PasswordHash, string(a.Status),
		a.AllowCustomPricing, a.RollupBilling, a.GlobalChannelLimit, a.AllocatableChannels,
		a.ManagedAccountLimit, int64(a.CreditLimit), a.APITokenSealed, a.UpdatedAt, a.ID)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "Account")
}

// managedAccountFilter is the WHERE clause of ListManagedAccounts, shared by
// the page query and the count.
func managedAccountFilter(managerID string, q backend.ManagedAccountQuery, p *params) string {
	where := []string{"manager_id = " + p.add(managerID)}
	if q.EmailEq != "" {
		where = append(where, "lower(email) = lower("+p.add(q.EmailEq)+")")
	}
	if q.EmailContains != "" {
		where = append(where, `lower(email) LIKE '%' || lower(`+p.add(sqlstore.EscapeLike(q.EmailContains))+`) || '%' ESCAPE '\'`)
	}
	if q.OrganizationEq != "" {
		where = append(where, "organization_name = "+p.add(q.OrganizationEq))
	}
	if q.OrganizationContains != "" {
		where = append(where, `lower(organization_name) LIKE '%' || lower(`+p.add(sqlstore.EscapeLike(q.OrganizationContains))+`) || '%' ESCAPE '\'`)
	}
	switch {
	case len(q.Statuses) > 0:
		// An explicit status filter is exact: it names cancelled when it wants it.
		where = append(where, "status = ANY("+p.add(texts(q.Statuses))+")")
	case !q.IncludeCancelled:
		where = append(where, "status <> "+p.add(string(backend.StatusCancelled)))
	}
	return strings.Join(where, " AND ")
}

func (t *tx) ListManagedAccounts(ctx context.Context, managerID string, q backend.ManagedAccountQuery) ([]*backend.Account, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list managed accounts: %w", err)
	}
	order, err := sqlstore.ManagedAccountOrder(q.Sort)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: list managed accounts: %w", err)
	}
	if q.MatchNone || !storable(managerID, q.EmailEq, q.EmailContains, q.OrganizationEq, q.OrganizationContains) {
		return []*backend.Account{}, 0, nil
	}
	var p params
	where := managedAccountFilter(managerID, q, &p)
	total, err := t.count(ctx, "count managed accounts", `SELECT COUNT(*) FROM accounts WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(q.Page.Size), p.add(q.Page.Offset())
	list, err := queryAll(ctx, t, "list managed accounts", scanAccount, `SELECT `+accountColumns+` FROM accounts WHERE `+where+
		` ORDER BY `+order+` LIMIT `+limit+` OFFSET `+offset, p...)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

func (t *tx) CountManagedAccounts(ctx context.Context, managerID string, statuses []backend.AccountStatus) (int, error) {
	return t.count(ctx, "count managed accounts", `SELECT COUNT(*) FROM accounts WHERE manager_id = $1 AND status = ANY($2)`,
		managerID, texts(statuses))
}

func (t *tx) SumGlobalChannelLimits(ctx context.Context, managerID string, statuses []backend.AccountStatus) (int, error) {
	return t.count(ctx, "sum global channel limits",
		`SELECT COALESCE(SUM(global_channel_limit), 0)::bigint FROM accounts WHERE manager_id = $1 AND status = ANY($2)`,
		managerID, texts(statuses))
}

func scanAccount(row pgx.Row) (*backend.Account, error) {
	var r accountRow
	if err := row.Scan(r.dest(nil)...); err != nil {
		return nil, err
	}
	return r.account(), nil
}

// accountRow holds the columns of accountColumns as scanned, for the
// account they make (account), alone or beside another table's columns in
// a join.
type accountRow struct {
	a                     backend.Account
	managerID             *string
	status                string
	channels, allocatable int64
	limit, credit         int64
}

// dest appends r's scan destinations to d: a join scans into one slice.
func (r *accountRow) dest(d []any) []any {
	return append(d, &r.a.ID, &r.managerID, &r.a.Email, &r.a.OrganizationName, &r.a.PasswordHash, &r.status,
		&r.a.AllowCustomPricing, &r.a.RollupBilling, &r.channels, &r.allocatable,
		&r.limit, &r.credit, &r.a.APITokenSealed, &r.a.CreatedAt, &r.a.UpdatedAt)
}

// account completes r.a, in place: r escapes to the heap anyway, through
// dest.
func (r *accountRow) account() *backend.Account {
	a := &r.a
	if r.managerID != nil {
		a.ManagerID = *r.managerID
	}
	a.Status = backend.AccountStatus(r.status)
	a.GlobalChannelLimit, a.AllocatableChannels, a.ManagedAccountLimit = int(r.channels), int(r.allocatable), int(r.limit)
	a.CreditLimit = backend.Money(r.credit)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a
}
