// Package bench is the harness behind `make bench` (issue 8): it runs
// Terraform against the reference backend beside the built-in
// terraform_data resource, loads the backend's HTTP API beside Prism mocking
// the same contract and, with the same loads, one backend and two replicas
// on PostgreSQL, records peak memory and request counts, and writes
// BENCHMARKS.md from those results and from the Go benchmarks' output.
//
// Everything runs on loopback, against binaries built from this tree; the
// command is benchdriver. The harness is Linux-only where it reads /proc
// (peak resident memory); elsewhere those figures are reported as missing.
// It is a Go module of its own, apart from the module the provider and the
// backend ship from (README.md in this folder says why and how).
package bench
