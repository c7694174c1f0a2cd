package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Notifications (backend.NotificationStore): profiles, channels, settings.

// checkTimes refuses times out of the storable range, by field name.
func checkTimes(fields map[string]time.Time) error {
	for name, at := range fields {
		if err := checkTime(name, at); err != nil {
			return err
		}
	}
	return nil
}

// queryAll runs query and scans every row with scan.
func queryAll[T any](ctx context.Context, t *tx, op string, scan func(scanner) (*T, error), query string, args ...any) ([]*T, error) {
	rows, err := t.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbError(op, err)
	}
	defer func() { _ = rows.Close() }()
	list := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, dbError(op, err)
		}
		list = append(list, v)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err)
	}
	return list, nil
}

// queryOne scans the one row of query; ENOTFOUND (of what) when there is none.
func queryOne[T any](ctx context.Context, t *tx, op, what string, scan func(scanner) (*T, error), query string, args ...any) (*T, error) {
	v, err := scan(t.tx.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, backend.NotFound(what)
	}
	if err != nil {
		return nil, dbError(op, err)
	}
	return v, nil
}

// count runs a COUNT(*) query.
func (t *tx) count(ctx context.Context, op, query string, args ...any) (int, error) {
	var n int
	if err := t.tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, dbError(op, err)
	}
	return n, nil
}

// pageOf runs the count and the page of a list: where and args select the
// rows of table, newest first, ties broken on id.
func pageOf[T any](ctx context.Context, t *tx, op, table, columns, where string, args []any, page backend.Page,
	scan func(scanner) (*T, error),
) ([]*T, int, error) {
	if err := sqlstore.CheckPage(page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: %s: %w", op, err)
	}
	total, err := t.count(ctx, op, `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...)
	if err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, t, op, scan, `SELECT `+columns+` FROM `+table+` WHERE `+where+
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, page.Size, page.Offset())...)
	return list, total, err
}

// exec runs a statement that writes one object: a unique violation is a
// conflict over what, and, when one, no row written is ENOTFOUND.
func (t *tx) execOne(ctx context.Context, op, what string, one bool, query string, args ...any) error {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if isUniqueViolation(err) {
		return conflict("A " + strings.ToLower(what) + " with this id")
	}
	if err != nil {
		return dbError(op, err)
	}
	if one {
		return expectOneRow(res, what, op)
	}
	return nil
}

// ---------------------------------------------------------------- profiles

const notificationProfileColumns = `id, account_id, name, created_at, updated_at`

func scanNotificationProfile(row scanner) (*backend.NotificationProfile, error) {
	var (
		p                    backend.NotificationProfile
		createdAt, updatedAt string
	)
	if err := row.Scan(&p.ID, &p.AccountID, &p.Name, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	var err error
	if p.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if p.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &p, nil
}

func (t *tx) InsertNotificationProfile(ctx context.Context, p *backend.NotificationProfile) error {
	if err := checkTimes(map[string]time.Time{"created_at": p.CreatedAt, "updated_at": p.UpdatedAt}); err != nil {
		return err
	}
	return t.execOne(ctx, "insert notification profile", "Notification profile", false,
		`INSERT INTO notification_profiles (`+notificationProfileColumns+`) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.AccountID, p.Name, formatTime(p.CreatedAt), formatTime(p.UpdatedAt))
}

func (t *tx) GetNotificationProfile(ctx context.Context, id string) (*backend.NotificationProfile, error) {
	return queryOne(ctx, t, "get notification profile", "Notification profile", scanNotificationProfile,
		`SELECT `+notificationProfileColumns+` FROM notification_profiles WHERE id = ?`, id)
}

func (t *tx) ListNotificationProfiles(ctx context.Context, accountID string, page backend.Page) ([]*backend.NotificationProfile, int, error) {
	return pageOf(ctx, t, "list notification profiles", "notification_profiles", notificationProfileColumns,
		"account_id = ?", []any{accountID}, page, scanNotificationProfile)
}

func (t *tx) CountNotificationProfiles(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count notification profiles", `SELECT COUNT(*) FROM notification_profiles WHERE account_id = ?`, accountID)
}

func (t *tx) UpdateNotificationProfile(ctx context.Context, p *backend.NotificationProfile) error {
	if err := checkTime("updated_at", p.UpdatedAt); err != nil {
		return err
	}
	return t.execOne(ctx, "update notification profile", "Notification profile", true,
		`UPDATE notification_profiles SET name = ?, updated_at = ? WHERE id = ?`, p.Name, formatTime(p.UpdatedAt), p.ID)
}

