package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// ---------------------------------------------------------------- statements

// fail maps a statement's error and remembers it when it doomed the
// transaction in a way that running it again may fix.
func (t *tx) fail(ctx context.Context, op string, err error) error {
	mapped := classify(ctx, op, err)
	if r, ok := errors.AsType[*retryError](mapped); ok && t.doomed == nil {
		t.doomed = r
	}
	return mapped
}

// runAgain dooms the transaction to run again, as a serialization failure
// would, for a conflict with a concurrent transaction found otherwise.
func (t *tx) runAgain(op string, err error) error {
	r := &retryError{class: classSerialization, op: op, err: err}
	if t.doomed == nil {
		t.doomed = r
	}
	return r
}

func (t *tx) exec(ctx context.Context, op, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.conn.Exec(ctx, sql, args...)
	if err != nil {
		return tag, t.fail(ctx, op, err)
	}
	return tag, nil
}

// execGuarded runs a statement that may break a unique constraint under a
// savepoint, so that the transaction stays usable after the ECONFLICT (as a
// failed statement leaves a SQLite transaction). The three statements go in
// one round trip. On a unique violation, once rolled back to the savepoint,
// it returns what onConflict returns.
func (t *tx) execGuarded(ctx context.Context, op string, onConflict func() error, sql string, args ...any) (pgconn.CommandTag, error) {
	batch := &pgx.Batch{}
	batch.Queue("SAVEPOINT guard")
	batch.Queue(sql, args...)
	batch.Queue("RELEASE SAVEPOINT guard")
	results := t.conn.SendBatch(ctx, batch)
	_, spErr := results.Exec()
	tag, stmtErr := results.Exec()
	_, relErr := results.Exec()
	closeErr := results.Close()
	switch {
	case spErr != nil:
		return tag, t.fail(ctx, op, spErr)
	case stmtErr != nil && classOf(stmtErr) == classConflict && ctx.Err() == nil:
		if _, err := t.exec(ctx, op, "ROLLBACK TO SAVEPOINT guard; RELEASE SAVEPOINT guard"); err != nil {
			return tag, err
		}
		return tag, onConflict()
	case stmtErr != nil:
		return tag, t.fail(ctx, op, stmtErr)
	case relErr != nil:
		return tag, t.fail(ctx, op, relErr)
	case closeErr != nil:
		return tag, t.fail(ctx, op, closeErr)
	}
	return tag, nil
}

// queryOne runs a query of one row and scans it with scan; no row is
// ENOTFOUND for what.
func queryOne[T any](ctx context.Context, t *tx, op, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	v, err := scan(t.conn.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, backend.NotFound(what)
	}
	if err != nil {
		var zero T
		return zero, t.fail(ctx, op, err)
	}
	return v, nil
}

// queryAll runs a query and scans each row with scan; never a nil slice.
func queryAll[T any](ctx context.Context, t *tx, op string, scan func(pgx.Row) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := t.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, t.fail(ctx, op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
	if err != nil {
		return nil, t.fail(ctx, op, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// count runs a query of one integer.
func (t *tx) count(ctx context.Context, op, sql string, args ...any) (int, error) {
	var n int64
	if err := t.conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, t.fail(ctx, op, err)
	}
	return int(n), nil
}

// params numbers the placeholders of a query built from parts.
type params []any

// add appends v and returns its placeholder.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// ---------------------------------------------------------------- values

// checkTime refuses times out of the years 0000-9999, the range the SQLite
// store keeps, so that both stores accept the same values.
func checkTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("postgres: %s %s is out of the storable range (years 0000-9999)", field, t)
	}
	return nil
}

// timeField is a named time for checkTimes; t is nil for an unset one.
type timeField struct {
	name string
	t    *time.Time
}

func at(name string, t time.Time) timeField        { return timeField{name, &t} }
func optional(name string, t *time.Time) timeField { return timeField{name, t} }

// checkTimes checks the times that are set with checkTime.
func checkTimes(fields ...timeField) error {
	for _, f := range fields {
		if f.t != nil {
			if err := checkTime(f.name, *f.t); err != nil {
				return err
			}
		}
	}
	return nil
}

// utcPtr converts a scanned nullable time to UTC (pgx returns local time).
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nullID stores an empty reference as NULL, so that foreign keys apply to
// the references that are set.
func nullID(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// storable reports whether PostgreSQL can hold s as text: valid UTF-8
// without NUL. A lookup of any other value cannot match a stored row, and is
// answered without asking (the server would refuse the parameter).
func storable(values ...string) bool {
	for _, s := range values {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return false
		}
	}
	return true
}

// conflictIs is an onConflict of execGuarded that returns err.
func conflictIs(err error) func() error { return func() error { return err } }

// expectOneRow turns a statement that matched nothing into ENOTFOUND.
func expectOneRow(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return backend.NotFound(what)
	}
	return nil
}

