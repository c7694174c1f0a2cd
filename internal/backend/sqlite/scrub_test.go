package sqlite

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
)

// migrationsUpTo are the embedded migrations up to version, as an older
// release shipped them.
func migrationsUpTo(t *testing.T, version int) fstest.MapFS {
	t.Helper()
	known, err := migrations.Load(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range known {
		if m.Version <= version {
			out[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	return out
}

// fileBytes is everything the database keeps on disk: the file, its
// write-ahead log and its shared-memory index.
func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestMigration0013ErasesUnkeyedHashesFromTheWholeFile: a database that
// release 0012 wrote keeps the unkeyed SHA-256 of request bodies (live, and
// in the free space that purged records left) and of session tokens. After
// the upgrade no byte of any of them is left in the file, its WAL or its
// SHM; the records still replay (an empty fingerprint, their answers kept),
// and the sessions are gone.
func TestMigration0013ErasesUnkeyedHashesFromTheWholeFile(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "reference.db")
	old, err := openPool(path, false)
	if err != nil {
		t.Fatal(err)
	}
	old.SetMaxOpenConns(1)
	if err := migrate(ctx, old, migrationsUpTo(t, 12)); err != nil {
		t.Fatal(err)
	}
	const records = 400
	var hashes [][]byte
	sealed := map[string]string{}
	created := formatTime(time.Now())
	for i := range records {
		sum := sha256.Sum256(fmt.Appendf(nil, `{"card":{"number":"4242424242424242","cvc":"%03d"}}`, i))
		hashes = append(hashes, []byte(hex.EncodeToString(sum[:])))
		box := make([]byte, 150)
		_, _ = rand.Read(box)
		key := fmt.Sprintf("key-%03d", i)
		sealed[key] = base64.RawStdEncoding.EncodeToString(box)
		if _, err := old.ExecContext(ctx, `INSERT INTO idempotency_records
			(scope, idem_key, method, path, request_hash, status, content_type, location, body_sealed, created_at)
			VALUES ('scope', ?, 'POST', '/v2/payment_methods', ?, 200, 'application/json', '', ?, ?)`,
			key, string(hashes[i]), sealed[key], created); err != nil {
			t.Fatal(err)
		}
	}
	// Half are purged, as expired records are: their hashes stay in the
	// file's free space.
	if _, err := old.ExecContext(ctx, `DELETE FROM idempotency_records WHERE CAST(substr(idem_key, 5) AS INTEGER) % 2 = 1`); err != nil {
		t.Fatal(err)
	}
	token := sha256.Sum256([]byte("a session token"))
	sessionID := hex.EncodeToString(token[:])
	if _, err := old.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `INSERT INTO portal_sessions (id, account_id, created_at, last_seen_at, expires_at)
		VALUES (?, 'acct', ?, ?, ?)`, sessionID, created, created, created); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	before := fileBytes(t, path)
	residue := 0
	for i, h := range hashes {
		found := bytes.Contains(before, h)
		if i%2 == 0 && !found {
			t.Fatalf("the live record %d's hash is not in the file: the scan does not see the data", i)
		}
		if i%2 == 1 && found {
			residue++
		}
	}
	if residue == 0 || !bytes.Contains(before, []byte(sessionID)) {
		t.Fatalf("no purged record's hash (%d) or no session id is in the file before the upgrade: the test does not exercise the free space", residue)
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open (migrating to 0013): %v", err)
	}
	after := fileBytes(t, path)
	for i, h := range hashes {
		if bytes.Contains(after, h) {
			t.Errorf("record %d's unkeyed hash is still in the database files after the upgrade", i)
		}
	}
	if bytes.Contains(after, []byte(sessionID)) {
		t.Error("the session's unkeyed hash is still in the database files after the upgrade")
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT idem_key, request_hash, body_sealed FROM idempotency_records`)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for rows.Next() {
		var key, hash, box string
		if err := rows.Scan(&key, &hash, &box); err != nil {
			t.Fatal(err)
		}
		if hash != "" || box != sealed[key] {
			t.Errorf("record %s after the upgrade: hash %q, answer kept %v; want no hash and the answer", key, hash, box == sealed[key])
		}
		kept++
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatal(err)
	}
	var sessions, recorded int
	if err := db.reader.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM portal_sessions),
		(SELECT count(*) FROM schema_migrations WHERE version = 13)`).Scan(&sessions, &recorded); err != nil {
		t.Fatal(err)
	}
	if kept != records/2 || sessions != 0 || recorded != 1 {
		t.Errorf("after the upgrade: %d records (want %d), %d sessions (want 0), 0013 recorded %d times (want 1)", kept, records/2, sessions, recorded)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
