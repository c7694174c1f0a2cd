package backendtest

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/webhook"
)

// Deliveries configure the notification delivery worker of a test backend.
type Deliveries struct {
	// Worker tunes the worker; tests shorten its waits.
	Worker backend.DeliveryOptions
	// Webhooks configure its sender: loopback destinations (httptest
	// servers) are allowed by default.
	Webhooks webhook.Options
}

// startDeliveries runs the worker until the test ends, when it stops
// before the server and the store close.
func startDeliveries(t testing.TB, svc *backend.Service, d *Deliveries) {
	if d == nil {
		return
	}
	o := d.Worker
	if o.Logger == nil && os.Getenv(LogEnv) == "1" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.RunDeliveries(ctx, webhook.New(d.Webhooks), o) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
}