// ---------------------------------------------------------------- accounts

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

// texts converts statuses to the text array of a "= ANY($n)" parameter.
func texts[S ~string](statuses []S) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
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
	var (
		a                     backend.Account
		managerID             *string
		status                string
		channels, allocatable int64
		limit, credit         int64
	)
	if err := row.Scan(&a.ID, &managerID, &a.Email, &a.OrganizationName, &a.PasswordHash, &status,
		&a.AllowCustomPricing, &a.RollupBilling, &channels, &allocatable,
		&limit, &credit, &a.APITokenSealed, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	if managerID != nil {
		a.ManagerID = *managerID
	}
	a.Status = backend.AccountStatus(status)
	a.GlobalChannelLimit, a.AllocatableChannels, a.ManagedAccountLimit = int(channels), int(allocatable), int(limit)
	a.CreditLimit = backend.Money(credit)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
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
	if err := checkTimes(optional("expires_at", k.ExpiresAt), optional("last_used_at", k.LastUsedAt),
		at("created_at", k.CreatedAt), at("updated_at", k.UpdatedAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert api key", `INSERT INTO api_keys (`+apiKeyColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
		k.ID, k.AccountID, string(k.Kind), k.Hash, k.Sealed, k.MaskedKey, string(k.Status), k.Description, tags,
		k.ExpiresAt, k.LastUsedAt, k.CreatedAt, k.UpdatedAt, sqlstore.IssuedBy(k.IssuedBy))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("An API key with this id or hash, or an active primary key for this account,")
	}
	return nil
}

func (t *tx) GetAPIKeyByHash(ctx context.Context, hash string) (*backend.APIKey, error) {
	if !storable(hash) {
		return nil, backend.NotFound("API key")
	}
	return queryOne(ctx, t, "get api key", "API key", scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash)
}

func (t *tx) GetAPIKey(ctx context.Context, id string) (*backend.APIKey, error) {
	if !storable(id) {
		return nil, backend.NotFound("API key")
	}
	return queryOne(ctx, t, "get api key", "API key", scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id)
}

