-- 0006: write points. Write transactions run under snapshot isolation
-- (REPEATABLE READ), which lets two transactions that read the same set of
-- rows and add different rows to it both commit. The statements that change
-- such a set (an account's ledger, a manager's managed accounts, an account's
-- keys or payment methods) also update the set's row here, so that two of
-- them always update one row: the second fails with a serialization failure
-- and runs again on a snapshot that holds the first. See the package comment
-- of internal/backend/postgres.
--
-- No foreign key: a row is written in the statement that writes the set,
-- which itself refers to the account.
CREATE TABLE write_points (
    account_id text COLLATE "C" NOT NULL,
    topic      text COLLATE "C" NOT NULL CHECK (topic IN ('ledger', 'managed_accounts', 'api_keys', 'payment_methods')),
    version    bigint NOT NULL,
    PRIMARY KEY (account_id, topic)
);
