package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/metrics"
)

// serveConfig is everything `serve` is told, from flags and environment.
type serveConfig struct {
	addr string
	// metricsAddr is where the Prometheus metrics are served; empty: nowhere.
	metricsAddr    string
	dataDir        string
	database       string
	operatorKey    string
	serverSecret   string
	bootstrapKey   string
	bootstrapEmail string
	// bootstrapPassword, when set, is the bootstrap manager's password in
	// the portal.
	bootstrapPassword string
	logLevel          slog.Level
	// topUpSettlementDelay is how long a top-up stays pending.
	topUpSettlementDelay time.Duration

	// postgres is set when database is a postgres:// URL; the db* settings
	// apply to it only.
	postgres           bool
	dbMaxConns         int32
	dbStatementTimeout time.Duration
	dbConnectTimeout   time.Duration

	// limits are the server's timeouts, sizes and rates (serve_limits.go).
	limits serverLimits
	// notifications configure the delivery of notifications
	// (serve_notifications.go).
	notifications notificationSettings
}

// minOperatorKeyLen refuses operator keys short enough to guess.
const minOperatorKeyLen = 16

// The bootstrap manager's password: the bounds of every account password
// (bcrypt reads 72 bytes at most).
const (
	minBootstrapPasswordLen = 8
	maxBootstrapPasswordLen = 72
)

// serveUsage heads `reference-backend serve --help`; the flags follow.
const serveUsage = `reference-backend serve runs the reference implementation of the Telnyx
Managed Accounts API: the Telnyx-compatible API and its extensions under /v2,
the operator API under /reference (with --operator-key), the Mission Control
portal under /portal/, GET /healthz (liveness), GET /readyz (readiness: the
database answers) and GET /openapi.yaml (the whole HTTP surface). With
--metrics-addr, Prometheus metrics are served at GET /metrics on that address,
never on --addr.

The database is SQLite (a file, by default <data-dir>/reference.db) or
PostgreSQL (--database postgres://…, for several replicas on one database;
give every replica the same --server-secret). SIGTERM or SIGINT stops the
server once the requests in flight have finished (--shutdown-timeout).

Usage:
  reference-backend serve [flags]

Every flag can also be set through the environment variable shown with it;
a flag given on the command line wins over its variable.

Flags:
`

