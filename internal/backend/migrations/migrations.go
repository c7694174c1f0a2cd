// Package migrations reads the numbered SQL files that build a store's
// schema. What a migration file is, in which order the files run and which
// stored schema a program may open are decided here once; each store keeps
// only how it applies them (its transactions, its lock, its SQL dialect).
//
// A migration is a file NNNN_description.sql (lower case), applied in the
// order of its version, each once. A file once released is never edited: a
// change is a new file. Versions may skip numbers (a store need not have
// every version another store has), but no two files share one.
package migrations

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
)

// Migration is one numbered SQL file.
type Migration struct {
	Version int    // the NNNN of the name, from 1
	Name    string // the file's name, for errors and logs
	SQL     string // the file's statements, run together
}

var fileName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// MustSub is the folder dir of fsys, for a store's embedded migrations: dir
// is a constant that the embed directive guarantees, so an error is a bug.
func MustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Load reads the migrations at the root of fsys in the order of their
// versions, refusing misnamed files and versions used twice.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	out := make([]Migration, 0, len(entries))
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("migration file %q is not named NNNN_description.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1]) // four digits: always a number
		if v == 0 {
			return nil, fmt.Errorf("migration file %q: versions start at 0001", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %q and %q have the same version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// CheckStored refuses a database whose newest recorded version, stored, is
// newer than every migration known (as Load orders them): a newer release
// has changed its schema in ways this program does not know.
func CheckStored(stored int, known []Migration) error {
	if len(known) == 0 {
		return nil
	}
	if latest := known[len(known)-1].Version; stored > latest {
		return fmt.Errorf("the database is at schema version %d, newer than this program knows (%d): use a newer release",
			stored, latest)
	}
	return nil
}

// Digest identifies the schema that ms build (a hex SHA-256 of their names
// and contents), so that tests can keep one migrated template database per
// schema.
func Digest(ms []Migration) string {
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00", m.Name, len(m.SQL), m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))
}
