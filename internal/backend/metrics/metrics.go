// Package metrics counts what the reference backend does, for Prometheus:
// `reference-backend serve --metrics-addr` serves them at /metrics on an
// address of their own, never beside the API. DEPLOYMENT.md lists them with
// the queries that matter.
//
// The HTTP layer tells a Metrics of every request (it implements
// httpapi.Metrics); the store's pools and transaction retries are read from
// the store when the metrics are scraped (backend.StatsReporter), so that
// they cost a request nothing. No label carries a path, a key, an email or
// an id: routes are the patterns of the server's mux, and every other label
// is one of a fixed set of words.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// namespace prefixes the backend's own metrics.
const namespace = "reference_backend"

// Options configure the metrics.
type Options struct {
	// Version is the backend's version, shown by reference_backend_build_info.
	Version string
	// MaxConcurrentRequests is the server's cap on requests in flight (0:
	// none), shown beside the requests in flight.
	MaxConcurrentRequests int
	// Store, when set, is read for the database's metrics at every scrape.
	Store backend.StatsReporter
	// Logger receives the errors of serving the metrics; nil discards them.
	Logger *slog.Logger
}

// Metrics holds the backend's metrics and the registry they are served from.
// It is safe for concurrent use.
type Metrics struct {
	registry *prometheus.Registry
	logger   *slog.Logger

	requests          *prometheus.CounterVec
	duration          *prometheus.HistogramVec
	inFlight          prometheus.Gauge
	refusedAtCap      prometheus.Counter
	rateLimited       *prometheus.CounterVec
	authFailures      *prometheus.CounterVec
	idempotentReplays *prometheus.CounterVec
	usageEvents       *prometheus.CounterVec
	webhookDeliveries *prometheus.CounterVec
}

var (
	_ httpapi.Metrics         = (*Metrics)(nil)
	_ backend.DeliveryMetrics = (*Metrics)(nil)
)

// durationBuckets are the latency histogram's bounds, in seconds: from a
// millisecond (a key check and a read) to the write timeout's minute (a
// batch of 10,000 usage events).
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// New returns the metrics, registered with the Go runtime's and the
// process's.
func New(opts Options) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		logger:   opts.Logger,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "Requests answered, by route (the pattern matched, or (unmatched)) and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from a request's headers to the end of its answer, by route.",
			Buckets: durationBuckets,
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "Requests being served that count against --max-concurrent-requests (all but /healthz and /readyz).",
		}),
		refusedAtCap: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_refused_at_cap_total",
			Help: "Requests answered 503 because --max-concurrent-requests were in flight.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "rate_limited_total",
			Help: "Requests answered 429, by limit: api_key, operator_key, auth_failures, portal_sign_in.",
		}, []string{"limit"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "authentication_failures_total",
			Help: "Credentials refused (401), by API: v2 (API keys), reference (the operator key), portal (sign-in).",
		}, []string{"api"}),
		idempotentReplays: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "idempotent_replays_total",
			Help: "POSTs answered from the record of an earlier request with the same Idempotency-Key, by route.",
		}, []string{"route"}),
		usageEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "usage_events_ingested_total",
			Help: "Usage events of the batches ingested, by outcome: accepted (new) or duplicate (ingested before).",
		}, []string{"outcome"}),
		webhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_deliveries_total",
			Help: "Attempts to deliver a webhook, by outcome.",
		}, []string{"outcome"}),
	}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help: "Always 1; the version of the backend is its label.", ConstLabels: prometheus.Labels{"version": opts.Version},
	})
	build.Set(1)
	maxConcurrent := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: "http", Name: "max_concurrent_requests",
		Help: "--max-concurrent-requests: requests in flight beyond which the server answers 503 (0: no cap).",
	})
	maxConcurrent.Set(float64(opts.MaxConcurrentRequests))
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, maxConcurrent,
		m.requests, m.duration, m.inFlight, m.refusedAtCap, m.rateLimited, m.authFailures,
		m.idempotentReplays, m.usageEvents, m.webhookDeliveries,
	)
	if opts.Store != nil {
		m.registry.MustRegister(newStoreCollector(opts.Store))
	}
	return m
}

// Handler serves the metrics at GET /metrics, in the Prometheus text format
// (or OpenMetrics, when the scraper asks for it), and 404 elsewhere.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(m.logger.Handler(), slog.LevelError),
		EnableOpenMetrics: true,
		// Scrapes are rare; more at once is a misconfigured scraper.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	}))
	return mux
}

// codes are the status codes as label values, made once rather than on every
// request.
var codes = func() []string {
	c := make([]string, 600)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}()

func codeLabel(status int) string {
	if status >= 0 && status < len(codes) {
		return codes[status]
	}
	return "other" // net/http writes nothing outside 100 to 999
}

// RequestServed counts a request and its latency (httpapi.Metrics).
func (m *Metrics) RequestServed(route string, status int, elapsed time.Duration) {
	m.requests.WithLabelValues(route, codeLabel(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}

// RequestStarted counts a request in flight (httpapi.Metrics).
func (m *Metrics) RequestStarted() { m.inFlight.Inc() }

// RequestEnded counts a request in flight no more (httpapi.Metrics).
func (m *Metrics) RequestEnded() { m.inFlight.Dec() }

// RequestRefusedAtCap counts a request refused at the cap (httpapi.Metrics).
func (m *Metrics) RequestRefusedAtCap() { m.refusedAtCap.Inc() }

// RateLimited counts a request refused by a rate limit (httpapi.Metrics).
func (m *Metrics) RateLimited(limit string) { m.rateLimited.WithLabelValues(limit).Inc() }

// AuthenticationFailed counts refused credentials (httpapi.Metrics).
func (m *Metrics) AuthenticationFailed(api string) { m.authFailures.WithLabelValues(api).Inc() }

// IdempotentReplay counts a replayed answer (httpapi.Metrics).
func (m *Metrics) IdempotentReplay(route string) { m.idempotentReplays.WithLabelValues(route).Inc() }

// UsageIngested counts the events of an ingested batch (httpapi.Metrics).
func (m *Metrics) UsageIngested(accepted, duplicates int) {
	m.usageEvents.WithLabelValues("accepted").Add(float64(accepted))
	m.usageEvents.WithLabelValues("duplicate").Add(float64(duplicates))
}

// Outcomes of an attempt to deliver a webhook, for WebhookDelivery.
const (
	// WebhookDelivered: the receiver answered 2xx.
	WebhookDelivered = backend.AttemptDelivered
	// WebhookFailed: another answer, or none (a refused address or
	// connection, a timeout); the delivery is tried again.
	WebhookFailed = backend.AttemptFailed
	// WebhookAbandoned: the last attempt allowed failed; no more are made.
	WebhookAbandoned = backend.AttemptAbandoned
)

// WebhookDelivery counts an attempt to deliver a webhook, by its outcome
// (Webhook*): it implements backend.DeliveryMetrics, which serve hands the
// delivery worker, which calls it once per attempt.
func (m *Metrics) WebhookDelivery(outcome string) {
	switch outcome {
	case WebhookDelivered, WebhookFailed, WebhookAbandoned:
	default:
		outcome = "other" // a label value outside the documented set would be unbounded
	}
	m.webhookDeliveries.WithLabelValues(outcome).Inc()
}
