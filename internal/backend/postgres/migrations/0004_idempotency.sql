-- 0004: idempotency records. One row per (scope, key, method, path) of a POST
-- that carried an Idempotency-Key and answered 2xx, written in the request's
-- own transaction; replayed for 24 hours, then purged in bounded batches.
--
-- The key and the path are bytea: a header value or a decoded URL path may
-- hold bytes that are not UTF-8 (or a NUL), which text cannot store, and they
-- must still tell records apart exactly as the SQLite store does.
CREATE TABLE idempotency_records (
    scope        text COLLATE "C" NOT NULL,
    idem_key     bytea       NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
    method       text COLLATE "C" NOT NULL,
    path         bytea       NOT NULL,
    request_hash text COLLATE "C" NOT NULL,
    status       integer     NOT NULL DEFAULT 0,
    content_type text COLLATE "C" NOT NULL DEFAULT '',
    location     text COLLATE "C" NOT NULL DEFAULT '',
    body_sealed  text COLLATE "C" NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, idem_key, method, path)
);

CREATE INDEX idempotency_records_created ON idempotency_records (created_at);
