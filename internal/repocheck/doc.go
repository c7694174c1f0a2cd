// Package repocheck holds tests of the repository as a whole (DESIGN 5):
// that it names nothing outside itself, that every citation of DESIGN.md
// lands on a section of it, and that packages import only what DESIGN 1.2
// allows. It has no code of its own.
package repocheck
