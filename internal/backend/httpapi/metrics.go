package httpapi

import (
	"net/http"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
)

// Metrics is told what the HTTP layer sees, for monitoring: package metrics
// counts it for Prometheus (`reference-backend serve --metrics-addr`).
// Options.Metrics nil observes nothing, at the cost of a nil check.
//
// Every string passed is one of a bounded set and says nothing about the
// caller: a route is the pattern the request matched, such as
// "GET /v2/managed_accounts/{id}" (never its path, which holds ids), or
// UnmatchedRoute; the others are the constants below. The calls are made on
// every request's path: an implementation must be cheap and safe for
// concurrent use.
type Metrics interface {
	// RequestServed is called once per request, when its answer has been
	// written: the route it matched, its status code and how long serving it
	// took.
	RequestServed(route string, status int, elapsed time.Duration)
	// RequestStarted and RequestEnded bracket every request that counts
	// against the concurrency cap (Options.MaxConcurrentRequests): all but
	// the probes, which the cap exempts.
	RequestStarted()
	RequestEnded()
	// RequestRefusedAtCap: a request answered 503 because the cap was
	// reached.
	RequestRefusedAtCap()
	// RateLimited: a request answered 429 by the limit named (Limit*).
	RateLimited(limit string)
	// AuthenticationFailed: credentials refused (401) on the API named
	// (API*).
	AuthenticationFailed(api string)
	// IdempotentReplay: a POST on route answered from the record of an
	// earlier one with the same Idempotency-Key.
	IdempotentReplay(route string)
	// UsageIngested: a batch of usage events ingested, new events and
	// duplicates of events ingested before.
	UsageIngested(accepted, duplicates int)
}

// UnmatchedRoute is the route of a request that matched no pattern: answered
// 404, or 405 when the path exists for other methods.
const UnmatchedRoute = "(unmatched)"

// The limits that refuse requests with a 429, as Metrics.RateLimited names
// them.
const (
	// LimitAPIKey and LimitOperatorKey: a key's requests per second
	// (--rate-limit).
	LimitAPIKey      = "api_key"
	LimitOperatorKey = "operator_key"
	// LimitAuthFailures: a client address's failed authentications
	// (--auth-failure-rate-limit).
	LimitAuthFailures = "auth_failures"
	// LimitPortalSignIn: the portal's failed sign-ins, by address or by
	// email.
	LimitPortalSignIn = "portal_sign_in"
)

// The APIs whose credentials Metrics.AuthenticationFailed names.
const (
	APIAccount  = "v2"        // API keys, under /v2
	APIOperator = "reference" // the operator key, under /reference
	APIPortal   = "portal"    // email and password, at the portal's sign-in
)

// observeRequest tells the metrics of a request that has been answered.
func (s *server) observeRequest(r *http.Request, info *requestInfo, status int, elapsed time.Duration) {
	route := UnmatchedRoute
	switch {
	case info != nil && info.routed:
		route = info.route
	default:
		// Refused before routing (the concurrency cap, the header limit):
		// the pattern it would have matched.
		if _, pattern := s.mux.Handler(r); pattern != "" {
			route = pattern
		}
	}
	s.metrics.RequestServed(route, status, elapsed)
	// The usage of the last run, which answered, and only if it succeeded:
	// an idempotent request may run more than once, and each run overwrites
	// the last one's outcome (see idempotent).
	if info != nil && info.usage != nil && status == http.StatusOK {
		s.metrics.UsageIngested(info.usage.Accepted, info.usage.Duplicates)
	}
}

// noteRoute records the pattern route matched (UnmatchedRoute when none) for
// the metrics.
func noteRoute(r *http.Request, pattern string) {
	if info := requestInfoFrom(r.Context()); info != nil {
		if pattern == "" {
			pattern = UnmatchedRoute
		}
		info.route, info.routed = pattern, true
	}
}

// noteUsage records the outcome of a run of a usage batch, nil to forget an
// earlier run's (see idempotent).
func noteUsage(r *http.Request, res *backend.UsageIngestion) {
	if info := requestInfoFrom(r.Context()); info != nil {
		info.usage = res
	}
}
