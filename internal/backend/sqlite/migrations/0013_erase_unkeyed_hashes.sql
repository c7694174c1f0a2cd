-- 0013: what was kept of a request and of a portal session was an unkeyed
-- SHA-256: of each idempotent request's raw body (which held card numbers,
-- CVCs and passwords, open to a fast guess from a copy of this file), and of
-- each session's token. From this release both are HMACs under the server
-- secret, and a request's fingerprint leaves its secrets out (SECURITY.md).
--
-- The old hashes are erased. A record keeps replaying its answer until it
-- expires, to any body (its fingerprint is empty), so that a retry across
-- the upgrade never runs twice; every portal session ends (its user signs in
-- again). After this migration the store rewrites the whole file (VACUUM)
-- and empties its write-ahead log, so that no copy of an erased or purged
-- hash survives in free pages (migrate.go, scrubbingMigrations).
UPDATE idempotency_records SET request_hash = '' WHERE request_hash <> '';
DELETE FROM portal_sessions;
