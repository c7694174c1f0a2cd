package backend

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// The delivery worker (DESIGN 3.8): it leases due webhook deliveries,
// signs and sends each as Telnyx sends its webhooks, and records every
// attempt; a delivery that fails is tried again after an exponential
// backoff with jitter, up to DeliveryOptions.MaxAttempts. At least once: a
// worker that dies while it holds a lease leaves the delivery to be taken
// again once the lease ends (by itself after a restart, or by another
// replica), and every attempt carries the notification's id as data.id, so
// that a receiver can tell a repeat. With replicas on one database, each
// due delivery is leased by one of them (the lease is taken with FOR UPDATE
// SKIP LOCKED), so each is sent once in normal operation.

// WebhookRequest is one attempt of a webhook: its body, signed.
type WebhookRequest struct {
	URL  string
	Body []byte
	// Timestamp is the Unix time of the attempt, in seconds (the
	// telnyx-timestamp header), and Signature the base64 Ed25519 signature
	// of Timestamp + "|" + Body (the telnyx-signature-ed25519 header).
	Timestamp, Signature string
}

// WebhookSender sends a webhook (package webhook, over HTTP). It answers
// the HTTP status of the receiver's answer, or an error when it got none
// (refused address, connection, timeout).
type WebhookSender interface {
	Send(ctx context.Context, req WebhookRequest) (status int, err error)
}

// DeliveryOptions tune the delivery worker. A zero field takes its default.
type DeliveryOptions struct {
	// MaxAttempts is how many times a webhook is tried before it fails
	// (default 5).
	MaxAttempts int
	// RetryWaitMin is the wait after the first failed attempt, doubled
	// after each further one up to RetryWaitMax (defaults 1s and 5m); each
	// wait is drawn between half of it and all of it.
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds one attempt (default 10s). A delivery's lease lasts
	// Timeout and leaseMargin, so that it outlives the attempt.
	Timeout time.Duration
	// PollInterval is how often the worker looks for due deliveries when
	// nothing wakes it (default 1s): this replica's notifications wake it
	// at once, other replicas' are found by polling.
	PollInterval time.Duration
	// Concurrency is how many webhooks are sent at once (default 4).
	Concurrency int
	// Retention is how long a notification is kept once every delivery of
	// it finished (delivered, failed, or written to the outbox): its
	// deliveries, their attempts, the outbox's entries (default
	// DefaultNotificationRetention). What is pending or in flight is never
	// purged. The worker purges a bounded batch every PurgeInterval
	// (default 1m), and again at once while batches come out full.
	Retention, PurgeInterval time.Duration
	// Owner names the worker in its leases; default a random id.
	Owner string
	// Logger receives failures of the worker itself (never a URL, a body
	// or a signature); nil discards them.
	Logger *slog.Logger
	// Metrics is told the outcome of every attempt (package metrics counts
	// them for Prometheus); nil observes nothing.
	Metrics DeliveryMetrics
}

// DeliveryMetrics observes the delivery worker, for monitoring.
type DeliveryMetrics interface {
	// WebhookDelivery is called once per attempt, with its outcome: one of
	// AttemptDelivered, AttemptFailed, AttemptAbandoned.
	WebhookDelivery(outcome string)
}

// The outcomes of an attempt, as DeliveryMetrics.WebhookDelivery names them.
const (
	// AttemptDelivered: the receiver answered 2xx.
	AttemptDelivered = "delivered"
	// AttemptFailed: another answer or none; the delivery is tried again.
	AttemptFailed = "failed"
	// AttemptAbandoned: the last attempt allowed failed; no more are made.
	AttemptAbandoned = "abandoned"
)

// Defaults of DeliveryOptions.
const (
	DefaultDeliveryMaxAttempts   = 5
	DefaultDeliveryRetryWaitMin  = time.Second
	DefaultDeliveryRetryWaitMax  = 5 * time.Minute
	DefaultDeliveryTimeout       = 10 * time.Second
	DefaultDeliveryPollInterval  = time.Second
	DefaultNotificationRetention = 30 * 24 * time.Hour
	defaultPurgeInterval         = time.Minute
	// notificationPurgeBatch bounds the notifications one purge deletes,
	// with their deliveries (up to a profile's channels each) and attempts.
	notificationPurgeBatch     = 100
	defaultDeliveryConcurrency = 4
	// leaseMargin is how long a lease outlives its attempt's timeout:
	// the time to record the attempt.
	leaseMargin = 5 * time.Second
	// wakeDelay is how long the worker waits, once woken, for the
	// transaction that woke it to commit.
	wakeDelay = 20 * time.Millisecond
	// maxAttemptError bounds what is kept of an attempt's error.
	maxAttemptError = 500
)

