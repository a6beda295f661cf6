package sqlite_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// putTimer schedules a timer of the clock "clk" for the counter id, due at due.
func putTimer(t *testing.T, s store.Store, id string, due int64) store.Timer {
	t.Helper()
	tm := store.Timer{Account: "acct_a", ClockID: "clk", Due: due, Kind: "bump", ObjectID: id}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		tm.ID = 0
		return tx.InsertTimer(t.Context(), &tm)
	})
	if err != nil {
		t.Fatalf("timer for %s: %v", id, err)
	}
	return tm
}

// bumpBatch is a batch of timers as the engine fires one beside the
// writer: it claims up to limit due timers of "clk", reads their counters,
// holds their updates (one more) and an event each, and deletes the timers
// in the writer. during is called in each run after the claim and the
// reads, with the run's number. It returns the runs, those beside the
// writer, and the ids of the timers the last run claimed.
func bumpBatch(t *testing.T, s store.Store, limit int, during func(run int)) (runs, beside int, claimed []int64) {
	t.Helper()
	ctx := t.Context()
	var events []*store.Event
	err := s.Update(ctx, func(tx store.Tx) error {
		runs++
		tx, ok := store.Beside(tx)
		if ok {
			beside++
		}
		ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: "clk", DueLTE: 1000, Limit: limit})
		if err != nil {
			return err
		}
		claimed, events = nil, nil
		var ids []string
		for _, tm := range ts {
			claimed = append(claimed, tm.ID)
			ids = append(ids, tm.ObjectID)
		}
		rows, err := tx.GetObjects(ctx, "acct_a", ids)
		if err != nil {
			return err
		}
		if during != nil {
			during(runs)
		}
		tx.HoldWrites()
		defer tx.DropWrites()
		for i := range rows {
			var c counter
			if err := json.Unmarshal(rows[i].Data, &c); err != nil {
				return err
			}
			rows[i].Data, _ = json.Marshal(counter{c.N + 1})
			if err := tx.UpdateObject(ctx, &rows[i]); err != nil {
				return err
			}
			e := &store.Event{Account: "acct_a", ID: fmt.Sprintf("evt_%s_%d", rows[i].ID, c.N+1), Type: "bumped",
				ObjectID: rows[i].ID, Created: 1, Data: []byte(`{}`)}
			events = append(events, e)
			if err := tx.InsertEvent(ctx, e); err != nil {
				return err
			}
		}
		if err := tx.FlushWrites(ctx); err != nil {
			return err
		}
		return store.InWriter(tx, func(w store.Tx) error {
			n, err := w.DeleteTimers(ctx, claimed)
			if err == nil && n != int64(len(claimed)) {
				err = fmt.Errorf("deleted %d of %d timers", n, len(claimed))
			}
			return err
		})
	})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	for _, e := range events {
		if e.Seq == 0 {
			t.Errorf("event %s has no seq after the write", e.ID)
		}
	}
	return runs, beside, claimed
}

