-- 0006: managed accounts' daily rollups summed again over blocks of days, so
-- that a manager's report over all of its managed accounts adds up a handful
-- of blocks instead of every day of every account.
--
-- A block lies within one calendar month. Day d of a month (1-based) belongs,
-- for each span s in 1, 2, 4, 8, 16 and 32, to the block that starts on day
-- ((d - 1) / s) * s + 1 of the month and ends s days later or at the end of
-- the month, whichever comes first: span 32 is the whole month. Any run of
-- whole days is then a few blocks (a 31-day window, at most ten, usually
-- five or six), largest first.
--
-- Triggers on usage_rollups keep the blocks current in the transaction that
-- writes the rollups. A manager's own usage (manager_id '') is left out: it
-- is reported from usage_rollups, account by account.
CREATE TABLE usage_rollup_blocks (
    manager_id   TEXT    NOT NULL,
    product      TEXT    NOT NULL,
    span         INTEGER NOT NULL CHECK (span IN (1, 2, 4, 8, 16, 32)),
    block_start  TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    direction    TEXT    NOT NULL,
    country_iso  TEXT    NOT NULL,
    message_type TEXT    NOT NULL,
    product_name TEXT    NOT NULL,
    count        INTEGER NOT NULL CHECK (count >= 0),
    parts        INTEGER NOT NULL CHECK (parts >= 0),
    billed_sec   INTEGER NOT NULL CHECK (billed_sec >= 0),
    bytes        INTEGER NOT NULL CHECK (bytes >= 0),
    cost_micros  INTEGER NOT NULL CHECK (cost_micros >= 0),
    -- One block of one manager is one contiguous range, its accounts in
    -- order: grouping by account (and direction) needs no sort.
    PRIMARY KEY (manager_id, product, span, block_start, account_id, direction, country_iso, message_type, product_name)
) STRICT, WITHOUT ROWID;

-- The spans, to join a day's rollup with the blocks it belongs to.
CREATE TABLE usage_rollup_spans (span INTEGER NOT NULL PRIMARY KEY) STRICT;
INSERT INTO usage_rollup_spans (span) VALUES (1), (2), (4), (8), (16), (32);

