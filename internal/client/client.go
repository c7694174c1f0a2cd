// Package client is a typed client for the Telnyx v2 API surface that the
// provider uses (managed accounts, balance) and for the reference backend's
// extensions. It retries what is safe to retry, honours Retry-After, and never
// logs a secret.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the live Telnyx API.
const DefaultBaseURL = "https://api.telnyx.com/v2"

// Defaults for retries.
const (
	DefaultMaxRetries   = 4
	DefaultRetryWaitMin = 1 * time.Second
	DefaultRetryWaitMax = 30 * time.Second
)

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 16 << 20

// Logger receives one debug line per request and response. Fields never hold
// a secret: the Authorization header is masked before it reaches a Logger.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

// Config configures a Client.
type Config struct {
	BaseURL      string // default DefaultBaseURL
	APIKey       string
	UserAgent    string
	MaxRetries   int // retries after the first attempt; negative means none
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	HTTPClient   *http.Client // default a pooled go-cleanhttp client
	Logger       Logger
}

// Client calls the API as one account, the one whose key it holds.
type Client struct {
	baseURL   *url.URL
	apiKey    string
	userAgent string
	http      *retryablehttp.Client
	logger    Logger
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q must be an absolute http or https URL", base)
	}
	if cfg.APIKey == "" {
		return nil, errors.New("an API key is required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = cleanhttp.DefaultPooledClient()
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = hc
	rc.Logger = nil // requests are logged by this package, with secrets masked
	rc.RetryMax = cfg.MaxRetries
	if cfg.MaxRetries < 0 {
		rc.RetryMax = 0
	} else if cfg.MaxRetries == 0 {
		rc.RetryMax = DefaultMaxRetries
	}
	rc.RetryWaitMin, rc.RetryWaitMax = cfg.RetryWaitMin, cfg.RetryWaitMax
	if rc.RetryWaitMin <= 0 {
		rc.RetryWaitMin = DefaultRetryWaitMin
	}
	if rc.RetryWaitMax <= 0 {
		rc.RetryWaitMax = DefaultRetryWaitMax
	}
	c := &Client{baseURL: u, apiKey: cfg.APIKey, userAgent: cfg.UserAgent, http: rc, logger: cfg.Logger}
	rc.CheckRetry = c.checkRetry
	rc.Backoff = plannedBackoff
	// After the last attempt, hand back the final response so that its API
	// error reaches the caller instead of a generic "giving up" message.
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	if c.userAgent == "" {
		c.userAgent = "terraform-provider-telnyx"
	}
	rc.RequestLogHook = c.logAttempt
	return c, nil
}

// WithAPIKey returns a copy of c that calls the API with another key: a
// manager uses it to act as one of its managed accounts.
func (c *Client) WithAPIKey(key string) *Client {
	cp := *c
	cp.apiKey = key
	return &cp
}

// checkRetry decides after each attempt of a call whether to try again:
// retryable answers are retried (see retryable), unless ctx is done or the
// wait before the next attempt would end after ctx's deadline. Waiting
// until the deadline only to fail then would tell the user less, later: the
// call stops at once, with the API's last answer in its error.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	trace, _ := ctx.Value(callTraceKey{}).(*callTrace)
	if trace != nil {
		trace.attempts++
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	retry, checkErr := retryable(ctx, resp, err)
	if !retry || checkErr != nil || trace == nil {
		return retry, checkErr
	}
	trace.record(resp, err)
	if trace.attempts > c.http.RetryMax {
		return true, nil // out of retries: the client hands back this answer
	}
	wait := backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, trace.attempts-1, resp)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return false, &retryPastDeadlineError{wait: wait}
	}
	// Without a response (a connection error) the Backoff cannot find the
	// call to read the plan, and draws a wait of its own within the same
	// bounds: the deadline still stops that wait, at the deadline.
	trace.plannedWait, trace.hasPlannedWait = wait, resp != nil
	return true, nil
}

