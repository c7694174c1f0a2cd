// Package crashtest holds the crash-safety harness (crash_test.go): the
// reference backend, run as a process of its own on SQLite, is killed with
// SIGKILL in the middle of a terraform apply of 100 objects and restarted
// on the same database; the end state must hold every object exactly once,
// with a consistent ledger and audit log. It runs only when
// REFERENCE_BACKEND_CRASH_TEST=1 (make test-crash), since it builds both
// programs and takes about a minute and a half.
package crashtest
