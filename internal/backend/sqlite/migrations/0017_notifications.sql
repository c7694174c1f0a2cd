-- 0017: notifications (DESIGN 3.8). An account's notification profiles,
-- their channels (where notifications go) and its settings (which
-- conditions it is notified of, through which profile and channel). The
-- catalogue of conditions is the program's, not the database's: a setting
-- names its condition by id.
CREATE TABLE notification_profiles (
    id         TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX notification_profiles_account_created ON notification_profiles (account_id, created_at);

-- A channel stays in its profile; a profile with channels cannot be deleted.
CREATE TABLE notification_channels (
    id           TEXT NOT NULL PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    profile_id   TEXT NOT NULL REFERENCES notification_profiles (id),
    channel_type TEXT NOT NULL CHECK (channel_type IN ('webhook', 'email', 'sms')),
    destination  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

CREATE INDEX notification_channels_account_created ON notification_channels (account_id, created_at);
CREATE INDEX notification_channels_profile ON notification_channels (profile_id);

-- ledger_account_id is the account whose ledger holds the balance the
-- setting's account sees (its manager's under rollup billing), so that a
-- charge finds the balance settings of its ledger at once. parameters is a
-- JSON array of {"name","value"} as given; threshold is the balance
-- condition's amount in micro-units (0 for the other conditions).
CREATE TABLE notification_settings (
    id                TEXT    NOT NULL PRIMARY KEY,
    account_id        TEXT    NOT NULL REFERENCES accounts (id),
    ledger_account_id TEXT    NOT NULL REFERENCES accounts (id),
    condition_id      TEXT    NOT NULL,
    profile_id        TEXT    NOT NULL REFERENCES notification_profiles (id),
    channel_id        TEXT    REFERENCES notification_channels (id),
    parameters        TEXT    NOT NULL,
    threshold         INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
) STRICT;

CREATE INDEX notification_settings_account_created ON notification_settings (account_id, created_at);
CREATE INDEX notification_settings_condition_account ON notification_settings (condition_id, account_id);
CREATE INDEX notification_settings_condition_ledger ON notification_settings (condition_id, ledger_account_id);
CREATE INDEX notification_settings_profile ON notification_settings (profile_id);
CREATE INDEX notification_settings_channel ON notification_settings (channel_id);

-- What was notified. A notification is one occurrence of a condition for
-- one setting (its id is the webhooks' data.id); it stays when its setting
-- is deleted, so it names the setting without a foreign key. payload is the
-- webhooks' data.payload, a JSON object.
CREATE TABLE notifications (
    id           TEXT NOT NULL PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    setting_id   TEXT NOT NULL,
    condition_id TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  TEXT NOT NULL
) STRICT;

CREATE INDEX notifications_account_occurred ON notifications (account_id, occurred_at);

-- A notification on its way to one channel, with the channel's type and
-- destination as they were (the channel may change or go). A webhook is
-- pending until answered 2xx or tried the most times; lease_owner and
-- lease_until say which delivery worker holds it, until when. An email or
-- SMS is written here delivered, with its subject and message: the outbox.
CREATE TABLE notification_deliveries (
    id              TEXT    NOT NULL PRIMARY KEY,
    notification_id TEXT    NOT NULL REFERENCES notifications (id),
    account_id      TEXT    NOT NULL REFERENCES accounts (id),
    channel_id      TEXT    NOT NULL,
    channel_type    TEXT    NOT NULL CHECK (channel_type IN ('webhook', 'email', 'sms')),
    destination     TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at TEXT    NOT NULL,
    lease_owner     TEXT    NOT NULL,
    lease_until     TEXT,
    last_status     INTEGER NOT NULL,
    last_error      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    delivered_at    TEXT
) STRICT;

CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
CREATE INDEX notification_deliveries_account_created ON notification_deliveries (account_id, created_at);
CREATE INDEX notification_deliveries_created ON notification_deliveries (created_at);

-- Every attempt of a delivery: when, what HTTP status it got (0: none), and
-- why it failed.
CREATE TABLE notification_attempts (
    delivery_id  TEXT    NOT NULL REFERENCES notification_deliveries (id),
    attempt      INTEGER NOT NULL CHECK (attempt >= 1),
    attempted_at TEXT    NOT NULL,
    status_code  INTEGER NOT NULL,
    error        TEXT    NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
) STRICT;
