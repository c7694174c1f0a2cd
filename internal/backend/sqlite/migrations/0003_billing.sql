-- 0003: billing. When a ledger entry settles; payment methods (cards, kept
-- without their number or CVC); the card transactions of top-ups; and each
-- account's auto-recharge preferences.

-- Ledger entries gain settles_at: a top-up counts in the balance once it has
-- settled (after the backend's settlement delay) and is pending until then;
-- every other entry settles when it is made, as every existing entry did.
-- The table is rebuilt because ALTER TABLE cannot add the NOT NULL column
-- with its CHECK. Its triggers go with it and are created again.
DROP TRIGGER ledger_entries_no_update;
DROP TRIGGER ledger_entries_no_delete;

CREATE TABLE ledger_entries_new (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    subject_id  TEXT    REFERENCES accounts (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('adjustment', 'top_up', 'usage', 'refund')),
    amount      INTEGER NOT NULL,
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    description TEXT    NOT NULL DEFAULT '',
    reference   TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    settles_at  TEXT    NOT NULL CHECK (settles_at >= created_at)
) STRICT;

INSERT INTO ledger_entries_new
    (id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
SELECT id, account_id, subject_id, kind, amount, currency, description, reference, created_at, created_at
FROM ledger_entries;

DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;

CREATE INDEX ledger_entries_account_created ON ledger_entries (account_id, created_at);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;

-- A card as the backend keeps it: brand, last four digits, expiry and a keyed
-- fingerprint of the number, never the number or the CVC. declines is the
-- test card's "declined on charge", derived from the number at creation.
-- A deleted method stays (deleted_at set), since transactions refer to it.
CREATE TABLE payment_methods (
    id                  TEXT    NOT NULL PRIMARY KEY,
    account_id          TEXT    NOT NULL REFERENCES accounts (id),
    type                TEXT    NOT NULL CHECK (type IN ('card')),
    brand               TEXT    NOT NULL,
    last4               TEXT    NOT NULL CHECK (last4 GLOB '[0-9][0-9][0-9][0-9]'),
    exp_month           INTEGER NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year            INTEGER NOT NULL,
    fingerprint         TEXT    NOT NULL,
    declines            INTEGER NOT NULL CHECK (declines IN (0, 1)),
    billing_name        TEXT    NOT NULL,
    billing_postal_code TEXT    NOT NULL DEFAULT '',
    billing_country     TEXT    NOT NULL,
    is_default          INTEGER NOT NULL CHECK (is_default IN (0, 1)),
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    deleted_at          TEXT,
    CHECK (deleted_at IS NULL OR is_default = 0)
) STRICT;

-- At most one default per account (the service keeps exactly one while any
-- method exists).
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (account_id) WHERE is_default = 1;
-- An account's methods, newest first.
CREATE INDEX payment_methods_account_created ON payment_methods (account_id, created_at);

-- A charge of a payment method: a top-up, asked for or made by auto-recharge.
-- Its ledger entry (kind top_up) has the transaction's id as its reference.
CREATE TABLE payment_transactions (
    id                TEXT    NOT NULL PRIMARY KEY,
    account_id        TEXT    NOT NULL REFERENCES accounts (id),
    payment_method_id TEXT    NOT NULL REFERENCES payment_methods (id),
    amount            INTEGER NOT NULL CHECK (amount > 0),
    currency          TEXT    NOT NULL CHECK (length(currency) = 3),
    auto_recharge     INTEGER NOT NULL CHECK (auto_recharge IN (0, 1)),
    created_at        TEXT    NOT NULL,
    settles_at        TEXT    NOT NULL CHECK (settles_at >= created_at)
) STRICT;

CREATE INDEX payment_transactions_account_created ON payment_transactions (account_id, created_at);

CREATE TRIGGER payment_transactions_no_update BEFORE UPDATE ON payment_transactions
BEGIN
    SELECT RAISE(ABORT, 'payment transactions are immutable');
END;
CREATE TRIGGER payment_transactions_no_delete BEFORE DELETE ON payment_transactions
BEGIN
    SELECT RAISE(ABORT, 'payment transactions are immutable');
END;

-- Auto-recharge preferences, one row per account once they are first set;
-- until then the service shows the defaults. Amounts are micro-units.
CREATE TABLE auto_recharge_prefs (
    account_id       TEXT    NOT NULL PRIMARY KEY REFERENCES accounts (id),
    id               TEXT    NOT NULL UNIQUE,
    enabled          INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    invoice_enabled  INTEGER NOT NULL CHECK (invoice_enabled IN (0, 1)),
    preference       TEXT    NOT NULL CHECK (preference IN ('credit_paypal', 'ach')),
    recharge_amount  INTEGER NOT NULL CHECK (recharge_amount >= 0),
    threshold_amount INTEGER NOT NULL CHECK (threshold_amount >= 0),
    updated_at       TEXT    NOT NULL
) STRICT;
