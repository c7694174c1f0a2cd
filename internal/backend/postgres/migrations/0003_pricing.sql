-- 0003: pricing. Rate sets: the list price book, a manager's committed rates,
-- a managed account's custom rates.

-- A set of rates in force from effective_from on, for a scope: 'list' (the
-- price book; no account), 'committed' (a manager's) or 'custom' (a managed
-- account's). The set in force at T is the one of the scope and account with
-- the greatest effective_from <= T. A custom set without rates means
-- "inherit from the manager" from its effective_from on.
CREATE TABLE rate_sets (
    id             text COLLATE "C" NOT NULL PRIMARY KEY,
    scope          text COLLATE "C" NOT NULL CHECK (scope IN ('list', 'committed', 'custom')),
    account_id     text COLLATE "C" REFERENCES accounts (id),
    effective_from timestamptz NOT NULL,
    created_at     timestamptz NOT NULL,
    CHECK ((scope = 'list') = (account_id IS NULL))
);

-- One set per scope, account and start: a set put again with the same
-- effective_from replaces the one before. The list's account is NULL, which a
-- unique index would treat as distinct, hence the ''.
CREATE UNIQUE INDEX rate_sets_scope_account_effective
    ON rate_sets (scope, COALESCE(account_id, ''), effective_from);

-- One rate per key of a set. Key fields a product does not use are ''.
-- country_iso is an ISO 3166-1 alpha-2 code or '*', the wildcard.
CREATE TABLE rates (
    rate_set_id  text COLLATE "C" NOT NULL REFERENCES rate_sets (id) ON DELETE CASCADE,
    product      text COLLATE "C" NOT NULL,
    direction    text COLLATE "C" NOT NULL DEFAULT '',
    message_type text COLLATE "C" NOT NULL DEFAULT '',
    country_iso  text COLLATE "C" NOT NULL,
    rate_micros  bigint NOT NULL CHECK (rate_micros >= 0),
    PRIMARY KEY (rate_set_id, product, direction, message_type, country_iso)
);
