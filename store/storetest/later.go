package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/kontorpay/kontor/store"
)

// laterWrites writes an event, a timer and an idempotency record through
// store.Later(tx), keyed by suffix, and returns the event and timer whose
// Seq and ID the store sets.
func laterWrites(ctx context.Context, tx store.Tx, suffix string) (*store.Event, *store.Timer, error) {
	l := store.Later(tx)
	e := &store.Event{Account: "acct_a", ID: "evt_" + suffix, Type: "charge.pending", ObjectID: "py_" + suffix, Created: 1, Data: []byte(`{"id":"evt"}`)}
	tm := &store.Timer{Account: "acct_a", Due: 1, Kind: "bank.report", ObjectID: "py_" + suffix}
	if err := l.InsertEvent(ctx, e); err != nil {
		return nil, nil, err
	}
	if err := l.InsertTimer(ctx, tm); err != nil {
		return nil, nil, err
	}
	err := l.PutIdempotency(ctx, store.Idempotency{Account: "acct_a", Key: "k_" + suffix, RequestHash: "h", Method: "POST",
		Path: "/v1/charges", StatusCode: 200, Body: []byte(`{"id":"py"}`), Created: 1})
	return e, tm, err
}

// laterCount counts the rows laterWrites(suffix) wrote that are visible in tx.
func laterCount(t *testing.T, ctx context.Context, tx store.Tx, suffix string) int {
	t.Helper()
	n := 0
	found := func(what string, err error) {
		t.Helper()
		switch {
		case err == nil:
			n++
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("%s: %v", what, err)
		}
	}
	_, err := tx.GetEvent(ctx, "acct_a", "evt_"+suffix)
	found("GetEvent", err)
	ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 1, Limit: 1000})
	must(t, "ClaimDueTimers", err)
	for _, tm := range ts {
		if tm.ObjectID == "py_"+suffix {
			n++
		}
	}
	_, err = tx.GetIdempotency(ctx, "acct_a", "k_"+suffix)
	found("GetIdempotency", err)
	return n
}

