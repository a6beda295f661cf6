// Package clock supplies time to the engine. Business logic never calls
// time.Now: it asks a Clock, and objects bound to a test clock see that
// clock's frozen time instead (see engine.Op.Now).
package clock

import (
	"sync"
	"time"
)

// Clock tells the current wall time.
type Clock interface {
	Now() time.Time
}

// Wall is the real clock.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// Manual is a clock that only moves when told to; tests use it for the wall clock.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a Manual clock set to t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}