// dueTimers returns the ids of the clock's due timers, in due order.
func dueTimers(t *testing.T, s store.Store) []int64 {
	t.Helper()
	var ids []int64
	err := s.View(t.Context(), func(tx store.Tx) error {
		ts, err := tx.ClaimDueTimers(t.Context(), store.ClaimTimersParams{ClockID: "clk", DueLTE: 1000, Limit: 100, Peek: true})
		for _, tm := range ts {
			ids = append(ids, tm.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func checkCounters(t *testing.T, s store.Store, want map[string]int) {
	t.Helper()
	for id, n := range want {
		if got := getCounter(t, s, id); got.N != n {
			t.Errorf("counter %s is %d, want %d", id, got.N, n)
		}
	}
}

// TestBatchBesideTheWriter: a batch's claim, reads and held writes are
// served beside the writer, which only checks and applies them.
func TestBatchBesideTheWriter(t *testing.T) {
	s := openSpec(t, "")
	for _, id := range []string{"x1", "x2", "x3"} {
		putCounter(t, s, id, 1)
	}
	t1, t2, t3 := putTimer(t, s, "x1", 10), putTimer(t, s, "x2", 20), putTimer(t, s, "x3", 30)
	before := stats(s)
	runs, beside, claimed := bumpBatch(t, s, 2, nil)
	if runs != 1 || beside != 1 {
		t.Fatalf("%d runs, %d beside the writer; want one, beside", runs, beside)
	}
	if got := since(s, before); got.Applied != 1 || got.Skipped != 0 || got.Stale != 0 {
		t.Fatalf("writes %+v, want one applied as speculated", got)
	}
	if fmt.Sprint(claimed) != fmt.Sprint([]int64{t1.ID, t2.ID}) {
		t.Errorf("claimed %v, want %v", claimed, []int64{t1.ID, t2.ID})
	}
	checkCounters(t, s, map[string]int{"x1": 2, "x2": 2, "x3": 1})
	if got := dueTimers(t, s); fmt.Sprint(got) != fmt.Sprint([]int64{t3.ID}) {
		t.Errorf("timers left %v, want %v", got, []int64{t3.ID})
	}
	// The writer's log knows the held rows: a speculation that read x3
	// before a batch bumped it is stale.
	calls := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		calls++
		c, err := readCounter(t.Context(), tx, "x3")
		if err != nil {
			return err
		}
		if calls == 1 {
			bumpBatch(t, s, 1, nil) // x3's timer
		}
		o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "x2"})
		if err != nil {
			return err
		}
		o.Data, _ = json.Marshal(counter{c.N * 10})
		return tx.UpdateObject(t.Context(), &o)
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("%d calls, want the first stale", calls)
	}
	checkCounters(t, s, map[string]int{"x2": 20, "x3": 2})
}

// TestBatchBesideTheWriterClaimStale: a timer due first that is added after
// the batch's snapshot makes its claim stale; the next run claims it, in
// due order, and no timer fires twice or is left behind.
func TestBatchBesideTheWriterClaimStale(t *testing.T) {
	s := openSpec(t, "")
	for _, id := range []string{"x0", "x1", "x2"} {
		putCounter(t, s, id, 1)
	}
	t1, t2 := putTimer(t, s, "x1", 10), putTimer(t, s, "x2", 20)
	var t0 store.Timer
	before := stats(s)
	runs, beside, claimed := bumpBatch(t, s, 2, func(run int) {
		if run == 1 {
			t0 = putTimer(t, s, "x0", 5)
		}
	})
	if runs != 2 || beside != 2 {
		t.Fatalf("%d runs, %d beside the writer; want two, beside", runs, beside)
	}
	if got := since(s, before); got.Applied != 2 || got.Stale != 1 {
		t.Fatalf("writes %+v, want the batch stale once (and the timer's insert applied)", got)
	}
	if fmt.Sprint(claimed) != fmt.Sprint([]int64{t0.ID, t1.ID}) {
		t.Errorf("claimed %v, want %v", claimed, []int64{t0.ID, t1.ID})
	}
	checkCounters(t, s, map[string]int{"x0": 2, "x1": 2, "x2": 1})
	if got := dueTimers(t, s); fmt.Sprint(got) != fmt.Sprint([]int64{t2.ID}) {
		t.Errorf("timers left %v, want %v", got, []int64{t2.ID})
	}
}

// TestBatchBesideTheWriterRowStale: a row the batch read and updates that
// is written after its snapshot makes the batch stale; the next run
// updates the new row, and the rows and versions the stale run set in the
// caller's rows are given back.
func TestBatchBesideTheWriterRowStale(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "x1", 1)
	putCounter(t, s, "x2", 1)
	putTimer(t, s, "x1", 10)
	putTimer(t, s, "x2", 20)
	before := stats(s)
	runs, _, _ := bumpBatch(t, s, 2, func(run int) {
		if run == 1 {
			putCounter(t, s, "x2", 10)
		}
	})
	if runs != 2 {
		t.Fatalf("%d runs, want the first stale", runs)
	}
	if got := since(s, before); got.Stale != 1 {
		t.Fatalf("writes %+v, want the batch stale once", got)
	}
	checkCounters(t, s, map[string]int{"x1": 2, "x2": 11})
	if got := dueTimers(t, s); len(got) != 0 {
		t.Errorf("timers left %v, want none", got)
	}
	var v int64
	s.View(t.Context(), func(tx store.Tx) error {
		o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "x2"})
		v = o.Version
		return err
	})
	if v != 3 {
		t.Errorf("x2 at version %d, want 3 (inserted, put, bumped once)", v)
	}
}
