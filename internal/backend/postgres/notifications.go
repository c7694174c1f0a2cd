package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlstore"
)

// Notifications (backend.NotificationStore): profiles, channels, settings.

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

// ---------------------------------------------------------------- notifications made

const deliveryColumns = `d.id, d.notification_id, d.account_id, d.channel_id, d.channel_type, d.destination, d.subject, d.message,
	d.status, d.attempts, d.next_attempt_at, d.lease_owner, d.lease_until, d.last_status, d.last_error,
	d.created_at, d.updated_at, d.delivered_at,
	n.id, n.account_id, n.setting_id, n.condition_id, n.event_type, n.payload, n.occurred_at`

// deliveryFrom joins each delivery to its notification.
const deliveryFrom = ` FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id`

func scanDelivery(row pgx.Row) (*backend.NotificationDelivery, error) {
	var (
		d                   backend.NotificationDelivery
		n                   backend.Notification
		channelType, status string
		attempts, last      int64
	)
	if err := row.Scan(&d.ID, &d.NotificationID, &d.AccountID, &d.ChannelID, &channelType, &d.Destination, &d.Subject, &d.Message,
		&status, &attempts, &d.NextAttemptAt, &d.LeaseOwner, &d.LeaseUntil, &last, &d.LastError, &d.CreatedAt, &d.UpdatedAt, &d.DeliveredAt,
		&n.ID, &n.AccountID, &n.SettingID, &n.ConditionID, &n.EventType, &n.Payload, &n.OccurredAt); err != nil {
		return nil, err
	}
	d.ChannelType, d.Status, d.Attempts, d.LastStatus = backend.ChannelType(channelType), backend.DeliveryStatus(status), int(attempts), int(last)
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt, n.OccurredAt = d.NextAttemptAt.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC(), n.OccurredAt.UTC()
	d.LeaseUntil, d.DeliveredAt, d.Notification = utcPtr(d.LeaseUntil), utcPtr(d.DeliveredAt), &n
	return &d, nil
}

func (t *tx) InsertNotification(ctx context.Context, n *backend.Notification, deliveries []*backend.NotificationDelivery) error {
	if err := checkTime("occurred_at", n.OccurredAt); err != nil {
		return err
	}
	if err := t.insertOne(ctx, "insert notification", "Notification",
		`INSERT INTO notifications (id, account_id, setting_id, condition_id, event_type, payload, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		n.ID, n.AccountID, n.SettingID, n.ConditionID, n.EventType, n.Payload, n.OccurredAt); err != nil {
		return err
	}
	for _, d := range deliveries {
		if err := checkTimes(at("next_attempt_at", d.NextAttemptAt), at("created_at", d.CreatedAt), at("updated_at", d.UpdatedAt),
			optional("lease_until", d.LeaseUntil), optional("delivered_at", d.DeliveredAt)); err != nil {
			return err
		}
		if err := t.insertOne(ctx, "insert notification delivery", "Notification delivery",
			`INSERT INTO notification_deliveries (id, notification_id, account_id, channel_id, channel_type, destination, subject, message,
				status, attempts, next_attempt_at, lease_owner, lease_until, last_status, last_error, created_at, updated_at, delivered_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			d.ID, n.ID, d.AccountID, d.ChannelID, string(d.ChannelType), d.Destination, d.Subject, d.Message,
			string(d.Status), d.Attempts, d.NextAttemptAt, d.LeaseOwner, d.LeaseUntil, d.LastStatus, d.LastError,
			d.CreatedAt, d.UpdatedAt, d.DeliveredAt); err != nil {
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
	tag, err := t.exec(ctx, "insert delivery attempt", `INSERT INTO notification_attempts (delivery_id, attempt, attempted_at, status_code, error)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (delivery_id, attempt) DO NOTHING`, deliveryID, a.Number, a.At, a.Status, a.Error)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return conflict("A delivery attempt with this number")
	}
	return nil
}

// ClaimDueDeliveries leases the due deliveries that no other transaction
// holds (FOR UPDATE SKIP LOCKED): replicas polling at once each take
// others. A delivery another replica leased and committed since this
// transaction's snapshot fails it with a serialization failure, and the
// run again sees the lease. Each due delivery is ranked within its
// account, those in flight first (see backend.NotificationDeliveries),
// and the claim takes the lowest ranks: a
// window function cannot share a query level with FOR UPDATE, so the
// ranks are a subquery and the rows are locked by the query around it.
func (t *tx) ClaimDueDeliveries(ctx context.Context, now, leaseUntil time.Time, owner string, limit int) ([]*backend.NotificationDelivery, error) {
	if err := checkTimes(at("now", now), at("lease_until", leaseUntil)); err != nil {
		return nil, err
	}
	return queryAll(ctx, t, "claim due deliveries", scanDelivery, `WITH claimed AS (
			UPDATE notification_deliveries SET lease_owner = $1, lease_until = $2
			WHERE id = ANY(ARRAY(SELECT d.id FROM notification_deliveries d
				JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id
						ORDER BY lease_until IS NOT NULL AND lease_until > $3 DESC, next_attempt_at, id) AS account_rank
					FROM notification_deliveries
					WHERE status = 'pending' AND channel_type = 'webhook' AND next_attempt_at <= $3) r ON r.id = d.id
				WHERE d.status = 'pending' AND d.channel_type = 'webhook' AND d.next_attempt_at <= $3
					AND (d.lease_until IS NULL OR d.lease_until <= $3)
				ORDER BY r.account_rank, d.next_attempt_at, d.id LIMIT $4 FOR UPDATE OF d SKIP LOCKED))
			RETURNING *)
		SELECT `+deliveryColumns+` FROM claimed d JOIN notifications n ON n.id = d.notification_id ORDER BY d.next_attempt_at, d.id`,
		owner, leaseUntil, now, limit)
}

func (t *tx) RecordDeliveryAttempt(ctx context.Context, d *backend.NotificationDelivery, a *backend.DeliveryAttempt, owner string) error {
	if err := checkTimes(at("next_attempt_at", d.NextAttemptAt), at("updated_at", d.UpdatedAt), optional("delivered_at", d.DeliveredAt)); err != nil {
		return err
	}
	if !storable(d.ID, owner) {
		return backend.NotFound("Notification delivery")
	}
	tag, err := t.exec(ctx, "record delivery attempt", `UPDATE notification_deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
		last_status = $4, last_error = $5, delivered_at = $6, updated_at = $7, lease_owner = '', lease_until = NULL
		WHERE id = $8 AND lease_owner = $9`,
		string(d.Status), d.Attempts, d.NextAttemptAt, d.LastStatus, d.LastError, d.DeliveredAt, d.UpdatedAt, d.ID, owner)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return &backend.Error{Kind: backend.ECONFLICT, Detail: "The delivery's lease is held by another worker."}
	}
	return t.insertAttempt(ctx, d.ID, a)
}

