package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/backendtest/proc"
)

// PostgresOptions say what RunPostgresHTTP measures: the loads of
// HTTPOptions (Prism aside) on PostgreSQL.
type PostgresOptions struct {
	HTTPOptions
	// AdminURL is a PostgreSQL server's admin URL (of scripts/postgres.sh);
	// each setup gets a database of its own on it. When empty, Unavailable
	// says why and nothing is measured.
	AdminURL    string
	Unavailable string
	// DBMaxConns is each replica's --db-max-conns.
	DBMaxConns int
}

// PostgresResults are the runs of the HTTP loads on PostgreSQL.
type PostgresResults struct {
	Concurrency     int     `json:"concurrency"`
	WarmupSeconds   float64 `json:"warmup_seconds"`
	DurationSeconds float64 `json:"duration_seconds"`
	Runs            int     `json:"runs"`
	DBMaxConns      int     `json:"db_max_conns"`
	ServerVersion   string  `json:"server_version,omitempty"`
	// ServerCPUUnmeasured says why the database server's CPU is not in
	// the loads' results (a server on another machine, say).
	ServerCPUUnmeasured string `json:"server_cpu_unmeasured,omitempty"`
	// Unavailable says why PostgreSQL was not measured.
	Unavailable string             `json:"unavailable,omitempty"`
	Setups      []PostgresSetupRun `json:"setups,omitempty"`
	LoadAverage string             `json:"load_average,omitempty"`
}

// PostgresSetupRun is one setup's runs: its replicas on one database.
type PostgresSetupRun struct {
	Replicas  int            `json:"replicas"`
	Endpoints []EndpointRuns `json:"endpoints"` // their Backend runs
}

// Setup is the runs of the setup with that many replicas, or nil.
func (p *PostgresResults) Setup(replicas int) *PostgresSetupRun {
	return find(p.Setups, func(s *PostgresSetupRun) bool { return s.Replicas == replicas })
}

// postgresReplicas are the setups measured: one server, then two on one
// database.
var postgresReplicas = []int{1, 2}

// RunPostgresHTTP measures the HTTP loads of RunHTTP on one backend on
// PostgreSQL, then on two replicas of one database with each connection of
// the generator pinned to one replica, in turn. Each setup has a fresh
// database. If the server cannot be reached, or a setup fails, the results
// say why and hold the setups measured before.
func RunPostgresHTTP(ctx context.Context, opts PostgresOptions) (*PostgresResults, error) {
	if opts.Concurrency < 1 || opts.Runs < 1 || opts.Duration <= 0 || opts.DBMaxConns < 1 {
		return nil, errors.New("postgres http benchmark: concurrency, runs, duration and db-max-conns must be above 0")
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	res := &PostgresResults{Concurrency: opts.Concurrency, WarmupSeconds: opts.Warmup.Seconds(), DurationSeconds: opts.Duration.Seconds(),
		Runs: opts.Runs, DBMaxConns: opts.DBMaxConns, Unavailable: opts.Unavailable}
	if opts.AdminURL == "" {
		if res.Unavailable == "" {
			res.Unavailable = "no PostgreSQL server was given to the harness"
		}
		return res, nil
	}
	version, err := postgresVersion(ctx, opts.AdminURL)
	if err != nil {
		res.Unavailable = "PostgreSQL did not answer: " + err.Error()
		fmt.Fprintf(opts.Progress, "benchdriver: %s\n", res.Unavailable)
		return res, nil
	}
	res.ServerVersion = version
	res.LoadAverage = LoadAverage()
	tiers := []Tier{GeneratorTier()}
	if pid, err := postmasterPid(ctx, opts.AdminURL); err != nil {
		res.ServerCPUUnmeasured = err.Error()
	} else {
		tiers = append(tiers, ProcessesTier(TierDatabase, pid))
	}
	for _, replicas := range postgresReplicas {
		setup, err := runPostgresSetup(ctx, opts, replicas, tiers)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// The report shows what was measured and says what failed,
			// and the other sections of make bench still run.
			res.Unavailable = fmt.Sprintf("the loads on %s failed: %v", plural(replicas, "replica"), err)
			fmt.Fprintf(opts.Progress, "benchdriver: %s\n", res.Unavailable)
			break
		}
		res.Setups = append(res.Setups, *setup)
	}
	return res, nil
}

