-- 0016: notifications (DESIGN 3.8). An account's notification profiles,
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
