-- 0001: accounts, API keys, the ledger and the audit log.
--
-- Conventions (see internal/backend/postgres/tx.go):
--   * Text is COLLATE "C": comparisons, lower() and ORDER BY work on bytes,
--     as in the SQLite store, whatever the database's default collation.
--   * Money is BIGINT micro-units (backend.Money), never NUMERIC or REAL.
--   * Times are timestamptz (microseconds, UTC on the way out).
--   * Counts and limits are BIGINT, the range of Go's int on 64-bit machines.
--   * Optional references hold NULL, never '', so that foreign keys apply.
--   * JSON columns are json, not jsonb: stored as written, so that a string
--     holding \u0000 (which jsonb refuses) is kept like any other.

-- Append-only tables refuse UPDATE and DELETE with this trigger function.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TABLE accounts (
    id                    text COLLATE "C" NOT NULL PRIMARY KEY,
    manager_id            text COLLATE "C" REFERENCES accounts (id),
    email                 text COLLATE "C" NOT NULL,
    organization_name     text COLLATE "C" NOT NULL,
    password_hash         text COLLATE "C" NOT NULL DEFAULT '',
    status                text COLLATE "C" NOT NULL CHECK (status IN ('enabled', 'disabled', 'cancelled')),
    allow_custom_pricing  boolean     NOT NULL,
    rollup_billing        boolean     NOT NULL,
    global_channel_limit  bigint      NOT NULL CHECK (global_channel_limit >= 0),
    allocatable_channels  bigint      NOT NULL CHECK (allocatable_channels >= 0),
    managed_account_limit bigint      NOT NULL CHECK (managed_account_limit >= 0),
    credit_limit          bigint      NOT NULL,
    api_token_sealed      text COLLATE "C" NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- Emails are unique whatever their (ASCII) case; GetAccountByEmail and the
-- email filters compare lower(email) so that they can use this index.
CREATE UNIQUE INDEX accounts_email_lower ON accounts (lower(email));
-- A manager's list of managed accounts, newest first by default.
CREATE INDEX accounts_manager_created ON accounts (manager_id, created_at);

CREATE TABLE api_keys (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL REFERENCES accounts (id),
    kind         text COLLATE "C" NOT NULL CHECK (kind IN ('primary', 'user')),
    hash         text COLLATE "C" NOT NULL UNIQUE,
    sealed       text COLLATE "C" NOT NULL DEFAULT '',
    masked       text COLLATE "C" NOT NULL,
    status       text COLLATE "C" NOT NULL CHECK (status IN ('active', 'disabled', 'revoked')),
    description  text COLLATE "C" NOT NULL DEFAULT '',
    tags         json        NOT NULL DEFAULT '[]' CHECK (json_typeof(tags) = 'array'),
    issued_by    text COLLATE "C" NOT NULL DEFAULT 'account_owner'
        CHECK (issued_by IN ('account_owner', 'account_manager')),
    expires_at   timestamptz,
    last_used_at timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- At most one active primary key per account: the managed account object
-- shows exactly one api_key.
CREATE UNIQUE INDEX api_keys_one_active_primary ON api_keys (account_id)
    WHERE kind = 'primary' AND status = 'active';
-- An account's keys, newest first.
CREATE INDEX api_keys_account_created ON api_keys (account_id, kind, created_at);

CREATE TABLE ledger_entries (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id  text COLLATE "C" NOT NULL REFERENCES accounts (id),
    subject_id  text COLLATE "C" REFERENCES accounts (id),
    kind        text COLLATE "C" NOT NULL CHECK (kind IN ('adjustment', 'top_up', 'usage', 'refund')),
    amount      bigint      NOT NULL,
    currency    text COLLATE "C" NOT NULL CHECK (length(currency) = 3),
    description text COLLATE "C" NOT NULL DEFAULT '',
    reference   text COLLATE "C" NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    -- A top-up counts in the balance once it has settled; every other entry
    -- settles when it is made.
    settles_at  timestamptz NOT NULL CHECK (settles_at >= created_at)
);

CREATE INDEX ledger_entries_account_created ON ledger_entries (account_id, created_at);
-- The balance sums (settled and pending) read this index alone.
CREATE INDEX ledger_entries_account_totals ON ledger_entries (account_id, settles_at, amount);

-- A ledger is append-only: a correction is a new entry, never an edit.
CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TABLE audit_events (
    id               text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id       text COLLATE "C" NOT NULL REFERENCES accounts (id),
    actor_account_id text COLLATE "C" REFERENCES accounts (id),
    change_made_by   text COLLATE "C" NOT NULL,
    action           text COLLATE "C" NOT NULL,
    changes          json        NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL
);

CREATE INDEX audit_events_account_created ON audit_events (account_id, created_at);
-- The whole audit log by time, for the operator and for time-range filters.
CREATE INDEX audit_events_created ON audit_events (created_at);

-- The audit log is append-only too.
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
