-- 0015: the write points of 0006 are written for the claims of the domain
-- (backend.Tx.Claim), when a transaction that made them commits, instead of
-- by the statements that change a set. The sets are the domain's to name
-- (backend.Set), a new one among them, so the table no longer lists them.
ALTER TABLE write_points DROP CONSTRAINT write_points_topic_check;
