// Command reference-backend runs the reference implementation of the Telnyx
// Managed Accounts API that the provider's tests and demo run against.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal starts a graceful shutdown, restore the default
	// handling so that a second one stops the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := newApp(os.Stdout, os.Stderr, os.Getenv).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
