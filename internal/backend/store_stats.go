package backend

import "time"

// StatsReporter is implemented by a store that reports how it is working, for
// the metrics that `reference-backend serve --metrics-addr` serves. Stats is
// read when the metrics are scraped, never on a request's path, so a store
// reports only counts it keeps anyway.
type StatsReporter interface {
	Stats() StoreStats
}

// StoreStats is a store's report: its connection pools and, where the store
// runs transactions again (PostgreSQL), how often it did.
type StoreStats struct {
	Pools []PoolStats
	// Retries is nil for a store whose transactions never run again
	// (SQLite: its one writer cannot conflict with another).
	Retries *TxRetryStats
}

// PoolStats describe one pool of database connections.
type PoolStats struct {
	// Name tells the store's pools apart: "writer" and "reader" (SQLite),
	// "main" (PostgreSQL).
	Name string
	// MaxConns is the most connections the pool opens.
	MaxConns int
	// InUse and Idle are the open connections, serving a transaction or not.
	InUse, Idle int
	// Waits counts, since the store opened, the times a transaction found no
	// connection free and waited for one; WaitTime adds up those waits.
	Waits    int64
	WaitTime time.Duration
}

// TxRetryStats count, since the store opened, the runs of a transaction that
// failed in a way that running it again may fix. Each is run again, unless
// the transaction has used up its attempts (the request then answers 503).
type TxRetryStats struct {
	// Serialization counts the runs that conflicted with a concurrent
	// transaction (a serialization failure or a deadlock).
	Serialization int64
	// Connection counts the runs that lost their connection before COMMIT.
	Connection int64
	// RunsAlone counts the runs that, after repeated conflicts, took the
	// lock that keeps every other writer out.
	RunsAlone int64
}
