-- 0016: balance transfers, money a manager moves from its balance to one of
-- its managed accounts'. A transfer is a row here and two ledger entries of
-- the new kind balance_transfer (a debit of the manager's ledger, a credit of
-- the managed account's), whose reference is the transfer's id.

CREATE TABLE balance_transfers (
    id          TEXT    NOT NULL PRIMARY KEY,
    manager_id  TEXT    NOT NULL REFERENCES accounts (id),
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    description TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL
) STRICT;

-- A managed account's transfers, and a manager's, newest first.
CREATE INDEX balance_transfers_account_created ON balance_transfers (account_id, created_at, id);
CREATE INDEX balance_transfers_manager_created ON balance_transfers (manager_id, created_at, id);

CREATE TRIGGER balance_transfers_no_update BEFORE UPDATE ON balance_transfers
BEGIN
    SELECT RAISE(ABORT, 'balance transfers are immutable');
END;
CREATE TRIGGER balance_transfers_no_delete BEFORE DELETE ON balance_transfers
BEGIN
    SELECT RAISE(ABORT, 'balance transfers are immutable');
END;

-- The ledger's kinds gain balance_transfer. SQLite cannot change a CHECK
-- constraint in place, so the table is copied into one with the new
-- constraint (as 0003 did), with its indexes and triggers.
DROP TRIGGER ledger_entries_no_update;
DROP TRIGGER ledger_entries_no_delete;

CREATE TABLE ledger_entries_new (
    id          TEXT    NOT NULL PRIMARY KEY,
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    subject_id  TEXT    REFERENCES accounts (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('adjustment', 'top_up', 'usage', 'refund', 'balance_transfer')),
    amount      INTEGER NOT NULL,
    currency    TEXT    NOT NULL CHECK (length(currency) = 3),
    description TEXT    NOT NULL DEFAULT '',
    reference   TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    settles_at  TEXT    NOT NULL CHECK (settles_at >= created_at)
) STRICT;

INSERT INTO ledger_entries_new
    (id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at)
SELECT id, account_id, subject_id, kind, amount, currency, description, reference, created_at, settles_at
FROM ledger_entries;

DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;

CREATE INDEX ledger_entries_account_created ON ledger_entries (account_id, created_at);
-- The balance sums (settled and pending) read this index alone.
CREATE INDEX ledger_entries_account_totals ON ledger_entries (account_id, settles_at, amount);

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;
