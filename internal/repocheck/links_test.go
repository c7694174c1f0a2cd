package repocheck

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
)

// Every relative link of every Markdown file must land on a file or folder
// of the repository and, when it names an #anchor of a Markdown file, on a
// heading (or an explicit <a id>) of that file, as GitHub renders them.
// Links outside the repository (a scheme, or //host) are not followed.
//
// docs/ is the Terraform Registry's: its pages link to each other without
// the .md extension (`../guides/billing`), which the registry resolves to
// docs/guides/billing.md. Such a link is checked as the registry reads it.

var (
	// inlineLink is the target of [text](target) or ![alt](target), with an
	// optional "title"; <target> may be in angle brackets.
	inlineLink = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+"[^"]*")?\s*\)`)
	// referenceLink is a link reference definition: [label]: target.
	referenceLink = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// htmlLink is the target of an HTML href or src attribute.
	htmlLink = regexp.MustCompile(`\b(?:href|src)="([^"]*)"`)
	// atxHeading is a heading line: its text, without a closing run of #.
	atxHeading = regexp.MustCompile(`^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	// htmlAnchor is an explicit anchor: <a id="x"> or <a name="x">.
	htmlAnchor = regexp.MustCompile(`<a\s+(?:[^>]*\s)?(?:id|name)="([^"]+)"`)
	// fence opens or closes a fenced code block.
	fence = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	// linkInText is a link inside a heading, whose text is what it shows.
	linkInText = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	// htmlTag is any HTML tag inside a heading.
	htmlTag = regexp.MustCompile(`<[^>]+>`)
	// scheme starts an absolute URL: https:, mailto:.
	scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// markdownLine is a line of Markdown outside code blocks and front matter.
type markdownLine struct {
	number int
	text   string
}

// proseLines returns the lines of a Markdown document that hold its prose
// and headings: not its YAML front matter nor its fenced code blocks, whose
// text is never a link or a heading.
func proseLines(content string) []markdownLine {
	lines := strings.Split(content, "\n")
	var prose []markdownLine
	start := 0
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "---" {
		for i := 1; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == "---" {
				start = i + 1
				break
			}
		}
	}
	var open string // the fence of the code block we are in, if any
	for i := start; i < len(lines); i++ {
		line := lines[i]
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case open == "":
				open = m[1]
				continue
			case m[1][0] == open[0] && len(m[1]) >= len(open) && strings.TrimSpace(line) == m[1]:
				open = ""
				continue
			}
		}
		if open == "" {
			prose = append(prose, markdownLine{number: i + 1, text: line})
		}
	}
	return prose
}

// markdownAnchors returns the anchors of a Markdown document: GitHub's of
// each heading (a repeated heading's gets -1, -2…) and the explicit ones.
func markdownAnchors(content string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, l := range proseLines(content) {
		for _, m := range htmlAnchor.FindAllStringSubmatch(l.text, -1) {
			anchors[m[1]] = true
		}
		m := atxHeading.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		text := linkInText.ReplaceAllString(m[1], "$1")
		text = htmlTag.ReplaceAllString(text, "")
		slug := headingAnchor(text)
		if n := seen[slug]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}

// withoutCodeSpans returns a line without its inline code, whose text is
// never a link: a run of backticks opens a span that the next run of as
// many closes; a run that nothing closes is text.
func withoutCodeSpans(line string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(line, '`')
		if i < 0 {
			return b.String() + line
		}
		b.WriteString(line[:i])
		n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
		rest := line[i+n:]
		closed := false
		for j := 0; j < len(rest); {
			k := strings.IndexByte(rest[j:], '`')
			if k < 0 {
				break
			}
			m := len(rest[j+k:]) - len(strings.TrimLeft(rest[j+k:], "`"))
			if m == n {
				line, closed = rest[j+k+m:], true
				break
			}
			j += k + m
		}
		if !closed {
			b.WriteString(line[i : i+n])
			line = rest
		}
	}
}

// markdownLink is a link target found on a line of a Markdown file.
type markdownLink struct {
	line   int
	target string
}