var laterTests = []test{
	{"Commit", func(t *testing.T, s store.Store) {
		var (
			e     *store.Event
			tm    *store.Timer
			inTx  int
			calls int
		)
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			calls++
			var err error
			if e, tm, err = laterWrites(ctx, tx, "a"); err != nil {
				return err
			}
			// Written in call order: a read of the transaction sees them.
			inTx = laterCount(t, ctx, tx, "a")
			return nil
		})
		if inTx != 3 {
			t.Fatalf("the transaction saw %d of its 3 writes", inTx)
		}
		if e.Seq <= 0 || tm.ID <= 0 {
			t.Fatalf("after Update: event Seq %d, timer ID %d; want both set", e.Seq, tm.ID)
		}
		// The same writes with nothing read after them go with the commit.
		var e2 *store.Event
		var tm2 *store.Timer
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			e2, tm2, err = laterWrites(ctx, tx, "b")
			return err
		})
		if e2.Seq <= e.Seq || tm2.ID <= tm.ID {
			t.Fatalf("the second transaction's event Seq %d and timer ID %d do not follow the first's %d and %d", e2.Seq, tm2.ID, e.Seq, tm.ID)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			if n := laterCount(t, ctx, tx, "a") + laterCount(t, ctx, tx, "b"); n != 6 {
				t.Fatalf("committed %d of 6 rows", n)
			}
			got, err := tx.GetEvent(ctx, "acct_a", "evt_b")
			must(t, "GetEvent", err)
			equal(t, "event", got, *e2)
			return nil
		})
	}},
	{"ConflictFailsTransaction", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			_, _, err := laterWrites(ctx, tx, "a")
			return err
		})
		// A write through Later that conflicts need not say so itself, but
		// Update does, and nothing of the transaction commits.
		for _, what := range []string{"InsertEvent", "PutIdempotency"} {
			err := s.Update(t.Context(), func(tx store.Tx) error {
				ctx := t.Context()
				if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "obj_" + what, Type: "customer", Created: 1, Data: []byte(`{}`)}); err != nil {
					return err
				}
				l := store.Later(tx)
				if what == "InsertEvent" {
					err := l.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_a", Type: "x", Created: 1, Data: []byte(`{}`)})
					if err != nil {
						return err
					}
				} else if err := l.PutIdempotency(ctx, store.Idempotency{Account: "acct_a", Key: "k_a", RequestHash: "h2", Method: "POST",
					Path: "/", StatusCode: 200, Body: []byte(`{}`), Created: 2}); err != nil {
					return err
				}
				return l.InsertTimer(ctx, &store.Timer{Account: "acct_a", Due: 1, Kind: "k", ObjectID: "obj_" + what})
			})
			wantErr(t, what+" through Later of a used key", err, store.ErrConflict)
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "obj_" + what})
				wantErr(t, "the object of the failed transaction", err, store.ErrNotFound)
				ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 1, Limit: 1000})
				must(t, "ClaimDueTimers", err)
				for _, tm := range ts {
					if tm.ObjectID == "obj_"+what {
						t.Fatalf("the timer of the failed transaction was committed")
					}
				}
				r, err := tx.GetIdempotency(ctx, "acct_a", "k_a")
				must(t, "GetIdempotency", err)
				equal(t, "the first request hash", r.RequestHash, "h")
				return nil
			})
		}
	}},
	{"ErrorDropsWrites", func(t *testing.T, s store.Store) {
		err := s.Update(t.Context(), func(tx store.Tx) error {
			if _, _, err := laterWrites(t.Context(), tx, "a"); err != nil {
				t.Errorf("laterWrites: %v", err)
			}
			return errBoom
		})
		wantErr(t, "Update", err, errBoom)
		// The store goes on, and the rows of the failed transaction can be written.
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			_, _, err := laterWrites(ctx, tx, "b")
			return err
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			if n := laterCount(t, ctx, tx, "a"); n != 0 {
				t.Fatalf("a failed Update left %d rows", n)
			}
			if n := laterCount(t, ctx, tx, "b"); n != 3 {
				t.Fatalf("the next Update committed %d of 3 rows", n)
			}
			return nil
		})
	}},
	{"ViewRefusesWrites", func(t *testing.T, s store.Store) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, _, err := laterWrites(t.Context(), tx, "a")
			return err
		})
		if err == nil {
			t.Fatal("writes through Later in a View succeeded")
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			if n := laterCount(t, ctx, tx, "a"); n != 0 {
				t.Fatalf("a View wrote %d rows", n)
			}
			return nil
		})
	}},
	{"Inserts", func(t *testing.T, s store.Store) {
		o := &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`{"n":1}`)}
		var inTx store.Object
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := store.Later(tx).InsertObject(ctx, o); err != nil {
				return err
			}
			var err error
			inTx, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1"})
			return err
		})
		if o.Seq <= 0 || o.Version != 1 || inTx.Seq != o.Seq || string(inTx.Data) != `{"n":1}` {
			t.Fatalf("after an insert through Later: seq %d version %d, read back in the transaction seq %d %s; want the seq set, version 1, the row", o.Seq, o.Version, inTx.Seq, inTx.Data)
		}
		// The same insert with nothing read after it goes with the commit.
		o2 := &store.Object{Account: "acct_a", ID: "cus_2", Type: "customer", Created: 1, Data: []byte(`{}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return store.Later(tx).InsertObject(ctx, o2) })
		if o2.Seq <= o.Seq {
			t.Fatalf("the second insert's seq %d does not follow the first's %d", o2.Seq, o.Seq)
		}
		// A used id fails the transaction, whether a statement follows the
		// insert or the commit does, and nothing of it commits.
		for _, last := range []bool{false, true} {
			err := s.Update(t.Context(), func(tx store.Tx) error {
				ctx := t.Context()
				l := store.Later(tx)
				if err := l.InsertTimer(ctx, &store.Timer{Account: "acct_a", Due: 1, Kind: "k", ObjectID: "cus_1"}); err != nil {
					return err
				}
				if err := l.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 2, Data: []byte(`{"n":2}`)}); err != nil || last {
					return err
				}
				_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_2"})
				return err
			})
			wantErr(t, "an insert of a used id through Later", err, store.ErrConflict)
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1"})
				must(t, "GetObject", err)
				equal(t, "the first insert's document", string(got.Data), `{"n":1}`)
				ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 1, Limit: 1000})
				must(t, "ClaimDueTimers", err)
				if len(ts) != 0 {
					t.Fatalf("the failed transaction's timer was committed")
				}
				return nil
			})
		}
	}},
	{"Updates", func(t *testing.T, s store.Store) {
		o := &store.Object{Account: "acct_a", ID: "mandate_1", Type: "mandate", Status: "active", Created: 1, Data: []byte(`{"uses":0}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertObject(ctx, o) })
		stale := *o
		var inTx store.Object
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			o.Data, o.Status = []byte(`{"uses":1}`), "used"
			if err := store.Later(tx).UpdateObjectColumns(ctx, o, store.AllColumns); err != nil {
				return err
			}
			var err error
			inTx, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "mandate_1"})
			return err
		})
		if o.Version != 2 || inTx.Version != 2 || inTx.Status != "used" {
			t.Fatalf("after an update through Later: version %d, read back in the transaction %d %q; want 2, 2 used", o.Version, inTx.Version, inTx.Status)
		}
		// A stale version, and a row that is not there, fail the transaction
		// and nothing of it commits, whether a statement follows the update
		// or the commit does.
		for _, c := range []struct {
			what string
			o    store.Object
			last bool
		}{
			{"stale version", stale, false},
			{"missing row", store.Object{Account: "acct_a", ID: "mandate_none", Type: "mandate", Version: 1, Data: []byte(`{}`)}, false},
			{"stale version, then the commit", stale, true},
		} {
			err := s.Update(t.Context(), func(tx store.Tx) error {
				ctx := t.Context()
				ins := &store.Object{Account: "acct_a", ID: "cus_" + c.what, Type: "customer", Created: 1, Data: []byte(`{}`)}
				if c.last {
					if err := tx.InsertObject(ctx, ins); err != nil {
						return err
					}
				}
				if err := store.Later(tx).UpdateObject(ctx, &c.o); err != nil || c.last {
					return err
				}
				return tx.InsertObject(ctx, ins)
			})
			if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("%s through Later: Update returned %v, want store.ErrConflict or store.ErrNotFound", c.what, err)
			}
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_" + c.what})
				wantErr(t, c.what+": the transaction's insert", err, store.ErrNotFound)
				got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "mandate_1"})
				must(t, "GetObject", err)
				if got.Version != 2 {
					t.Fatalf("%s: the mandate is at version %d, want 2", c.what, got.Version)
				}
				return nil
			})
		}
	}},
}
