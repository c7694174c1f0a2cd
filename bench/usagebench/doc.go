// Package usagebench holds the benchmarks of usage ingestion and usage
// reports on SQLite (issue 5): events per second in batches of 10,000, and a
// manager's 31-day report over 1,000 managed accounts and 10 million events,
// beside the same GROUP BY over the raw events. They are Go benchmarks, run
// by `make bench` (never by `go test` without -bench), which writes their
// figures to BENCHMARKS.md with the other benchmarks' (package bench).
//
// The report benchmarks share a database built once per run in a temporary
// folder, through the service's ingestion path in batches of 10,000; its
// size is USAGEBENCH_EVENTS (default 10,000,000) events.
package usagebench
