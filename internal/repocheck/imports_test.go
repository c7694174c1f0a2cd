package repocheck

import (
	"fmt"
	"go/parser"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "github.com/managedaccounts/terraform-provider-telnyx"

// importRule forbids the packages it applies to some imports.
type importRule struct {
	why string
	// applies tells whether the rule is about a package (a path relative
	// to the module, "" for the root).
	applies func(pkg string) bool
	// forbids tells whether the rule forbids an import (a full import path).
	forbids func(imp string) bool
}

// under reports whether p is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// ours turns a module-relative package path into an import path.
func ours(p string) string { return module + "/" + p }

func underAny(p string, dirs ...string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool { return under(p, d) })
}

// importRules are the rules of DESIGN 1.2.
var importRules = []importRule{
	{
		why:     "the provider knows the backend only as an HTTP server",
		applies: func(pkg string) bool { return under(pkg, "internal/provider") && pkg != "internal/provider/acctest" },
		forbids: func(imp string) bool { return under(imp, ours("internal/backend")) },
	},
	{
		why:     "the acceptance tests' helper starts a backend through backendtest only",
		applies: func(pkg string) bool { return pkg == "internal/provider/acctest" },
		forbids: func(imp string) bool {
			return under(imp, ours("internal/backend")) && imp != ours("internal/backend/backendtest")
		},
	},
	{
		why:     "the API client imports no package of this module",
		applies: func(pkg string) bool { return under(pkg, "internal/client") },
		forbids: func(imp string) bool { return under(imp, module) },
	},
	{
		why:     "the backend never depends on the provider",
		applies: func(pkg string) bool { return underAny(pkg, "internal/backend", "cmd") },
		forbids: func(imp string) bool { return under(imp, ours("internal/provider")) },
	},
	{
		why:     "the domain knows neither HTTP nor SQL nor any adapter",
		applies: func(pkg string) bool { return pkg == "internal/backend" },
		forbids: func(imp string) bool {
			return imp == "net/http" || imp == "database/sql" ||
				underAny(imp, ours("internal/backend/httpapi"), ours("internal/backend/portal"), ours("internal/backend/sqlite"),
					ours("internal/backend/postgres"), ours("internal/backend/sqlstore"), ours("internal/backend/migrations"))
		},
	},
	{
		why:     "the HTTP layer and the portal reach storage only through the domain",
		applies: func(pkg string) bool { return underAny(pkg, "internal/backend/httpapi", "internal/backend/portal") },
		forbids: func(imp string) bool {
			return underAny(imp, ours("internal/backend/sqlite"), ours("internal/backend/postgres"),
				ours("internal/backend/sqlstore"), ours("internal/backend/migrations"))
		},
	},
	{
		why:     "the Prometheus client library is imported by internal/backend/metrics alone",
		applies: func(pkg string) bool { return pkg != "internal/backend/metrics" },
		forbids: func(imp string) bool { return under(imp, "github.com/prometheus") },
	},
	{
		why: "the stores never import the HTTP layer or the portal",
		applies: func(pkg string) bool {
			return underAny(pkg, "internal/backend/sqlite", "internal/backend/postgres", "internal/backend/sqlstore",
				"internal/backend/migrations")
		},
		forbids: func(imp string) bool {
			return underAny(imp, ours("internal/backend/httpapi"), ours("internal/backend/portal"))
		},
	},
}

// importViolations returns, as "pkg imports imp: why", every import of
// imports (package path relative to the module → import paths) that a rule
// forbids.
func importViolations(imports map[string][]string) []string {
	var bad []string
	for pkg, imps := range imports {
		for _, imp := range imps {
			for _, r := range importRules {
				if r.applies(pkg) && r.forbids(imp) {
					bad = append(bad, fmt.Sprintf("%s imports %s: %s", ours(pkg), imp, r.why))
				}
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// TestImportRules: the packages import only what DESIGN 1.2 allows. Test
// files are left out: a test may reach across layers to check them.
func TestImportRules(t *testing.T) {
	imports := map[string][]string{}
	fset := token.NewFileSet()
	for _, f := range repoFiles(t) {
		if !strings.HasSuffix(f.path, ".go") || strings.HasSuffix(f.path, "_test.go") || slices.Contains(strings.Split(f.path, "/"), "testdata") {
			continue
		}
		file, err := parser.ParseFile(fset, f.path, f.content, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		pkg := path.Dir(f.path)
		if pkg == "." {
			pkg = ""
		}
		for _, spec := range file.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			imports[pkg] = append(imports[pkg], imp)
		}
	}
	if len(imports[""]) == 0 || len(imports["internal/backend/httpapi"]) == 0 {
		t.Fatalf("read the imports of %d packages, without the root's or the HTTP layer's", len(imports))
	}
	if bad := importViolations(imports); len(bad) > 0 {
		t.Errorf("imports that break the rules of DESIGN 1.2:\n%s", strings.Join(bad, "\n"))
	}
}

func TestImportViolationsAreFound(t *testing.T) {
	bad := importViolations(map[string][]string{
		"internal/provider/billing":  {ours("internal/client"), ours("internal/backend")},
		"internal/provider/acctest":  {ours("internal/backend/backendtest"), ours("internal/backend/sqlite")},
		"internal/client":            {"net/http", ours("internal/provider/providerdata")},
		"internal/backend":           {ours("internal/backend/pricebook"), "database/sql", ours("internal/backend/httpapi")},
		"internal/backend/httpapi":   {ours("internal/backend"), ours("internal/backend/postgres")},
		"internal/backend/portal":    {ours("internal/backend/ratelimit")},
		"internal/backend/sqlite":    {ours("internal/backend/sqlstore"), ours("internal/backend/portal")},
		"internal/backend/usagesim":  {ours("internal/provider")},
		"cmd/reference-backend":      {ours("internal/backend/sqlite"), ours("internal/backend/httpapi")},
		"internal/backend/storetest": {ours("internal/backend")},
	})
	want := []string{
		ours("internal/backend") + " imports database/sql",
		ours("internal/backend") + " imports " + ours("internal/backend/httpapi"),
		ours("internal/backend/httpapi") + " imports " + ours("internal/backend/postgres"),
		ours("internal/backend/sqlite") + " imports " + ours("internal/backend/portal"),
		ours("internal/backend/usagesim") + " imports " + ours("internal/provider"),
		ours("internal/client") + " imports " + ours("internal/provider/providerdata"),
		ours("internal/provider/acctest") + " imports " + ours("internal/backend/sqlite"),
		ours("internal/provider/billing") + " imports " + ours("internal/backend"),
	}
	if len(bad) != len(want) {
		t.Fatalf("found %d violations, want %d:\n%s", len(bad), len(want), strings.Join(bad, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(bad[i], want[i]+":") {
			t.Errorf("violation %d = %q, want %q…", i, bad[i], want[i])
		}
	}
}
