-- 0005: pricing and usage. Rate sets (the list price book, a manager's
-- committed rates, a managed account's custom rates), the usage events rated
-- at ingestion, and their daily rollups, which usage reports read instead of
-- the raw events.

-- A set of rates in force from effective_from on, for a scope: 'list' (the
-- price book; no account), 'committed' (a manager's) or 'custom' (a managed
-- account's). The set in force at T is the one of the scope and account with
-- the greatest effective_from <= T. A custom set without rates means
-- "inherit from the manager" from its effective_from on.
CREATE TABLE rate_sets (
    id             TEXT NOT NULL PRIMARY KEY,
    scope          TEXT NOT NULL CHECK (scope IN ('list', 'committed', 'custom')),
    account_id     TEXT REFERENCES accounts (id),
    effective_from TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    CHECK ((scope = 'list') = (account_id IS NULL))
) STRICT;

-- One set per scope, account and start: a set put again with the same
-- effective_from replaces the one before. The list's account is NULL, which a
-- unique index would treat as distinct, hence the ''.
CREATE UNIQUE INDEX rate_sets_scope_account_effective
    ON rate_sets (scope, COALESCE(account_id, ''), effective_from);

-- One rate per key of a set. Key fields a product does not use are ''.
-- country_iso is an ISO 3166-1 alpha-2 code or '*', the wildcard.
CREATE TABLE rates (
    rate_set_id  TEXT    NOT NULL REFERENCES rate_sets (id) ON DELETE CASCADE,
    product      TEXT    NOT NULL,
    direction    TEXT    NOT NULL DEFAULT '',
    message_type TEXT    NOT NULL DEFAULT '',
    country_iso  TEXT    NOT NULL,
    rate_micros  INTEGER NOT NULL CHECK (rate_micros >= 0),
    PRIMARY KEY (rate_set_id, product, direction, message_type, country_iso)
) STRICT, WITHOUT ROWID;

-- A usage event as rated at ingestion: its cost never changes afterwards, so
-- a new rate set never re-prices it. manager_id is the account's manager at
-- ingestion ('' for a manager's own usage). The id is the producer's: an id
-- seen before is ignored, so at-least-once producers are safe.
CREATE TABLE usage_events (
    id           TEXT    NOT NULL PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    manager_id   TEXT    NOT NULL,
    product      TEXT    NOT NULL,
    occurred_at  TEXT    NOT NULL,
    direction    TEXT    NOT NULL DEFAULT '',
    country_iso  TEXT    NOT NULL,
    message_type TEXT    NOT NULL DEFAULT '',
    product_name TEXT    NOT NULL,
    parts        INTEGER NOT NULL DEFAULT 0 CHECK (parts >= 0),
    billed_sec   INTEGER NOT NULL DEFAULT 0 CHECK (billed_sec >= 0),
    bytes        INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    cost_micros  INTEGER NOT NULL CHECK (cost_micros >= 0),
    rate_source  TEXT    NOT NULL CHECK (rate_source IN ('custom', 'committed', 'list')),
    ingested_at  TEXT    NOT NULL
) STRICT;

-- Usage is what was billed: it is never edited or removed.
CREATE TRIGGER usage_events_no_update BEFORE UPDATE ON usage_events
BEGIN
    SELECT RAISE(ABORT, 'usage events are immutable');
END;
CREATE TRIGGER usage_events_no_delete BEFORE DELETE ON usage_events
BEGIN
    SELECT RAISE(ABORT, 'usage events are immutable');
END;

-- The events summed per account, product, UTC day and dimension values, kept
-- current in the transaction that stores the events. Reports read these.
CREATE TABLE usage_rollups (
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    manager_id   TEXT    NOT NULL,
    product      TEXT    NOT NULL,
    day          TEXT    NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    direction    TEXT    NOT NULL DEFAULT '',
    country_iso  TEXT    NOT NULL,
    message_type TEXT    NOT NULL DEFAULT '',
    product_name TEXT    NOT NULL,
    count        INTEGER NOT NULL CHECK (count >= 0),
    parts        INTEGER NOT NULL CHECK (parts >= 0),
    billed_sec   INTEGER NOT NULL CHECK (billed_sec >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    cost_micros  INTEGER NOT NULL CHECK (cost_micros >= 0),
    PRIMARY KEY (account_id, product, day, direction, country_iso, message_type, product_name)
) STRICT, WITHOUT ROWID;

-- A manager's reports over all of its managed accounts.
CREATE INDEX usage_rollups_manager_product_day ON usage_rollups (manager_id, product, day);

-- Every usage batch sums the ledgers it charges (the overflow check and
-- auto-recharge read the balance). This index covers that sum, so that it
-- reads the index alone instead of every entry's row.
CREATE INDEX ledger_entries_account_totals ON ledger_entries (account_id, settles_at, amount);
