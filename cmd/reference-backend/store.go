package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/postgres"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/sqlite"
)

// openStore opens the database that --database names: a PostgreSQL URL, whose
// pending migrations are applied under an advisory lock (replicas starting
// together migrate once), or a SQLite file, whose folder is created when
// missing.
func openStore(ctx context.Context, cfg serveConfig) (backend.Store, error) {
	if cfg.postgres {
		db, err := postgres.Open(ctx, cfg.database, postgres.Options{
			MaxConns:         cfg.dbMaxConns,
			StatementTimeout: cfg.dbStatementTimeout,
			ConnectTimeout:   cfg.dbConnectTimeout,
		})
		if err != nil {
			// postgres.Open's errors never repeat the URL; redactDatabase
			// names the database without its password.
			return nil, fmt.Errorf("open database %s: %w", redactDatabase(cfg.database), err)
		}
		return db, nil
	}
	if err := os.MkdirAll(filepath.Dir(cfg.database), 0o700); err != nil {
		return nil, fmt.Errorf("create the database folder: %w", err)
	}
	store, err := sqlite.Open(ctx, cfg.database)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.database, err)
	}
	return store, nil
}
