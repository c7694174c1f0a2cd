package main

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/managedaccounts/terraform-provider-telnyx/internal/backend/httpapi"
)

// serverLimits bound what one client can take from the server: time,
// header size, request rate and concurrency.
type serverLimits struct {
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout, shutdownTimeout time.Duration
	maxHeaderBytes                                                             int

	rateLimit, authFailureRateLimit float64 // per second; 0 disables
	rateBurst, authFailureBurst     int
	maxConcurrentRequests           int // 0: no cap
}

// Defaults: generous for a local API, but bounded so that a slow or idle
// client cannot hold a connection forever. The write timeout covers a whole
// answer, the largest being a batch of 10,000 usage events ingested.
const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
	defaultWriteTimeout      = 60 * time.Second
	defaultIdleTimeout       = 120 * time.Second
	defaultShutdownTimeout   = 30 * time.Second
	defaultMaxHeaderBytes    = 64 << 10
	// A Terraform run makes requests one after another per resource, ten
	// resources at a time: 100 per second with bursts of 200 per key lets it
	// run at full speed and stops a runaway loop.
	defaultRateLimit = 100
	defaultRateBurst = 200
	// A client that mistypes its key a few times is not slowed; a guesser
	// gets one try per second.
	defaultAuthFailureRateLimit = 1
	defaultAuthFailureBurst     = 10
	// SQLite serialises writes anyway; past a few hundred requests at once,
	// a client is better told to retry than kept waiting.
	defaultMaxConcurrentRequests = 512
)

// serverLimitFlags are the limits as given, before parsing.
type serverLimitFlags struct {
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout, shutdownTimeout   string
	maxHeaderBytes, rateLimit, rateBurst, authFailureRateLimit, authFailureBurst string
	maxConcurrentRequests                                                        string
}

// addServerLimitFlags declares the limit flags through add (see
// parseServeConfig), each with its environment variable.
func addServerLimitFlags(add func(dst *string, name, env, def, help string), f *serverLimitFlags) {
	add(&f.readHeaderTimeout, "read-header-timeout", "REFERENCE_BACKEND_READ_HEADER_TIMEOUT", defaultReadHeaderTimeout.String(),
		"how long a client may take to send a request's headers")
	add(&f.readTimeout, "read-timeout", "REFERENCE_BACKEND_READ_TIMEOUT", defaultReadTimeout.String(),
		"how long a client may take to send a whole request, body included")
	add(&f.writeTimeout, "write-timeout", "REFERENCE_BACKEND_WRITE_TIMEOUT", defaultWriteTimeout.String(),
		"how long serving a request and writing its answer may take, from the end of its headers")
	add(&f.idleTimeout, "idle-timeout", "REFERENCE_BACKEND_IDLE_TIMEOUT", defaultIdleTimeout.String(),
		"how long an idle keep-alive connection stays open")
	add(&f.shutdownTimeout, "shutdown-timeout", "REFERENCE_BACKEND_SHUTDOWN_TIMEOUT", defaultShutdownTimeout.String(),
		"how long in-flight requests may take to finish after SIGTERM")
	add(&f.maxHeaderBytes, "max-header-bytes", "REFERENCE_BACKEND_MAX_HEADER_BYTES", strconv.Itoa(defaultMaxHeaderBytes),
		"the largest request line and headers accepted, in bytes (a larger block is answered 431)")
	add(&f.rateLimit, "rate-limit", "REFERENCE_BACKEND_RATE_LIMIT", strconv.Itoa(defaultRateLimit),
		"requests per second each API key (and the operator key) may make on average, per replica; 0 disables")
	add(&f.rateBurst, "rate-burst", "REFERENCE_BACKEND_RATE_BURST", strconv.Itoa(defaultRateBurst),
		"requests each key may make at once; 0 means --rate-limit rounded up")
	add(&f.authFailureRateLimit, "auth-failure-rate-limit", "REFERENCE_BACKEND_AUTH_FAILURE_RATE_LIMIT", strconv.Itoa(defaultAuthFailureRateLimit),
		"failed authentications per second a client address may make on average, per replica; 0 disables")
	add(&f.authFailureBurst, "auth-failure-burst", "REFERENCE_BACKEND_AUTH_FAILURE_BURST", strconv.Itoa(defaultAuthFailureBurst),
		"failed authentications a client address may make at once; 0 means --auth-failure-rate-limit rounded up")
	add(&f.maxConcurrentRequests, "max-concurrent-requests", "REFERENCE_BACKEND_MAX_CONCURRENT_REQUESTS", strconv.Itoa(defaultMaxConcurrentRequests),
		"requests served at once; beyond it a request is answered 503 with Retry-After at once; 0 means no cap")
}

