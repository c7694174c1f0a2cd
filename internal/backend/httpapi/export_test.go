package httpapi

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// What the tests of package httpapi_test reach inside: functions that only
// tests call.

// SecretRequestMembers returns the JSON pointers of the write-only secrets
// of each route's request body, by route pattern.
func SecretRequestMembers() map[string][]string {
	out := make(map[string][]string, len(secretRequestMembers))
	for route, pointers := range secretRequestMembers {
		out[route] = slices.Clone(pointers)
	}
	return out
}

// Routes returns the patterns the API serves ("POST /v2/api_keys", …), in
// the order they are registered. The portal's pages under /portal/ are not
// API routes and are not listed.
func Routes() []string {
	s := &server{mux: newRouter()}
	s.routes()
	return slices.Clone(s.mux.patterns)
}

// MetricsRecorder is a Metrics that remembers what it is told, for tests.
type MetricsRecorder struct {
	mu     sync.Mutex
	counts map[string]int
	// inFlight is the requests in flight now, peak the most at once.
	inFlight, peak int
}

var _ Metrics = (*MetricsRecorder)(nil)

func (m *MetricsRecorder) add(what string, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]int{}
	}
	m.counts[what] += n
}

// Count is how often what was told: "served <route> <status>", "refused at
// cap", "rate limited <limit>", "authentication failed <api>", "replay
// <route>", "usage accepted", "usage duplicates".
func (m *MetricsRecorder) Count(what string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[what]
}

// Counts is a copy of every count.
func (m *MetricsRecorder) Counts() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counts)
}

// InFlight is the requests in flight now, and the most there were at once.
func (m *MetricsRecorder) InFlight() (now, peak int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inFlight, m.peak
}

func (m *MetricsRecorder) RequestServed(route string, status int, _ time.Duration) {
	m.add(fmt.Sprintf("served %s %d", route, status), 1)
}

func (m *MetricsRecorder) RequestStarted() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight++
	m.peak = max(m.peak, m.inFlight)
}

func (m *MetricsRecorder) RequestEnded() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight--
}

func (m *MetricsRecorder) RequestRefusedAtCap()            { m.add("refused at cap", 1) }
func (m *MetricsRecorder) RateLimited(limit string)        { m.add("rate limited "+limit, 1) }
func (m *MetricsRecorder) AuthenticationFailed(api string) { m.add("authentication failed "+api, 1) }
func (m *MetricsRecorder) IdempotentReplay(route string)   { m.add("replay "+route, 1) }
func (m *MetricsRecorder) UsageIngested(accepted, duplicates int) {
	m.add("usage accepted", accepted)
	m.add("usage duplicates", duplicates)
}