// retryable retries connection errors, 429 and 5xx (but not 501), and a 409
// unless the server says x-should-retry: false.
func retryable(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err != nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	if resp.Header.Get("x-should-retry") == "false" {
		return false, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusConflict:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// backoff waits what Retry-After asks for when the server says (never more
// than maxWait, so a server cannot stall a run for hours), and otherwise an
// exponential delay with full jitter, capped at maxWait.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return min(d, maxWait)
		}
	}
	ceil := minWait << min(attempt, 30)
	if ceil <= 0 || ceil > maxWait {
		ceil = maxWait
	}
	if ceil <= minWait {
		return minWait
	}
	return minWait + rand.N(ceil-minWait) //nolint:gosec // jitter spreads retries; it guards no secret
}

// plannedBackoff is the client's Backoff: the wait checkRetry chose, and
// checked against the deadline, for this attempt, else (after a connection
// error, which has no response to find the call by) a fresh one.
func plannedBackoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.Request != nil {
		if trace, ok := resp.Request.Context().Value(callTraceKey{}).(*callTrace); ok && trace.hasPlannedWait {
			trace.hasPlannedWait = false
			return trace.plannedWait
		}
	}
	return backoff(minWait, maxWait, attempt, resp)
}

// retryAfter parses a Retry-After header: delta-seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if c.logger == nil {
		return
	}
	c.logger.Debug(req.Context(), "Telnyx API request", map[string]any{
		"method": req.Method, "url": req.URL.String(), "attempt": attempt + 1,
		"authorization": "Bearer " + maskKey(c.apiKey),
	})
}

func maskKey(k string) string {
	if len(k) <= 8 {
		return "***"
	}
	return k[:3] + "***" + k[len(k)-4:]
}

// request describes one API call.
type request struct {
	method string
	path   string // relative to the base URL, starting with "/"
	query  url.Values
	body   any
}

// do performs the call and decodes a 2xx answer into out (when not nil).
// Any other answer becomes an *Error.
func (c *Client) do(ctx context.Context, r request, out any) error {
	u := *c.baseURL
	// r.path is already escaped (ids go through url.PathEscape); keep that
	// form in RawPath so that an escaped "/" in an id is not escaped twice.
	u.RawPath = c.baseURL.EscapedPath() + r.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	u.Path = p
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body []byte
	if r.body != nil {
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("encode request body: %w", err)
		}
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.method == http.MethodPost {
		// One key per logical call, reused by every retry of it, so that a
		// retried create whose first answer was lost does not create twice.
		req.Header.Set("Idempotency-Key", uuid.NewString())
	}
	trace := &callTrace{method: r.method, path: r.path}
	req = req.WithContext(context.WithValue(ctx, callTraceKey{}, trace))
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		// The passthrough error handler may hand back the last response
		// together with the error (a context cancelled after it arrived).
		if resp != nil {
			_ = resp.Body.Close()
		}
		if cause := stopCause(ctx, err); cause != nil {
			return &StoppedError{Method: r.method, Path: r.path, Attempts: trace.attempts, LastAnswer: trace.last, Err: cause}
		}
		return &ConnectionError{Method: r.method, Path: r.path, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", r.method, r.path, err)
	}
	if c.logger != nil {
		c.logger.Debug(ctx, "Telnyx API response", map[string]any{
			"method": r.method, "url": u.String(), "status": resp.StatusCode,
			"duration_ms": time.Since(start).Milliseconds(), "request_id": resp.Header.Get("X-Request-Id"),
		})
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newError(r.method, r.path, resp, raw)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &UnexpectedAnswerError{Method: r.method, Path: r.path, StatusCode: resp.StatusCode, Err: err, Body: snippet(raw)}
	}
	return nil
}

func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(bytes.ToValidUTF8(b, []byte("?"))))
	if len(s) > n {
		s = s[:n] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}

// dataEnvelope is the {"data": …} wrapper of single-object answers.
type dataEnvelope[T any] struct {
	Data T `json:"data"`
}

// listEnvelope is the {"data": […], "meta": …} wrapper of list answers.
type listEnvelope[T any] struct {
	Data []T      `json:"data"`
	Meta PageMeta `json:"meta"`
}

func get[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	var env dataEnvelope[T]
	if err := c.do(ctx, request{method: http.MethodGet, path: path, query: query}, &env); err != nil {
		return nil, err
	}
	return &env.Data, nil
}

func send[T any](ctx context.Context, c *Client, method, path string, body any) (*T, error) {
	var env dataEnvelope[T]
	if err := c.do(ctx, request{method: method, path: path, body: body}, &env); err != nil {
		return nil, err
	}
	return &env.Data, nil
}