func (t *tx) DeleteNotificationProfile(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete notification profile", "Notification profile", true,
		`DELETE FROM notification_profiles WHERE id = ?`, id)
}

// ---------------------------------------------------------------- channels

const notificationChannelColumns = `id, account_id, profile_id, channel_type, destination, created_at, updated_at`

func scanNotificationChannel(row scanner) (*backend.NotificationChannel, error) {
	var (
		c                    backend.NotificationChannel
		channelType          string
		createdAt, updatedAt string
	)
	if err := row.Scan(&c.ID, &c.AccountID, &c.ProfileID, &channelType, &c.Destination, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	c.Type = backend.ChannelType(channelType)
	var err error
	if c.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if c.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &c, nil
}

func (t *tx) InsertNotificationChannel(ctx context.Context, c *backend.NotificationChannel) error {
	if err := checkTimes(map[string]time.Time{"created_at": c.CreatedAt, "updated_at": c.UpdatedAt}); err != nil {
		return err
	}
	return t.execOne(ctx, "insert notification channel", "Notification channel", false,
		`INSERT INTO notification_channels (`+notificationChannelColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AccountID, c.ProfileID, string(c.Type), c.Destination, formatTime(c.CreatedAt), formatTime(c.UpdatedAt))
}

func (t *tx) GetNotificationChannel(ctx context.Context, id string) (*backend.NotificationChannel, error) {
	return queryOne(ctx, t, "get notification channel", "Notification channel", scanNotificationChannel,
		`SELECT `+notificationChannelColumns+` FROM notification_channels WHERE id = ?`, id)
}

func (t *tx) ListNotificationChannels(ctx context.Context, accountID string, q backend.ChannelQuery) ([]*backend.NotificationChannel, int, error) {
	where, args := "account_id = ?", []any{accountID}
	if q.Type != "" {
		where, args = where+" AND channel_type = ?", append(args, string(q.Type))
	}
	if q.ProfileID != "" {
		where, args = where+" AND profile_id = ?", append(args, q.ProfileID)
	}
	return pageOf(ctx, t, "list notification channels", "notification_channels", notificationChannelColumns,
		where, args, q.Page, scanNotificationChannel)
}

func (t *tx) CountNotificationChannels(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count notification channels", `SELECT COUNT(*) FROM notification_channels WHERE account_id = ?`, accountID)
}

func (t *tx) ProfileChannels(ctx context.Context, profileID string) ([]*backend.NotificationChannel, error) {
	return queryAll(ctx, t, "list a profile's channels", scanNotificationChannel,
		`SELECT `+notificationChannelColumns+` FROM notification_channels WHERE profile_id = ? ORDER BY created_at, id`, profileID)
}

func (t *tx) UpdateNotificationChannel(ctx context.Context, c *backend.NotificationChannel) error {
	if err := checkTime("updated_at", c.UpdatedAt); err != nil {
		return err
	}
	return t.execOne(ctx, "update notification channel", "Notification channel", true,
		`UPDATE notification_channels SET channel_type = ?, destination = ?, updated_at = ? WHERE id = ?`,
		string(c.Type), c.Destination, formatTime(c.UpdatedAt), c.ID)
}

func (t *tx) DeleteNotificationChannel(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete notification channel", "Notification channel", true,
		`DELETE FROM notification_channels WHERE id = ?`, id)
}

// ---------------------------------------------------------------- settings

const notificationSettingColumns = `id, account_id, ledger_account_id, condition_id, profile_id, channel_id,
	parameters, threshold, created_at, updated_at`

