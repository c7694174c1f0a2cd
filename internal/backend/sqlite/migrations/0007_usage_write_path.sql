-- 0007: a cheaper write path for usage ingestion.
--
-- The blocks of rollups are now written by the store, from the same deltas
-- it adds to the rollups (backend.UsageRollupBlocks), in one multi-row upsert
-- per batch instead of a trigger per rollup row. Rollups are only ever added
-- to, so that the blocks cannot disagree with them: changing a rollup's key
-- or removing a rollup is refused.
DROP TRIGGER usage_rollup_blocks_after_insert;
DROP TRIGGER usage_rollup_blocks_after_update;
DROP TRIGGER usage_rollup_blocks_after_rekey;
DROP TRIGGER usage_rollup_blocks_after_delete;

CREATE TRIGGER usage_rollups_no_rekey BEFORE UPDATE ON usage_rollups
WHEN NOT (NEW.manager_id = OLD.manager_id AND NEW.account_id = OLD.account_id
     AND NEW.product = OLD.product AND NEW.day = OLD.day AND NEW.direction = OLD.direction
     AND NEW.country_iso = OLD.country_iso AND NEW.message_type = OLD.message_type AND NEW.product_name = OLD.product_name)
BEGIN
    SELECT RAISE(ABORT, 'usage rollups are only added to');
END;
CREATE TRIGGER usage_rollups_no_delete BEFORE DELETE ON usage_rollups
BEGIN
    SELECT RAISE(ABORT, 'usage rollups are only added to');
END;
