-- 0002: who a key was issued to (the account owner, or its manager acting as
-- it), and indexes for the API-key and audit-log lists.

ALTER TABLE api_keys ADD COLUMN issued_by TEXT NOT NULL DEFAULT 'account_owner'
    CHECK (issued_by IN ('account_owner', 'account_manager'));

-- A managed account's primary key is its manager's handle on it.
UPDATE api_keys SET issued_by = 'account_manager'
WHERE kind = 'primary'
  AND account_id IN (SELECT id FROM accounts WHERE manager_id IS NOT NULL);

-- An account's keys, newest first.
CREATE INDEX api_keys_account_created ON api_keys (account_id, kind, created_at);
-- The whole audit log by time, for the operator and for time-range filters.
CREATE INDEX audit_events_created ON audit_events (created_at);
