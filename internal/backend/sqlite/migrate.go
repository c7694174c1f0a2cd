package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
)

// Migrations are numbered SQL files (see package migrations), applied in
// order, each in a transaction of its own.
//
//go:embed migrations/*.sql
var embeddedMigrations embed.FS

var migrationFiles = migrations.MustSub(embeddedMigrations, "migrations")

// migrate applies the migrations of fsys that the database has not recorded in
// schema_migrations yet.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	known, err := migrations.Load(fsys)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at TEXT    NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var latest int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if err := migrations.CheckStored(latest, known); err != nil {
		return err
	}
	for _, m := range known {
		if err := applyMigration(ctx, db, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migrations.Migration) (err error) {
	// The writer's transactions begin IMMEDIATE: a second process migrating
	// the same file at the same time waits here, then sees the version recorded.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	var applied bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&applied); err != nil {
		return err
	}
	if applied {
		return tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.Version, formatTime(time.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