func scanNotificationSetting(row scanner) (*backend.NotificationSetting, error) {
	var (
		st                   backend.NotificationSetting
		channelID            sql.NullString
		params               string
		threshold            int64
		createdAt, updatedAt string
	)
	if err := row.Scan(&st.ID, &st.AccountID, &st.LedgerAccountID, &st.ConditionID, &st.ProfileID, &channelID,
		&params, &threshold, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	st.ChannelID, st.Threshold = channelID.String, backend.Money(threshold)
	var err error
	if st.Parameters, err = sqlstore.DecodeSettingParameters(params); err != nil {
		return nil, err
	}
	if st.CreatedAt, err = parseTime(createdAt); err != nil {
		return nil, err
	}
	if st.UpdatedAt, err = parseTime(updatedAt); err != nil {
		return nil, err
	}
	return &st, nil
}

func (t *tx) InsertNotificationSetting(ctx context.Context, st *backend.NotificationSetting) error {
	if err := checkTimes(map[string]time.Time{"created_at": st.CreatedAt, "updated_at": st.UpdatedAt}); err != nil {
		return err
	}
	params, err := sqlstore.EncodeSettingParameters(st.Parameters)
	if err != nil {
		return err
	}
	return t.execOne(ctx, "insert notification setting", "Notification setting", false,
		`INSERT INTO notification_settings (`+notificationSettingColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.ID, st.AccountID, st.LedgerAccountID, st.ConditionID, st.ProfileID, nullID(st.ChannelID), params,
		int64(st.Threshold), formatTime(st.CreatedAt), formatTime(st.UpdatedAt))
}

func (t *tx) GetNotificationSetting(ctx context.Context, id string) (*backend.NotificationSetting, error) {
	return queryOne(ctx, t, "get notification setting", "Notification setting", scanNotificationSetting,
		`SELECT `+notificationSettingColumns+` FROM notification_settings WHERE id = ?`, id)
}

func (t *tx) ListNotificationSettings(ctx context.Context, accountID string, q backend.SettingQuery) ([]*backend.NotificationSetting, int, error) {
	where, args := "account_id = ?", []any{accountID}
	for _, f := range []struct{ column, value string }{
		{"profile_id", q.ProfileID}, {"channel_id", q.ChannelID}, {"condition_id", q.ConditionID},
	} {
		if f.value != "" {
			where, args = where+" AND "+f.column+" = ?", append(args, f.value)
		}
	}
	if q.MatchNone {
		where, args = "0 = 1", nil
	}
	return pageOf(ctx, t, "list notification settings", "notification_settings", notificationSettingColumns,
		where, args, q.Page, scanNotificationSetting)
}

func (t *tx) CountNotificationSettings(ctx context.Context, accountID string) (int, error) {
	return t.count(ctx, "count notification settings", `SELECT COUNT(*) FROM notification_settings WHERE account_id = ?`, accountID)
}

func (t *tx) CountSettingsUsing(ctx context.Context, profileID, channelID string) (int, error) {
	return t.count(ctx, "count the settings of a profile or channel",
		`SELECT COUNT(*) FROM notification_settings WHERE (profile_id = ? AND ? <> '') OR (channel_id = ? AND ? <> '')`,
		profileID, profileID, channelID, channelID)
}

func (t *tx) DeleteNotificationSetting(ctx context.Context, id string) error {
	return t.execOne(ctx, "delete notification setting", "Notification setting", true,
		`DELETE FROM notification_settings WHERE id = ?`, id)
}

func (t *tx) ConditionSettings(ctx context.Context, conditionID, accountID string, byLedger bool) ([]*backend.NotificationSetting, error) {
	column := "account_id"
	if byLedger {
		column = "ledger_account_id"
	}
	return queryAll(ctx, t, "list a condition's settings", scanNotificationSetting,
		`SELECT `+notificationSettingColumns+` FROM notification_settings WHERE condition_id = ? AND `+column+` = ?
		ORDER BY created_at, id`, conditionID, accountID)
}

// ---------------------------------------------------------------- notifications made

const deliveryColumns = `d.id, d.notification_id, d.account_id, d.channel_id, d.channel_type, d.destination, d.subject, d.message,
	d.status, d.attempts, d.next_attempt_at, d.lease_owner, d.lease_until, d.last_status, d.last_error,
	d.created_at, d.updated_at, d.delivered_at,
	n.id, n.account_id, n.setting_id, n.condition_id, n.event_type, n.payload, n.occurred_at`

// deliveryFrom joins each delivery to its notification.
const deliveryFrom = ` FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id`

func scanDelivery(row scanner) (*backend.NotificationDelivery, error) {
	var (
		d                                         backend.NotificationDelivery
		n                                         backend.Notification
		channelType, status                       string
		nextAttempt, created, updated, occurredAt string
		leaseUntil, deliveredAt                   sql.NullString
	)
	if err := row.Scan(&d.ID, &d.NotificationID, &d.AccountID, &d.ChannelID, &channelType, &d.Destination, &d.Subject, &d.Message,
		&status, &d.Attempts, &nextAttempt, &d.LeaseOwner, &leaseUntil, &d.LastStatus, &d.LastError, &created, &updated, &deliveredAt,
		&n.ID, &n.AccountID, &n.SettingID, &n.ConditionID, &n.EventType, &n.Payload, &occurredAt); err != nil {
		return nil, err
	}
	d.ChannelType, d.Status, d.Notification = backend.ChannelType(channelType), backend.DeliveryStatus(status), &n
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&d.NextAttemptAt, nextAttempt}, {&d.CreatedAt, created}, {&d.UpdatedAt, updated}, {&n.OccurredAt, occurredAt}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, err
		}
	}
	if d.LeaseUntil, err = parseNullTime(leaseUntil); err != nil {
		return nil, err
	}
	if d.DeliveredAt, err = parseNullTime(deliveredAt); err != nil {
		return nil, err
	}
	return &d, nil
}

