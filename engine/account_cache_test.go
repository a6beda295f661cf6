package engine

import (
	"context"
	"testing"
	"time"
)

// TestAccountCache changes an account's settings on one node of two that
// share a store: the node that made the change reads the new settings at
// once, the other node within accountCacheTTL; writes read them at once on
// both.
func TestAccountCache(t *testing.T) {
	te := newTestEngine(t)
	other, err := New(context.Background(), Config{Store: te.st, Clock: te.wall})
	if err != nil {
		t.Fatal(err)
	}
	version := func(e *Engine, write bool) string {
		t.Helper()
		var v string
		fn := func(op *Op) error {
			a, err := op.Account()
			if err != nil {
				return err
			}
			v = a.Settings.APIVersion
			return nil
		}
		if write {
			err = e.Update(context.Background(), te.account, RequestInfo{}, fn)
		} else {
			err = e.View(context.Background(), te.account, fn)
		}
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a, b := version(te.Engine, false), version(other, false); a != "" || b != "" {
		t.Fatalf("api versions before the change: %q, %q; want none", a, b)
	}
	te.update(t, func(op *Op) error {
		a, err := op.Account()
		if err != nil {
			return err
		}
		s := a.Settings
		s.APIVersion = "2020-08-27"
		_, err = op.UpdateAccountSettings(s)
		return err
	})
	if got := version(te.Engine, false); got != "2020-08-27" {
		t.Errorf("the changing node reads %q, want 2020-08-27", got)
	}
	if got := version(other, true); got != "2020-08-27" {
		t.Errorf("the other node writes with %q, want 2020-08-27", got)
	}
	if got := version(other, false); got != "" {
		t.Errorf("the other node reads %q within the cache's lifetime, want its cached %q", got, "")
	}
	te.wall.Advance(accountCacheTTL + time.Millisecond)
	if got := version(other, false); got != "2020-08-27" {
		t.Errorf("the other node reads %q after the cache's lifetime, want 2020-08-27", got)
	}
}
