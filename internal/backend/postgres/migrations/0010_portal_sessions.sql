-- 0010: the portal's sessions. The id is the SHA-256 (hex) of the session's
-- token: the browser holds the token, the database never does. A session
-- acting as a managed account names it in acting_as_id. Expired sessions are
-- purged in bounded batches at sign-in. Sessions are rows of their own, in no
-- set that another statement counts: no write point.
CREATE TABLE portal_sessions (
    id           text COLLATE "C" NOT NULL PRIMARY KEY CHECK (length(id) = 64),
    account_id   text COLLATE "C" NOT NULL REFERENCES accounts (id),
    acting_as_id text COLLATE "C" REFERENCES accounts (id),
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_last_seen ON portal_sessions (last_seen_at);