// parseServeConfig reads serve's flags, falling back to the environment for
// each flag not given. Environment values are applied after parsing, never
// as flag defaults, so that --help cannot print a key taken from the
// environment.
func parseServeConfig(args []string, getenv func(string) string, output io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("reference-backend serve", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	var (
		cfg             serveConfig
		logLevel        string
		settlementDelay string
		db              databaseFlags
		limits          serverLimitFlags
		notify          notificationFlags
	)
	// Each flag's environment variable and destination, by flag name.
	envOf := map[string]string{}
	dstOf := map[string]*string{}
	add := func(dst *string, name, env, def, help string) {
		fs.StringVar(dst, name, def, help+" (env "+env+")")
		envOf[name], dstOf[name] = env, dst
	}
	add(&cfg.addr, "addr", "REFERENCE_BACKEND_ADDR", "127.0.0.1:8787", "address to listen on")
	add(&cfg.metricsAddr, "metrics-addr", "REFERENCE_BACKEND_METRICS_ADDR", "",
		"address to serve Prometheus metrics on, at /metrics, apart from the API (such as 127.0.0.1:9464); "+
			"unauthenticated, so keep it off the public network; empty disables the metrics")
	add(&cfg.dataDir, "data-dir", "REFERENCE_BACKEND_DATA_DIR", "./reference-data", "folder for the SQLite database and the server secret")
	add(&cfg.database, "database", "REFERENCE_BACKEND_DATABASE", "", "SQLite database file (default <data-dir>/reference.db), or a postgres:// URL for several replicas on PostgreSQL")
	add(&cfg.operatorKey, "operator-key", "REFERENCE_BACKEND_OPERATOR_KEY", "", "key of the operator API under /reference; empty disables it")
	add(&cfg.serverSecret, "server-secret", "REFERENCE_BACKEND_SERVER_SECRET", "", "secret that keys API-key hashes and sealed credentials, the same on every replica (default: read from, or created in, <data-dir>/server-secret; required with PostgreSQL unless --data-dir is given)")
	add(&cfg.bootstrapKey, "bootstrap-manager-key", "REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY", "", "make sure a manager account exists with this primary key")
	add(&cfg.bootstrapEmail, "bootstrap-manager-email", "REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL", "", "email of the bootstrap manager account")
	add(&cfg.bootstrapPassword, "bootstrap-manager-password", "REFERENCE_BACKEND_BOOTSTRAP_MANAGER_PASSWORD", "",
		"the bootstrap manager's password for the portal at /portal/ (8 to 72 bytes; prefer the environment variable, which ps does not show)")
	add(&logLevel, "log-level", "REFERENCE_BACKEND_LOG_LEVEL", "info", "log level: info or debug")
	add(&settlementDelay, "topup-settlement-delay", "REFERENCE_BACKEND_TOPUP_SETTLEMENT_DELAY", "0s",
		"how long a top-up stays pending before it counts in the balance (a Go duration such as 30s)")
	add(&db.maxConns, "db-max-conns", "REFERENCE_BACKEND_DB_MAX_CONNS", strconv.Itoa(defaultDBMaxConns),
		"PostgreSQL only: the most connections this server opens (keep replicas × this under the database's max_connections)")
	add(&db.statementTimeout, "db-statement-timeout", "REFERENCE_BACKEND_DB_STATEMENT_TIMEOUT", defaultDBStatementTimeout.String(),
		"PostgreSQL only: the longest one SQL statement may run before it is cancelled and the request answers 503")
	add(&db.connectTimeout, "db-connect-timeout", "REFERENCE_BACKEND_DB_CONNECT_TIMEOUT", defaultDBConnectTimeout.String(),
		"PostgreSQL only: how long opening one connection may take")
	addServerLimitFlags(add, &limits)
	addNotificationFlags(add, &notify)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, env := range envOf {
		if v := getenv(env); v != "" && !given[name] {
			*dstOf[name] = v
			given[name] = true
		}
	}
	if err := cfg.complete(logLevel, settlementDelay); err != nil {
		return cfg, err
	}
	if err := cfg.completeDatabase(db, given); err != nil {
		return cfg, err
	}
	var err error
	if cfg.limits, err = limits.parse(); err != nil {
		return cfg, err
	}
	cfg.notifications, err = notify.parse()
	return cfg, err
}

// complete validates the configuration and fills in derived defaults.
func (cfg *serveConfig) complete(logLevel, settlementDelay string) error {
	switch logLevel {
	case "info":
		cfg.logLevel = slog.LevelInfo
	case "debug":
		cfg.logLevel = slog.LevelDebug
	default:
		return fmt.Errorf("--log-level must be info or debug, not %q", logLevel)
	}
	delay, err := time.ParseDuration(settlementDelay)
	if err != nil || delay < 0 {
		return fmt.Errorf("--topup-settlement-delay must be a duration of 0s or more, such as 30s, not %q", settlementDelay)
	}
	cfg.topUpSettlementDelay = delay
	if cfg.addr == "" {
		return errors.New("--addr must not be empty")
	}
	if cfg.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.metricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr must be host:port (such as 127.0.0.1:9464), not %q", cfg.metricsAddr)
		}
		// The metrics are for the operator, never for the API's clients.
		if _, port, _ := net.SplitHostPort(cfg.addr); cfg.metricsAddr == cfg.addr && port != "0" {
			return errors.New("--metrics-addr must differ from --addr: the metrics are not served beside the API")
		}
	}
	if cfg.database == "" {
		if cfg.dataDir == "" {
			return errors.New("--data-dir must not be empty")
		}
		cfg.database = filepath.Join(cfg.dataDir, "reference.db")
	}
	cfg.postgres = isPostgresURL(cfg.database)
	if cfg.operatorKey != "" && len(cfg.operatorKey) < minOperatorKeyLen {
		return fmt.Errorf("--operator-key must be at least %d characters long", minOperatorKeyLen)
	}
	if cfg.serverSecret != "" && len(cfg.serverSecret) < backend.MinServerSecretLen {
		return fmt.Errorf("--server-secret must be at least %d characters long", backend.MinServerSecretLen)
	}
	if (cfg.bootstrapKey == "") != (cfg.bootstrapEmail == "") {
		return errors.New("--bootstrap-manager-key and --bootstrap-manager-email go together: give both or neither")
	}
	if cfg.bootstrapPassword != "" {
		if cfg.bootstrapKey == "" {
			return errors.New("--bootstrap-manager-password needs --bootstrap-manager-key and --bootstrap-manager-email")
		}
		if n := len(cfg.bootstrapPassword); n < minBootstrapPasswordLen || n > maxBootstrapPasswordLen {
			return fmt.Errorf("--bootstrap-manager-password must be %d to %d bytes long", minBootstrapPasswordLen, maxBootstrapPasswordLen)
		}
	}
	if cfg.serverSecret == "" && cfg.dataDir == "" {
		return errors.New("--data-dir must not be empty: the server secret is kept there")
	}
	return nil
}

