-- 0010: audit events of changes that belong to no account (the operator's
-- price book) have no account_id. SQLite cannot drop a NOT NULL constraint,
-- so the table is rebuilt with its indexes and its append-only triggers
-- (DROP TABLE fires no trigger).
CREATE TABLE audit_events_0010 (
    id               TEXT NOT NULL PRIMARY KEY,
    account_id       TEXT REFERENCES accounts (id),
    actor_account_id TEXT REFERENCES accounts (id),
    change_made_by   TEXT NOT NULL,
    action           TEXT NOT NULL,
    changes          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(changes)),
    created_at       TEXT NOT NULL
) STRICT;

INSERT INTO audit_events_0010 SELECT id, account_id, actor_account_id, change_made_by, action, changes, created_at
FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_0010 RENAME TO audit_events;

CREATE INDEX audit_events_account_created ON audit_events (account_id, created_at);
CREATE INDEX audit_events_created ON audit_events (created_at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are immutable');
END;
