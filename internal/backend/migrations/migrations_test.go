package migrations_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/migrations"
)

func TestLoadRejectsBadFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"unnumbered":     {"init.sql": {}},
		"short number":   {"1_init.sql": {}},
		"not sql":        {"0001_init.txt": {}},
		"version zero":   {"0000_init.sql": {}},
		"same version":   {"0001_a.sql": {}, "0001_b.sql": {}},
		"capital letter": {"0001_Init.sql": {}},
		"a folder":       {"0001_init.sql/x": {}},
	} {
		if got, err := migrations.Load(fsys); err == nil {
			t.Errorf("%s: Load accepted %v as %+v", name, fsys, got)
		}
	}
}

// TestLoadOrdersByVersionAndAllowsGaps: the order is the versions', not the
// names', and a store may skip versions another store uses.
func TestLoadOrdersByVersionAndAllowsGaps(t *testing.T) {
	got, err := migrations.Load(fstest.MapFS{
		"0010_b.sql": {Data: []byte("b")},
		"0002_a.sql": {Data: []byte("a")},
		"0003_c.sql": {Data: []byte("c")},
	})
	want := []migrations.Migration{{2, "0002_a.sql", "a"}, {3, "0003_c.sql", "c"}, {10, "0010_b.sql", "b"}}
	if err != nil || len(got) != len(want) {
		t.Fatalf("Load = %+v, %v; want %+v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("migration %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCheckStoredRefusesOnlyANewerSchema(t *testing.T) {
	known := []migrations.Migration{{Version: 1}, {Version: 5}}
	for stored, refused := range map[int]bool{0: false, 1: false, 3: false, 5: false, 6: true, 9999: true} {
		err := migrations.CheckStored(stored, known)
		if (err != nil) != refused {
			t.Errorf("CheckStored(%d) = %v, want refused %v", stored, err, refused)
		}
		if err != nil && !strings.Contains(err.Error(), "newer than this program knows (5)") {
			t.Errorf("CheckStored(%d) = %v, want it to name the version known", stored, err)
		}
	}
	if err := migrations.CheckStored(9999, nil); err != nil {
		t.Errorf("CheckStored without migrations = %v, want nil", err)
	}
}

func TestDigestChangesWithAnyFile(t *testing.T) {
	base := []migrations.Migration{{1, "0001_a.sql", "CREATE TABLE a (x int);"}}
	d := migrations.Digest(base)
	if again := migrations.Digest([]migrations.Migration{{1, "0001_a.sql", "CREATE TABLE a (x int);"}}); again != d {
		t.Errorf("the same migrations digest to %s and %s", d, again)
	}
	for name, ms := range map[string][]migrations.Migration{
		"edited":  {{1, "0001_a.sql", "CREATE TABLE a (y int);"}},
		"renamed": {{1, "0001_b.sql", "CREATE TABLE a (x int);"}},
		"added":   {base[0], {2, "0002_b.sql", ""}},
	} {
		if migrations.Digest(ms) == d {
			t.Errorf("%s: the digest did not change", name)
		}
	}
}