-- The blocks of the usage already summed.
INSERT INTO usage_rollup_blocks
SELECT r.manager_id, r.product, s.span,
       substr(r.day, 1, 8) || printf('%02d', ((CAST(substr(r.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1),
       r.account_id, r.direction, r.country_iso, r.message_type, r.product_name,
       SUM(r.count), SUM(r.parts), SUM(r.billed_sec), SUM(r.bytes), SUM(r.cost_micros)
FROM usage_rollups AS r, usage_rollup_spans AS s
WHERE r.manager_id <> ''
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

-- A new rollup adds to its six blocks.
CREATE TRIGGER usage_rollup_blocks_after_insert AFTER INSERT ON usage_rollups
WHEN NEW.manager_id <> ''
BEGIN
    INSERT INTO usage_rollup_blocks
    SELECT NEW.manager_id, NEW.product, s.span,
           substr(NEW.day, 1, 8) || printf('%02d', ((CAST(substr(NEW.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1),
           NEW.account_id, NEW.direction, NEW.country_iso, NEW.message_type, NEW.product_name,
           NEW.count, NEW.parts, NEW.billed_sec, NEW.bytes, NEW.cost_micros
    FROM usage_rollup_spans AS s
    WHERE true -- lets the parser tell the upsert's ON from a join's
    ON CONFLICT DO UPDATE SET
        count = count + excluded.count, parts = parts + excluded.parts, billed_sec = billed_sec + excluded.billed_sec,
        bytes = bytes + excluded.bytes, cost_micros = cost_micros + excluded.cost_micros;
END;

-- A rollup that grows (the upsert of new events) adds the difference; its
-- blocks exist, made when it was inserted.
CREATE TRIGGER usage_rollup_blocks_after_update AFTER UPDATE ON usage_rollups
WHEN NEW.manager_id <> '' AND NEW.manager_id = OLD.manager_id AND NEW.account_id = OLD.account_id
     AND NEW.product = OLD.product AND NEW.day = OLD.day AND NEW.direction = OLD.direction
     AND NEW.country_iso = OLD.country_iso AND NEW.message_type = OLD.message_type AND NEW.product_name = OLD.product_name
BEGIN
    UPDATE usage_rollup_blocks SET
        count = count + NEW.count - OLD.count, parts = parts + NEW.parts - OLD.parts,
        billed_sec = billed_sec + NEW.billed_sec - OLD.billed_sec, bytes = bytes + NEW.bytes - OLD.bytes,
        cost_micros = cost_micros + NEW.cost_micros - OLD.cost_micros
    WHERE manager_id = NEW.manager_id AND product = NEW.product
      AND (span, block_start) IN (
          SELECT s.span, substr(NEW.day, 1, 8) || printf('%02d', ((CAST(substr(NEW.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1)
          FROM usage_rollup_spans AS s)
      AND account_id = NEW.account_id AND direction = NEW.direction AND country_iso = NEW.country_iso
      AND message_type = NEW.message_type AND product_name = NEW.product_name;
END;

-- Rollups are only ever added to. Should one be rekeyed or removed all the
-- same, its blocks follow, so that they never disagree with the rollups.
CREATE TRIGGER usage_rollup_blocks_after_rekey AFTER UPDATE ON usage_rollups
WHEN NOT (NEW.manager_id = OLD.manager_id AND NEW.account_id = OLD.account_id
     AND NEW.product = OLD.product AND NEW.day = OLD.day AND NEW.direction = OLD.direction
     AND NEW.country_iso = OLD.country_iso AND NEW.message_type = OLD.message_type AND NEW.product_name = OLD.product_name)
BEGIN
    UPDATE usage_rollup_blocks SET
        count = count - OLD.count, parts = parts - OLD.parts, billed_sec = billed_sec - OLD.billed_sec,
        bytes = bytes - OLD.bytes, cost_micros = cost_micros - OLD.cost_micros
    WHERE manager_id = OLD.manager_id AND product = OLD.product
      AND (span, block_start) IN (
          SELECT s.span, substr(OLD.day, 1, 8) || printf('%02d', ((CAST(substr(OLD.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1)
          FROM usage_rollup_spans AS s)
      AND account_id = OLD.account_id AND direction = OLD.direction AND country_iso = OLD.country_iso
      AND message_type = OLD.message_type AND product_name = OLD.product_name;
    DELETE FROM usage_rollup_blocks
    WHERE manager_id = OLD.manager_id AND product = OLD.product
      AND (span, block_start) IN (
          SELECT s.span, substr(OLD.day, 1, 8) || printf('%02d', ((CAST(substr(OLD.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1)
          FROM usage_rollup_spans AS s)
      AND account_id = OLD.account_id AND count = 0;
    INSERT INTO usage_rollup_blocks
    SELECT NEW.manager_id, NEW.product, s.span,
           substr(NEW.day, 1, 8) || printf('%02d', ((CAST(substr(NEW.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1),
           NEW.account_id, NEW.direction, NEW.country_iso, NEW.message_type, NEW.product_name,
           NEW.count, NEW.parts, NEW.billed_sec, NEW.bytes, NEW.cost_micros
    FROM usage_rollup_spans AS s
    WHERE NEW.manager_id <> ''
    ON CONFLICT DO UPDATE SET
        count = count + excluded.count, parts = parts + excluded.parts, billed_sec = billed_sec + excluded.billed_sec,
        bytes = bytes + excluded.bytes, cost_micros = cost_micros + excluded.cost_micros;
END;

CREATE TRIGGER usage_rollup_blocks_after_delete AFTER DELETE ON usage_rollups
WHEN OLD.manager_id <> ''
BEGIN
    UPDATE usage_rollup_blocks SET
        count = count - OLD.count, parts = parts - OLD.parts, billed_sec = billed_sec - OLD.billed_sec,
        bytes = bytes - OLD.bytes, cost_micros = cost_micros - OLD.cost_micros
    WHERE manager_id = OLD.manager_id AND product = OLD.product
      AND (span, block_start) IN (
          SELECT s.span, substr(OLD.day, 1, 8) || printf('%02d', ((CAST(substr(OLD.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1)
          FROM usage_rollup_spans AS s)
      AND account_id = OLD.account_id AND direction = OLD.direction AND country_iso = OLD.country_iso
      AND message_type = OLD.message_type AND product_name = OLD.product_name;
    DELETE FROM usage_rollup_blocks
    WHERE manager_id = OLD.manager_id AND product = OLD.product
      AND (span, block_start) IN (
          SELECT s.span, substr(OLD.day, 1, 8) || printf('%02d', ((CAST(substr(OLD.day, 9, 2) AS INTEGER) - 1) / s.span) * s.span + 1)
          FROM usage_rollup_spans AS s)
      AND account_id = OLD.account_id AND count = 0;
END;