// relativeLinks returns the targets of a Markdown document's links that
// stay inside the repository: not those with a scheme or a host, nor those
// written inside code.
func relativeLinks(content string) []markdownLink {
	var links []markdownLink
	for _, l := range proseLines(content) {
		text := withoutCodeSpans(l.text)
		var targets []string
		for _, m := range inlineLink.FindAllStringSubmatch(text, -1) {
			targets = append(targets, m[1])
		}
		if m := referenceLink.FindStringSubmatch(text); m != nil {
			targets = append(targets, m[1])
		}
		for _, m := range htmlLink.FindAllStringSubmatch(text, -1) {
			targets = append(targets, m[1])
		}
		for _, target := range targets {
			target = strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
			if target == "" || scheme.MatchString(target) || strings.HasPrefix(target, "//") {
				continue
			}
			links = append(links, markdownLink{line: l.number, target: target})
		}
	}
	return links
}

// brokenLinks returns, as "path:line: problem", every relative link of the
// Markdown files of files (path → content) that lands on no file or folder
// of paths, or on no anchor of its Markdown target.
func brokenLinks(files map[string]string, paths []string) []string {
	exists := map[string]bool{".": true}
	for _, p := range paths {
		for dir := p; dir != "."; dir = path.Dir(dir) {
			exists[dir] = true
		}
	}
	anchors := map[string]map[string]bool{}
	anchorsOf := func(p string) map[string]bool {
		if anchors[p] == nil {
			anchors[p] = markdownAnchors(files[p])
		}
		return anchors[p]
	}
	var bad []string
	for file, content := range files {
		if !strings.HasSuffix(file, ".md") {
			continue
		}
		for _, l := range relativeLinks(content) {
			problem := linkProblem(file, l.target, exists, anchorsOf)
			if problem != "" {
				bad = append(bad, fmt.Sprintf("%s:%d: (%s) %s", file, l.line, l.target, problem))
			}
		}
	}
	return bad
}

// linkProblem says what is wrong with a link of file to target, or "".
func linkProblem(file, target string, exists map[string]bool, anchorsOf func(string) map[string]bool) string {
	ref, fragment, _ := strings.Cut(target, "#")
	ref, _, _ = strings.Cut(ref, "?")
	ref, err := url.PathUnescape(ref)
	if err != nil {
		return "is not a valid path: " + err.Error()
	}
	dest := file
	if ref != "" {
		if strings.HasPrefix(ref, "/") {
			dest = path.Clean(strings.TrimPrefix(ref, "/"))
		} else {
			dest = path.Join(path.Dir(file), ref)
		}
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "points outside the repository"
		}
		if !exists[dest] && strings.HasPrefix(file, "docs/") && path.Ext(dest) == "" && exists[dest+".md"] {
			dest += ".md" // a registry page
		}
		if !exists[dest] {
			return "names " + dest + ", which the repository does not have"
		}
	}
	if fragment == "" || !strings.HasSuffix(dest, ".md") {
		return ""
	}
	if !anchorsOf(dest)[fragment] {
		return "names #" + fragment + ", which no heading of " + dest + " makes"
	}
	return ""
}

// TestMarkdownLinksResolve: every relative link of every Markdown file of the
// repository (the Registry's docs/ included) lands on a file or folder of it,
// and on a heading when it names one.
func TestMarkdownLinksResolve(t *testing.T) {
	paths := repoPaths(t)
	files := map[string]string{}
	links := 0
	for _, f := range repoFiles(t) {
		files[f.path] = string(f.content)
		if strings.HasSuffix(f.path, ".md") {
			links += len(relativeLinks(string(f.content)))
		}
	}
	if links < 100 {
		t.Fatalf("found %d relative links in the Markdown files; expected the README's, the guides' and the registry docs' at least", links)
	}
	if bad := brokenLinks(files, paths); len(bad) > 0 {
		t.Errorf("%d broken links (moved a file or renamed a heading? point the link at where it went):\n%s",
			len(bad), strings.Join(bad, "\n"))
	}
}