func (o DeliveryOptions) withDefaults() DeliveryOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultDeliveryMaxAttempts
	}
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = DefaultDeliveryRetryWaitMin
	}
	if o.RetryWaitMax < o.RetryWaitMin {
		o.RetryWaitMax = max(DefaultDeliveryRetryWaitMax, o.RetryWaitMin)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultDeliveryTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultDeliveryPollInterval
	}
	if o.Concurrency <= 0 {
		o.Concurrency = defaultDeliveryConcurrency
	}
	if o.Retention <= 0 {
		o.Retention = DefaultNotificationRetention
	}
	if o.PurgeInterval <= 0 {
		o.PurgeInterval = defaultPurgeInterval
	}
	if o.Owner == "" {
		o.Owner = newID()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// retryWait is the wait after failed attempt n (from 1): RetryWaitMin
// doubled n-1 times, at most RetryWaitMax, drawn between half of it and all
// of it so that receivers that failed together are not retried together.
func (o DeliveryOptions) retryWait(n int) time.Duration {
	wait := o.RetryWaitMin
	for i := 1; i < n && wait < o.RetryWaitMax; i++ {
		wait *= 2
	}
	wait = min(wait, o.RetryWaitMax)
	half := wait / 2
	return half + rand.N(wait-half+1) //nolint:gosec // G404: jitter, not a secret
}

// WebhookPublicKey is the public key that verifies the backend's webhooks:
// base64 of its 32 bytes, as Telnyx shows its own (TELNYX_PUBLIC_KEY).
func (s *Service) WebhookPublicKey() string {
	// The public half of an Ed25519 private key is its last 32 bytes.
	return base64.StdEncoding.EncodeToString(s.secrets.webhookKey[ed25519.SeedSize:])
}

// signWebhook signs a webhook as Telnyx does: Ed25519 over the timestamp, a
// "|" and the body, in base64.
func (s *Secrets) signWebhook(timestamp string, body []byte) string {
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(append(append(msg, timestamp...), '|'), body...)
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.webhookKey, msg))
}

// webhookEnvelope is Telnyx's webhook envelope.
type webhookEnvelope struct {
	Data webhookData `json:"data"`
	Meta webhookMeta `json:"meta"`
}

type webhookData struct {
	EventType  string          `json:"event_type"`
	ID         string          `json:"id"`
	OccurredAt string          `json:"occurred_at"`
	Payload    json.RawMessage `json:"payload"`
	RecordType string          `json:"record_type"`
}

type webhookMeta struct {
	Attempt     int    `json:"attempt"`
	DeliveredTo string `json:"delivered_to"`
}

// webhookBody is the body of attempt n of a delivery.
func webhookBody(d *NotificationDelivery, n int) ([]byte, error) {
	return json.Marshal(webhookEnvelope{
		Data: webhookData{
			EventType: d.Notification.EventType, ID: d.Notification.ID, RecordType: "event",
			OccurredAt: d.Notification.OccurredAt.UTC().Format("2006-01-02T15:04:05.000Z"), Payload: json.RawMessage(d.Notification.Payload),
		},
		Meta: webhookMeta{Attempt: n, DeliveredTo: d.Destination},
	})
}

// RunDeliveries runs the delivery worker until ctx ends, then waits for the
// attempts in flight (each bounded by DeliveryOptions.Timeout) to be
// recorded. One worker runs per Service.
func (s *Service) RunDeliveries(ctx context.Context, sender WebhookSender, o DeliveryOptions) {
	o = o.withDefaults()
	wake := make(chan struct{}, 1)
	s.notifications.wake.Store(&wake)
	defer s.notifications.wake.CompareAndSwap(&wake, nil)
	var (
		wg       sync.WaitGroup
		inFlight atomic.Int64
		done     = make(chan struct{}, 1) // an attempt ended: a slot is free
	)
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	purge := time.NewTimer(0)
	defer purge.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
			timer.Reset(wakeDelay)
			continue
		case <-purge.C:
			if s.purgeNotifications(ctx, o) {
				purge.Reset(0) // there may be more
			} else {
				purge.Reset(o.PurgeInterval)
			}
			continue
		case <-done:
		case <-timer.C:
		}
		free := o.Concurrency - int(inFlight.Load())
		if free <= 0 {
			continue // a slot frees up: done
		}
		claimed, err := s.claimDeliveries(ctx, o, free)
		if err != nil {
			if ctx.Err() == nil {
				o.Logger.LogAttrs(ctx, slog.LevelWarn, "notification deliveries: claim failed", slog.String("error", err.Error()))
			}
			timer.Reset(o.PollInterval)
			continue
		}
		for _, d := range claimed {
			inFlight.Add(1)
			wg.Go(func() {
				defer func() {
					inFlight.Add(-1)
					select {
					case done <- struct{}{}:
					default:
					}
				}()
				s.deliver(ctx, sender, o, d)
			})
		}
		if len(claimed) == free {
			timer.Reset(0) // there may be more
		} else {
			timer.Reset(o.PollInterval)
		}
	}
}

