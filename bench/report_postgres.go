package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// postgresRow is one line of the PostgreSQL table: a store and its servers
// under one endpoint's load.
type postgresRow struct {
	server string
	runs   []LoadResult
}

// postgres writes the HTTP loads on PostgreSQL beside the SQLite figures of
// the HTTP section (issue 6), and what they can and cannot say.
func (r *report) postgres() {
	p := r.in.Postgres
	if p == nil {
		return
	}
	r.printf("## Backend HTTP on PostgreSQL beside SQLite\n\n")
	if len(p.Setups) == 0 {
		reason := strings.TrimSuffix(p.Unavailable, ".")
		if reason == "" {
			reason = "no setup was run"
		}
		r.printf("**PostgreSQL was not measured**: %s. The other sections ran without it.\n\n", reason)
		r.targets = append(r.targets, targetRow{area: "PostgreSQL", target: "HTTP loads on one and two replicas beside SQLite (issue 6)",
			measured: "not measured (" + reason + ")", figure: true})
		return
	}
	if p.Unavailable != "" {
		r.printf("**Not every setup was measured**: %s.\n\n", strings.TrimSuffix(p.Unavailable, "."))
	}
	version := strings.TrimSpace("PostgreSQL " + p.ServerVersion)
	r.printf("The loads of the section above, with the same generator: %d connections, each with one request in flight, for %.0f s "+
		"after %.0f s of warm-up, %s of each endpoint. Three setups, each `reference-backend serve` with `--rate-limit 0`:\n\n",
		p.Concurrency, p.DurationSeconds, p.WarmupSeconds, plural(p.Runs, "run"))
	r.printf("- **SQLite, 1 server**: the backend's figures of the section above (measured earlier in the same `make bench`).\n")
	r.printf("- **%s, 1 replica**: one server on a fresh database.\n", version)
	r.printf("- **%s, 2 replicas**: two servers on one fresh database, sharing one `--server-secret`; each connection of the "+
		"generator is pinned to one replica, in turn (connections 1, 3, 5… to the first, 2, 4, 6… to the second), so each "+
		"replica serves half of them.\n\n", version)
	r.printf("Each PostgreSQL replica runs with `--db-max-conns %d`; nothing else is tuned for the benchmark. The database is the "+
		"throwaway server of `scripts/postgres.sh` (the tests' recipe: `fsync`, `synchronous_commit` and `full_page_writes` off, "+
		"so its commits are not durable and its creates are cheaper than on a production server).", p.DBMaxConns)
	if p.LoadAverage != "" {
		r.printf(" Load averages when the runs began: %s.", p.LoadAverage)
	}
	r.printf(" CPU is per answered request, in microseconds, read from /proc before and after each measured load: the " +
		"backend's processes (every replica), PostgreSQL's (the server and a process per connection) and the load generator's.")
	if p.ServerCPUUnmeasured != "" {
		r.printf(" PostgreSQL's CPU was not measured: %s.", strings.TrimSuffix(p.ServerCPUUnmeasured, "."))
	}
	r.printf("\n\n| endpoint | store and servers | requests/s | × SQLite | p50 ms | p99 ms | max ms | CPU µs: backend / PostgreSQL / generator | failures | runs (requests/s) |\n" +
		"|---|---|---|---|---|---|---|---|---|---|\n")

	for _, name := range []string{EndpointRetrieve, EndpointList250, EndpointCreate} {
		var rows []postgresRow
		request := ""
		if r.in.HTTP != nil {
			if ep := r.in.HTTP.Endpoint(name); ep != nil {
				rows, request = append(rows, postgresRow{"SQLite, 1 server", ep.Backend}), ep.Request
			}
		}
		for _, s := range p.Setups {
			if ep := find(s.Endpoints, func(e *EndpointRuns) bool { return e.Name == name }); ep != nil {
				rows, request = append(rows, postgresRow{fmt.Sprintf("%s, %s", version, plural(s.Replicas, "replica")), ep.Backend}), ep.Request
			}
		}
		var sqlite float64
		var figures []string
		for _, row := range rows {
			m, ok := mediansOf(row.runs)
			if !ok {
				continue
			}
			ratio := ""
			if strings.HasPrefix(row.server, "SQLite") {
				sqlite = m.rps
			} else if sqlite > 0 {
				ratio = fmt.Sprintf("%.2f", m.rps/sqlite)
			}
			figures = append(figures, strconv.FormatFloat(m.rps, 'f', 0, 64))
			var rates []string
			for _, l := range row.runs {
				rates = append(rates, strconv.FormatFloat(l.RequestsPerSec, 'f', 0, 64))
			}
			failures := strconv.FormatInt(m.failures, 10)
			if m.firstFailure != "" {
				failures += " (first: " + strings.ReplaceAll(m.firstFailure, "|", "/") + ")"
			}
			r.printf("| %s `%s` | %s | %.0f | %s | %.2f | %.2f | %.2f | %s | %s | %s |\n", name, request, row.server,
				m.rps, ratio, m.p50, m.p99, m.max, m.cpuText(TierServer, TierDatabase, TierGenerator), failures, strings.Join(rates, ", "))
		}
		if len(figures) > 0 {
			labels := make([]string, 0, len(rows))
			for _, row := range rows {
				labels = append(labels, row.server)
			}
			r.targets = append(r.targets, targetRow{area: "PostgreSQL", target: name + " requests/s: " + strings.Join(labels, " / "),
				measured: strings.Join(figures, " / "), figure: true})
		}
	}
	r.printf("\n%s\n\n", postgresMeaning(r.in.Machine.Cores, p.DBMaxConns))
	r.replicaTarget(p)
}