// runPostgresSetup measures the loads on replicas replicas of a fresh
// database, the CPU of their processes and of tiers.
func runPostgresSetup(ctx context.Context, opts PostgresOptions, replicas int, tiers []Tier) (*PostgresSetupRun, error) {
	dbURL, err := createDatabase(ctx, opts.AdminURL, fmt.Sprintf("bench_%d_replicas", replicas))
	if err != nil {
		return nil, err
	}
	// Replicas of one database share the secret that keys API-key hashes,
	// or a key made through one would not authenticate on the other.
	secret, opKey := proc.RandomHex(32), "bench-operator-"+proc.RandomHex(16)
	// The replicas, whose peak memory each load reads.
	var replicaProcs []*BackendProcess
	var servers []target
	var first *BackendProcess
	var pids []int
	for i := range replicas {
		b, err := StartPostgresBackend(ctx, opts.Backend, filepath.Join(opts.Dir, fmt.Sprintf("pg-%d-replicas-%d", replicas, i+1)),
			dbURL, secret, opKey, opts.DBMaxConns)
		if err != nil {
			return nil, err
		}
		defer b.Stop()
		b.SetCounting(false)
		replicaProcs = append(replicaProcs, b)
		if first == nil {
			first = b
		}
		servers = append(servers, target{name: fmt.Sprintf("replica %d", i+1), base: b.RootURL + "/v2", pid: b.Pid()})
		pids = append(pids, b.Pid())
	}
	tiers = append([]Tier{ProcessesTier(TierServer, pids...)}, tiers...)
	_, managerKey, err := first.NewManager(ctx, listedAccounts)
	if err != nil {
		return nil, err
	}
	accounts, err := first.NewManagedAccounts(ctx, managerKey, listedAccounts)
	if err != nil {
		return nil, err
	}
	for i := range servers {
		servers[i].key = managerKey
	}
	endpoints := opts.endpoints(accounts[0])
	setup := &PostgresSetupRun{Replicas: replicas}
	for _, ep := range endpoints {
		setup.Endpoints = append(setup.Endpoints, EndpointRuns{Name: ep.name, Request: ep.request})
	}
	// One client for the load: the replicas' hosts differ (their ports), so
	// its transport keeps a pool per replica, and each worker's kept-alive
	// connection stays with the replica it is pinned to.
	client := NewLoadClient(opts.Concurrency)
	for run := 1; run <= opts.Runs; run++ {
		for i, ep := range endpoints {
			for _, b := range replicaProcs {
				_ = ResetPeakRSS(b.Pid())
			}
			if ep.name == EndpointCreate {
				// As in RunHTTP: fresh managers for each run's creates.
				keys, err := first.NewManagers(ctx, createManagers)
				if err != nil {
					return nil, err
				}
				for j := range servers {
					servers[j].keys = keys
				}
			}
			load := ep.load(servers, run)
			load.Tiers = tiers
			r, err := load.Run(ctx, client)
			if err != nil {
				return nil, fmt.Errorf("%s load: %w", ep.name, err)
			}
			setup.Endpoints[i].Backend = append(setup.Endpoints[i].Backend, r)
			if peak, ok := largestPeak(replicaProcs); ok {
				setup.Endpoints[i].BackendPeakBytes = append(setup.Endpoints[i].BackendPeakBytes, peak)
			}
			fmt.Fprintf(opts.Progress, "http run %d/%d: PostgreSQL, %s, %s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d failures%s\n",
				run, opts.Runs, plural(replicas, "replica"), ep.name, r.RequestsPerSec, r.P50Ms, r.P99Ms, r.Failures, firstFailure(r))
		}
	}
	return setup, nil
}

// createDatabase creates the database name on the server of adminURL, and
// returns its URL.
func createDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// postgresVersion is the server's version, as `SHOW server_version` says.
func postgresVersion(ctx context.Context, adminURL string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", err
	}
	// Debian's builds add " (Debian 15.x-1.pgdg…)".
	v, _, _ = strings.Cut(v, " ")
	return v, nil
}

// postmasterPid is the process id of the PostgreSQL server at adminURL, the
// parent of every connection's process, when it runs on this machine.
func postmasterPid(ctx context.Context, adminURL string) (int, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var backendPid int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backendPid); err != nil {
		return 0, err
	}
	// The same id on this machine may be another process, when the server
	// runs elsewhere or in another process namespace.
	pid, err := ParentPid(backendPid)
	if err != nil {
		return 0, fmt.Errorf("the server's processes are not on this machine: %w", err)
	}
	for _, p := range []int{backendPid, pid} {
		if name, err := ProcessName(p); err != nil || !strings.HasPrefix(name, "postgres") {
			return 0, fmt.Errorf("process %d on this machine is %q, not the server's", p, name)
		}
	}
	return pid, nil
}