// claimDeliveries leases up to limit due deliveries for this worker.
func (s *Service) claimDeliveries(ctx context.Context, o DeliveryOptions, limit int) ([]*NotificationDelivery, error) {
	var claimed []*NotificationDelivery
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		now := s.timestamp()
		var err error
		claimed, err = tx.ClaimDueDeliveries(ctx, now, now.Add(o.Timeout+leaseMargin), o.Owner, limit)
		return err
	})
	return claimed, err
}

// purgeNotifications deletes a bounded batch of the notifications that
// finished more than o.Retention ago, and reports whether the batch was
// full. A failure only delays the purge.
func (s *Service) purgeNotifications(ctx context.Context, o DeliveryOptions) (full bool) {
	before := s.timestamp().Add(-o.Retention)
	var n int
	err := s.store.WriteTx(ctx, func(tx Tx) error {
		var err error
		n, err = tx.PurgeNotifications(ctx, before, notificationPurgeBatch)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			o.Logger.LogAttrs(ctx, slog.LevelWarn, "notification deliveries: purge failed", slog.String("error", err.Error()))
		}
		return false
	}
	return n == notificationPurgeBatch
}

// deliver makes the next attempt of a leased delivery and records it. The
// attempt and its record outlive a shutdown (ctx), each within its bound.
func (s *Service) deliver(ctx context.Context, sender WebhookSender, o DeliveryOptions, d *NotificationDelivery) {
	n := d.Attempts + 1
	status, sendErr := 0, error(nil)
	body, err := webhookBody(d, n)
	if err != nil {
		sendErr = fmt.Errorf("encode the webhook: %w", err)
	} else {
		timestamp := strconv.FormatInt(s.now().Unix(), 10)
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.Timeout)
		status, sendErr = sender.Send(sendCtx, WebhookRequest{
			URL: d.Destination, Body: body, Timestamp: timestamp, Signature: s.secrets.signWebhook(timestamp, body),
		})
		cancel()
	}
	now := s.timestamp()
	attempt := &DeliveryAttempt{DeliveryID: d.ID, Number: n, At: now, Status: status}
	switch {
	case sendErr != nil:
		attempt.Error = limitText(sendErr.Error())
	case status < 200 || status > 299:
		attempt.Error = "answered " + strconv.Itoa(status)
	}
	d.Attempts, d.LastStatus, d.LastError, d.UpdatedAt = n, status, attempt.Error, now
	outcome := AttemptFailed
	switch {
	case attempt.Error == "":
		d.Status, d.DeliveredAt, outcome = DeliveryDelivered, &now, AttemptDelivered
	case n >= o.MaxAttempts:
		d.Status, outcome = DeliveryFailed, AttemptAbandoned
	default:
		d.NextAttemptAt = now.Add(o.retryWait(n))
	}
	if o.Metrics != nil {
		o.Metrics.WebhookDelivery(outcome)
	}
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaseMargin)
	defer cancel()
	err = s.store.WriteTx(recordCtx, func(tx Tx) error { return tx.RecordDeliveryAttempt(recordCtx, d, attempt, o.Owner) })
	if err != nil {
		// The lease ends and the delivery is tried again: at least once.
		o.Logger.LogAttrs(ctx, slog.LevelWarn, "notification deliveries: recording an attempt failed",
			slog.String("delivery_id", d.ID), slog.Int("attempt", n), slog.String("error", err.Error()))
	}
}

// limitText keeps at most maxAttemptError bytes of valid UTF-8.
func limitText(s string) string {
	if len(s) <= maxAttemptError {
		return s
	}
	s = s[:maxAttemptError]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
