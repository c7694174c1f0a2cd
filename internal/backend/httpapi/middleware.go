package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend"
	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/ratelimit"
)

// requestInfo is what the middleware learns about a request while serving it,
// for the access log and the metrics.
type requestInfo struct {
	id        string
	accountID string
	// route is the pattern the request matched, once routed is true (with
	// metrics only; see noteRoute).
	route  string
	routed bool
	// usage is the outcome of the usage batch the answer reports (with
	// metrics only; see noteUsage).
	usage *backend.UsageIngestion
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

func requestIDFrom(ctx context.Context) string {
	if info := requestInfoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// maxRequestIDLen bounds an incoming X-Request-Id that is reused.
const maxRequestIDLen = 128

// saneRequestID accepts an incoming request id only when it is short and made
// of characters that cannot forge log lines or headers.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// withRequestID gives every request an id (the caller's when it is sane),
// echoes it in X-Request-Id, and puts it in the context for the logs.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestInfoKey{}, &requestInfo{id: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// responseRecorder remembers the status and size of a response for the
// access log and for deciding whether an error can still be written.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (rec *responseRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *responseRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n, err := rec.ResponseWriter.Write(b)
	rec.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rec *responseRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// withAccessLog writes one structured line per request, and tells the
// metrics when there are. It logs no header, no body and no query string
// (filters may hold email addresses), only what identifies the request and
// its outcome.
func (s *server) withAccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		elapsed := time.Since(start)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		info := requestInfoFrom(r.Context())
		attrs := []slog.Attr{
			slog.String("request_id", requestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("bytes", rec.bytes),
		}
		if info != nil && info.accountID != "" {
			attrs = append(attrs, slog.String("account_id", info.accountID))
		}
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		if s.metrics != nil {
			s.observeRequest(r, info, status, elapsed)
		}
	})
}

// withRecovery turns a panic in a handler into a 500 envelope, logging the
// panic value and stack (never the request body, which may hold secrets).
func (s *server) withRecovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &responseRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is compared by identity, as net/http does
				panic(v)
			}
			s.logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("request_id", requestIDFrom(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			if rec.status != 0 {
				return // the answer has begun; the client sees a truncated response
			}
			writeJSON(w, http.StatusInternalServerError, errorDocument{Errors: []errorObject{{
				Code: "10007", Title: "Internal server error", Detail: internalDetail,
			}}})
		}()
		next.ServeHTTP(rec, r)
	})
}

// withNoStore keeps API answers, which carry credentials, out of caches.
func withNoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// bearerToken extracts the credential of an "Authorization: Bearer <token>"
// header; the scheme is case-insensitive (RFC 9110, section 11.1).
func bearerToken(r *http.Request) (string, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "", nil
	}
	scheme, token, found := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", backend.Errorf(backend.EUNAUTHENTICATED, "Authentication failed: the Authorization header must be 'Bearer <key>'.")
	}
	return token, nil
}

// requestKey reserves a token of the client address's bucket of failed
// authentications (see reserveAuthAttempt) and reads the request's API key;
// when ok is false the request has been answered.
func (s *server) requestKey(w http.ResponseWriter, r *http.Request) (res *ratelimit.Reservation, key string, ok bool) {
	if res, ok = s.reserveAuthAttempt(w, r); !ok {
		return nil, "", false
	}
	key, err := bearerToken(r)
	if err != nil {
		s.authFailed(w, r, res, APIAccount, err)
		return nil, "", false
	}
	return res, key, true
}

// authenticated gives back the reserved token (a success is not a failure)
// and names the caller's account in the access log.
func authenticated(ctx context.Context, res *ratelimit.Reservation, caller *backend.Caller) {
	res.Refund()
	if info := requestInfoFrom(ctx); info != nil {
		info.accountID = caller.Account.ID
	}
}

// accountHandler is a handler that runs as an authenticated account.
type accountHandler func(w http.ResponseWriter, r *http.Request, caller *backend.Caller) error

// account authenticates the request's API key and runs h as its account,
// within the key's rate limit, and idempotently for a POST with a key.
func (s *server) account(h accountHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, key, ok := s.requestKey(w, r)
		if !ok {
			return
		}
		defer res.Refund() // nothing once settled
		caller, err := s.svc.Authenticate(r.Context(), key)
		if err != nil {
			s.authFailed(w, r, res, APIAccount, err)
			return
		}
		authenticated(r.Context(), res, caller)
		if !s.allowKey(w, r, caller.KeyID, LimitAPIKey) {
			return
		}
		s.idempotent(w, r, caller.Account.ID, maxBodyBytes, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r, caller); err != nil {
				s.writeError(w, r, err)
			}
		})
	}
}

// accountRead is account for a route that only reads: the key check and the
// handler's reads through the service share one read transaction of the
// store (Service.ReadAs), one snapshot and one transaction instead of two.
// The handler writes into a buffer, sent once the transaction has ended, so
// that a client slow to read its answer never holds a database connection.
func (s *server) accountRead(h accountHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, key, ok := s.requestKey(w, r)
		if !ok {
			return
		}
		defer res.Refund() // nothing once settled
		var (
			buf   *bufferedResponse
			quota *keyQuota // taken once, though the store may run fn again
		)
		err := s.svc.ReadAs(r.Context(), key, func(ctx context.Context, caller *backend.Caller) error {
			authenticated(ctx, res, caller)
			if quota == nil {
				q := s.takeKey(caller.KeyID, LimitAPIKey)
				quota = &q
			}
			// A fresh buffer for every run.
			buf = newBufferedResponse()
			if !quota.allowed() {
				return nil // answered below, without reading anything more
			}
			rr := r.WithContext(ctx)
			if err := h(buf, rr, caller); err != nil {
				s.writeError(buf, rr, err)
			}
			return nil
		})
		if err != nil {
			s.authFailed(w, r, res, APIAccount, err)
			return
		}
		if s.applyQuota(w, r, *quota) {
			buf.writeTo(w)
		}
	}
}

// operatorHandler is a handler of the operator API.
type operatorHandler func(w http.ResponseWriter, r *http.Request) error

// operator checks the operator key and runs h. The comparison is of fixed-size
// digests in constant time, so that neither the key's content nor its length
// leaks through timing.
func (s *server) operator(h operatorHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res, ok := s.reserveAuthAttempt(w, r)
		if !ok {
			return
		}
		defer res.Refund() // nothing once settled
		if err := s.checkOperatorKey(r); err != nil {
			s.authFailed(w, r, res, APIOperator, err)
			return
		}
		res.Refund() // authenticated: not a failure
		if !s.allowKey(w, r, operatorBucket, LimitOperatorKey) {
			return
		}
		// The operator posts usage batches, the one body bigger than 1 MiB.
		s.idempotent(w, r, backend.OperatorScope, maxUsageBodyBytes, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				s.writeError(w, r, err)
			}
		})
	}
}

func (s *server) checkOperatorKey(r *http.Request) error {
	if s.operatorKeyDigest == nil {
		return backend.Errorf(backend.EUNAUTHENTICATED, "The operator API is disabled: the server was started without an operator key.")
	}
	key, err := bearerToken(r)
	if err != nil {
		return err
	}
	if key == "" {
		return backend.Errorf(backend.EUNAUTHENTICATED, "Authentication failed: the operator API needs 'Authorization: Bearer <operator key>'.")
	}
	digest := sha256.Sum256([]byte(key))
	if subtle.ConstantTimeCompare(digest[:], s.operatorKeyDigest) != 1 {
		return backend.Errorf(backend.EUNAUTHENTICATED, "Authentication failed: the operator key is not valid.")
	}
	return nil
}
