-- 0005: usage. The usage events rated at ingestion, their daily rollups, and
-- the managed accounts' rollups summed again over blocks of days; reports
-- read the rollups and the blocks, never the raw events.

-- A usage event as rated at ingestion: its cost never changes afterwards, so
-- a new rate set never re-prices it. manager_id is the account's manager at
-- ingestion ('' for a manager's own usage). The id is the producer's: an id
-- seen before is ignored, so at-least-once producers are safe.
CREATE TABLE usage_events (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL REFERENCES accounts (id),
    manager_id   text COLLATE "C" NOT NULL,
    product      text COLLATE "C" NOT NULL,
    occurred_at  timestamptz NOT NULL,
    direction    text COLLATE "C" NOT NULL DEFAULT '',
    country_iso  text COLLATE "C" NOT NULL,
    message_type text COLLATE "C" NOT NULL DEFAULT '',
    product_name text COLLATE "C" NOT NULL,
    parts        bigint NOT NULL DEFAULT 0 CHECK (parts >= 0),
    billed_sec   bigint NOT NULL DEFAULT 0 CHECK (billed_sec >= 0),
    bytes        bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    cost_micros  bigint NOT NULL CHECK (cost_micros >= 0),
    rate_source  text COLLATE "C" NOT NULL CHECK (rate_source IN ('custom', 'committed', 'list')),
    ingested_at  timestamptz NOT NULL
);

-- Usage is what was billed: it is never edited or removed.
CREATE TRIGGER usage_events_immutable BEFORE UPDATE OR DELETE ON usage_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The events summed per account, product, UTC day and dimension values, kept
-- current in the transaction that stores the events.
CREATE TABLE usage_rollups (
    account_id   text COLLATE "C" NOT NULL REFERENCES accounts (id),
    manager_id   text COLLATE "C" NOT NULL,
    product      text COLLATE "C" NOT NULL,
    day          text COLLATE "C" NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    direction    text COLLATE "C" NOT NULL DEFAULT '',
    country_iso  text COLLATE "C" NOT NULL,
    message_type text COLLATE "C" NOT NULL DEFAULT '',
    product_name text COLLATE "C" NOT NULL,
    count        bigint NOT NULL CHECK (count >= 0),
    parts        bigint NOT NULL CHECK (parts >= 0),
    billed_sec   bigint NOT NULL CHECK (billed_sec >= 0),
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    cost_micros  bigint NOT NULL CHECK (cost_micros >= 0),
    PRIMARY KEY (account_id, product, day, direction, country_iso, message_type, product_name)
);

-- A manager's reports over all of its managed accounts.
CREATE INDEX usage_rollups_manager_product_day ON usage_rollups (manager_id, product, day);

-- Rollups are only ever added to, so that the blocks (written by the store
-- from the same deltas, backend.UsageRollupBlocks) cannot disagree with them.
CREATE FUNCTION usage_rollups_only_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (NEW.manager_id, NEW.account_id, NEW.product, NEW.day, NEW.direction,
            NEW.country_iso, NEW.message_type, NEW.product_name)
        IS DISTINCT FROM (OLD.manager_id, OLD.account_id, OLD.product, OLD.day, OLD.direction,
            OLD.country_iso, OLD.message_type, OLD.product_name) THEN
        RAISE EXCEPTION 'usage rollups are only added to' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER usage_rollups_only_add BEFORE UPDATE OR DELETE ON usage_rollups
    FOR EACH ROW EXECUTE FUNCTION usage_rollups_only_add();

-- Managed accounts' daily rollups summed again over blocks of days within a
-- month (spans 1, 2, 4, 8, 16 and 32 days: backend.UsageBlockStart), so that
-- a manager's report adds up a handful of blocks per account instead of
-- every day. A manager's own usage (manager_id '') has no blocks.
CREATE TABLE usage_rollup_blocks (
    manager_id   text COLLATE "C" NOT NULL,
    product      text COLLATE "C" NOT NULL,
    span         integer NOT NULL CHECK (span IN (1, 2, 4, 8, 16, 32)),
    block_start  text COLLATE "C" NOT NULL CHECK (block_start ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    account_id   text COLLATE "C" NOT NULL,
    direction    text COLLATE "C" NOT NULL,
    country_iso  text COLLATE "C" NOT NULL,
    message_type text COLLATE "C" NOT NULL,
    product_name text COLLATE "C" NOT NULL,
    count        bigint NOT NULL CHECK (count >= 0),
    parts        bigint NOT NULL CHECK (parts >= 0),
    billed_sec   bigint NOT NULL CHECK (billed_sec >= 0),
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    cost_micros  bigint NOT NULL CHECK (cost_micros >= 0),
    PRIMARY KEY (manager_id, product, span, block_start, account_id, direction, country_iso, message_type, product_name)
);
