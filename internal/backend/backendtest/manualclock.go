package backendtest

import (
	"sync"
	"time"
)

// ManualClock is a clock that stands still until the test moves it, safe
// for the concurrent requests of a server: give its Now to a service
// (Service.SetClock) or to the HTTP layer (httpapi.Options.Now).
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock is a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now is the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
