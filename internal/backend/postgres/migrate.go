package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
)

// Migrations are numbered SQL files (see package migrations), applied in
// order, each in a transaction of its own.
//
//go:embed migrations/*.sql
var embeddedMigrations embed.FS

var migrationFiles = migrations.MustSub(embeddedMigrations, "migrations")

// migrate applies the migrations of fsys that the database has not recorded
// in schema_migrations yet, on a connection of its own that holds the
// migration advisory lock throughout: a replica starting while another
// migrates waits, then finds every version recorded. The lock goes with the
// connection, so a replica that dies mid-way does not leave it held.
func migrate(ctx context.Context, cfg *pgx.ConnConfig, fsys fs.FS) (err error) {
	known, err := migrations.Load(fsys)
	if err != nil {
		return err
	}
	cfg = cfg.Copy()
	// A migration may rebuild an index of a big table: no statement timeout.
	cfg.RuntimeParams["statement_timeout"] = "0"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = errors.Join(err, conn.Close(closeCtx)) // releases the lock too
	}()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     NOT NULL PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// The lock is held: what is recorded now stays so until we are done.
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema versions: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("read schema versions: %w", err)
	}
	applied := map[int]bool{}
	latest := 0
	for _, v := range versions {
		applied[int(v)] = true
		latest = max(latest, int(v))
	}
	if err := migrations.CheckStored(latest, known); err != nil {
		return err
	}
	for _, m := range known {
		if applied[m.Version] {
			continue
		}
		if err := applyMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m migrations.Migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// No arguments: the simple protocol, which runs every statement of the file.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, m.Version, time.Now())
		return err
	})
}

// MigrationsDigest identifies the schema the embedded migrations build, so
// that tests can keep one migrated template database per schema.
func MigrationsDigest() (string, error) {
	known, err := migrations.Load(migrationFiles)
	if err != nil {
		return "", err
	}
	return migrations.Digest(known), nil
}