// databaseFlags are the PostgreSQL settings as given, before parsing.
type databaseFlags struct {
	maxConns, statementTimeout, connectTimeout string
}

// PostgreSQL defaults: a pool that several replicas can share under the
// default max_connections of 100, a statement limit that ends a stuck query
// long before a client's own timeout, and a quick verdict on a dead server.
const (
	defaultDBMaxConns         = 10
	maxDBMaxConns             = 1000
	defaultDBStatementTimeout = 15 * time.Second
	defaultDBConnectTimeout   = 5 * time.Second
)

// completeDatabase validates the PostgreSQL settings. given names the flags
// set on the command line or through their environment variables.
func (cfg *serveConfig) completeDatabase(db databaseFlags, given map[string]bool) error {
	if !cfg.postgres {
		for _, name := range []string{"db-max-conns", "db-statement-timeout", "db-connect-timeout"} {
			if given[name] {
				return fmt.Errorf("--%s applies to a PostgreSQL --database (a postgres:// URL) only", name)
			}
		}
		return nil
	}
	if _, err := url.Parse(cfg.database); err != nil {
		// url.Parse's error repeats the URL, password and all.
		return errors.New("--database is not a valid PostgreSQL URL (postgres://user:password@host:5432/dbname?sslmode=…)")
	}
	// pgx knows the scheme in lower case only.
	scheme, rest, _ := strings.Cut(cfg.database, "://")
	cfg.database = strings.ToLower(scheme) + "://" + rest
	maxConns, err := strconv.ParseInt(db.maxConns, 10, 32)
	if err != nil || maxConns < 1 || maxConns > maxDBMaxConns {
		return fmt.Errorf("--db-max-conns must be a whole number from 1 to %d, not %q", maxDBMaxConns, db.maxConns)
	}
	cfg.dbMaxConns = int32(maxConns)
	if cfg.dbStatementTimeout, err = time.ParseDuration(db.statementTimeout); err != nil || cfg.dbStatementTimeout < time.Millisecond {
		return fmt.Errorf("--db-statement-timeout must be a duration of 1ms or more, such as 15s, not %q", db.statementTimeout)
	}
	if cfg.dbConnectTimeout, err = time.ParseDuration(db.connectTimeout); err != nil || cfg.dbConnectTimeout < time.Millisecond {
		return fmt.Errorf("--db-connect-timeout must be a duration of 1ms or more, such as 5s, not %q", db.connectTimeout)
	}
	// Replicas on one database must share the server secret, or a key that
	// one issued fails on the others. A secret made up in a local folder is
	// only right when the operator chose that folder, knowingly.
	if cfg.serverSecret == "" && !given["data-dir"] {
		return errors.New("with a PostgreSQL --database, give --server-secret (REFERENCE_BACKEND_SERVER_SECRET), the same on every replica, " +
			"or --data-dir to keep the secret in a file there")
	}
	return nil
}

