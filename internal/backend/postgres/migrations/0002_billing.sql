-- 0002: billing. Payment methods (cards, kept without their number or CVC),
-- the card transactions of top-ups, and each account's auto-recharge
-- preferences.

-- A card as the backend keeps it: brand, last four digits, expiry and a keyed
-- fingerprint of the number, never the number or the CVC. declines is the
-- test card's "declined on charge", derived from the number at creation.
-- A deleted method stays (deleted_at set), since transactions refer to it.
CREATE TABLE payment_methods (
    id                  text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id          text COLLATE "C" NOT NULL REFERENCES accounts (id),
    type                text COLLATE "C" NOT NULL CHECK (type IN ('card')),
    brand               text COLLATE "C" NOT NULL,
    last4               text COLLATE "C" NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    exp_month           bigint      NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year            bigint      NOT NULL,
    fingerprint         text COLLATE "C" NOT NULL,
    declines            boolean     NOT NULL,
    billing_name        text COLLATE "C" NOT NULL,
    billing_postal_code text COLLATE "C" NOT NULL DEFAULT '',
    billing_country     text COLLATE "C" NOT NULL,
    is_default          boolean     NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    deleted_at          timestamptz,
    CHECK (deleted_at IS NULL OR NOT is_default)
);

-- At most one default per account (the service keeps exactly one while any
-- method exists).
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (account_id) WHERE is_default;
-- An account's methods, newest first.
CREATE INDEX payment_methods_account_created ON payment_methods (account_id, created_at);

-- A charge of a payment method: a top-up, asked for or made by auto-recharge.
-- Its ledger entry (kind top_up) has the transaction's id as its reference.
CREATE TABLE payment_transactions (
    id                text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id        text COLLATE "C" NOT NULL REFERENCES accounts (id),
    payment_method_id text COLLATE "C" NOT NULL REFERENCES payment_methods (id),
    amount            bigint      NOT NULL CHECK (amount > 0),
    currency          text COLLATE "C" NOT NULL CHECK (length(currency) = 3),
    auto_recharge     boolean     NOT NULL,
    created_at        timestamptz NOT NULL,
    settles_at        timestamptz NOT NULL CHECK (settles_at >= created_at)
);

CREATE INDEX payment_transactions_account_created ON payment_transactions (account_id, created_at);

CREATE TRIGGER payment_transactions_immutable BEFORE UPDATE OR DELETE ON payment_transactions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Auto-recharge preferences, one row per account once they are first set;
-- until then the service shows the defaults. Amounts are micro-units.
CREATE TABLE auto_recharge_prefs (
    account_id       text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES accounts (id),
    id               text COLLATE "C" NOT NULL UNIQUE,
    enabled          boolean     NOT NULL,
    invoice_enabled  boolean     NOT NULL,
    preference       text COLLATE "C" NOT NULL CHECK (preference IN ('credit_paypal', 'ach')),
    recharge_amount  bigint      NOT NULL CHECK (recharge_amount >= 0),
    threshold_amount bigint      NOT NULL CHECK (threshold_amount >= 0),
    updated_at       timestamptz NOT NULL
);