func (t *tx) GetPrimaryKey(ctx context.Context, accountID string) (*backend.APIKey, error) {
	if !storable(accountID) {
		return nil, backend.NotFound("API key")
	}
	// The partial unique index allows one active primary key per account.
	return queryOne(ctx, t, "get primary key", "API key", scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE account_id = $1 AND kind = $2 AND status = $3`,
		accountID, string(backend.KeyPrimary), string(backend.KeyActive))
}

func (t *tx) UpdateAPIKey(ctx context.Context, k *backend.APIKey) error {
	tags, err := sqlstore.EncodeTags(k.Tags)
	if err != nil {
		return err
	}
	if err := checkTimes(optional("expires_at", k.ExpiresAt), optional("last_used_at", k.LastUsedAt),
		at("updated_at", k.UpdatedAt)); err != nil {
		return err
	}
	// The key material (hash, sealed, masked), its kind and owner never change.
	tag, err := t.execGuarded(ctx, "update api key", conflictIs(conflict("An active primary key for this account")), `UPDATE api_keys SET
		status = $1, description = $2, tags = $3, expires_at = $4, last_used_at = $5, updated_at = $6
		WHERE id = $7`,
		string(k.Status), k.Description, tags, k.ExpiresAt, k.LastUsedAt, k.UpdatedAt, k.ID)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "API key")
}

func scanAPIKey(row pgx.Row) (*backend.APIKey, error) {
	var (
		k                  backend.APIKey
		kind, status, tags string
	)
	if err := row.Scan(&k.ID, &k.AccountID, &kind, &k.Hash, &k.Sealed, &k.MaskedKey, &status, &k.Description, &tags,
		&k.ExpiresAt, &k.LastUsedAt, &k.CreatedAt, &k.UpdatedAt, &k.IssuedBy); err != nil {
		return nil, err
	}
	k.Kind, k.Status = backend.KeyKind(kind), backend.KeyStatus(status)
	var err error
	if k.Tags, err = sqlstore.DecodeTags(tags); err != nil {
		return nil, err
	}
	k.ExpiresAt, k.LastUsedAt = utcPtr(k.ExpiresAt), utcPtr(k.LastUsedAt)
	k.CreatedAt, k.UpdatedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC()
	return &k, nil
}

func apiKeyFilter(accountID string, q backend.APIKeyQuery, p *params) string {
	where := []string{"account_id = " + p.add(accountID), "status <> 'revoked'"}
	if q.Kind != "" {
		where = append(where, "kind = "+p.add(string(q.Kind)))
	}
	if q.Status != "" {
		where = append(where, "status = "+p.add(string(q.Status)))
	}
	if q.ExpiredAt != nil {
		where = append(where, "expires_at IS NOT NULL AND expires_at <= "+p.add(*q.ExpiredAt))
	}
	if q.UnexpiredAt != nil {
		where = append(where, "(expires_at IS NULL OR expires_at > "+p.add(*q.UnexpiredAt)+")")
	}
	return strings.Join(where, " AND ")
}

func (t *tx) ListAPIKeys(ctx context.Context, accountID string, q backend.APIKeyQuery) ([]*backend.APIKey, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list api keys: %w", err)
	}
	if !storable(accountID, string(q.Kind), string(q.Status)) {
		return []*backend.APIKey{}, 0, nil
	}
	var p params
	where := apiKeyFilter(accountID, q, &p)
	total, err := t.count(ctx, "count api keys", `SELECT COUNT(*) FROM api_keys WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(q.Page.Size), p.add(q.Page.Offset())
	keys, err := queryAll(ctx, t, "list api keys", scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT `+limit+` OFFSET `+offset, p...)
	if err != nil {
		return nil, 0, err
	}
	return keys, total, nil
}

func (t *tx) CountAPIKeys(ctx context.Context, accountID string, kind backend.KeyKind, statuses []backend.KeyStatus) (int, error) {
	return t.count(ctx, "count api keys", `SELECT COUNT(*) FROM api_keys
		WHERE account_id = $1 AND kind = $2 AND status = ANY($3)`, accountID, string(kind), texts(statuses))
}

func (t *tx) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	if err := checkTime("last_used_at", at); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "touch api key", `UPDATE api_keys SET last_used_at = $1 WHERE id = $2`, at, id)
	if err != nil {
		return err
	}
	return expectOneRow(tag, "API key")
}

// ---------------------------------------------------------------- ledger

func (t *tx) InsertLedgerEntry(ctx context.Context, e *backend.LedgerEntry) error {
	// A zero SettlesAt is a caller's bug, not "at once": say so rather than
	// let the table's CHECK refuse it obscurely.
	if e.SettlesAt.IsZero() {
		return errors.New("postgres: insert ledger entry: settles_at is required (CreatedAt for an entry that settles at once)")
	}
	if err := checkTimes(at("created_at", e.CreatedAt), at("settles_at", e.SettlesAt)); err != nil {
		return err
	}
	tag, err := t.exec(ctx, "insert ledger entry", `INSERT INTO ledger_entries
		(id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
		e.ID, e.AccountID, nullID(e.SubjectID), string(e.Kind), int64(e.Amount), e.Currency, e.Description, e.Reference,
		e.CreatedAt, e.SettlesAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A ledger entry with this id")
	}
	return nil
}

func (t *tx) LedgerTotals(ctx context.Context, accountID string, at time.Time) (backend.LedgerSums, error) {
	if err := checkTime("at", at); err != nil {
		return backend.LedgerSums{}, err
	}
	// SUM over bigint is numeric, exact; the cast back fails on overflow
	// instead of losing precision.
	var s, p, turnover int64
	if err := t.conn.QueryRow(ctx, `SELECT
		COALESCE(SUM(amount) FILTER (WHERE settles_at <= $1), 0)::bigint,
		COALESCE(SUM(amount) FILTER (WHERE settles_at > $1), 0)::bigint,
		COALESCE(SUM(abs(amount)), 0)::bigint
		FROM ledger_entries WHERE account_id = $2`, at, accountID).Scan(&s, &p, &turnover); err != nil {
		return backend.LedgerSums{}, t.fail(ctx, "sum ledger", err)
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
		return fmt.Errorf("postgres: %w", err)
	}
	tag, err := t.exec(ctx, "insert audit event", `INSERT INTO audit_events
		(id, account_id, actor_account_id, change_made_by, action, changes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		e.ID, nullID(e.AccountID), nullID(e.ActorAccountID), e.ChangeMadeBy, e.Action, changes, e.CreatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("An audit event with this id")
	}
	return nil
}

func auditFilter(q backend.AuditQuery, p *params) string {
	where := []string{"true"}
	if q.ManagerScope != "" {
		m := p.add(q.ManagerScope)
		where = append(where, "(e.account_id = "+m+" OR e.account_id IN (SELECT id FROM accounts WHERE manager_id = "+m+"))")
	}
	if q.AccountID != "" {
		where = append(where, "e.account_id = "+p.add(q.AccountID))
	}
	if q.From != nil {
		where = append(where, "e.created_at >= "+p.add(*q.From))
	}
	if q.To != nil {
		where = append(where, "e.created_at <= "+p.add(*q.To))
	}
	return strings.Join(where, " AND ")
}

func (t *tx) ListAuditEvents(ctx context.Context, q backend.AuditQuery) ([]*backend.AuditEvent, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("postgres: list audit events: %w", err)
	}
	if !storable(q.ManagerScope, q.AccountID) {
		return []*backend.AuditEvent{}, 0, nil
	}
	var p params
	where := auditFilter(q, &p)
	total, err := t.count(ctx, "count audit events", `SELECT COUNT(*) FROM audit_events e WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(q.Page.Size), p.add(q.Page.Offset())
	events, err := queryAll(ctx, t, "list audit events", scanAuditEvent, `SELECT e.id, e.account_id, e.actor_account_id,
		e.change_made_by, e.action, e.changes, e.created_at FROM audit_events e WHERE `+where+
		` ORDER BY e.created_at DESC, e.id DESC LIMIT `+limit+` OFFSET `+offset, p...)
	if err != nil {
		return nil, 0, err
	}
	return events, total, nil
}

func scanAuditEvent(row pgx.Row) (*backend.AuditEvent, error) {
	var (
		e              backend.AuditEvent
		account, actor *string
		changes        string
	)
	if err := row.Scan(&e.ID, &account, &actor, &e.ChangeMadeBy, &e.Action, &changes, &e.CreatedAt); err != nil {
		return nil, err
	}
	if account != nil {
		e.AccountID = *account
	}
	if actor != nil {
		e.ActorAccountID = *actor
	}
	var err error
	if e.Changes, err = sqlstore.DecodeAuditChanges(changes); err != nil {
		return nil, err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return &e, nil
}

// ---------------------------------------------------------------- claims

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
