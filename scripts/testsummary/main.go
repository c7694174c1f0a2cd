// Command testsummary prints, at the end of `make test`, every test that was
// skipped in any of the run's `go test -json` logs, with the reason it gave,
// so that a skip never passes unseen (go test shows skips only under -v).
//
//	go run ./scripts/testsummary [-loud REGEXP] FILE_OR_DIR...
//
// A directory stands for the *.json files in it. Skips whose reason matches
// -loud (a browser test without a browser, say) are printed first, in a box:
// they are coverage a developer most likely meant to have.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// event is the part of a test2json event the summary reads.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// skip is one skipped test of one run.
type skip struct {
	Run     string // the log's name: which run of `make test`
	Package string
	Test    string
	Reason  string
}

func main() {
	loud := flag.String("loud", "", "a regular expression: skips whose reason matches it are shown first, in a box")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: testsummary [-loud REGEXP] FILE_OR_DIR...")
		flag.PrintDefaults()
	}
	flag.Parse()
	var loudRE *regexp.Regexp
	if *loud != "" {
		var err error
		if loudRE, err = regexp.Compile(*loud); err != nil {
			fatalf("-loud: %v", err)
		}
	}
	files, err := logFiles(flag.Args())
	if err != nil {
		fatalf("%v", err)
	}
	var skips []skip
	for _, name := range files {
		found, err := readSkips(name)
		if err != nil {
			fatalf("%v", err)
		}
		skips = append(skips, found...)
	}
	write(os.Stdout, skips, loudRE)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "testsummary: "+format+"\n", args...)
	os.Exit(1)
}

// logFiles expands directories to the *.json files in them, in name order.
func logFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if errors.Is(err, os.ErrNotExist) {
			continue // a run that did not happen (a target that was not asked for)
		}
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, arg)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(arg, "*.json"))
		if err != nil {
			return nil, err
		}
		slices.Sort(matches)
		files = append(files, matches...)
	}
	return files, nil
}

// readSkips returns the tests a go test -json log reports skipped, each with
// the lines it printed (its t.Skip message among them).
func readSkips(name string) ([]skip, error) {
	f, err := os.Open(name) //nolint:gosec // G304: the files to read are the command's arguments
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	output := map[[2]string][]string{}
	var skips []skip
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue // go test prints build errors as plain text
		}
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if ev.Test == "" {
			continue
		}
		id := [2]string{ev.Package, ev.Test}
		switch ev.Action {
		case "output":
			output[id] = append(output[id], ev.Output)
		case "skip":
			skips = append(skips, skip{Run: run, Package: ev.Package, Test: ev.Test, Reason: skipReason(output[id])})
			delete(output, id)
		case "pass", "fail":
			delete(output, id)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return skips, nil
}

// skipReason is what a skipped test printed, without the "=== RUN" and
// "--- SKIP" framing lines and the file:line prefix of t.Skip's message.
func skipReason(lines []string) string {
	var reason []string
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "=== ") || strings.HasPrefix(trimmed, "--- ") {
			continue
		}
		if file, msg, ok := strings.Cut(trimmed, ": "); ok && strings.HasSuffix(strings.SplitN(file, ":", 2)[0], ".go") {
			trimmed = msg
		}
		reason = append(reason, trimmed)
	}
	if len(reason) == 0 {
		return "(no reason given)"
	}
	return strings.Join(reason, " ")
}

// write prints the skips grouped by reason, the loud ones first.
func write(w io.Writer, skips []skip, loud *regexp.Regexp) {
	if len(skips) == 0 {
		fmt.Fprintln(w, "Skipped tests: none.")
		return
	}
	var quiet, noisy []skip
	for _, s := range skips {
		if loud != nil && loud.MatchString(s.Reason) {
			noisy = append(noisy, s)
		} else {
			quiet = append(quiet, s)
		}
	}
	if len(noisy) > 0 {
		bar := strings.Repeat("!", 78)
		fmt.Fprintln(w, bar)
		fmt.Fprintf(w, "!! %d test(s) did NOT run: the coverage below is missing from this run\n", len(noisy))
		writeGroups(w, noisy, "!! ")
		fmt.Fprintln(w, bar)
	}
	if len(quiet) > 0 {
		fmt.Fprintf(w, "Skipped tests (%d), by reason:\n", len(quiet))
		writeGroups(w, quiet, "")
	}
}

// writeGroups prints one paragraph per reason: the reason, then its tests.
func writeGroups(w io.Writer, skips []skip, prefix string) {
	byReason := map[string][]skip{}
	var reasons []string
	for _, s := range skips {
		if _, ok := byReason[s.Reason]; !ok {
			reasons = append(reasons, s.Reason)
		}
		byReason[s.Reason] = append(byReason[s.Reason], s)
	}
	slices.Sort(reasons)
	for _, reason := range reasons {
		group := byReason[reason]
		fmt.Fprintf(w, "%s- %s (%d)\n", prefix, reason, len(group))
		for _, s := range group {
			fmt.Fprintf(w, "%s    %s %s.%s\n", prefix, s.Run, shortPackage(s.Package), s.Test)
		}
	}
}

// shortPackage drops the module path, which every package shares.
func shortPackage(pkg string) string {
	if _, rest, ok := strings.Cut(pkg, "/internal/"); ok {
		return "internal/" + rest
	}
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		return pkg[i+1:]
	}
	return pkg
}
