// Package repocheck holds tests of the repository as a whole (DESIGN 5):
// that it names nothing outside itself, that every citation of DESIGN.md
// lands on a section of it, that packages import only what DESIGN 1.2
// allows, and that every relative link of every Markdown file lands on a
// file, and a heading, of the repository. It has no code of its own.
package repocheck
