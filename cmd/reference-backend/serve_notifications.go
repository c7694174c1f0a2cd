package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/webhook"
)

// notificationSettings configure where notifications may go and how the
// delivery worker sends webhooks (DESIGN 3.8).
type notificationSettings struct {
	allowPrivateDestinations   bool
	refuseLoopbackDestinations bool
	worker                     backend.DeliveryOptions
}

// notificationFlags are the settings as given, before parsing.
type notificationFlags struct {
	allowPrivate, refuseLoopback, maxAttempts, retryWaitMin, retryWaitMax, timeout, pollInterval, retention string
}

// Bounds of the notification settings: an attempt may take up to an hour,
// a delivery up to a hundred of them, spread over a day at most each.
const (
	maxNotificationAttempts  = 100
	maxNotificationDuration  = time.Hour
	maxNotificationRetryWait = 24 * time.Hour
	// A finished notification is kept from a minute (the portal still
	// shows the last attempt) to ten years.
	minNotificationRetention = time.Minute
	maxNotificationRetention = 10 * 365 * 24 * time.Hour
)

// addNotificationFlags declares the notification flags through add (see
// parseServeConfig), each with its environment variable.
func addNotificationFlags(add func(dst *string, name, env, def, help string), f *notificationFlags) {
	add(&f.allowPrivate, "notification-allow-private-destinations", "REFERENCE_BACKEND_NOTIFICATION_ALLOW_PRIVATE_DESTINATIONS", "false",
		"let webhook channels reach private, link-local and shared addresses (10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, 198.18/15, fc00::/7, fe80::/10); loopback is allowed unless --notification-refuse-loopback-destinations")
	add(&f.refuseLoopback, "notification-refuse-loopback-destinations", "REFERENCE_BACKEND_NOTIFICATION_REFUSE_LOOPBACK_DESTINATIONS", "false",
		"refuse webhook channels to loopback addresses (127/8, ::1), which are allowed by default for tests and demos: set it where the backend's host or pod listens on loopback for anything else")
	add(&f.maxAttempts, "notification-max-attempts", "REFERENCE_BACKEND_NOTIFICATION_MAX_ATTEMPTS", strconv.Itoa(backend.DefaultDeliveryMaxAttempts),
		"how many times a webhook is tried before its delivery fails")
	add(&f.retryWaitMin, "notification-retry-wait-min", "REFERENCE_BACKEND_NOTIFICATION_RETRY_WAIT_MIN", backend.DefaultDeliveryRetryWaitMin.String(),
		"the wait after a webhook's first failed attempt, doubled after each further one")
	add(&f.retryWaitMax, "notification-retry-wait-max", "REFERENCE_BACKEND_NOTIFICATION_RETRY_WAIT_MAX", backend.DefaultDeliveryRetryWaitMax.String(),
		"the longest wait between two attempts of a webhook")
	add(&f.timeout, "notification-timeout", "REFERENCE_BACKEND_NOTIFICATION_TIMEOUT", backend.DefaultDeliveryTimeout.String(),
		"how long one webhook attempt may take before it counts as failed")
	add(&f.pollInterval, "notification-poll-interval", "REFERENCE_BACKEND_NOTIFICATION_POLL_INTERVAL", backend.DefaultDeliveryPollInterval.String(),
		"how often the delivery worker looks for due webhooks (this replica's own notifications wake it at once)")
	add(&f.retention, "notification-retention", "REFERENCE_BACKEND_NOTIFICATION_RETENTION", backend.DefaultNotificationRetention.String(),
		"how long a notification's deliveries, their attempts and the outbox's entries are kept once finished (delivered or failed); pending ones are never purged")
}

// parse validates the notification settings.
func (f notificationFlags) parse() (notificationSettings, error) {
	var (
		n   notificationSettings
		err error
	)
	if n.allowPrivateDestinations, err = strconv.ParseBool(f.allowPrivate); err != nil {
		return n, fmt.Errorf("--notification-allow-private-destinations must be true or false, not %q", f.allowPrivate)
	}
	if n.refuseLoopbackDestinations, err = strconv.ParseBool(f.refuseLoopback); err != nil {
		return n, fmt.Errorf("--notification-refuse-loopback-destinations must be true or false, not %q", f.refuseLoopback)
	}
	if n.worker.MaxAttempts, err = strconv.Atoi(f.maxAttempts); err != nil || n.worker.MaxAttempts < 1 || n.worker.MaxAttempts > maxNotificationAttempts {
		return n, fmt.Errorf("--notification-max-attempts must be a whole number from 1 to %d, not %q", maxNotificationAttempts, f.maxAttempts)
	}
	durations := []struct {
		name, value, example string
		dst                  *time.Duration
		least, most          time.Duration
	}{
		{"notification-retry-wait-min", f.retryWaitMin, "10s", &n.worker.RetryWaitMin, time.Millisecond, maxNotificationRetryWait},
		{"notification-retry-wait-max", f.retryWaitMax, "10s", &n.worker.RetryWaitMax, time.Millisecond, maxNotificationRetryWait},
		{"notification-timeout", f.timeout, "10s", &n.worker.Timeout, time.Millisecond, maxNotificationDuration},
		{"notification-poll-interval", f.pollInterval, "10s", &n.worker.PollInterval, time.Millisecond, maxNotificationDuration},
		{"notification-retention", f.retention, "720h", &n.worker.Retention, minNotificationRetention, maxNotificationRetention},
	}
	for _, d := range durations {
		if *d.dst, err = time.ParseDuration(d.value); err != nil || *d.dst < d.least || *d.dst > d.most {
			return n, fmt.Errorf("--%s must be a duration from %s to %s, such as %s, not %q", d.name, d.least, d.most, d.example, d.value)
		}
	}
	if n.worker.RetryWaitMin > n.worker.RetryWaitMax {
		return n, fmt.Errorf("--notification-retry-wait-min (%s) must not exceed --notification-retry-wait-max (%s)",
			n.worker.RetryWaitMin, n.worker.RetryWaitMax)
	}
	return n, nil
}

// startDeliveries applies the destination policy to svc and runs its
// delivery worker, which tells metrics (nil: none) of every attempt; the function it returns stops the worker and waits for
// the attempts in flight to be recorded (each bounded by
// --notification-timeout). Called once the HTTP server has drained, so
// that the last requests' notifications are written before it stops;
// those not yet sent wait in the database for the next start.
func (n notificationSettings) startDeliveries(svc *backend.Service, metrics backend.DeliveryMetrics, logger *slog.Logger) (stop func()) {
	svc.SetNotificationOptions(backend.NotificationOptions{
		AllowPrivateDestinations: n.allowPrivateDestinations, RefuseLoopbackDestinations: n.refuseLoopbackDestinations,
	})
	sender := webhook.New(webhook.Options{
		AllowPrivateDestinations: n.allowPrivateDestinations, RefuseLoopbackDestinations: n.refuseLoopbackDestinations,
		UserAgent: "reference-backend/" + version,
	})
	o := n.worker
	o.Logger, o.Metrics = logger, metrics
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { svc.RunDeliveries(ctx, sender, o) })
	return func() {
		cancel()
		wg.Wait()
	}
}
