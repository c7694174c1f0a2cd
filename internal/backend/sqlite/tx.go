package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// tx implements backend.Tx over one database/sql transaction.
type tx struct {
	tx *sql.Tx
}

var _ backend.Tx = (*tx)(nil)

// Claim does nothing: write transactions run one at a time (one writer
// connection, each transaction IMMEDIATE, which other processes on the file
// wait for too), so a rule's read of a set is current until it commits.
func (t *tx) Claim(context.Context, backend.Set, string) error { return nil }

// timeLayout is how times are stored: fixed width, UTC, microseconds, so that
// the text sorts as the time does.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// formatTime renders t in UTC, truncated to the microsecond (the stored
// precision; the service itself keeps milliseconds).
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	// The layout has no zone element, so Parse returns UTC.
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// checkTime refuses times that do not fit the fixed-width layout, which would
// break the ordering of the stored text.
func checkTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("sqlite: %s %s is out of the storable range (years 0000-9999)", field, t)
	}
	return nil
}

func nullTime(field string, t *time.Time) (sql.NullString, error) {
	if t == nil {
		return sql.NullString{}, nil
	}
	if err := checkTime(field, *t); err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: formatTime(*t), Valid: true}, nil
}

func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// nullID stores an empty reference as NULL, so that foreign keys apply to the
// references that are set.
func nullID(id string) sql.NullString { return sql.NullString{String: id, Valid: id != ""} }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// conflict is the ECONFLICT answer to a unique violation on what.
func conflict(what string) error {
	return &backend.Error{Kind: backend.ECONFLICT, Detail: what + " already exists."}
}

// ---------------------------------------------------------------- accounts

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

// inStatuses is the condition "status IN (?, …)" on statuses and its
// arguments after args; ok is false when statuses is empty, which nothing
// matches.
func inStatuses[S ~string](args []any, statuses []S) (cond string, all []any, ok bool) {
	if len(statuses) == 0 {
		return "", nil, false
	}
	for _, s := range statuses {
		args = append(args, string(s))
	}
	return "status IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ") + ")", args, true
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

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (*backend.Account, error) {
	var (
		a                    backend.Account
		managerID            sql.NullString
		status               string
		allowCustom, rollup  int
		credit               int64
		createdAt, updatedAt string
	)
	if err := s.Scan(&a.ID, &managerID, &a.Email, &a.OrganizationName, &a.PasswordHash, &status,
		&allowCustom, &rollup, &a.GlobalChannelLimit, &a.AllocatableChannels,
		&a.ManagedAccountLimit, &credit, &a.APITokenSealed, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	a.ManagerID = managerID.String
	a.Status = backend.AccountStatus(status)
	a.AllowCustomPricing, a.RollupBilling = allowCustom != 0, rollup != 0
	a.CreditLimit = backend.Money(credit)
	var err error
	if a.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if a.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &a, nil
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

// ---------------------------------------------------------------- API keys

//nolint:gosec // G101: column names, not a credential
const apiKeyColumns = `id, account_id, kind, hash, sealed, masked, status, description, tags,
	expires_at, last_used_at, created_at, updated_at, issued_by`

func (t *tx) InsertAPIKey(ctx context.Context, k *backend.APIKey) error {
	tags, err := sqlstore.EncodeTags(k.Tags)
	if err != nil {
		return err
	}
	expires, err := nullTime("expires_at", k.ExpiresAt)
	if err != nil {
		return err
	}
	lastUsed, err := nullTime("last_used_at", k.LastUsedAt)
	if err != nil {
		return err
	}
	if err := checkTime("created_at", k.CreatedAt); err != nil {
		return err
	}
	if err := checkTime("updated_at", k.UpdatedAt); err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.AccountID, string(k.Kind), k.Hash, k.Sealed, k.MaskedKey, string(k.Status), k.Description, tags,
		expires, lastUsed, formatTime(k.CreatedAt), formatTime(k.UpdatedAt), sqlstore.IssuedBy(k.IssuedBy))
	if isUniqueViolation(err) {
		return conflict("An API key with this id or hash, or an active primary key for this account,")
	}
	if err != nil {
		return dbError("insert api key", err)
	}
	return nil
}

func (t *tx) GetAPIKeyByHash(ctx context.Context, hash string) (*backend.APIKey, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash)
	return scanOneAPIKey(row, "get api key")
}

// primaryKeyQuery finds an account's active primary key through the partial
// unique index that allows one per account. The index's condition is written
// as literals, not parameters: with parameters SQLite can use the index only
// by planning the statement for their values, and plans it again on every
// run (a third of a managed account's retrieve, make bench).
const primaryKeyQuery = `SELECT ` + apiKeyColumns + ` FROM api_keys
	WHERE account_id = ? AND kind = '` + string(backend.KeyPrimary) + `' AND status = '` + string(backend.KeyActive) + `'`

func (t *tx) GetPrimaryKey(ctx context.Context, accountID string) (*backend.APIKey, error) {
	row := t.tx.QueryRowContext(ctx, primaryKeyQuery, accountID)
	return scanOneAPIKey(row, "get primary key")
}

