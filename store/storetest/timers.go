package storetest

import (
	"context"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var timerTests = []test{
	{"DeleteTimers", deleteTimersTest},
	{"ClaimInDueOrder", func(t *testing.T, s store.Store) {
		mk := func(clock string, due int64, kind, obj string) *store.Timer {
			return &store.Timer{Account: "acct_a", ClockID: clock, Due: due, Kind: kind, ObjectID: obj}
		}
		ts := []*store.Timer{
			mk("", 300, "charge.settle", "ch_1"),
			mk("", 100, "source.chargeable", "src_1"),
			mk("", 300, "charge.settle", "ch_2"), // ties with the first: insertion (id) order
			mk("", 900, "refund.process", "re_1"),
			mk("clock_1", 50, "charge.settle", "ch_3"),
			mk("clock_1", 60, "clock.advance", ""),
		}
		ts[0].Payload = []byte{0, 1, 0xff}
		ts[2].Attempts = 2
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, tm := range ts {
				if err := tx.InsertTimer(ctx, tm); err != nil {
					return err
				}
			}
			return nil
		})
		for i := 1; i < len(ts); i++ {
			if ts[i].ID <= ts[i-1].ID {
				t.Fatalf("InsertTimer ids not increasing: %d then %d", ts[i-1].ID, ts[i].ID)
			}
		}
		claim := func(clock string, due int64, limit int) []store.Timer {
			t.Helper()
			var out []store.Timer
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				out, err = tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: clock, DueLTE: due, Limit: limit})
				return err
			})
			return out
		}
		equal(t, "wall-clock timers due at 300", claim("", 300, 10), []store.Timer{*ts[1], *ts[0], *ts[2]})
		equal(t, "limit 2", claim("", 1000, 2), []store.Timer{*ts[1], *ts[0]})
		equal(t, "due at 99", claim("", 99, 10), []store.Timer(nil))
		equal(t, "test clock timers", claim("clock_1", 1000, 10), []store.Timer{*ts[4], *ts[5]})
		equal(t, "another clock", claim("clock_2", 1000, 10), []store.Timer(nil))
		peek := func(clock string, due int64, limit int, after *store.Timer) []store.Timer {
			t.Helper()
			var out []store.Timer
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				out, err = tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: clock, DueLTE: due, Limit: limit, After: after, Peek: true})
				return err
			})
			return out
		}
		equal(t, "peek", peek("", 300, 10, nil), []store.Timer{*ts[1], *ts[0], *ts[2]})
		equal(t, "after a tie", peek("", 1000, 10, ts[0]), []store.Timer{*ts[2], *ts[3]})
		equal(t, "after the first", peek("", 1000, 1, ts[1]), []store.Timer{*ts[0]})
		equal(t, "after the last", peek("", 1000, 10, ts[3]), []store.Timer(nil))
		equal(t, "after, on a test clock", peek("clock_1", 1000, 10, ts[4]), []store.Timer{*ts[5]})

		// Claiming does not remove a timer: a committed claim without DeleteTimer finds it again.
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 100, Limit: 10})
			equal(t, "claim in Update", got, []store.Timer{*ts[1]})
			return err
		})
		equal(t, "claim after a claim that deleted nothing", claim("", 100, 10), []store.Timer{*ts[1]})

		// Backing a timer off moves it in the order.
		backoff := *ts[1]
		backoff.Due, backoff.Attempts = 1000, 1
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateTimer(ctx, &backoff) })
		equal(t, "after backoff", claim("", 2000, 10), []store.Timer{*ts[0], *ts[2], *ts[3], backoff})
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateTimer(t.Context(), &store.Timer{ID: 1 << 40, Due: 1}) })
		wantErr(t, "UpdateTimer missing", err, store.ErrNotFound)
	}},
	{"DeleteAndNextDue", func(t *testing.T, s store.Store) {
		next := func(clock string) (int64, bool) {
			t.Helper()
			var due int64
			var ok bool
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				due, ok, err = tx.NextTimerDue(ctx, clock)
				return err
			})
			return due, ok
		}
		if due, ok := next(""); ok {
			t.Fatalf("NextTimerDue on an empty store: %d", due)
		}
		a := &store.Timer{Account: "acct_a", Due: 500, Kind: "k"}
		b := &store.Timer{Account: "acct_a", Due: 200, Kind: "k"}
		c := &store.Timer{Account: "acct_a", ClockID: "clock_1", Due: 100, Kind: "k"}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			must(t, "InsertTimer", tx.InsertTimer(ctx, a))
			must(t, "InsertTimer", tx.InsertTimer(ctx, b))
			return tx.InsertTimer(ctx, c)
		})
		if due, ok := next(""); !ok || due != 200 {
			t.Fatalf("NextTimerDue wall clock = %d, %v; want 200, true", due, ok)
		}
		if due, ok := next("clock_1"); !ok || due != 100 {
			t.Fatalf("NextTimerDue clock_1 = %d, %v; want 100, true", due, ok)
		}
		count := func(clock string, dueLTE int64) int64 {
			t.Helper()
			var n int64
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				n, err = tx.CountTimersDue(ctx, clock, dueLTE)
				return err
			})
			return n
		}
		for _, c := range []struct {
			clock string
			due   int64
			want  int64
		}{{"", 199, 0}, {"", 200, 1}, {"", 500, 2}, {"clock_1", 100, 1}, {"clock_1", 99, 0}, {"clock_2", 1000, 0}} {
			if got := count(c.clock, c.due); got != c.want {
				t.Errorf("CountTimersDue(%q, %d) = %d, want %d", c.clock, c.due, got, c.want)
			}
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteTimer(ctx, b.ID) })
		if due, ok := next(""); !ok || due != 500 {
			t.Fatalf("NextTimerDue after delete = %d, %v; want 500, true", due, ok)
		}
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteTimer(t.Context(), b.ID) })
		wantErr(t, "DeleteTimer twice", err, store.ErrNotFound)
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			must(t, "DeleteTimer", tx.DeleteTimer(ctx, a.ID))
			return tx.DeleteTimer(ctx, c.ID)
		})
		for _, clock := range []string{"", "clock_1"} {
			if due, ok := next(clock); ok {
				t.Fatalf("NextTimerDue(%q) after deleting every timer: %d", clock, due)
			}
		}
	}},
	{"Cancel", func(t *testing.T, s store.Store) {
		mk := func(acct, obj, kind string) *store.Timer {
			return &store.Timer{Account: acct, Due: 100, Kind: kind, ObjectID: obj}
		}
		ts := []*store.Timer{
			mk("acct_a", "ch_1", "charge.settle"),
			mk("acct_a", "ch_1", "charge.expire"),
			mk("acct_a", "ch_1", "charge.settle"),
			mk("acct_a", "ch_2", "charge.settle"),
			mk("acct_b", "ch_1", "charge.settle"),
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, tm := range ts {
				if err := tx.InsertTimer(ctx, tm); err != nil {
					return err
				}
			}
			return nil
		})
		cancel := func(p store.CancelTimersParams) int64 {
			t.Helper()
			var n int64
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				n, err = tx.CancelTimers(ctx, p)
				return err
			})
			return n
		}
		if n := cancel(store.CancelTimersParams{Account: "acct_a", ObjectID: "ch_1", Kind: "charge.settle"}); n != 2 {
			t.Fatalf("CancelTimers of one kind removed %d, want 2", n)
		}
		if n := cancel(store.CancelTimersParams{Account: "acct_a", ObjectID: "ch_1"}); n != 1 {
			t.Fatalf("CancelTimers of every kind removed %d, want 1", n)
		}
		if n := cancel(store.CancelTimersParams{Account: "acct_a", ObjectID: "ch_1"}); n != 0 {
			t.Fatalf("CancelTimers again removed %d, want 0", n)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 100, Limit: 10})
			must(t, "ClaimDueTimers", err)
			equal(t, "timers left", got, []store.Timer{*ts[3], *ts[4]})
			return nil
		})
	}},
}
