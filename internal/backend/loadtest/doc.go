// Package loadtest holds the reference backend's load test (loadtest_test.go):
// for a bounded time, many goroutines with many keys mix reads and writes
// against a backend on a loopback port, then every acknowledged write is
// looked for and every balance is checked against its ledger. It runs only
// when LOADTEST=1; LOADTEST_DURATION (a Go duration, default 60s) and
// LOADTEST_WORKERS (default 16) tune it.
package loadtest