func (t *tx) UpdateAPIKey(ctx context.Context, k *backend.APIKey) error {
	tags, err := sqlstore.EncodeTags(k.Tags)
	if err != nil {
		return err
	}
	expires, err := nullTime("expires_at", k.ExpiresAt)
	if err != nil {
		return err
	}
	lastUsed, err := nullTime("last_used_at", k.LastUsedAt)
	if err != nil {
		return err
	}
	if err := checkTime("updated_at", k.UpdatedAt); err != nil {
		return err
	}
	// The key material (hash, sealed, masked), its kind and owner never change.
	res, err := t.tx.ExecContext(ctx, `UPDATE api_keys SET
		status = ?, description = ?, tags = ?, expires_at = ?, last_used_at = ?, updated_at = ?
		WHERE id = ?`,
		string(k.Status), k.Description, tags, expires, lastUsed, formatTime(k.UpdatedAt), k.ID)
	if isUniqueViolation(err) {
		return conflict("An active primary key for this account")
	}
	if err != nil {
		return dbError("update api key", err)
	}
	return expectOneRow(res, "API key", "update api key")
}

func scanOneAPIKey(row *sql.Row, op string) (*backend.APIKey, error) {
	k, err := scanAPIKey(row, op)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound("API key")
	}
	return k, err
}

func scanAPIKey(row scanner, op string) (*backend.APIKey, error) {
	var (
		k                    backend.APIKey
		kind, status, tags   string
		expires, lastUsed    sql.NullString
		createdAt, updatedAt string
	)
	err := row.Scan(&k.ID, &k.AccountID, &kind, &k.Hash, &k.Sealed, &k.MaskedKey, &status, &k.Description, &tags,
		&expires, &lastUsed, &createdAt, &updatedAt, &k.IssuedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	k.Kind, k.Status = backend.KeyKind(kind), backend.KeyStatus(status)
	if k.Tags, err = sqlstore.DecodeTags(tags); err != nil {
		return nil, dbError(op, err)
	}
	if k.ExpiresAt, err = parseNullTime(expires); err != nil {
		return nil, dbError(op, err)
	}
	if k.LastUsedAt, err = parseNullTime(lastUsed); err != nil {
		return nil, dbError(op, err)
	}
	if k.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, dbError(op, err)
	}
	if k.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, dbError(op, err)
	}
	return &k, nil
}

func (t *tx) GetAPIKey(ctx context.Context, id string) (*backend.APIKey, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id)
	return scanOneAPIKey(row, "get api key")
}

func apiKeyFilter(accountID string, q backend.APIKeyQuery) (string, []any) {
	where := []string{"account_id = ?", "status <> 'revoked'"}
	args := []any{accountID}
	if q.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(q.Kind))
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if q.ExpiredAt != nil {
		where, args = append(where, "expires_at IS NOT NULL AND expires_at <= ?"), append(args, formatTime(*q.ExpiredAt))
	}
	if q.UnexpiredAt != nil {
		where, args = append(where, "(expires_at IS NULL OR expires_at > ?)"), append(args, formatTime(*q.UnexpiredAt))
	}
	return strings.Join(where, " AND "), args
}

func (t *tx) ListAPIKeys(ctx context.Context, accountID string, q backend.APIKeyQuery) ([]*backend.APIKey, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list api keys: %w", err)
	}
	where, args := apiKeyFilter(accountID, q)
	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError("count api keys", err)
	}
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, q.Page.Size, q.Page.Offset())...)
	if err != nil {
		return nil, 0, dbError("list api keys", err)
	}
	defer func() { _ = rows.Close() }()
	keys := []*backend.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows, "list api keys")
		if err != nil {
			return nil, 0, err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list api keys", err)
	}
	return keys, total, nil
}

