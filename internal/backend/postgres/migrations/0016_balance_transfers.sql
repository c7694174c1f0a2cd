-- 0016: balance transfers, money a manager moves from its balance to one of
-- its managed accounts'. A transfer is a row here and two ledger entries of
-- the new kind balance_transfer (a debit of the manager's ledger, a credit of
-- the managed account's), whose reference is the transfer's id.

CREATE TABLE balance_transfers (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    manager_id  text COLLATE "C" NOT NULL REFERENCES accounts (id),
    account_id  text COLLATE "C" NOT NULL REFERENCES accounts (id),
    amount      bigint      NOT NULL CHECK (amount > 0),
    currency    text COLLATE "C" NOT NULL CHECK (length(currency) = 3),
    description text COLLATE "C" NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

-- A managed account's transfers, and a manager's, newest first.
CREATE INDEX balance_transfers_account_created ON balance_transfers (account_id, created_at, id);
CREATE INDEX balance_transfers_manager_created ON balance_transfers (manager_id, created_at, id);

CREATE TRIGGER balance_transfers_immutable BEFORE UPDATE OR DELETE ON balance_transfers
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The ledger's kinds gain balance_transfer. Only widened: every row stored
-- meets the new constraint, which PostgreSQL checks as it adds it.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('adjustment', 'top_up', 'usage', 'refund', 'balance_transfer'));
