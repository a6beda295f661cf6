package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// Tests of what a function sees when another transaction commits between
// its reads and its commit, as a driver that runs functions ahead of the
// commit (store.AheadTx) must get right as well as one that runs them in
// the transaction.
var interleaveTests = []test{
	{"UpdateAfterConcurrentChange", func(t *testing.T, s store.Store) {
		// A reads the counter, B increments it and commits, then A writes
		// what it read plus one: A either fails with ErrConflict or ends
		// with both increments; it never overwrites B's.
		insertCounter(t, s)
		err := whileOpen(t, s, func(ctx context.Context, tx store.Tx, first bool, between func()) error {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ctr", Type: "counter"})
			if err != nil {
				return err
			}
			between()
			v, _ := strconv.Atoi(string(o.Data))
			o.Data = []byte(strconv.Itoa(v + 1))
			return tx.UpdateObject(ctx, &o)
		}, incrementCounter)
		got := readCounter(t, s)
		switch {
		case err == nil && got != 2:
			t.Fatalf("both updates succeeded and the counter is %d, want 2: an update was lost", got)
		case errors.Is(err, store.ErrConflict) && got != 1:
			t.Fatalf("the first update failed with a conflict and the counter is %d, want 1", got)
		case err != nil && !errors.Is(err, store.ErrConflict):
			t.Fatalf("update: %v", err)
		}
	}},
	{"CancelTimersCountsWhatItDeletes", func(t *testing.T, s store.Store) {
		// A cancels an object's timers; B adds one more between A's
		// cancellation and A's commit. The count A gets is the count of
		// timers its commit deleted, whichever of them it saw.
		addTimer := func(ctx context.Context, tx store.Tx) error {
			return tx.InsertTimer(ctx, &store.Timer{Account: "acct_a", Due: 5, Kind: "k", ObjectID: "obj_1"})
		}
		update(t, s, addTimer)
		var n int64
		err := whileOpen(t, s, func(ctx context.Context, tx store.Tx, first bool, between func()) error {
			var err error
			n, err = tx.CancelTimers(ctx, store.CancelTimersParams{Account: "acct_a", ObjectID: "obj_1", Kind: "k"})
			between()
			return err
		}, addTimer)
		must(t, "CancelTimers", err)
		var left int64
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			left, err = tx.CountTimersDue(ctx, "", 10)
			return err
		})
		if n+left != 2 || n < 1 {
			t.Fatalf("CancelTimers answered %d and %d timers are left, of 2 inserted", n, left)
		}
	}},
	{"UniqueInsertRaceWithKey", func(t *testing.T, s store.Store) {
		// Concurrent requests that each insert an object and store the same
		// idempotency key: exactly one commits, the others see ErrConflict.
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
					ctx := t.Context()
					if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ch_" + strconv.Itoa(i), Type: "charge", Created: 1,
						Data: []byte(strconv.Itoa(i))}); err != nil {
						return err
					}
					return tx.PutIdempotency(ctx, store.Idempotency{Account: "acct_a", Key: "k1", RequestHash: "h", Method: "POST",
						Path: "/v1/charges", StatusCode: 200, Body: []byte(strconv.Itoa(i)), Created: 1})
				})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("updates %d and %d both stored the key", winner, i)
			case err == nil:
				winner = i
			default:
				wantErr(t, fmt.Sprintf("losing update %d", i), err, store.ErrConflict)
			}
		}
		if winner < 0 {
			t.Fatal("no update stored the key")
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			r, err := tx.GetIdempotency(ctx, "acct_a", "k1")
			must(t, "GetIdempotency", err)
			objs, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "charge"})
			must(t, "ListObjects", err)
			if string(r.Body) != strconv.Itoa(winner) || len(objs) != 1 || objs[0].ID != "ch_"+strconv.Itoa(winner) {
				t.Fatalf("stored key %q and %d charges, want only the winner's %d", r.Body, len(objs), winner)
			}
			return nil
		})
	}},
	{"InsertAssignsSeq", func(t *testing.T, s store.Store) {
		// What an insert assigns is on the record once Update returns.
		o := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Created: 1, Data: []byte(`{}`)}
		e := &store.Event{Account: "acct_a", ID: "evt_1", Type: "charge.pending", ObjectID: "ch_1", Created: 1, Data: []byte(`{}`)}
		tm := &store.Timer{Account: "acct_a", Due: 1, Kind: "k", ObjectID: "ch_1"}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := tx.InsertObject(ctx, o); err != nil {
				return err
			}
			if err := tx.InsertEvent(ctx, e); err != nil {
				return err
			}
			return tx.InsertTimer(ctx, tm)
		})
		if o.Seq == 0 || o.Version != 1 || e.Seq == 0 || tm.ID == 0 {
			t.Fatalf("after Update: object seq %d version %d, event seq %d, timer id %d; want them assigned", o.Seq, o.Version, e.Seq, tm.ID)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject", err)
			if got.Seq != o.Seq {
				t.Fatalf("stored seq %d, the record says %d", got.Seq, o.Seq)
			}
			return nil
		})
	}},
}

// whileOpen runs fn in an Update; on fn's first run, between (called by fn
// after its reads) commits other in an Update of its own before fn goes on.
// fn's later runs (a driver's re-run) call between as a no-op.
func whileOpen(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx, first bool, between func()) error,
	other func(ctx context.Context, tx store.Tx) error) error {
	t.Helper()
	runs := 0
	return s.Update(t.Context(), func(tx store.Tx) error {
		runs++
		first := runs == 1
		between := func() {}
		if first {
			between = func() {
				done := make(chan error, 1)
				go func() { done <- s.Update(t.Context(), func(tx store.Tx) error { return other(t.Context(), tx) }) }()
				if err := <-done; err != nil {
					t.Errorf("the update in between: %v", err)
				}
			}
		}
		return fn(t.Context(), tx, first, between)
	})
}

func insertCounter(t *testing.T, s store.Store) {
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ctr", Type: "counter", Created: 1, Data: []byte("0")})
	})
}

func incrementCounter(ctx context.Context, tx store.Tx) error {
	o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ctr"})
	if err != nil {
		return err
	}
	v, _ := strconv.Atoi(string(o.Data))
	o.Data = []byte(strconv.Itoa(v + 1))
	return tx.UpdateObject(ctx, &o)
}

func readCounter(t *testing.T, s store.Store) int {
	var v int
	view(t, s, func(ctx context.Context, tx store.Tx) error {
		o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ctr"})
		if err != nil {
			return err
		}
		v, err = strconv.Atoi(string(o.Data))
		return err
	})
	return v
}
