package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// storeCollector reads the store's stats at each scrape.
type storeCollector struct {
	store backend.StatsReporter

	conns, maxConns, waits, waitSeconds, retries, runsAlone *prometheus.Desc
}

func newStoreCollector(store backend.StatsReporter) *storeCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "db", n) }
	return &storeCollector{
		store: store,
		conns: prometheus.NewDesc(name("connections"),
			"Open database connections, by pool (SQLite: writer, reader; PostgreSQL: main) and state (in_use, idle).",
			[]string{"pool", "state"}, nil),
		maxConns: prometheus.NewDesc(name("max_connections"),
			"The most connections the pool opens (PostgreSQL: --db-max-conns).", []string{"pool"}, nil),
		waits: prometheus.NewDesc(name("connection_waits_total"),
			"Transactions that found no connection of the pool free and waited for one.", []string{"pool"}, nil),
		waitSeconds: prometheus.NewDesc(name("connection_wait_seconds_total"),
			"Time transactions spent waiting for a connection of the pool.", []string{"pool"}, nil),
		retries: prometheus.NewDesc(name("transaction_retries_total"),
			"PostgreSQL only: runs of a write transaction that failed and are run again (unless out of attempts: a 503), "+
				"by cause: serialization (a conflict with a concurrent transaction) or connection (lost before COMMIT).",
			[]string{"cause"}, nil),
		runsAlone: prometheus.NewDesc(name("transactions_run_alone_total"),
			"PostgreSQL only: runs of a write transaction that, after repeated conflicts, kept every other writer out.", nil, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.conns, c.maxConns, c.waits, c.waitSeconds, c.retries, c.runsAlone} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.store.Stats()
	for _, p := range st.Pools {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.InUse), p.Name, "in_use")
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(p.Idle), p.Name, "idle")
		ch <- prometheus.MustNewConstMetric(c.maxConns, prometheus.GaugeValue, float64(p.MaxConns), p.Name)
		ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(p.Waits), p.Name)
		ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, p.WaitTime.Seconds(), p.Name)
	}
	if r := st.Retries; r != nil {
		ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(r.Serialization), "serialization")
		ch <- prometheus.MustNewConstMetric(c.retries, prometheus.CounterValue, float64(r.Connection), "connection")
		ch <- prometheus.MustNewConstMetric(c.runsAlone, prometheus.CounterValue, float64(r.RunsAlone))
	}
}
