-- 0011: audit events of changes that belong to no account (the operator's
-- price book) have no account_id.
ALTER TABLE audit_events ALTER COLUMN account_id DROP NOT NULL;
