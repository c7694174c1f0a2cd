-- 0015: the count of managed accounts of 0012 is kept per manager and status,
-- so that which statuses count towards a manager's limit is the domain's
-- rule (backend's managedAccountsCounted, passed to CountManagedAccounts),
-- not a status written here. A count reads at most one row per status asked
-- for, as a create read one row of the manager before.
DROP TRIGGER accounts_open_count_after_insert;
DROP TRIGGER accounts_open_count_after_status;
DROP TRIGGER accounts_open_count_after_delete;
ALTER TABLE accounts DROP COLUMN open_managed_accounts;

-- No foreign key: the triggers below write the rows, in the statement that
-- writes the account, which itself refers to its manager.
CREATE TABLE managed_account_counts (
    manager_id TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    n          INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (manager_id, status)
) STRICT, WITHOUT ROWID;

INSERT INTO managed_account_counts (manager_id, status, n)
SELECT manager_id, status, COUNT(*) FROM accounts WHERE manager_id IS NOT NULL GROUP BY manager_id, status;

CREATE TRIGGER managed_account_counts_after_insert AFTER INSERT ON accounts
WHEN NEW.manager_id IS NOT NULL
BEGIN
    INSERT INTO managed_account_counts (manager_id, status, n) VALUES (NEW.manager_id, NEW.status, 1)
    ON CONFLICT (manager_id, status) DO UPDATE SET n = n + 1;
END;

-- manager_id never changes (UpdateAccount leaves it out); status may.
CREATE TRIGGER managed_account_counts_after_status AFTER UPDATE OF status ON accounts
WHEN NEW.manager_id IS NOT NULL AND OLD.status <> NEW.status
BEGIN
    UPDATE managed_account_counts SET n = n - 1 WHERE manager_id = OLD.manager_id AND status = OLD.status;
    INSERT INTO managed_account_counts (manager_id, status, n) VALUES (NEW.manager_id, NEW.status, 1)
    ON CONFLICT (manager_id, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER managed_account_counts_after_delete AFTER DELETE ON accounts
WHEN OLD.manager_id IS NOT NULL
BEGIN
    UPDATE managed_account_counts SET n = n - 1 WHERE manager_id = OLD.manager_id AND status = OLD.status;
END;