func (t *tx) CountAPIKeys(ctx context.Context, accountID string, kind backend.KeyKind, statuses []backend.KeyStatus) (int, error) {
	cond, args, ok := inStatuses([]any{accountID, string(kind)}, statuses)
	if !ok {
		return 0, nil
	}
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_keys
		WHERE account_id = ? AND kind = ? AND `+cond, args...).Scan(&n)
	if err != nil {
		return 0, dbError("count api keys", err)
	}
	return n, nil
}

func (t *tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("last_used_at", at); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, formatTime(at), id)
	if err != nil {
		return dbError("touch api key", err)
	}
	return expectOneRow(res, "API key", "touch api key")
}

// ---------------------------------------------------------------- ledger

func (t *tx) InsertLedgerEntry(ctx context.Context, e *backend.LedgerEntry) error {
	if err := checkTime("created_at", e.CreatedAt); err != nil {
		return err
	}
	// A zero SettlesAt is a caller's bug, not "at once": say so rather than
	// let the table's CHECK refuse it obscurely.
	if e.SettlesAt.IsZero() {
		return errors.New("sqlite: insert ledger entry: settles_at is required (CreatedAt for an entry that settles at once)")
	}
	if err := checkTime("settles_at", e.SettlesAt); err != nil {
		return err
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO ledger_entries
		(id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.AccountID, nullID(e.SubjectID), string(e.Kind), int64(e.Amount), e.Currency, e.Description, e.Reference,
		formatTime(e.CreatedAt), formatTime(e.SettlesAt))
	if isUniqueViolation(err) {
		return conflict("A ledger entry with this id")
	}
	if err != nil {
		return dbError("insert ledger entry", err)
	}
	return nil
}

func (t *tx) LedgerTotals(ctx context.Context, accountID string, at time.Time) (backend.LedgerSums, error) {
	if err := checkTime("at", at); err != nil {
		return backend.LedgerSums{}, err
	}
	// SUM over INTEGER is exact, and fails on overflow instead of going float
	// (TOTAL would return a REAL). Fixed-width times compare as text.
	var s, p, turnover int64
	if err := t.tx.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN settles_at <= ?1 THEN amount END), 0),
		COALESCE(SUM(CASE WHEN settles_at > ?1 THEN amount END), 0),
		COALESCE(SUM(abs(amount)), 0)
		FROM ledger_entries WHERE account_id = ?2`,
		formatTime(at), accountID).Scan(&s, &p, &turnover); err != nil {
		return backend.LedgerSums{}, dbError("sum ledger", err)
	}
	return backend.LedgerSums{Settled: backend.Money(s), Pending: backend.Money(p), Turnover: backend.Money(turnover)}, nil
}

// ---------------------------------------------------------------- audit log

func (t *tx) InsertAuditEvent(ctx context.Context, e *backend.AuditEvent) error {
	if err := checkTime("created_at", e.CreatedAt); err != nil {
		return err
	}
	changes, err := sqlstore.EncodeAuditChanges(e.Changes)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO audit_events
		(id, account_id, actor_account_id, change_made_by, action, changes, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.ID, nullID(e.AccountID), nullID(e.ActorAccountID), e.ChangeMadeBy, e.Action, changes, formatTime(e.CreatedAt))
	if isUniqueViolation(err) {
		return conflict("An audit event with this id")
	}
	if err != nil {
		return dbError("insert audit event", err)
	}
	return nil
}

// expectOneRow turns an UPDATE that matched nothing into ENOTFOUND.
func expectOneRow(res sql.Result, what, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(op, err)
	}
	if n == 0 {
		return backend.NotFound(what)
	}
	return nil
}

// ---------------------------------------------------------------- audit log

func auditFilter(q backend.AuditQuery) (string, []any) {
	where := []string{"1 = 1"}
	var args []any
	if q.ManagerScope != "" {
		where = append(where, "(e.account_id = ? OR e.account_id IN (SELECT id FROM accounts WHERE manager_id = ?))")
		args = append(args, q.ManagerScope, q.ManagerScope)
	}
	if q.AccountID != "" {
		where, args = append(where, "e.account_id = ?"), append(args, q.AccountID)
	}
	if q.From != nil {
		where, args = append(where, "e.created_at >= ?"), append(args, formatTime(*q.From))
	}
	if q.To != nil {
		where, args = append(where, "e.created_at <= ?"), append(args, formatTime(*q.To))
	}
	return strings.Join(where, " AND "), args
}

func (t *tx) ListAuditEvents(ctx context.Context, q backend.AuditQuery) ([]*backend.AuditEvent, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list audit events: %w", err)
	}
	where, args := auditFilter(q)
	var total int
	if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events e WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, dbError("count audit events", err)
	}
	//nolint:gosec // G202: only constant SQL fragments are joined; every value is a placeholder
	rows, err := t.tx.QueryContext(ctx, `SELECT e.id, e.account_id, e.actor_account_id, e.change_made_by, e.action,
		e.changes, e.created_at FROM audit_events e WHERE `+where+
		` ORDER BY e.created_at DESC, e.id DESC LIMIT ? OFFSET ?`, append(args, q.Page.Size, q.Page.Offset())...)
	if err != nil {
		return nil, 0, dbError("list audit events", err)
	}
	defer func() { _ = rows.Close() }()
	events := []*backend.AuditEvent{}
	for rows.Next() {
		var (
			e                  backend.AuditEvent
			account, actor     sql.NullString
			changes, createdAt string
		)
		if err := rows.Scan(&e.ID, &account, &actor, &e.ChangeMadeBy, &e.Action, &changes, &createdAt); err != nil {
			return nil, 0, dbError("list audit events", err)
		}
		e.AccountID, e.ActorAccountID = account.String, actor.String
		if e.Changes, err = sqlstore.DecodeAuditChanges(changes); err != nil {
			return nil, 0, dbError("list audit events", err)
		}
		if e.CreatedAt, err = parseTime(createdAt); err != nil {
			return nil, 0, dbError("list audit events", err)
		}
		events = append(events, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, dbError("list audit events", err)
	}
	return events, total, nil
}