// parse validates the limits.
func (f serverLimitFlags) parse() (serverLimits, error) {
	var (
		l   serverLimits
		err error
	)
	durations := []struct {
		name, value string
		dst         *time.Duration
	}{
		{"read-header-timeout", f.readHeaderTimeout, &l.readHeaderTimeout},
		{"read-timeout", f.readTimeout, &l.readTimeout},
		{"write-timeout", f.writeTimeout, &l.writeTimeout},
		{"idle-timeout", f.idleTimeout, &l.idleTimeout},
		{"shutdown-timeout", f.shutdownTimeout, &l.shutdownTimeout},
	}
	for _, d := range durations {
		// 0 would mean "no timeout" to net/http: refused, it is what these
		// limits exist to prevent.
		if *d.dst, err = time.ParseDuration(d.value); err != nil || *d.dst <= 0 {
			return l, fmt.Errorf("--%s must be a duration above 0s, such as 30s, not %q", d.name, d.value)
		}
	}
	if l.readHeaderTimeout > l.readTimeout {
		return l, fmt.Errorf("--read-header-timeout (%s) must not exceed --read-timeout (%s)", l.readHeaderTimeout, l.readTimeout)
	}
	if l.maxHeaderBytes, err = strconv.Atoi(f.maxHeaderBytes); err != nil || l.maxHeaderBytes < 4<<10 || l.maxHeaderBytes > 1<<20 {
		return l, fmt.Errorf("--max-header-bytes must be a whole number from 4096 to 1048576, not %q", f.maxHeaderBytes)
	}
	rates := []struct {
		name, value string
		dst         *float64
	}{
		{"rate-limit", f.rateLimit, &l.rateLimit},
		{"auth-failure-rate-limit", f.authFailureRateLimit, &l.authFailureRateLimit},
	}
	for _, r := range rates {
		if *r.dst, err = strconv.ParseFloat(r.value, 64); err != nil || *r.dst < 0 || math.IsInf(*r.dst, 0) || math.IsNaN(*r.dst) {
			return l, fmt.Errorf("--%s must be a number of requests per second, 0 or more (0 disables it), not %q", r.name, r.value)
		}
	}
	counts := []struct {
		name, value string
		dst         *int
	}{
		{"rate-burst", f.rateBurst, &l.rateBurst},
		{"auth-failure-burst", f.authFailureBurst, &l.authFailureBurst},
		{"max-concurrent-requests", f.maxConcurrentRequests, &l.maxConcurrentRequests},
	}
	for _, c := range counts {
		if *c.dst, err = strconv.Atoi(c.value); err != nil || *c.dst < 0 || *c.dst > 1_000_000 {
			return l, fmt.Errorf("--%s must be a whole number from 0 to 1000000, not %q", c.name, c.value)
		}
	}
	return l, nil
}

// httpServer is an http.Server for handler with the limits applied.
func (l serverLimits) httpServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeaderTimeout,
		ReadTimeout:       l.readTimeout,
		WriteTimeout:      l.writeTimeout,
		IdleTimeout:       l.idleTimeout,
		// Above the limit the handler enforces, so that a header block a
		// little too long is refused in the error envelope.
		MaxHeaderBytes: httpapi.ServerMaxHeaderBytes(l.maxHeaderBytes),
	}
}

// apply sets the limits the HTTP layer enforces itself.
func (l serverLimits) apply(opts *httpapi.Options) {
	opts.RateLimit, opts.RateBurst = l.rateLimit, l.rateBurst
	opts.AuthFailureRateLimit, opts.AuthFailureBurst = l.authFailureRateLimit, l.authFailureBurst
	opts.MaxConcurrentRequests = l.maxConcurrentRequests
	opts.MaxHeaderBytes = l.maxHeaderBytes
}
