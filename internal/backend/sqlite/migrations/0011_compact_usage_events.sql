-- 0011: usage events stored compactly, for ingestion speed.
--
-- An event row was about 200 bytes of text: its id, its manager, five
-- dimension values, two timestamps. Ingestion spent most of its time writing
-- those rows and the random-order index of their ids. Now:
-- - the id is a short BLOB key (usageEventKey in usage.go): a canonical
--   lowercase UUID is 0x01 and its 16 bytes, any other id 0x00 and its text;
-- - the dimension values are a row of usage_event_dimensions;
-- - occurred_at is Unix microseconds, the precision times are stored with;
-- - the ingestion time is a row of usage_ingestions, one per batch;
-- - the manager is the account's, which never changes.
-- dimensions and ingestion are not declared FOREIGN KEYs: their rows are
-- written just before the events, in the same transaction, by the only
-- writer of usage_events (InsertUsageEvents), and are never removed, while
-- checking them cost about 8% of ingestion. account_id stays checked.
CREATE TABLE usage_event_dimensions (
    id           INTEGER NOT NULL PRIMARY KEY,
    product      TEXT    NOT NULL,
    direction    TEXT    NOT NULL,
    country_iso  TEXT    NOT NULL,
    message_type TEXT    NOT NULL,
    product_name TEXT    NOT NULL,
    UNIQUE (product, direction, country_iso, message_type, product_name)
) STRICT;

CREATE TABLE usage_ingestions (
    id          INTEGER NOT NULL PRIMARY KEY,
    ingested_at TEXT    NOT NULL
) STRICT;

CREATE TABLE usage_events_compact (
    key          BLOB    NOT NULL PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    dimensions   INTEGER NOT NULL,
    occurred_at  INTEGER NOT NULL,
    parts        INTEGER NOT NULL CHECK (parts >= 0),
    billed_sec   INTEGER NOT NULL CHECK (billed_sec >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    cost_micros  INTEGER NOT NULL CHECK (cost_micros >= 0),
    rate_source  TEXT    NOT NULL CHECK (rate_source IN ('custom', 'committed', 'list')),
    ingestion    INTEGER NOT NULL
) STRICT;

INSERT INTO usage_event_dimensions (product, direction, country_iso, message_type, product_name)
SELECT DISTINCT product, direction, country_iso, message_type, product_name FROM usage_events ORDER BY 1, 2, 3, 4, 5;

INSERT INTO usage_ingestions (ingested_at) SELECT DISTINCT ingested_at FROM usage_events ORDER BY 1;

INSERT INTO usage_events_compact
SELECT CASE WHEN e.id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN unhex('01' || replace(e.id, '-', '')) ELSE unhex('00' || hex(e.id)) END,
       e.account_id, d.id, unixepoch(substr(e.occurred_at, 1, 19)) * 1000000 + CAST(substr(e.occurred_at, 21, 6) AS INTEGER),
       e.parts, e.billed_sec, e.bytes, e.cost_micros, e.rate_source, i.id
FROM usage_events AS e
JOIN usage_event_dimensions AS d USING (product, direction, country_iso, message_type, product_name)
JOIN usage_ingestions AS i USING (ingested_at)
ORDER BY e.rowid;

DROP TABLE usage_events;
ALTER TABLE usage_events_compact RENAME TO usage_events;

-- Usage is what was billed: it is never edited or removed.
CREATE TRIGGER usage_events_no_update BEFORE UPDATE ON usage_events
BEGIN
    SELECT RAISE(ABORT, 'usage events are immutable');
END;
CREATE TRIGGER usage_events_no_delete BEFORE DELETE ON usage_events
BEGIN
    SELECT RAISE(ABORT, 'usage events are immutable');
END;
