// Package httpapi is the HTTP layer of the reference backend: the
// Telnyx-compatible API under /v2, the operator API under /reference, the
// probes /healthz and /readyz, and the Mission Control portal's pages under
// /portal/ (package portal). Handlers only decode a request, call
// backend.Service, and encode its answer; every rule lives in the service.
package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/portal"
)

// Options configure the HTTP layer.
type Options struct {
	// OperatorKey enables the operator API; empty disables it (every call
	// answers 401 saying so).
	OperatorKey string
	// Logger receives the access log and internal errors; nil discards them.
	Logger *slog.Logger
	// RateLimit is the requests per second each API key, and the operator
	// key, may make on average (ratelimit.go); 0 disables the limit.
	RateLimit float64
	// RateBurst is how many requests a key may make at once; 0 means
	// RateLimit rounded up.
	RateBurst int
	// AuthFailureRateLimit is the failed authentications per second a client
	// address may make on average; 0 disables the limit.
	AuthFailureRateLimit float64
	// AuthFailureBurst is how many failed authentications an address may make
	// at once; 0 means AuthFailureRateLimit rounded up.
	AuthFailureBurst int
	// MaxConcurrentRequests caps the requests served at once; the others are
	// answered 503 at once. 0 means no cap.
	MaxConcurrentRequests int
	// MaxHeaderBytes is the largest header block (request line and header
	// fields) served; a larger one is answered 431 in the error envelope.
	// Serve with an http.Server whose MaxHeaderBytes is
	// ServerMaxHeaderBytes(MaxHeaderBytes). 0 leaves the limit to net/http.
	MaxHeaderBytes int
	// Now is the rate limiters' clock (nil: time.Now), for tests. It is not
	// the service's clock, which tests may stop.
	Now func() time.Time
	// Metrics, when set, is told of every request (metrics.go).
	Metrics Metrics
	// Portal configures the portal under /portal/; its Logger and Now
	// default to the ones above.
	Portal portal.Options
}

type server struct {
	svc               *backend.Service
	logger            *slog.Logger
	operatorKeyDigest []byte
	mux               *router
	// keyLimits and authFailures are nil when their limit is off.
	keyLimits, authFailures *limiter
	// portal serves the pages under /portal/.
	portal http.Handler
	// metrics is nil when off.
	metrics Metrics
}