func (t *tx) InsertNotification(ctx context.Context, n *backend.Notification, deliveries []*backend.NotificationDelivery) error {
	if err := checkTime("occurred_at", n.OccurredAt); err != nil {
		return err
	}
	if err := t.execOne(ctx, "insert notification", "Notification", false,
		`INSERT INTO notifications (id, account_id, setting_id, condition_id, event_type, payload, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.AccountID, n.SettingID, n.ConditionID, n.EventType, n.Payload, formatTime(n.OccurredAt)); err != nil {
		return err
	}
	for _, d := range deliveries {
		if err := checkTimes(map[string]time.Time{"next_attempt_at": d.NextAttemptAt, "created_at": d.CreatedAt, "updated_at": d.UpdatedAt}); err != nil {
			return err
		}
		leaseUntil, err := nullTime("lease_until", d.LeaseUntil)
		if err != nil {
			return err
		}
		deliveredAt, err := nullTime("delivered_at", d.DeliveredAt)
		if err != nil {
			return err
		}
		if err := t.execOne(ctx, "insert notification delivery", "Notification delivery", false,
			`INSERT INTO notification_deliveries (id, notification_id, account_id, channel_id, channel_type, destination, subject, message,
				status, attempts, next_attempt_at, lease_owner, lease_until, last_status, last_error, created_at, updated_at, delivered_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.ID, n.ID, d.AccountID, d.ChannelID, string(d.ChannelType), d.Destination, d.Subject, d.Message,
			string(d.Status), d.Attempts, formatTime(d.NextAttemptAt), d.LeaseOwner, leaseUntil, d.LastStatus, d.LastError,
			formatTime(d.CreatedAt), formatTime(d.UpdatedAt), deliveredAt); err != nil {
			return err
		}
		for _, a := range d.AttemptLog {
			if err := t.insertAttempt(ctx, d.ID, a); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *tx) insertAttempt(ctx context.Context, deliveryID string, a *backend.DeliveryAttempt) error {
	if err := checkTime("attempted_at", a.At); err != nil {
		return err
	}
	return t.execOne(ctx, "insert delivery attempt", "Delivery attempt", false,
		`INSERT INTO notification_attempts (delivery_id, attempt, attempted_at, status_code, error) VALUES (?, ?, ?, ?, ?)`,
		deliveryID, a.Number, formatTime(a.At), a.Status, a.Error)
}

// ClaimDueDeliveries leases the due deliveries in one statement: SQLite's
// single writer makes the select and the update one step. Each due
// delivery is ranked within its account, those in flight first (see
// backend.NotificationDeliveries), and the claim takes the lowest ranks.
func (t *tx) ClaimDueDeliveries(ctx context.Context, now, leaseUntil time.Time, owner string, limit int) ([]*backend.NotificationDelivery, error) {
	if err := checkTimes(map[string]time.Time{"now": now, "lease_until": leaseUntil}); err != nil {
		return nil, err
	}
	rows, err := t.tx.QueryContext(ctx, `UPDATE notification_deliveries SET lease_owner = ?, lease_until = ?
		WHERE id IN (SELECT id FROM (
				SELECT id, next_attempt_at, lease_until, ROW_NUMBER() OVER (PARTITION BY account_id
					ORDER BY lease_until IS NOT NULL AND lease_until > ? DESC, next_attempt_at, id) AS account_rank
				FROM notification_deliveries
				WHERE status = 'pending' AND channel_type = 'webhook' AND next_attempt_at <= ?)
			WHERE lease_until IS NULL OR lease_until <= ?
			ORDER BY account_rank, next_attempt_at, id LIMIT ?)
		RETURNING id`, owner, formatTime(leaseUntil), formatTime(now), formatTime(now), formatTime(now), limit)
	if err != nil {
		return nil, dbError("claim due deliveries", err)
	}
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			_ = rows.Close()
			return nil, dbError("claim due deliveries", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, dbError("claim due deliveries", err)
	}
	if len(ids) == 0 {
		return []*backend.NotificationDelivery{}, nil
	}
	return queryAll(ctx, t, "read claimed deliveries", scanDelivery, `SELECT `+deliveryColumns+deliveryFrom+
		` WHERE d.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY d.next_attempt_at, d.id`, ids...)
}

func (t *tx) RecordDeliveryAttempt(ctx context.Context, d *backend.NotificationDelivery, a *backend.DeliveryAttempt, owner string) error {
	if err := checkTimes(map[string]time.Time{"next_attempt_at": d.NextAttemptAt, "updated_at": d.UpdatedAt}); err != nil {
		return err
	}
	deliveredAt, err := nullTime("delivered_at", d.DeliveredAt)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE notification_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,
		last_status = ?, last_error = ?, delivered_at = ?, updated_at = ?, lease_owner = '', lease_until = NULL
		WHERE id = ? AND lease_owner = ?`,
		string(d.Status), d.Attempts, formatTime(d.NextAttemptAt), d.LastStatus, d.LastError, deliveredAt, formatTime(d.UpdatedAt), d.ID, owner)
	if err != nil {
		return dbError("record delivery attempt", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbError("record delivery attempt", err)
	} else if n == 0 {
		return &backend.Error{Kind: backend.ECONFLICT, Detail: "The delivery's lease is held by another worker."}
	}
	return t.insertAttempt(ctx, d.ID, a)
}

func (t *tx) ListNotificationDeliveries(ctx context.Context, q backend.DeliveryQuery) ([]*backend.NotificationDelivery, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, fmt.Errorf("sqlite: list deliveries: %w", err)
	}
	where, args := "1 = 1", []any{}
	for _, f := range []struct{ column, value string }{
		{"d.account_id", q.AccountID}, {"d.channel_type", string(q.ChannelType)}, {"d.status", string(q.Status)},
	} {
		if f.value != "" {
			where, args = where+" AND "+f.column+" = ?", append(args, f.value)
		}
	}
	total, err := t.count(ctx, "count deliveries", `SELECT COUNT(*) FROM notification_deliveries d WHERE `+where, args...)
	if err != nil {
		return nil, 0, err
	}
	list, err := queryAll(ctx, t, "list deliveries", scanDelivery, `SELECT `+deliveryColumns+deliveryFrom+` WHERE `+where+
		` ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?`, append(args, q.Page.Size, q.Page.Offset())...)
	if err != nil || len(list) == 0 {
		return list, total, err
	}
	byID := map[string]*backend.NotificationDelivery{}
	ids := make([]any, len(list))
	for i, d := range list {
		byID[d.ID], ids[i] = d, d.ID
		d.AttemptLog = []*backend.DeliveryAttempt{}
	}
	attempts, err := queryAll(ctx, t, "list delivery attempts", scanAttempt, `SELECT delivery_id, attempt, attempted_at, status_code, error
		FROM notification_attempts WHERE delivery_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY delivery_id, attempt`, ids...)
	if err != nil {
		return nil, 0, err
	}
	for _, a := range attempts {
		d := byID[a.DeliveryID]
		d.AttemptLog = append(d.AttemptLog, a)
	}
	return list, total, nil
}

// PurgeNotifications deletes the oldest finished notifications. One writer
// at a time on SQLite: nothing is held by another transaction, nothing to
// skip, and no delivery can start or finish between the choice and the
// deletes.
func (t *tx) PurgeNotifications(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := checkTime("before", before); err != nil {
		return 0, err
	}
	cutoff := formatTime(before)
	ids, err := queryAll(ctx, t, "choose notifications to purge", func(row scanner) (*string, error) {
		var id string
		return &id, row.Scan(&id)
	}, `SELECT n.id FROM notifications n WHERE n.occurred_at < ? AND NOT EXISTS (
			SELECT 1 FROM notification_deliveries d WHERE d.notification_id = n.id AND (d.status = 'pending' OR d.updated_at >= ?))
		ORDER BY n.occurred_at, n.id LIMIT ?`, cutoff, cutoff, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = *id
	}
	in := `(?` + strings.Repeat(", ?", len(ids)-1) + `)`
	for _, stmt := range []struct{ op, query string }{
		{"purge delivery attempts", `DELETE FROM notification_attempts WHERE delivery_id IN (
			SELECT id FROM notification_deliveries WHERE notification_id IN ` + in + `)`},
		{"purge notification deliveries", `DELETE FROM notification_deliveries WHERE notification_id IN ` + in},
		{"purge notifications", `DELETE FROM notifications WHERE id IN ` + in},
	} {
		if _, err := t.tx.ExecContext(ctx, stmt.query, args...); err != nil {
			return 0, dbError(stmt.op, err)
		}
	}
	return len(ids), nil
}

func scanAttempt(row scanner) (*backend.DeliveryAttempt, error) {
	var (
		a  backend.DeliveryAttempt
		at string
	)
	if err := row.Scan(&a.DeliveryID, &a.Number, &at, &a.Status, &a.Error); err != nil {
		return nil, err
	}
	var err error
	a.At, err = parseTime(at)
	return &a, err
}
