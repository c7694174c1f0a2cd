package repocheck

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository's root, seen from this package's folder.
const repoRoot = "../.."

// repoFile is one file of the repository: its slash-separated path from the
// root and its content.
type repoFile struct {
	path    string
	content []byte
}

// repoFiles returns the repository's text files (repoPaths, binary files
// left out).
func repoFiles(t *testing.T) []repoFile {
	t.Helper()
	var files []repoFile
	for _, p := range repoPaths(t) {
		content, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(p)))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(content, 0) >= 0 {
			continue // binary
		}
		files = append(files, repoFile{path: p, content: content})
	}
	if len(files) < 100 {
		t.Fatalf("found %d files in %s; expected the whole repository", len(files), repoRoot)
	}
	return files
}

// repoPaths returns the slash-separated paths of the repository's files:
// the files git tracks or would add (ignored ones left out), or, outside a
// git checkout, every file; either way, none inside a folder that builds
// and runs leave behind.
func repoPaths(t *testing.T) []string {
	t.Helper()
	paths, err := gitFiles()
	if err != nil {
		t.Logf("not listing the files with git (%v): walking the tree instead", err)
		if paths, err = walkFiles(); err != nil {
			t.Fatal(err)
		}
	}
	return slices.DeleteFunc(paths, func(p string) bool {
		return slices.ContainsFunc(strings.Split(path.Dir(p), "/"), func(dir string) bool { return leftBehind[dir] })
	})
}

func gitFiles() ([]string, error) {
	out, err := exec.Command("git", "-C", repoRoot, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return nil, err
	}
	var paths []string
	for p := range strings.SplitSeq(string(out), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// leftBehind are the folders, by name, that builds, the demo, benchmarks,
// npm and Terraform runs create (see .gitignore): not the repository's.
var leftBehind = map[string]bool{
	".git": true, ".demo": true, ".bench": true, ".screenshots": true, ".terraform": true,
	".test-results": true, "bin": true, "dist": true, "reference-data": true, "node_modules": true,
}

func walkFiles() ([]string, error) {
	var paths []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if leftBehind[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(repoRoot, path)
		if err != nil {
			return err
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	return paths, err
}
