-- 0008: idempotency records. One row per (scope, key, method, path) of a POST
-- that carried an Idempotency-Key and answered 2xx, written in the request's
-- own transaction; replayed for 24 hours, then purged in bounded batches.
CREATE TABLE idempotency_records (
    scope        TEXT    NOT NULL,
    idem_key     TEXT    NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
    method       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT    NOT NULL DEFAULT '',
    location     TEXT    NOT NULL DEFAULT '',
    body_sealed  TEXT    NOT NULL DEFAULT '',
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (scope, idem_key, method, path)
) STRICT;

CREATE INDEX idempotency_records_created ON idempotency_records (created_at);
