package leasecache

import (
	"context"
	"testing"
	"time"
)

func TestLease(t *testing.T) {
	c := New[string, int](time.Minute)
	if _, ok := c.Get("a"); ok {
		t.Fatal("an empty cache answered")
	}
	c.Put("a", 1, c.Start())
	c.Put("b", 2, c.Start().Add(-2*time.Minute)) // a read that began two leases ago
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Errorf("Get(a) = %v, %v within its lease", v, ok)
	}
	if v, ok := c.Get("b"); ok {
		t.Errorf("Get(b) = %v after its lease", v)
	}
}

// TestChanged: once Changed returns, no entry of a read that began before
// it answers, in this cache or another with the same lease.
func TestChanged(t *testing.T) {
	here, there := New[string, int](20*time.Millisecond), New[string, int](20*time.Millisecond)
	here.Put("a", 1, here.Start())
	there.Put("a", 1, there.Start())
	here.Changed(context.Background(), "a")
	if v, ok := here.Get("a"); ok {
		t.Errorf("the changing cache answers %v", v)
	}
	if v, ok := there.Get("a"); ok {
		t.Errorf("the other cache answers %v after the change returned", v)
	}

	// A change whose context ends returns without waiting out a long lease.
	long := New[string, int](time.Hour)
	long.Put("a", 1, long.Start())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	long.Changed(ctx, "a")
	if _, ok := long.Get("a"); ok {
		t.Error("the entry is still there after Changed")
	}
}
