-- 0001: accounts, API keys, the ledger and the audit log.
--
-- Conventions (see internal/backend/sqlite/tx.go):
--   * Tables are STRICT, so a value of the wrong type (a REAL amount, say) is
--     refused instead of being stored under SQLite's type affinity rules.
--   * Money is INTEGER micro-units (backend.Money), never REAL.
--   * Times are TEXT in fixed-width UTC, 2006-01-02T15:04:05.000000Z, so that
--     they compare and sort as strings.
--   * Optional references hold NULL, never '', so that foreign keys apply.

CREATE TABLE accounts (
    id                    TEXT    NOT NULL PRIMARY KEY,
    manager_id            TEXT    REFERENCES accounts (id),
    email                 TEXT    NOT NULL,
    organization_name     TEXT    NOT NULL,
    password_hash         TEXT    NOT NULL DEFAULT '',
    status                TEXT    NOT NULL CHECK (status IN ('enabled', 'disabled', 'cancelled')),
    allow_custom_pricing  INTEGER NOT NULL CHECK (allow_custom_pricing IN (0, 1)),
    rollup_billing        INTEGER NOT NULL CHECK (rollup_billing IN (0, 1)),
    global_channel_limit  INTEGER NOT NULL CHECK (global_channel_limit >= 0),
    allocatable_channels  INTEGER NOT NULL CHECK (allocatable_channels >= 0),
    managed_account_limit INTEGER NOT NULL CHECK (managed_account_limit >= 0),
    credit_limit          INTEGER NOT NULL,
    api_token_sealed      TEXT    NOT NULL DEFAULT '',
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
) STRICT;

-- Emails are unique whatever their case; GetAccountByEmail and the email
-- filters compare lower(email) so that they can use this index.
CREATE UNIQUE INDEX accounts_email_lower ON accounts (lower(email));
-- A manager's list of managed accounts, newest first by default.
CREATE INDEX accounts_manager_created ON accounts (manager_id, created_at);

CREATE TABLE api_keys (
    id           TEXT NOT NULL PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('primary', 'user')),
    hash         TEXT NOT NULL UNIQUE,
    sealed       TEXT NOT NULL DEFAULT '',
    masked       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'revoked')),
    description  TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
    expires_at   TEXT,
    last_used_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) STRICT;

-- At most one active primary key per account: the managed account object shows
-- exactly one api_key.
CREATE UNIQUE INDEX api_keys_one_active_primary ON api_keys (account_id)
    WHERE kind = 'primary' AND status = 'active';
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE ledger_entries (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    subject_id  TEXT    REFERENCES accounts (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('adjustment', 'top_up', 'usage', 'refund')),
    amount      INTEGER NOT NULL,
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    description TEXT    NOT NULL DEFAULT '',
    reference   TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL
) STRICT;

CREATE INDEX ledger_entries_account_created ON ledger_entries (account_id, created_at);

-- A ledger is append-only: a correction is a new entry, never an edit.
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;

CREATE TABLE audit_events (
    id               TEXT NOT NULL PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    actor_account_id TEXT REFERENCES accounts (id),
    change_made_by   TEXT NOT NULL,
    action           TEXT NOT NULL,
    changes          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(changes)),
    created_at       TEXT NOT NULL
) STRICT;

CREATE INDEX audit_events_account_created ON audit_events (account_id, created_at);

-- The audit log is append-only too.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable');
END;
