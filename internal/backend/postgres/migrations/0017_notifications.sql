-- 0017: notifications (DESIGN 3.8). An account's notification profiles,
-- their channels (where notifications go) and its settings (which
-- conditions it is notified of, through which profile and channel). The
-- catalogue of conditions is the program's, not the database's: a setting
-- names its condition by id.
CREATE TABLE notification_profiles (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL REFERENCES accounts (id),
    name       text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX notification_profiles_account_created ON notification_profiles (account_id, created_at);

-- A channel stays in its profile; a profile with channels cannot be deleted.
CREATE TABLE notification_channels (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL REFERENCES accounts (id),
    profile_id   text COLLATE "C" NOT NULL REFERENCES notification_profiles (id),
    channel_type text COLLATE "C" NOT NULL CHECK (channel_type IN ('webhook', 'email', 'sms')),
    destination  text COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE INDEX notification_channels_account_created ON notification_channels (account_id, created_at);
CREATE INDEX notification_channels_profile ON notification_channels (profile_id);

-- ledger_account_id is the account whose ledger holds the balance the
-- setting's account sees (its manager's under rollup billing), so that a
-- charge finds the balance settings of its ledger at once. parameters is a
-- JSON array of {"name","value"} as given (text, kept byte for byte);
-- threshold is the balance condition's amount in micro-units (0 for the
-- other conditions).
CREATE TABLE notification_settings (
    id                text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id        text COLLATE "C" NOT NULL REFERENCES accounts (id),
    ledger_account_id text COLLATE "C" NOT NULL REFERENCES accounts (id),
    condition_id      text COLLATE "C" NOT NULL,
    profile_id        text COLLATE "C" NOT NULL REFERENCES notification_profiles (id),
    channel_id        text COLLATE "C" REFERENCES notification_channels (id),
    parameters        text COLLATE "C" NOT NULL,
    threshold         bigint      NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX notification_settings_account_created ON notification_settings (account_id, created_at);
CREATE INDEX notification_settings_condition_account ON notification_settings (condition_id, account_id);
CREATE INDEX notification_settings_condition_ledger ON notification_settings (condition_id, ledger_account_id);
CREATE INDEX notification_settings_profile ON notification_settings (profile_id);
CREATE INDEX notification_settings_channel ON notification_settings (channel_id);

-- What was notified. A notification is one occurrence of a condition for
-- one setting (its id is the webhooks' data.id); it stays when its setting
-- is deleted, so it names the setting without a foreign key. payload is the
-- webhooks' data.payload, a JSON object (text, kept byte for byte).
CREATE TABLE notifications (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL REFERENCES accounts (id),
    setting_id   text COLLATE "C" NOT NULL,
    condition_id text COLLATE "C" NOT NULL,
    event_type   text COLLATE "C" NOT NULL,
    payload      text COLLATE "C" NOT NULL,
    occurred_at  timestamptz NOT NULL
);

CREATE INDEX notifications_account_occurred ON notifications (account_id, occurred_at);

-- A notification on its way to one channel, with the channel's type and
-- destination as they were (the channel may change or go). A webhook is
-- pending until answered 2xx or tried the most times; lease_owner and
-- lease_until say which delivery worker holds it, until when (replicas
-- claim due deliveries with FOR UPDATE SKIP LOCKED). An email or SMS is
-- written here delivered, with its subject and message: the outbox.
CREATE TABLE notification_deliveries (
    id              text COLLATE "C" NOT NULL PRIMARY KEY,
    notification_id text COLLATE "C" NOT NULL REFERENCES notifications (id),
    account_id      text COLLATE "C" NOT NULL REFERENCES accounts (id),
    channel_id      text COLLATE "C" NOT NULL,
    channel_type    text COLLATE "C" NOT NULL CHECK (channel_type IN ('webhook', 'email', 'sms')),
    destination     text COLLATE "C" NOT NULL,
    subject         text COLLATE "C" NOT NULL,
    message         text COLLATE "C" NOT NULL,
    status          text COLLATE "C" NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        bigint      NOT NULL CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    lease_owner     text COLLATE "C" NOT NULL,
    lease_until     timestamptz,
    last_status     bigint      NOT NULL,
    last_error      text COLLATE "C" NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    delivered_at    timestamptz
);

CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
CREATE INDEX notification_deliveries_account_created ON notification_deliveries (account_id, created_at);
CREATE INDEX notification_deliveries_created ON notification_deliveries (created_at);

-- Every attempt of a delivery: when, what HTTP status it got (0: none), and
-- why it failed.
CREATE TABLE notification_attempts (
    delivery_id  text COLLATE "C" NOT NULL REFERENCES notification_deliveries (id),
    attempt      bigint      NOT NULL CHECK (attempt >= 1),
    attempted_at timestamptz NOT NULL,
    status_code  bigint      NOT NULL,
    error        text COLLATE "C" NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
