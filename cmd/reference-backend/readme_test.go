package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The backend's README (this folder's README.md, its manual) documents the
// flags of serve, simulate-usage and webhook-receiver in tables; these tests keep each
// table and the flags the command accepts from drifting apart, in both
// directions.

func TestReadmeListsEveryServeFlag(t *testing.T) {
	var help bytes.Buffer
	if _, err := parseServeConfig([]string{"--help"}, func(string) string { return "" }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve --help: %v", err)
	}
	checkFlagTable(t, "serve", help.String(), readmeFlagTable(t, "Every flag has an environment variable"), true)
}

func TestReadmeListsEverySimulateUsageFlag(t *testing.T) {
	var help bytes.Buffer
	_, err := parseSimulateConfig([]string{"--help"}, func(string) string { return "" }, &help, time.Now())
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("simulate-usage --help: %v", err)
	}
	checkFlagTable(t, "simulate-usage", help.String(), readmeFlagTable(t, "## Simulated usage"), false)
}

func TestReadmeListsEveryWebhookReceiverFlag(t *testing.T) {
	var help bytes.Buffer
	if _, err := parseReceiverConfig([]string{"--help"}, func(string) string { return "" }, &help); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("webhook-receiver --help: %v", err)
	}
	checkFlagTable(t, "webhook-receiver", help.String(), readmeFlagTable(t, "### Receiving webhooks"), false)
}

// readmeFlagTable returns the rows of the first table of flags (rows that
// start with "| `--") after the line of the README that contains marker.
func readmeFlagTable(t *testing.T, marker string) []string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("the README has no %q", marker)
	}
	var rows []string
	for _, line := range strings.Split(text[i:], "\n") {
		switch {
		case strings.HasPrefix(line, "| `--"):
			rows = append(rows, line)
		case len(rows) > 0 && !strings.HasPrefix(line, "|"):
			return rows // the end of the table
		}
	}
	return rows
}

// checkFlagTable compares the flags of a --help text with a README table
// whose first cell names one flag and, when everyFlagHasEnv, whose second
// names the flag's environment variable as the help does.
func checkFlagTable(t *testing.T, command, help string, rows []string, everyFlagHasEnv bool) {
	t.Helper()
	// A flag of the help is a line "  -name type", its text on the next.
	flagLine := regexp.MustCompile(`(?m)^  -([a-z0-9-]+).*\n\s+(.*)$`)
	envOf := regexp.MustCompile(`\(env (REFERENCE_BACKEND_[A-Z0-9_]+)`)
	helpFlags := flagLine.FindAllStringSubmatch(help, -1)
	if len(helpFlags) == 0 {
		t.Fatalf("%s --help lists no flag:\n%s", command, help)
	}
	tableFlag := regexp.MustCompile("^\\| `--([a-z0-9-]+)` \\|")
	inTable := map[string]string{}
	for _, row := range rows {
		m := tableFlag.FindStringSubmatch(row)
		if m == nil {
			t.Errorf("README row of %s names no single flag: %s", command, row)
			continue
		}
		inTable[m[1]] = row
	}
	for _, f := range helpFlags {
		name, text := f[1], f[2]
		row, ok := inTable[name]
		if !ok {
			t.Errorf("%s has --%s, which the README's table does not list", command, name)
			continue
		}
		delete(inTable, name)
		env := envOf.FindStringSubmatch(text)
		if env == nil {
			if everyFlagHasEnv {
				t.Errorf("%s --help gives --%s no environment variable", command, name)
			}
			continue
		}
		if !strings.Contains(row, "`"+env[1]+"`") {
			t.Errorf("the README's row of --%s does not name %s: %s", name, env[1], row)
		}
	}
	for name := range inTable {
		t.Errorf("the README lists --%s, which %s does not accept", name, command)
	}
}