// replicaTarget judges two replicas' retrieves against one's (issue 16):
// on one machine a second replica adds no CPU, so what it should cost is
// little.
func (r *report) replicaTarget(p *PostgresResults) {
	one, two := p.Setup(1), p.Setup(2)
	if one == nil || two == nil {
		return
	}
	isRetrieve := func(e *EndpointRuns) bool { return e.Name == EndpointRetrieve }
	e1, e2 := find(one.Endpoints, isRetrieve), find(two.Endpoints, isRetrieve)
	if e1 == nil || e2 == nil {
		return
	}
	m1, ok1 := mediansOf(e1.Backend)
	m2, ok2 := mediansOf(e2.Backend)
	if !ok1 || !ok2 || m1.rps <= 0 {
		return
	}
	less := 1 - m2.rps/m1.rps
	measured := fmt.Sprintf("%.1f%% more (%.0f requests/s against %.0f)", -100*less, m2.rps, m1.rps)
	if less > 0 {
		measured = fmt.Sprintf("%.1f%% less (%.0f requests/s against %.0f)", 100*less, m2.rps, m1.rps)
	}
	met := less <= maxReplicaRetrieveGap
	r.target("PostgreSQL", fmt.Sprintf("retrieve on 2 replicas within %.0f%% of 1 replica", 100*maxReplicaRetrieveGap), measured, met)
	if !met {
		r.gap(gapReplicas(m1, m2))
	}
}

// postgresMeaning says what the PostgreSQL figures measure on a machine of
// cores cores, on which the database, every replica and the load generator
// run together, each replica with at most dbMaxConns connections.
func postgresMeaning(cores, dbMaxConns int) string {
	machine := "this machine"
	if cores > 0 {
		machine = fmt.Sprintf("this machine's %s", plural(cores, "core"))
	}
	return "**What these numbers mean.** PostgreSQL, every replica and the load generator share " + machine + ". " +
		"On SQLite the database is a library inside the server; on PostgreSQL each query also crosses a loopback socket to " +
		"another process that competes for the same cores, a cost reads feel most and that a replica whose database runs " +
		"on another machine pays in latency only, not in shared CPU. Writes compare unlike commits: SQLite's are durable (`synchronous=FULL`, " +
		"an fsync each), this PostgreSQL's are not (`fsync` off), so a create on PostgreSQL here is cheaper than on a " +
		"production server. " +
		"**Two replicas on one machine measure the correctness and the overhead of scale-out, not its capacity**: the second " +
		"replica brings no CPU of its own, so what the figures show is that the load split across two processes on one " +
		"database is served without failures, and what a second process, its connections and the shared database cost. " +
		fmt.Sprintf("Two replicas also hold twice the database connections (2 × %d against %d): where one replica waits for its "+
			"pool, two can post higher figures without any added capacity. ", dbMaxConns, dbMaxConns) +
		"**What more cores would change.** Every load here runs until the cores are busy, so each rate is set by the CPU a " +
		"request costs all the processes together (the server, PostgreSQL and the generator). With cores to spare for each " +
		"replica, a second replica would add its own CPU instead of sharing the first's: retrieves and lists, which need the " +
		"database only for short reads, would grow with the replicas until PostgreSQL's own CPU per request, which a second " +
		"replica does not divide, or its connections became the bound; creates would grow less, since every replica's writes " +
		"meet in the one database. " +
		"Scale-out's capacity is measured with each replica and the database on machines of their own (see cmd/reference-backend/DEPLOYMENT.md for sizing)."
}
