package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Notifications (backend.NotificationStore): profiles, channels, settings.

// ClaimNotifications updates the account's row of notification_claims,
// once per transaction: two transactions that claim one account update one
// row, and the second fails with a serialization failure and runs again.
// It is remembered with the write points (which a rolled back nested
// transaction forgets, as it does them).
func (t *tx) ClaimNotifications(ctx context.Context, accountID string) error {
	p := writePoint{"notification_claims", accountID}
	if t.points[p] {
		return nil
	}
	if _, err := t.exec(ctx, "claim notifications", `INSERT INTO notification_claims AS c (account_id, version) VALUES ($1, 1)
		ON CONFLICT (account_id) DO UPDATE SET version = c.version + 1`, accountID); err != nil {
		return err
	}
	if t.points == nil {
		t.points = map[writePoint]bool{}
	}
	t.points[p] = true
	return nil
}

// insertOne runs an INSERT … ON CONFLICT (id) DO NOTHING: nothing inserted
// is a conflict over what.
func (t *tx) insertOne(ctx context.Context, op, what, sql string, args ...any) error {
	tag, err := t.exec(ctx, op, sql+` ON CONFLICT (id) DO NOTHING`, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A " + strings.ToLower(what) + " with this id")
	}
	return nil
}

// execOne runs a statement on the row of id: no such row is ENOTFOUND.
func (t *tx) execOne(ctx context.Context, op, what, id, sql string, args ...any) error {
	if !storable(id) {
		return backend.NotFound(what)
	}
	tag, err := t.exec(ctx, op, sql, args...)
	if err != nil {
		return err
	}
	return expectOneRow(tag, what)
}

// getOne reads the row of id from table; none is ENOTFOUND.
func getOne[T any](ctx context.Context, t *tx, op, what, table, columns, id string, scan func(pgx.Row) (T, error)) (T, error) {
	if !storable(id) {
		var zero T
		return zero, backend.NotFound(what)
	}
	return queryOne(ctx, t, op, what, scan, `SELECT `+columns+` FROM `+table+` WHERE id = $1`, id)
}