func (t *tx) ListNotificationDeliveries(ctx context.Context, q backend.DeliveryQuery) ([]*backend.NotificationDelivery, int, error) {
	if err := sqlstore.CheckPage(q.Page); err != nil {
		return nil, 0, err
	}
	var p params
	where := "true"
	for _, f := range []struct{ column, value string }{
		{"d.account_id", q.AccountID}, {"d.channel_type", string(q.ChannelType)}, {"d.status", string(q.Status)},
	} {
		if f.value == "" {
			continue
		}
		if !storable(f.value) {
			where, p = "false", nil
			break
		}
		where += " AND " + f.column + " = " + p.add(f.value)
	}
	total, err := t.count(ctx, "count deliveries", `SELECT COUNT(*) FROM notification_deliveries d WHERE `+where, p...)
	if err != nil {
		return nil, 0, err
	}
	limit, offset := p.add(q.Page.Size), p.add(q.Page.Offset())
	list, err := queryAll(ctx, t, "list deliveries", scanDelivery, `SELECT `+deliveryColumns+deliveryFrom+` WHERE `+where+
		` ORDER BY d.created_at DESC, d.id DESC LIMIT `+limit+` OFFSET `+offset, p...)
	if err != nil || len(list) == 0 {
		return list, total, err
	}
	byID := map[string]*backend.NotificationDelivery{}
	ids := make([]string, len(list))
	for i, d := range list {
		byID[d.ID], ids[i] = d, d.ID
		d.AttemptLog = []*backend.DeliveryAttempt{}
	}
	attempts, err := queryAll(ctx, t, "list delivery attempts", func(row pgx.Row) (*backend.DeliveryAttempt, error) {
		var (
			a              backend.DeliveryAttempt
			number, status int64
		)
		if err := row.Scan(&a.DeliveryID, &number, &a.At, &status, &a.Error); err != nil {
			return nil, err
		}
		a.Number, a.Status, a.At = int(number), int(status), a.At.UTC()
		return &a, nil
	}, `SELECT delivery_id, attempt, attempted_at, status_code, error FROM notification_attempts
		WHERE delivery_id = ANY($1) ORDER BY delivery_id, attempt`, ids)
	if err != nil {
		return nil, 0, err
	}
	for _, a := range attempts {
		byID[a.DeliveryID].AttemptLog = append(byID[a.DeliveryID].AttemptLog, a)
	}
	return list, total, nil
}

// PurgeNotifications deletes the oldest finished notifications, skipping
// those another transaction holds (a replica purging at the same time)
// instead of waiting for them. A finished delivery never becomes pending
// again, so what the choice saw finished stays so until the deletes.
func (t *tx) PurgeNotifications(ctx context.Context, before time.Time, limit int) (int, error) {
	if err := checkTime("before", before); err != nil {
		return 0, err
	}
	ids, err := queryAll(ctx, t, "choose notifications to purge", func(row pgx.Row) (string, error) {
		var id string
		return id, row.Scan(&id)
	}, `SELECT n.id FROM notifications n WHERE n.occurred_at < $1 AND NOT EXISTS (
			SELECT 1 FROM notification_deliveries d WHERE d.notification_id = n.id AND (d.status = 'pending' OR d.updated_at >= $1))
		ORDER BY n.occurred_at, n.id LIMIT $2 FOR UPDATE OF n SKIP LOCKED`, before, limit)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	for _, stmt := range []struct{ op, query string }{
		{"purge delivery attempts", `DELETE FROM notification_attempts WHERE delivery_id IN (
			SELECT id FROM notification_deliveries WHERE notification_id = ANY($1))`},
		{"purge notification deliveries", `DELETE FROM notification_deliveries WHERE notification_id = ANY($1)`},
		{"purge notifications", `DELETE FROM notifications WHERE id = ANY($1)`},
	} {
		if _, err := t.exec(ctx, stmt.op, stmt.query, ids); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