func TestWithoutCodeSpans(t *testing.T) {
	for line, want := range map[string]string{
		"a `[x](y)` b":           "a  b",
		"a ``x ` y`` b `z` c":    "a  b  c",
		"a ``x` b":               "a ``x` b",
		"no code [x](y)":         "no code [x](y)",
		"``` `a` [x](y)":         "```  [x](y)",
		"`a` [x](y) ``b`` `c``d": " [x](y)  `c``d",
	} {
		if got := withoutCodeSpans(line); got != want {
			t.Errorf("withoutCodeSpans(%q) = %q, want %q", line, got, want)
		}
	}
}

func TestBrokenLinksAreFound(t *testing.T) {
	files := map[string]string{
		"README.md": "# Title\n\n## Running the tests\n\n### Usage reports\n\n### Usage reports\n\n" +
			"## Mission Control (the web portal)\n\n<a id=\"nestedblock--timeouts\"></a>\n",
		"cmd/x/README.md":           "# The backend\n\n## Running `serve`\n",
		"docs/guides/billing.md":    "---\ndescription: |-\n  see [x](nowhere.md)\n---\n# Billing\n",
		"docs/resources/balance.md": "# Balance\n",
		"bench/BENCHMARKS.md":       "# Report\n",
	}
	paths := []string{"README.md", "cmd/x/README.md", "cmd/x/main.go", "docs/guides/billing.md",
		"docs/resources/balance.md", "bench/BENCHMARKS.md", "scripts/bench.sh"}
	for _, tc := range []struct {
		from, line string
		broken     bool
	}{
		{"README.md", "See [the manual](cmd/x/README.md).", false},
		{"README.md", "See [the manual](cmd/x/README.md#running-serve).", false},
		{"README.md", "See [the manual](cmd/x/README.md#running).", true},
		{"README.md", "See [the report](BENCHMARKS.md).", true},
		{"README.md", "See [the report](bench/BENCHMARKS.md) and [the folder](bench/).", false},
		{"README.md", "![chart](bench/chart.png)", true},
		{"README.md", "[runs](#running-the-tests), [reports](#usage-reports-1), [portal](#mission-control-the-web-portal)", false},
		{"README.md", "[reports](#usage-reports-2)", true},
		{"README.md", "[timeouts](#nestedblock--timeouts)", false},
		{"README.md", "[source](cmd/x/main.go#L10), [script](./scripts/bench.sh)", false},
		{"README.md", "[up](../elsewhere/README.md)", true},
		{"README.md", "[site](https://example.com/x.md#nothing), [mail](mailto:a@example.com), [host](//example.com/y)", false},
		{"README.md", "`[not a link](missing.md)` and ``[nor](this.md)``", false},
		{"README.md", "```sh\necho [a](missing.md)\n# not a heading\n```\n[b](#title)", false},
		{"README.md", "~~~\n# not a heading\n```\n~~~\n[b](#not-a-heading)", true},
		{"README.md", "Text `` a ` b `` then [b](missing.md) and `unclosed [c](README.md)", true},
		{"README.md", "[ref]: cmd/x/README.md", false},
		{"README.md", "[ref]: cmd/y/README.md", true},
		{"README.md", `<img src="docs/missing.png">`, true},
		{"cmd/x/README.md", "[design](../../README.md#title) and [self](#the-backend)", false},
		{"cmd/x/README.md", "[design](README.md#title)", true},
		{"docs/resources/balance.md", "See [billing](../guides/billing).", false},
		{"docs/resources/balance.md", "See [billing](../guides/billing#billing).", false},
		{"docs/resources/balance.md", "See [import](../guides/importing).", true},
		{"README.md", "See [billing](docs/guides/billing).", true}, // extensionless only in docs/
	} {
		content := files[tc.from] + "\n" + tc.line + "\n"
		withLine := map[string]string{tc.from: content}
		for p, c := range files {
			if p != tc.from {
				withLine[p] = c
			}
		}
		bad := brokenLinks(withLine, paths)
		if got := len(bad) > 0; got != tc.broken {
			t.Errorf("%s: %q: broken links %q, want broken %v", tc.from, tc.line, bad, tc.broken)
		}
	}
}
