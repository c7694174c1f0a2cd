package repocheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// sectionHeading is a numbered heading of DESIGN.md: "## 3. Rules…",
// "### 3.2 Pricing".
var sectionHeading = regexp.MustCompile(`^#{2,6} (\d+(?:\.\d+)*)\.? `)

// designSections returns the section numbers of DESIGN.md, and the anchors
// GitHub gives its headings.
func designSections(t *testing.T) (sections, anchors map[string]bool) {
	t.Helper()
	content, err := os.ReadFile(filepath.Join(repoRoot, "DESIGN.md"))
	if err != nil {
		t.Fatalf("the repository's design document: %v", err)
	}
	sections, anchors = map[string]bool{}, map[string]bool{}
	for line := range strings.SplitSeq(string(content), "\n") {
		if m := sectionHeading.FindStringSubmatch(line); m != nil {
			sections[m[1]] = true
		}
		if strings.HasPrefix(line, "#") {
			anchors[headingAnchor(strings.TrimLeft(line, "#"))] = true
		}
	}
	if len(sections) < 10 {
		t.Fatalf("DESIGN.md has %d numbered sections; expected its whole outline", len(sections))
	}
	return sections, anchors
}

// headingAnchor is the anchor GitHub makes of a heading's text: lower case,
// each space a hyphen, every other character dropped but letters, digits,
// hyphens and underscores (punctuation, symbols, emoji).
func headingAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	// designCitation is a citation by section number: "DESIGN 2.3",
	// "DESIGN section 3", "DESIGN 2.2, 3.3", "DESIGN.md 2.3".
	designCitation = regexp.MustCompile(`\bDESIGN(?:\.md)? (?:section )?(\d+(?:\.\d+)*(?:(?:, | and )\d+(?:\.\d+)*)*)`)
	sectionNumber  = regexp.MustCompile(`\d+(?:\.\d+)*`)
	// designLink is a link to a heading of DESIGN.md.
	designLink = regexp.MustCompile(`DESIGN\.md#([\w-]+)`)
)

// badCitations returns, as "path:line: problem", every citation of a
// section that DESIGN.md does not have.
func badCitations(path string, content []byte, sections, anchors map[string]bool) []string {
	var bad []string
	for i, line := range strings.Split(string(content), "\n") {
		for _, m := range designCitation.FindAllStringSubmatch(line, -1) {
			for _, n := range sectionNumber.FindAllString(m[1], -1) {
				if !sections[n] {
					bad = append(bad, fmt.Sprintf("%s:%d: cites section %s, which DESIGN.md does not have", path, i+1, n))
				}
			}
		}
		for _, m := range designLink.FindAllStringSubmatch(line, -1) {
			if !anchors[m[1]] {
				bad = append(bad, fmt.Sprintf("%s:%d: links to #%s, which no heading of DESIGN.md makes", path, i+1, m[1]))
			}
		}
	}
	return bad
}

// TestDesignCitationsLandOnASection: every "DESIGN n.n" in a comment or a
// document, and every link into DESIGN.md, names a section it has.
func TestDesignCitationsLandOnASection(t *testing.T) {
	sections, anchors := designSections(t)
	var bad []string
	cited := 0
	for _, f := range repoFiles(t) {
		bad = append(bad, badCitations(f.path, f.content, sections, anchors)...)
		cited += len(designCitation.FindAll(f.content, -1))
	}
	if cited == 0 {
		t.Fatal("found no citation of DESIGN.md at all: the pattern no longer matches how the code cites it")
	}
	if len(bad) > 0 {
		t.Errorf("citations that land on no section of DESIGN.md (renumbered? point them at the section that "+
			"states the rule):\n%s", strings.Join(bad, "\n"))
	}
}

func TestBadCitationsAreFound(t *testing.T) {
	sections := map[string]bool{"2": true, "2.3": true, "3": true, "3.2": true}
	anchors := map[string]bool{"23-acting-as-a-managed-account": true}
	// Spelled in parts, so that this file's citations are not checked.
	const design = "DES" + "IGN"
	for _, tc := range []struct {
		line string
		bad  int
	}{
		{"// Pricing (" + design + " 3.2): rates", 0},
		{"// rules of " + design + " section 3 (tenancy)", 0},
		{"// (" + design + " 2.3, 3.2)", 0},
		{"see [" + design + ".md 2.3](" + design + ".md#23-acting-as-a-managed-account)", 0},
		{"// Pricing (" + design + " 2.1): rates", 1},
		{"// (" + design + " 2.3, 3.7 and 4)", 2},
		{"// " + design + " section 9", 1},
		{"see [acting as](" + design + ".md#acting-as-a-managed-account)", 1},
		{"REFERENCE_" + design + "_X=1 and " + design + "S 4.4", 0},
	} {
		if got := badCitations("x.go", []byte(tc.line), sections, anchors); len(got) != tc.bad {
			t.Errorf("badCitations(%q) = %q, want %d", tc.line, got, tc.bad)
		}
	}
}

func TestHeadingAnchor(t *testing.T) {
	for heading, want := range map[string]string{
		" 2.3 Acting as a managed account":     "23-acting-as-a-managed-account",
		" 1. What we build":                    "1-what-we-build",
		" 2.5 The portal (Mission Control)":    "25-the-portal-mission-control",
		" 1.2 What may import what":            "12-what-may-import-what",
		" 3.3 Ledger and money":                "33-ledger-and-money",
		" 6. Where the code departs from `it`": "6-where-the-code-departs-from-it",
		"Mission Control — the portal":         "mission-control--the-portal",
		"Déjà vu: `telnyx_api_key` (v2)":       "déjà-vu-telnyx_api_key-v2",
	} {
		if got := headingAnchor(heading); got != want {
			t.Errorf("headingAnchor(%q) = %q, want %q", heading, got, want)
		}
	}
}