// New returns the backend's HTTP handler.
func New(svc *backend.Service, opts Options) http.Handler {
	s := &server{svc: svc, logger: opts.Logger, mux: newRouter(),
		keyLimits:    newLimiter(opts.RateLimit, opts.RateBurst, opts.Now),
		authFailures: newLimiter(opts.AuthFailureRateLimit, opts.AuthFailureBurst, opts.Now),
		metrics:      opts.Metrics,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	portalOpts := opts.Portal
	if portalOpts.Logger == nil {
		portalOpts.Logger = s.logger
	}
	if portalOpts.Now == nil {
		portalOpts.Now = opts.Now
	}
	if portalOpts.SignInRefused == nil && s.metrics != nil {
		portalOpts.SignInRefused = func(throttled bool) {
			if throttled {
				s.metrics.RateLimited(LimitPortalSignIn)
			} else {
				s.metrics.AuthenticationFailed(APIPortal)
			}
		}
	}
	s.portal = portal.New(svc, portalOpts)
	if opts.OperatorKey != "" {
		digest := sha256.Sum256([]byte(opts.OperatorKey))
		s.operatorKeyDigest = digest[:]
	}
	s.routes()
	return withRequestID(s.withAccessLog(s.withRecovery(withNoStore(s.withHeaderLimit(opts.MaxHeaderBytes,
		s.withConcurrencyLimit(opts.MaxConcurrentRequests, s.withRateLimitHeaders(http.HandlerFunc(s.route))))))))
}

func (s *server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /openapi.yaml", s.openAPI)
	// The portal's pages are HTML for people, not API: registered on the
	// mux itself, they are not among the Routes that the OpenAPI document
	// and the API's tests walk.
	s.mux.ServeMux.HandleFunc("/portal/", func(w http.ResponseWriter, r *http.Request) { s.portal.ServeHTTP(w, r) })

	s.mux.HandleFunc("GET /v2/managed_accounts", s.accountRead(s.listManagedAccounts))
	s.mux.HandleFunc("POST /v2/managed_accounts", s.account(s.createManagedAccount))
	s.mux.HandleFunc("GET /v2/managed_accounts/allocatable_global_outbound_channels", s.account(s.allocatableChannels))
	s.mux.HandleFunc("GET /v2/managed_accounts/{id}", s.accountRead(s.getManagedAccount))
	s.mux.HandleFunc("PATCH /v2/managed_accounts/{id}", s.account(s.updateManagedAccount))
	s.mux.HandleFunc("POST /v2/managed_accounts/{id}/actions/disable", s.account(s.disableManagedAccount))
	s.mux.HandleFunc("POST /v2/managed_accounts/{id}/actions/enable", s.account(s.enableManagedAccount))
	s.mux.HandleFunc("PATCH /v2/managed_accounts/{id}/update_global_channel_limit", s.account(s.updateGlobalChannelLimit))
	s.mux.HandleFunc("GET /v2/balance", s.accountRead(s.balance))
	s.mux.HandleFunc("GET /v2/usage_reports", s.account(s.getUsageReport))
	s.mux.HandleFunc("GET /v2/usage_reports/options", s.account(s.getUsageReportOptions))

	// Extensions (DESIGN 2.2): no Telnyx contract covers them.
	s.mux.HandleFunc("POST /v2/api_keys", s.account(s.createAPIKey))
	s.mux.HandleFunc("GET /v2/api_keys", s.accountRead(s.listAPIKeys))
	s.mux.HandleFunc("GET /v2/api_keys/{id}", s.accountRead(s.getAPIKey))
	s.mux.HandleFunc("PATCH /v2/api_keys/{id}", s.account(s.updateAPIKey))
	s.mux.HandleFunc("DELETE /v2/api_keys/{id}", s.account(s.revokeAPIKey))
	s.mux.HandleFunc("GET /v2/audit_events", s.account(s.listAuditEvents))
	s.mux.HandleFunc("POST /v2/payment_methods", s.account(s.createPaymentMethod))
	s.mux.HandleFunc("GET /v2/payment_methods", s.accountRead(s.listPaymentMethods))
	s.mux.HandleFunc("GET /v2/payment_methods/{id}", s.accountRead(s.getPaymentMethod))
	s.mux.HandleFunc("PATCH /v2/payment_methods/{id}", s.account(s.updatePaymentMethod))
	s.mux.HandleFunc("DELETE /v2/payment_methods/{id}", s.account(s.deletePaymentMethod))

	// Billing (contract): top-ups and auto-recharge, on the caller's account.
	s.mux.HandleFunc("POST /v2/payment/stored_payment_transactions", s.account(s.createStoredPaymentTransaction))
	s.mux.HandleFunc("GET /v2/payment/auto_recharge_prefs", s.account(s.getAutoRechargePrefs))
	s.mux.HandleFunc("PATCH /v2/payment/auto_recharge_prefs", s.account(s.updateAutoRechargePrefs))

	s.mux.HandleFunc("GET /v2/invoices", s.account(s.listInvoices))
	s.mux.HandleFunc("GET /v2/invoices/{id}", s.account(s.getInvoice))
	// Signed links, no API key (see invoiceDocument).
	s.mux.HandleFunc("GET /documents/invoices/{id}", s.invoiceDocument)

	s.mux.HandleFunc("POST /reference/accounts", s.operator(s.createAccount))
	s.mux.HandleFunc("GET /reference/accounts/{id}", s.operator(s.getAccount))
	s.mux.HandleFunc("GET /reference/accounts/{id}/managed_accounts", s.operator(s.listManagersAccounts))
	s.mux.HandleFunc("PATCH /reference/accounts/{id}", s.operator(s.updateAccountLimits))
	s.mux.HandleFunc("DELETE /reference/accounts/{id}", s.operator(s.cancelAccount))
	s.mux.HandleFunc("PUT /reference/accounts/{id}/credit_limit", s.operator(s.setCreditLimit))
	s.mux.HandleFunc("POST /reference/accounts/{id}/adjustments", s.operator(s.postAdjustment))
	s.mux.HandleFunc("GET /reference/audit_events", s.operator(s.operatorAuditEvents))

	// Pricing and usage ingestion (pricing.go, usage.go).
	s.mux.HandleFunc("GET /v2/pricing", s.account(s.getPricing))
	s.mux.HandleFunc("GET /v2/managed_accounts/{id}/pricing", s.account(s.getManagedAccountPricing))
	s.mux.HandleFunc("PUT /v2/managed_accounts/{id}/pricing", s.account(s.putManagedAccountPricing))
	s.balanceTransferRoutes()
	s.mux.HandleFunc("GET /reference/price_book", s.operator(s.getPriceBook))
	s.mux.HandleFunc("PUT /reference/price_book", s.operator(s.putPriceBook))
	s.mux.HandleFunc("GET /reference/accounts/{id}/rates", s.operator(s.getCommittedRates))
	s.mux.HandleFunc("PUT /reference/accounts/{id}/rates", s.operator(s.putCommittedRates))
	s.mux.HandleFunc("POST /reference/usage_events", s.operator(s.postUsageEvents))

	s.notificationRoutes() // the Notifications API (notifications.go)
}

// route dispatches through the mux, but answers requests that match no route
// in the error envelope: ServeMux itself would write plain-text 404 and 405.
func (s *server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if s.metrics != nil {
		noteRoute(r, pattern)
	}
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// No pattern: the mux's answer is a 404 or a 405 (with Allow). Run it
	// against a scratch writer to learn which, then answer in the envelope.
	scratch := &headerCapture{header: http.Header{}}
	h.ServeHTTP(scratch, r)
	switch scratch.status {
	case http.StatusMethodNotAllowed:
		writeMethodNotAllowed(w, r, scratch.header.Get("Allow"))
	default:
		s.writeError(w, r, routeNotFound(r))
	}
}

// headerCapture records the status and headers a handler writes, and drops
// its body.
type headerCapture struct {
	header http.Header
	status int
}

func (c *headerCapture) Header() http.Header { return c.header }

func (c *headerCapture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *headerCapture) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return len(b), nil
}

