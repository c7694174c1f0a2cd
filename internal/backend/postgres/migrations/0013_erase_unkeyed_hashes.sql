-- 0013: what was kept of a request and of a portal session was an unkeyed
-- SHA-256: of each idempotent request's raw body (which held card numbers,
-- CVCs and passwords, open to a fast guess from a copy of the database), and
-- of each session's token. From this release both are HMACs under the server
-- secret, and a request's fingerprint leaves its secrets out (SECURITY.md).
--
-- The old hashes are erased. A record keeps replaying its answer until it
-- expires, to any body (its fingerprint is empty), so that a retry across
-- the upgrade never runs twice; every portal session ends (its user signs in
-- again). TRUNCATE, not UPDATE or DELETE: it gives each table (its indexes and
-- TOAST too) new files and removes the old ones at commit, so that no dead row
-- version keeps an old hash on disk. The records go through a temporary table
-- that drops at commit. Replicas of the old release must be stopped before
-- one of this release starts, or they write unkeyed hashes again.
CREATE TEMPORARY TABLE idempotency_records_0013 ON COMMIT DROP AS
    SELECT scope, idem_key, method, path, status, content_type, location, body_sealed, created_at
    FROM idempotency_records;
TRUNCATE idempotency_records, portal_sessions;
INSERT INTO idempotency_records (scope, idem_key, method, path, request_hash, status, content_type, location, body_sealed, created_at)
    SELECT scope, idem_key, method, path, '', status, content_type, location, body_sealed, created_at
    FROM idempotency_records_0013;
