package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"runtime"
)

const usage = `reference-backend runs the reference implementation of the Telnyx Managed Accounts API.

Usage:
  reference-backend serve [flags]   start the API server (see "reference-backend serve --help")
  reference-backend simulate-usage [flags]
                                    post realistic usage to a running backend
                                    (see "reference-backend simulate-usage --help")
  reference-backend webhook-receiver [flags]
                                    receive webhooks, verify their signatures and
                                    print each event as a line of JSON
                                    (see "reference-backend webhook-receiver --help")
  reference-backend version         print the version
  reference-backend --help          show this help

Every serve flag can also be set through an environment variable, listed with
the flag; a flag given on the command line wins over its variable.
`

// app is the command line program, with its outside world passed in so that
// tests can run it in-process.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string

	// Test hooks: onListen and onMetricsListen learn the addresses actually
	// bound (for --addr, serve's or webhook-receiver's, and --metrics-addr
	// with port 0), wrapHandler wraps
	// the API handler.
	onListen        func(addr string)
	onMetricsListen func(addr string)
	wrapHandler     func(http.Handler) http.Handler
}

func newApp(stdout, stderr io.Writer, getenv func(string) string) *app {
	return &app{stdout: stdout, stderr: stderr, getenv: getenv}
}

// run executes the command line args and returns the process exit code.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return a.runServe(ctx, args[1:])
	case "simulate-usage":
		return a.runSimulate(ctx, args[1:])
	case "webhook-receiver":
		return a.runWebhookReceiver(ctx, args[1:])
	case "version", "--version", "-version":
		fmt.Fprintf(a.stdout, "reference-backend %s (%s)\n", version, runtime.Version())
		return 0
	case "help", "--help", "-help", "-h":
		fmt.Fprint(a.stdout, usage)
		return 0
	}
	fmt.Fprintf(a.stderr, "reference-backend: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// runCommand ends a command whose flags parsed with parseErr: 0 after
// --help, 2 for bad flags, else run's outcome (1 when it fails), each
// error on standard error under the command's name.
func runCommand(a *app, name string, parseErr error, run func() error) int {
	if errors.Is(parseErr, flag.ErrHelp) {
		return 0
	}
	if parseErr != nil {
		fmt.Fprintf(a.stderr, "reference-backend %s: %v\n", name, parseErr)
		return 2
	}
	if err := run(); err != nil {
		fmt.Fprintf(a.stderr, "reference-backend %s: %v\n", name, err)
		return 1
	}
	return 0
}
