-- 0009: the portal's sessions. The id is the SHA-256 (hex) of the session's
-- token: the browser holds the token, the database never does. A session
-- acting as a managed account names it in acting_as_id. Expired sessions are
-- purged in bounded batches at sign-in.
CREATE TABLE portal_sessions (
    id           TEXT NOT NULL PRIMARY KEY CHECK (length(id) = 64),
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    acting_as_id TEXT REFERENCES accounts (id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) STRICT;

CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_last_seen ON portal_sessions (last_seen_at);
