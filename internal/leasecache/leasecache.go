// Package leasecache caches values read from a database that other
// processes write too, without ever answering from a value older than a
// change that was acknowledged.
//
// An entry is used for a fixed span of real time (the lease) counted from
// the start of the read that found it, and a writer that changes a cached
// value waits the lease out after its commit before it acknowledges the
// change. By then every entry made from a snapshot before the change has
// expired in every process: no message passes between them and their clocks
// need not agree, since each measures the span on its own monotonic clock.
package leasecache

import (
	"context"
	"sync"
	"time"
)

// Cache maps keys to values read under a lease.
type Cache[K comparable, V any] struct {
	lease time.Duration
	m     sync.Map // K -> entry[V]
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New returns a cache whose entries live for lease.
func New[K comparable, V any](lease time.Duration) *Cache[K, V] {
	return &Cache[K, V]{lease: lease}
}

// Start returns the moment a read begins. Take it before the read's first
// statement, so that it is no later than the read's snapshot, and hand it
// to Put.
func (c *Cache[K, V]) Start() time.Time { return time.Now() }

// Get returns k's value if a read that started less than the lease ago found it.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	if e, ok := c.m.Load(k); ok && time.Now().Before(e.(entry[V]).until) {
		return e.(entry[V]).v, true
	}
	var zero V
	return zero, false
}

// Put keeps v, which a read that began at start found, for the rest of the lease.
func (c *Cache[K, V]) Put(k K, v V, start time.Time) {
	c.m.Store(k, entry[V]{v: v, until: start.Add(c.lease)})
}

// Changed is called once a change of k has committed: it drops k's entry
// here at once and returns when the lease has passed, when the entries of
// other processes made before the change have expired too (or when ctx
// ends). Acknowledge the change after it.
func (c *Cache[K, V]) Changed(ctx context.Context, k K) {
	c.m.Delete(k)
	t := time.NewTimer(c.lease)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
