package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/ratelimit"
)

// Rate limits are token buckets kept in memory, so they hold per replica:
// behind a load balancer with N replicas a key may make up to N times the
// rate. Each API key has a bucket (the operator key one of its own), and each
// client address has one that only failed authentications drain, so that
// guessing keys is slow while the callers who hold a key are not slowed.

// Rate-limit headers, on every answer under /v2 and /reference.
const (
	headerRateLimit     = "X-Ratelimit-Limit"
	headerRateRemaining = "X-Ratelimit-Remaining"
	headerRateReset     = "X-Ratelimit-Reset"
)

// operatorBucket is the operator key's bucket; key ids are UUIDs, so it
// cannot be taken by an API key.
const operatorBucket = "operator"

// limiter is the shared token-bucket limiter (package ratelimit), which the
// portal's sign-in uses too.
type limiter = ratelimit.Limiter

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return ratelimit.New(rate, burst, now)
}

// setQuotaHeaders shows q in the rate-limit headers: the bucket's size, the
// requests left in it now, and the seconds until it is full again.
func setQuotaHeaders(h http.Header, q ratelimit.Quota) {
	h.Set(headerRateLimit, strconv.Itoa(q.Limit))
	h.Set(headerRateRemaining, strconv.Itoa(q.Remaining))
	h.Set(headerRateReset, strconv.Itoa(ceilSeconds(q.Reset)))
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// rateLimited is the 429 of a refused request, with Retry-After set to the
// whole seconds until it may pass.
func rateLimited(w http.ResponseWriter, q ratelimit.Quota, detail string) error {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, ceilSeconds(q.RetryAfter))))
	return &backend.Error{Kind: backend.ERATELIMITED, Detail: detail}
}

// limitedPath tells the paths whose answers carry rate-limit headers.
func limitedPath(path string) bool {
	return strings.HasPrefix(path, "/v2/") || path == "/v2" || strings.HasPrefix(path, "/reference/") || path == "/reference"
}

// clientAddress is the bucket of a request's peer address (see
// ratelimit.ClientAddress).
func clientAddress(r *http.Request) string { return ratelimit.ClientAddress(r) }

// withRateLimitHeaders gives every answer under /v2 and /reference the
// rate-limit headers of the client address's bucket; an authenticated
// request replaces them with its key's (see allowKey).
func (s *server) withRateLimitHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authFailures != nil && limitedPath(r.URL.Path) {
			setQuotaHeaders(w.Header(), s.authFailures.Peek(clientAddress(r)))
		}
		next.ServeHTTP(w, r)
	})
}

// reserveAuthAttempt reserves a token of the client address's bucket of
// failed authentications before the credentials are checked, so that no
// more are checked than the limit allows however many arrive at once. The
// caller spends it with authFailed or refunds it once authenticated, and
// defers a Refund too, so that not even a panic keeps it from the requests
// waiting for it (see ratelimit.Limiter.Reserve). An address that has used
// up its failures is refused with a 429 before its key is checked, so that
// a guesser learns nothing about the keys it tries while throttled.
func (s *server) reserveAuthAttempt(w http.ResponseWriter, r *http.Request) (*ratelimit.Reservation, bool) {
	res, q, err := s.authFailures.Reserve(r.Context(), clientAddress(r))
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	if q.Allowed {
		return res, true
	}
	setQuotaHeaders(w.Header(), q)
	if s.metrics != nil {
		s.metrics.RateLimited(LimitAuthFailures)
	}
	s.writeError(w, r, rateLimited(w, q, "Too many failed authentication attempts from this address; retry after the time in Retry-After."))
	return nil, false
}

// authFailed answers a failed authentication on api (API*), spending the
// token it reserved when the credentials were wrong, and giving it back when
// they could not be checked (the database failed).
func (s *server) authFailed(w http.ResponseWriter, r *http.Request, res *ratelimit.Reservation, api string, err error) {
	if backend.ErrorKind(err) == backend.EUNAUTHENTICATED {
		if q := res.Spend(); s.authFailures != nil {
			setQuotaHeaders(w.Header(), q)
		}
		if s.metrics != nil {
			s.metrics.AuthenticationFailed(api)
		}
	} else {
		res.Refund()
	}
	s.writeError(w, r, err)
}

// allowKey spends a token of the bucket of an authenticated key (or of the
// operator), sets the headers from it, and answers 429 when it is empty;
// limit names the bucket's kind for the metrics (Limit*).
func (s *server) allowKey(w http.ResponseWriter, r *http.Request, name, limit string) bool {
	return s.applyQuota(w, r, s.takeKey(name, limit))
}

// keyQuota is what a request took of its key's bucket.
type keyQuota struct {
	q ratelimit.Quota
	// limited is false when the keys have no limit.
	limited bool
}

func (k keyQuota) allowed() bool { return !k.limited || k.q.Allowed }

// takeKey spends a token of the bucket name, counting a refusal by limit in
// the metrics.
func (s *server) takeKey(name, limit string) keyQuota {
	if s.keyLimits == nil {
		return keyQuota{}
	}
	q := s.keyLimits.Take(name)
	if !q.Allowed && s.metrics != nil {
		s.metrics.RateLimited(limit)
	}
	return keyQuota{q: q, limited: true}
}

// applyQuota sets the headers of what takeKey took and answers 429 when it
// was refused.
func (s *server) applyQuota(w http.ResponseWriter, r *http.Request, k keyQuota) bool {
	if !k.limited {
		// The address's headers say nothing about a key's own limit.
		for _, h := range []string{headerRateLimit, headerRateRemaining, headerRateReset} {
			w.Header().Del(h)
		}
		return true
	}
	setQuotaHeaders(w.Header(), k.q)
	if k.q.Allowed {
		return true
	}
	s.writeError(w, r, rateLimited(w, k.q, "Too many requests with this API key; retry after the time in Retry-After."))
	return false
}