// isPostgresURL tells a PostgreSQL URL from a SQLite file path.
func isPostgresURL(database string) bool {
	lower := strings.ToLower(database)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// redactDatabase returns database fit for a log line or an error: a
// PostgreSQL URL loses its password (in the user part or as a parameter).
func redactDatabase(database string) string {
	if !isPostgresURL(database) {
		return database
	}
	u, err := url.Parse(database)
	if err != nil {
		return "(a PostgreSQL URL that does not parse)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func (a *app) runServe(ctx context.Context, args []string) int {
	cfg, err := parseServeConfig(args, a.getenv, a.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "reference-backend serve: %v\n", err)
		return 2
	}
	logger := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	if err := a.serve(ctx, cfg, logger); err != nil {
		logger.Error("reference backend failed", slog.String("error", err.Error()))
		return 1
	}
	return 0
}

// serve runs the backend until ctx is cancelled, then stops accepting
// connections and lets in-flight requests finish.
func (a *app) serve(ctx context.Context, cfg serveConfig, logger *slog.Logger) error {
	secret, err := a.serverSecret(cfg, logger)
	if err != nil {
		return err
	}
	secrets, err := backend.NewSecrets(secret)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("close database", slog.String("error", err.Error()))
		}
	}()
	svc := backend.NewService(store, secrets)
	// Before serving: the portal signs in with sealed hashes only.
	if n, err := svc.SealPasswordHashes(ctx); err != nil {
		return err
	} else if n > 0 {
		logger.Info("password hashes sealed with the server secret", slog.Int("accounts", n))
	}
	if err := svc.SetTopUpSettlementDelay(cfg.topUpSettlementDelay); err != nil {
		return err
	}
	if err := svc.EnsurePriceBook(ctx); err != nil {
		return fmt.Errorf("load the price book: %w", err)
	}
	if cfg.bootstrapKey != "" {
		m, err := svc.BootstrapManager(ctx, cfg.bootstrapKey, cfg.bootstrapEmail)
		if backend.ErrorKind(err) == backend.ECONFLICT {
			// Replicas that start together race to create the manager, and
			// the losers find the email taken: run again, which finds the
			// winner's account and key.
			m, err = svc.BootstrapManager(ctx, cfg.bootstrapKey, cfg.bootstrapEmail)
		}
		if err != nil {
			return fmt.Errorf("bootstrap manager: %w", err)
		}
		if cfg.bootstrapPassword != "" {
			// Idempotent: a restart with the same password writes nothing.
			if err := svc.SetAccountPassword(ctx, m.ID, cfg.bootstrapPassword); err != nil {
				return fmt.Errorf("bootstrap manager password: %w", err)
			}
		}
		logger.Info("bootstrap manager ready", slog.String("account_id", m.ID), slog.Bool("portal_password", cfg.bootstrapPassword != ""))
	}

	httpOpts := httpapi.Options{OperatorKey: cfg.operatorKey, Logger: logger}
	cfg.limits.apply(&httpOpts)
	var (
		metricsSrv      *http.Server
		deliveryMetrics backend.DeliveryMetrics // a nil *Metrics in it would not be nil
	)
	if cfg.metricsAddr != "" {
		// Listening first: a metrics address taken stops serve before the
		// API accepts a request.
		m, ln, err := a.listenMetrics(ctx, cfg, store, logger)
		if err != nil {
			return err
		}
		httpOpts.Metrics, deliveryMetrics = m, m
		metricsSrv = cfg.limits.httpServer(m.Handler())
		metricsSrv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
		go func() {
			if err := metricsSrv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics server failed", slog.String("error", err.Error()))
			}
		}()
		// Closed after the API has drained, so that the drain can be watched.
		defer func() { _ = metricsSrv.Close() }()
	}
	handler := httpapi.New(svc, httpOpts)
	if a.wrapHandler != nil {
		handler = a.wrapHandler(handler)
	}
	srv := cfg.limits.httpServer(handler)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return err
	}
	attrs := []any{
		slog.String("addr", ln.Addr().String()), slog.String("database", redactDatabase(cfg.database)),
		slog.String("version", version), slog.Bool("operator_api", cfg.operatorKey != ""),
		slog.String("topup_settlement_delay", cfg.topUpSettlementDelay.String()),
	}
	if cfg.postgres {
		attrs = append(attrs, slog.Int("db_max_conns", int(cfg.dbMaxConns)),
			slog.String("db_statement_timeout", cfg.dbStatementTimeout.String()),
			slog.String("db_connect_timeout", cfg.dbConnectTimeout.String()))
	}
	logger.Info("reference backend listening", attrs...)
	if a.onListen != nil {
		a.onListen(ln.Addr().String())
	}

	stopDeliveries := cfg.notifications.startDeliveries(svc, deliveryMetrics, logger)
	defer stopDeliveries() // after the drain below, whatever its outcome
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests", slog.String("timeout", cfg.limits.shutdownTimeout.String()))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.limits.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("reference backend stopped")
	return nil
}

// listenMetrics makes the metrics of the server about to start and listens on
// --metrics-addr for them.
func (a *app) listenMetrics(ctx context.Context, cfg serveConfig, store backend.Store, logger *slog.Logger) (*metrics.Metrics, net.Listener, error) {
	stats, _ := store.(backend.StatsReporter)
	m := metrics.New(metrics.Options{
		Version: version, MaxConcurrentRequests: cfg.limits.maxConcurrentRequests, Store: stats, Logger: logger,
	})
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.metricsAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for the metrics: %w", err)
	}
	logger.Info("metrics listening", slog.String("addr", ln.Addr().String()), slog.String("path", "/metrics"))
	if a.onMetricsListen != nil {
		a.onMetricsListen(ln.Addr().String())
	}
	return m, ln, nil
}

// serverSecret returns the configured secret, or the one kept in the data
// folder, created there on first start.
func (a *app) serverSecret(cfg serveConfig, logger *slog.Logger) ([]byte, error) {
	if cfg.serverSecret != "" {
		return []byte(cfg.serverSecret), nil
	}
	secret, created, err := loadOrCreateServerSecret(cfg.dataDir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.dataDir, serverSecretFile)
	if created {
		logger.Info("created a new server secret", slog.String("path", path))
	} else if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		logger.Warn("the server secret file is readable by other users; chmod 600 it", slog.String("path", path))
	}
	return secret, nil
}