// listPage runs the count and the page of a list: where (with p's
// placeholders) selects the rows of table, newest first, ties broken on id.
func listPage[T any](ctx context.Context, t *tx, op, table, columns, where string, p params, page backend.Page,
	scan func(pgx.Row) (T, error),
) ([]T, int, error) {
	if err := sqlstore.CheckPage(page); err != nil {
		return nil, 0, err
	}
	total, err := t.count(ctx, op, `SELECT COUNT(*) FROM `+table+` WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(page.Size), p.add(page.Offset())
	list, err := queryAll(ctx, t, op, scan, `SELECT `+columns+` FROM `+table+` WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT `+limit+` OFFSET `+offset, p...)
	return list, total, err
}

// ---------------------------------------------------------------- profiles

const notificationProfileColumns = `id, account_id, name, created_at, updated_at`

func scanNotificationProfile(row pgx.Row) (*backend.NotificationProfile, error) {
	var p backend.NotificationProfile
	if err := row.Scan(&p.ID, &p.AccountID, &p.Name, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func (t *tx) InsertNotificationProfile(ctx context.Context, p *backend.NotificationProfile) error {
	if err := checkTimes(at("created_at", p.CreatedAt), at("updated_at", p.UpdatedAt)); err != nil {
		return err
	}
	return t.insertOne(ctx, "insert notification profile", "Notification profile",
		`INSERT INTO notification_profiles (`+notificationProfileColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		p.ID, p.AccountID, p.Name, p.CreatedAt, p.UpdatedAt)
}

func (t *tx) GetNotificationProfile(ctx context.Context, id string) (*backend.NotificationProfile, error) {
	return getOne(ctx, t, "get notification profile", "Notification profile", "notification_profiles",
		notificationProfileColumns, id, scanNotificationProfile)
}

func (t *tx) ListNotificationProfiles(ctx context.Context, accountID string, page backend.Page) ([]*backend.NotificationProfile, int, error) {
	return listPage(ctx, t, "list notification profiles", "notification_profiles", notificationProfileColumns,
		"account_id = $1", params{accountID}, page, scanNotificationProfile)
}

func (t *tx) CountNotificationProfiles(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count notification profiles", `SELECT COUNT(*) FROM notification_profiles WHERE account_id = $1`, accountID)
}

func (t *tx) UpdateNotificationProfile(ctx context.Context, p *backend.NotificationProfile) error {
	if err := checkTime("updated_at", p.UpdatedAt); err != nil {
		return err
	}
	return t.execOne(ctx, "update notification profile", "Notification profile", p.ID,
		`UPDATE notification_profiles SET name = $1, updated_at = $2 WHERE id = $3`, p.Name, p.UpdatedAt, p.ID)
}

func (t *tx) DeleteNotificationProfile(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete notification profile", "Notification profile", id,
		`DELETE FROM notification_profiles WHERE id = $1`, id)
}

// ---------------------------------------------------------------- channels

const notificationChannelColumns = `id, account_id, profile_id, channel_type, destination, created_at, updated_at`

func scanNotificationChannel(row pgx.Row) (*backend.NotificationChannel, error) {
	var (
		c           backend.NotificationChannel
		channelType string
	)
	if err := row.Scan(&c.ID, &c.AccountID, &c.ProfileID, &channelType, &c.Destination, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.Type, c.CreatedAt, c.UpdatedAt = backend.ChannelType(channelType), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func (t *tx) InsertNotificationChannel(ctx context.Context, c *backend.NotificationChannel) error {
	if err := checkTimes(at("created_at", c.CreatedAt), at("updated_at", c.UpdatedAt)); err != nil {
		return err
	}
	return t.insertOne(ctx, "insert notification channel", "Notification channel",
		`INSERT INTO notification_channels (`+notificationChannelColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.AccountID, c.ProfileID, string(c.Type), c.Destination, c.CreatedAt, c.UpdatedAt)
}

func (t *tx) GetNotificationChannel(ctx context.Context, id string) (*backend.NotificationChannel, error) {
	return getOne(ctx, t, "get notification channel", "Notification channel", "notification_channels",
		notificationChannelColumns, id, scanNotificationChannel)
}

func (t *tx) ListNotificationChannels(ctx context.Context, accountID string, q backend.ChannelQuery) ([]*backend.NotificationChannel, int, error) {
	var p params
	where := "account_id = " + p.add(accountID)
	if q.Type != "" {
		where += " AND channel_type = " + p.add(string(q.Type))
	}
	if q.ProfileID != "" {
		where += " AND profile_id = " + p.add(q.ProfileID)
	}
	return listPage(ctx, t, "list notification channels", "notification_channels", notificationChannelColumns,
		where, p, q.Page, scanNotificationChannel)
}

func (t *tx) CountNotificationChannels(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count notification channels", `SELECT COUNT(*) FROM notification_channels WHERE account_id = $1`, accountID)
}

func (t *tx) ProfileChannels(ctx context.Context, profileID string) ([]*backend.NotificationChannel, error) {
	return queryAll(ctx, t, "list a profile's channels", scanNotificationChannel,
		`SELECT `+notificationChannelColumns+` FROM notification_channels WHERE profile_id = $1 ORDER BY created_at, id`, profileID)
}

func (t *tx) UpdateNotificationChannel(ctx context.Context, c *backend.NotificationChannel) error {
	if err := checkTime("updated_at", c.UpdatedAt); err != nil {
		return err
	}
	return t.execOne(ctx, "update notification channel", "Notification channel", c.ID,
		`UPDATE notification_channels SET channel_type = $1, destination = $2, updated_at = $3 WHERE id = $4`,
		string(c.Type), c.Destination, c.UpdatedAt, c.ID)
}

func (t *tx) DeleteNotificationChannel(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete notification channel", "Notification channel", id,
		`DELETE FROM notification_channels WHERE id = $1`, id)
}

// ---------------------------------------------------------------- settings

const notificationSettingColumns = `id, account_id, ledger_account_id, condition_id, profile_id, channel_id,
	parameters, threshold, created_at, updated_at`

func scanNotificationSetting(row pgx.Row) (*backend.NotificationSetting, error) {
	var (
		st        backend.NotificationSetting
		channelID *string
		params    string
		threshold int64
	)
	if err := row.Scan(&st.ID, &st.AccountID, &st.LedgerAccountID, &st.ConditionID, &st.ProfileID, &channelID,
		&params, &threshold, &st.CreatedAt, &st.UpdatedAt); err != nil {
		return nil, err
	}
	if channelID != nil {
		st.ChannelID = *channelID
	}
	st.Threshold, st.CreatedAt, st.UpdatedAt = backend.Money(threshold), st.CreatedAt.UTC(), st.UpdatedAt.UTC()
	var err error
	if st.Parameters, err = sqlstore.DecodeSettingParameters(params); err != nil {
		return nil, err
	}
	return &st, nil
}

func (t *tx) InsertNotificationSetting(ctx context.Context, st *backend.NotificationSetting) error {
	if err := checkTimes(at("created_at", st.CreatedAt), at("updated_at", st.UpdatedAt)); err != nil {
		return err
	}
	params, err := sqlstore.EncodeSettingParameters(st.Parameters)
	if err != nil {
		return err
	}
	return t.insertOne(ctx, "insert notification setting", "Notification setting",
		`INSERT INTO notification_settings (`+notificationSettingColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		st.ID, st.AccountID, st.LedgerAccountID, st.ConditionID, st.ProfileID, nullID(st.ChannelID), params,
		int64(st.Threshold), st.CreatedAt, st.UpdatedAt)
}

func (t *tx) GetNotificationSetting(ctx context.Context, id string) (*backend.NotificationSetting, error) {
	return getOne(ctx, t, "get notification setting", "Notification setting", "notification_settings",
		notificationSettingColumns, id, scanNotificationSetting)
}

func (t *tx) ListNotificationSettings(ctx context.Context, accountID string, q backend.SettingQuery) ([]*backend.NotificationSetting, int, error) {
	var p params
	where := "account_id = " + p.add(accountID)
	for _, f := range []struct{ column, value string }{
		{"profile_id", q.ProfileID}, {"channel_id", q.ChannelID}, {"condition_id", q.ConditionID},
	} {
		if f.value != "" {
			if !storable(f.value) {
				q.MatchNone = true
				break
			}
			where += " AND " + f.column + " = " + p.add(f.value)
		}
	}
	if q.MatchNone {
		where, p = "false", nil
	}
	return listPage(ctx, t, "list notification settings", "notification_settings", notificationSettingColumns,
		where, p, q.Page, scanNotificationSetting)
}

func (t *tx) CountNotificationSettings(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count notification settings", `SELECT COUNT(*) FROM notification_settings WHERE account_id = $1`, accountID)
}

func (t *tx) CountSettingsUsing(ctx context.Context, profileID, channelID string) (int, error) {
	return t.count(ctx, "count the settings of a profile or channel",
		`SELECT COUNT(*) FROM notification_settings WHERE (profile_id = $1 AND $1 <> '') OR (channel_id = $2 AND $2 <> '')`,
		profileID, channelID)
}

func (t *tx) DeleteNotificationSetting(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete notification setting", "Notification setting", id,
		`DELETE FROM notification_settings WHERE id = $1`, id)
}

func (t *tx) ConditionSettings(ctx context.Context, conditionID, accountID string, byLedger bool) ([]*backend.NotificationSetting, error) {
	column := "account_id"
	if byLedger {
		column = "ledger_account_id"
	}
	return queryAll(ctx, t, "list a condition's settings", scanNotificationSetting,
		`SELECT `+notificationSettingColumns+` FROM notification_settings WHERE condition_id = $1 AND `+column+` = $2
		ORDER BY created_at, id`, conditionID, accountID)
}
