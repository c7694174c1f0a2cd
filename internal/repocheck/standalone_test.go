package repocheck

import (
	"fmt"
	"strings"
	"testing"
)

// outside is the folder beside the repository that the project was started
// from. A contributor who clones the repository does not have it, so nothing
// may depend on it but the optional steps below. Spelled in two parts, so
// that this file does not name it.
const outside = ".." + "/shared"

// outsideUses are the only mentions of outside allowed, by file: make
// bench's optional performance anchors, and the CI step that builds the
// pinned Terraform from its source archive.
var outsideUses = map[string][]string{
	"scripts/bench.sh": {outside + "/anchors"},
	"GNUmakefile":      {outside + "/anchors"},
	".ci/run":          {outside + "/toolchain"},
}

// outsideDocs name the original design and contract however the path is
// written: the repository has its own (DESIGN.md, and the contract under
// internal/backend/httpapi/testdata).
var outsideDocs = []string{"shared" + "/DESIGN", "shared" + "/contracts"}

// outsideMentions returns, as "path:line: text", every line of a file that
// names the folder beside the repository where it may not.
func outsideMentions(path string, content []byte) []string {
	var found []string
	for i, line := range strings.Split(string(content), "\n") {
		if mentionsOutside(path, line) {
			found = append(found, fmt.Sprintf("%s:%d: %s", path, i+1, strings.TrimSpace(line)))
		}
	}
	return found
}

func mentionsOutside(path, line string) bool {
	for _, doc := range outsideDocs {
		if strings.Contains(line, doc) {
			return true
		}
	}
	for rest := line; ; {
		i := strings.Index(rest, outside)
		if i < 0 {
			return false
		}
		rest = rest[i:]
		allowed := false
		for _, use := range outsideUses[path] {
			if strings.HasPrefix(rest, use) {
				allowed = true
			}
		}
		if !allowed {
			return true
		}
		rest = rest[len(outside):]
	}
}

// TestTheRepositoryStandsAlone: no file names the folder the project was
// started from, except make bench's optional anchors and the CI step that
// builds Terraform from its source archive; the design is DESIGN.md and the
// Telnyx contract is a file of the repository.
func TestTheRepositoryStandsAlone(t *testing.T) {
	var found []string
	for _, f := range repoFiles(t) {
		found = append(found, outsideMentions(f.path, f.content)...)
	}
	if len(found) > 0 {
		t.Errorf("%d lines name %s, which a clone of the repository does not have; point them at DESIGN.md, or at "+
			"internal/backend/httpapi/testdata/telnyx-openapi-subset.yaml for the Telnyx contract:\n%s",
			len(found), outside, strings.Join(found, "\n"))
	}
}

func TestOutsideMentionsAreFound(t *testing.T) {
	for _, tc := range []struct {
		path, line string
		want       bool
	}{
		{"README.md", "The design is in " + outside + "/DESIGN.md.", true},
		{"internal/x.go", "// a copy of " + outside + "/contracts/telnyx-openapi-subset.yaml", true},
		{"CONTRIBUTING.md", "kept beside this repository in `" + outside + "/`.", true},
		{"docs/x.md", "see /work/shared" + "/DESIGN.md", true},
		{"scripts/bench.sh", "anchors=" + outside + "/anchors", false},
		{"scripts/bench.sh", "anchors=" + outside + "/anchors " + outside + "/DESIGN.md", true},
		{"scripts/bench.sh", "x=" + outside + "/toolchain", true},
		{".ci/run", "TARBALL=" + outside + "/toolchain/terraform-src.tar.xz", false},
		{".ci/run", "cp " + outside + "/anchors .", true},
		{"GNUmakefile", "# optional anchors under " + outside + "/anchors", false},
		{"README.md", "the shared balance of a manager", false},
	} {
		if got := mentionsOutside(tc.path, tc.line); got != tc.want {
			t.Errorf("mentionsOutside(%q, %q) = %v, want %v", tc.path, tc.line, got, tc.want)
		}
	}
}