// healthz is the liveness probe: the process serves HTTP. It does not touch
// the database, so that an orchestrator does not restart every replica while
// the database is away (which would not bring it back); /readyz says that.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyzTimeout bounds the store ping, so that a stuck database makes the
// readiness check fail quickly rather than hang a load balancer's probe.
const readyzTimeout = 2 * time.Second

// readyz is the readiness probe: 200 while the database answers, else 503 in
// the error envelope, so that a load balancer sends traffic elsewhere.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyzTimeout)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "readiness check failed",
			slog.String("request_id", requestIDFrom(r.Context())), slog.String("error", err.Error()))
		s.writeError(w, r, backend.Errorf(backend.EUNAVAILABLE, "The database does not answer."))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// writeJSON answers v as JSON with the given status.
// It encodes into a buffer first, so that an encoding failure can still be
// answered as a 500. HTML escaping is off: this is an API, not a page, and
// "<key>" reads better than "\u003ckey\u003e".
func writeJSON(w http.ResponseWriter, status int, v any) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error gets here (an unencodable type).
		status = http.StatusInternalServerError
		body.Reset()
		body.WriteString(`{"errors":[{"code":"10007","title":"Internal server error","detail":"` + internalDetail + `"}]}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body.Bytes())
}

// data is the {"data": …} envelope of single answers.
type data[T any] struct {
	Data T `json:"data"`
}

// timestamp renders a time as the API shows it: UTC with milliseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
