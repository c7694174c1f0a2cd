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
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// serveConfig is everything `serve` is told, from flags and environment.
type serveConfig struct {
	addr           string
	dataDir        string
	database       string
	operatorKey    string
	serverSecret   string
	bootstrapKey   string
	bootstrapEmail string
	logLevel       slog.Level
	// topUpSettlementDelay is how long a top-up stays pending.
	topUpSettlementDelay time.Duration
}

// minOperatorKeyLen refuses operator keys short enough to guess.
const minOperatorKeyLen = 16

// Server timeouts: generous for a local API, but bounded so that a slow or
// idle client cannot hold a connection forever.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 30 * time.Second
)

// parseServeConfig reads serve's flags, falling back to the environment for
// each flag not given. Environment values are applied after parsing, never
// as flag defaults, so that --help cannot print a key taken from the
// environment.
func parseServeConfig(args []string, getenv func(string) string, output io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("reference-backend serve", flag.ContinueOnError)
	fs.SetOutput(output)
	var (
		cfg             serveConfig
		logLevel        string
		settlementDelay string
	)
	// Each flag's environment variable and destination, by flag name.
	envOf := map[string]string{}
	dstOf := map[string]*string{}
	add := func(dst *string, name, env, def, help string) {
		fs.StringVar(dst, name, def, help+" (env "+env+")")
		envOf[name], dstOf[name] = env, dst
	}
	add(&cfg.addr, "addr", "REFERENCE_BACKEND_ADDR", "127.0.0.1:8787", "address to listen on")
	add(&cfg.dataDir, "data-dir", "REFERENCE_BACKEND_DATA_DIR", "./reference-data", "folder for the SQLite database and the server secret")
	add(&cfg.database, "database", "REFERENCE_BACKEND_DATABASE", "", "SQLite database file (default <data-dir>/reference.db)")
	add(&cfg.operatorKey, "operator-key", "REFERENCE_BACKEND_OPERATOR_KEY", "", "key of the operator API under /reference; empty disables it")
	add(&cfg.serverSecret, "server-secret", "REFERENCE_BACKEND_SERVER_SECRET", "", "secret that keys API-key hashes and sealed credentials (default: read from, or created in, <data-dir>/server-secret)")
	add(&cfg.bootstrapKey, "bootstrap-manager-key", "REFERENCE_BACKEND_BOOTSTRAP_MANAGER_KEY", "", "make sure a manager account exists with this primary key")
	add(&cfg.bootstrapEmail, "bootstrap-manager-email", "REFERENCE_BACKEND_BOOTSTRAP_MANAGER_EMAIL", "", "email of the bootstrap manager account")
	add(&logLevel, "log-level", "REFERENCE_BACKEND_LOG_LEVEL", "info", "log level: info or debug")
	add(&settlementDelay, "topup-settlement-delay", "REFERENCE_BACKEND_TOPUP_SETTLEMENT_DELAY", "0s",
		"how long a top-up stays pending before it counts in the balance (a Go duration such as 30s)")
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
		}
	}
	return cfg, cfg.complete(logLevel, settlementDelay)
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
	if cfg.database == "" {
		if cfg.dataDir == "" {
			return errors.New("--data-dir must not be empty")
		}
		cfg.database = filepath.Join(cfg.dataDir, "reference.db")
	}
	if lower := strings.ToLower(cfg.database); strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://") {
		return errors.New("PostgreSQL is not supported yet (it arrives in a later version); give --database a SQLite file path")
	}
	if cfg.operatorKey != "" && len(cfg.operatorKey) < minOperatorKeyLen {
		return fmt.Errorf("--operator-key must be at least %d characters long", minOperatorKeyLen)
	}
	if cfg.serverSecret != "" && len(cfg.serverSecret) < backend.MinServerSecretLen {
		return fmt.Errorf("--server-secret must be at least %d characters long", backend.MinServerSecretLen)
	}
	if (cfg.bootstrapKey == "") != (cfg.bootstrapEmail == "") {
		return errors.New("--bootstrap-manager-key and --bootstrap-manager-email go together: give both or neither")
	}
	if cfg.serverSecret == "" && cfg.dataDir == "" {
		return errors.New("--data-dir must not be empty: the server secret is kept there")
	}
	return nil
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
	if err := os.MkdirAll(filepath.Dir(cfg.database), 0o700); err != nil {
		return fmt.Errorf("create the database folder: %w", err)
	}
	store, err := sqlite.Open(ctx, cfg.database)
	if err != nil {
		return fmt.Errorf("open database %s: %w", cfg.database, err)
	}
	defer func() {
		if err := store.Close(); err != nil {
			logger.Error("close database", slog.String("error", err.Error()))
		}
	}()
	svc := backend.NewService(store, secrets)
	if err := svc.SetTopUpSettlementDelay(cfg.topUpSettlementDelay); err != nil {
		return err
	}
	if err := svc.EnsurePriceBook(ctx); err != nil {
		return fmt.Errorf("load the price book: %w", err)
	}
	if cfg.bootstrapKey != "" {
		m, err := svc.BootstrapManager(ctx, cfg.bootstrapKey, cfg.bootstrapEmail)
		if err != nil {
			return fmt.Errorf("bootstrap manager: %w", err)
		}
		logger.Info("bootstrap manager ready", slog.String("account_id", m.ID))
	}

	handler := httpapi.New(svc, httpapi.Options{OperatorKey: cfg.operatorKey, Logger: logger})
	if a.wrapHandler != nil {
		handler = a.wrapHandler(handler)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return err
	}
	logger.Info("reference backend listening",
		slog.String("addr", ln.Addr().String()), slog.String("database", cfg.database),
		slog.String("version", version), slog.Bool("operator_api", cfg.operatorKey != ""),
		slog.String("topup_settlement_delay", cfg.topUpSettlementDelay.String()))
	if a.onListen != nil {
		a.onListen(ln.Addr().String())
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining in-flight requests", slog.String("timeout", shutdownTimeout.String()))
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
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
