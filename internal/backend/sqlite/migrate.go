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
		// A scrubbing migration is recorded only once the file is scrubbed,
		// so that a start that fails in between applies it again (its SQL
		// can run twice) and scrubs. A new file has nothing to scrub.
		scrub := scrubbingMigrations[m.Version] && latest > 0
		applied, err := applyMigration(ctx, db, m, !scrub)
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		if applied && scrub {
			if err := scrubFile(ctx, db); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.Version, formatTime(time.Now())); err != nil {
				return fmt.Errorf("%s: record: %w", m.Name, err)
			}
		}
	}
	return nil
}

// scrubbingMigrations erase data that must not outlive them anywhere in the
// file: SQLite leaves deleted and overwritten content in free pages and in
// the unused space of pages, where a copy of the file would still show it.
// After one of them, on a database that had data, the file is rewritten
// whole, once.
var scrubbingMigrations = map[int]bool{
	13: true, // unkeyed hashes of request bodies and session tokens
}

// scrubFile rewrites the database (VACUUM builds a fresh copy of every live
// row and truncates the file) and empties the write-ahead log, which still
// holds the pages as they were. It takes time and temporary disk space in
// proportion to the database's size, once.
func scrubFile(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, conn.Close()) }()
	// The copy goes to a temporary file, not to memory (temp_store(MEMORY)
	// on every connection), whatever the database's size.
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
		return fmt.Errorf("scrub: %w", err)
	}
	defer func() {
		_, resetErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = MEMORY")
		err = errors.Join(err, resetErr)
	}()
	if _, err := conn.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("scrub: vacuum: %w", err)
	}
	// A checkpoint that finds readers still on the log gives up (busy) once
	// its busy handler does. Another process opening the same file at the
	// same moment is such a reader for a while (its own migrate reads the
	// schema), so the checkpoint is tried again for as long as busy_timeout
	// would wait, before the start is failed.
	deadline := time.Now().Add(time.Duration(busyTimeoutMillis) * time.Millisecond)
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		var busy, frames, copied int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &frames, &copied); err != nil {
			return fmt.Errorf("scrub: checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			// Another process reads the database. The migration is not
			// recorded yet: the next start scrubs again.
			return errors.New("scrub: the write-ahead log could not be emptied while another process reads the database; stop it and start again")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("scrub: checkpoint: %w", ctx.Err())
		case <-time.After(pause):
		}
	}
}

// applyMigration applies m unless the database has it recorded, records it
// with it when record is set, and reports whether it applied it.
func applyMigration(ctx context.Context, db *sql.DB, m migrations.Migration, record bool) (applied bool, err error) {
	// The writer's transactions begin IMMEDIATE: a second process migrating
	// the same file at the same time waits here, then sees the version recorded.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	var recorded bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.Version).Scan(&recorded); err != nil {
		return false, err
	}
	if recorded {
		return false, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if record {
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, formatTime(time.Now())); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
