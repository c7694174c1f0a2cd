package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A log as `go test -json` writes it: one test passes, two skip for the same
// reason in different packages, one skips for a browser, one skips with no
// message, and a build error line is plain text.
const sampleLog = `{"Action":"start","Package":"example.com/m/internal/a"}
{"Action":"run","Package":"example.com/m/internal/a","Test":"TestPasses"}
{"Action":"output","Package":"example.com/m/internal/a","Test":"TestPasses","Output":"=== RUN   TestPasses\n"}
{"Action":"pass","Package":"example.com/m/internal/a","Test":"TestPasses"}
{"Action":"run","Package":"example.com/m/internal/a","Test":"TestOnPostgres"}
{"Action":"output","Package":"example.com/m/internal/a","Test":"TestOnPostgres","Output":"=== RUN   TestOnPostgres\n"}
{"Action":"output","Package":"example.com/m/internal/a","Test":"TestOnPostgres","Output":"    pg_test.go:12: set PG_URL to run this\n"}
{"Action":"output","Package":"example.com/m/internal/a","Test":"TestOnPostgres","Output":"--- SKIP: TestOnPostgres (0.00s)\n"}
{"Action":"skip","Package":"example.com/m/internal/a","Test":"TestOnPostgres"}
{"Action":"output","Package":"example.com/m/internal/b","Test":"TestOther/sub","Output":"    b_test.go:40: set PG_URL to run this\n"}
{"Action":"skip","Package":"example.com/m/internal/b","Test":"TestOther/sub"}
{"Action":"output","Package":"example.com/m/internal/b","Test":"TestInABrowser","Output":"    browser_test.go:50: no Chromium found (set PORTAL_BROWSER_TESTS=required to make this a failure)\n"}
{"Action":"skip","Package":"example.com/m/internal/b","Test":"TestInABrowser"}
{"Action":"skip","Package":"example.com/m/internal/b","Test":"TestSilent"}
# example.com/m/internal/c [build failed]
`

func TestSummaryListsEverySkipWithItsReason(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sqlite.json"), []byte(sampleLog), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := logFiles([]string{dir, filepath.Join(dir, "absent.json")})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("files = %v, want the one log (an absent file is a run that did not happen)", files)
	}
	skips, err := readSkips(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	write(&out, skips, regexp.MustCompile(`PORTAL_BROWSER_TESTS`))
	got := out.String()
	for _, want := range []string{
		"!! 1 test(s) did NOT run",
		"!! - no Chromium found (set PORTAL_BROWSER_TESTS=required to make this a failure) (1)",
		"!!     sqlite internal/b.TestInABrowser",
		"Skipped tests (3), by reason:",
		"- set PG_URL to run this (2)",
		"    sqlite internal/a.TestOnPostgres",
		"    sqlite internal/b.TestOther/sub",
		"- (no reason given) (1)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "TestPasses") {
		t.Errorf("summary lists a test that passed:\n%s", got)
	}
	if strings.Index(got, "did NOT run") > strings.Index(got, "Skipped tests (") {
		t.Errorf("the loud skips are not first:\n%s", got)
	}
}

func TestSummaryWithoutSkips(t *testing.T) {
	var out bytes.Buffer
	write(&out, nil, nil)
	if got := out.String(); got != "Skipped tests: none.\n" {
		t.Fatalf("summary = %q", got)
	}
}
