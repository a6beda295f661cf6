package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var heldTests = []test{
	{"WrittenAsIfUnheld", func(t *testing.T, s store.Store) {
		// Stored before: one object whose update keeps its indexed columns,
		// one whose update moves it to another customer, one updated twice.
		keep := &store.Object{Account: "acct_a", ID: "ch_keep", Type: "charge", Customer: "cus_1", ClockID: "clock_1", Status: "pending", Created: 1, Data: []byte(`{"v":1}`)}
		move := &store.Object{Account: "acct_a", ID: "ch_move", Type: "charge", Customer: "cus_1", Status: "pending", Created: 2, Data: []byte(`{"v":1}`)}
		twice := &store.Object{Account: "acct_b", ID: "ch_twice", Type: "charge", Parent: "src_1", Status: "pending", Created: 3, Data: []byte(`{"v":1}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, o := range []*store.Object{keep, move, twice} {
				if err := tx.InsertObject(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
		// More than one statement's worth of inserts, in two accounts.
		var ins []*store.Object
		for i := range 70 {
			ins = append(ins, &store.Object{Account: []string{"acct_a", "acct_b"}[i%2], ID: fmt.Sprintf("txn_%02d", i), Type: "balance_transaction",
				Kind: "payment", Parent: fmt.Sprintf("ch_%d", i), Created: int64(10 + i), Data: fmt.Appendf(nil, `{"n":%d}`, i)})
		}
		fresh := &store.Object{Account: "acct_a", ID: "dp_1", Type: "dispute", Status: "open", Created: 5, Data: []byte(`{"v":1}`)}
		var evs []*store.Event
		for i := range 3 {
			evs = append(evs, &store.Event{Account: "acct_a", ID: fmt.Sprintf("evt_%d", i), Type: "charge.succeeded", ObjectID: "ch_keep", Created: int64(20 + i),
				PendingWebhooks: 1, Data: fmt.Appendf(nil, `{"e":%d}`, i)})
		}
		dels := []*store.Delivery{
			{ID: "whdel_1", Account: "acct_a", EventID: "evt_0", EndpointID: "we_1", Status: "pending", NextAttemptAt: 100, Created: 1},
			{ID: "whdel_2", Account: "acct_a", EventID: "evt_1", EndpointID: "we_1", Status: "pending", NextAttemptAt: 100, Created: 1},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			tx.HoldWrites()
			defer tx.DropWrites()
			for _, o := range ins[:40] {
				must(t, "held InsertObject", tx.InsertObject(ctx, o))
				if o.Version != 1 {
					t.Errorf("held InsertObject set Version %d, want 1", o.Version)
				}
			}
			keep.Status, keep.Data = "succeeded", []byte(`{"v":2}`)
			must(t, "held UpdateObject", tx.UpdateObject(ctx, keep))
			move.Customer, move.Status, move.Data = "cus_2", "succeeded", []byte(`{"v":2}`)
			must(t, "held UpdateObject of an indexed column", tx.UpdateObject(ctx, move))
			for i, d := range []string{`{"v":2}`, `{"v":3}`} {
				twice.Data = []byte(d)
				must(t, fmt.Sprintf("held UpdateObject %d of one object", i+1), tx.UpdateObject(ctx, twice))
			}
			must(t, "held InsertObject", tx.InsertObject(ctx, fresh))
			fresh.Status, fresh.Data = "won", []byte(`{"v":2}`)
			must(t, "held UpdateObject of a held insert", tx.UpdateObject(ctx, fresh))
			if keep.Version != 2 || move.Version != 2 || twice.Version != 3 || fresh.Version != 2 {
				t.Errorf("held updates set versions %d, %d, %d, %d; want 2, 2, 3, 2", keep.Version, move.Version, twice.Version, fresh.Version)
			}
			for _, e := range evs[:2] {
				must(t, "held InsertEvent", tx.InsertEvent(ctx, e))
			}
			must(t, "held InsertDelivery", tx.InsertDelivery(ctx, dels[0]))
			// A read writes what is held first, and sees it.
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_keep"})
			must(t, "GetObject while holding", err)
			equal(t, "GetObject of a held update", got, *keep)
			got, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "dp_1"})
			must(t, "GetObject while holding", err)
			equal(t, "GetObject of a held insert", got, *fresh)
			// Holding goes on after that.
			for _, o := range ins[40:] {
				must(t, "held InsertObject", tx.InsertObject(ctx, o))
			}
			must(t, "held InsertEvent", tx.InsertEvent(ctx, evs[2]))
			must(t, "held InsertDelivery", tx.InsertDelivery(ctx, dels[1]))
			return tx.FlushWrites(ctx)
		})
		for i := 1; i < len(ins); i++ {
			if ins[i].Seq <= ins[i-1].Seq {
				t.Fatalf("held inserts' seqs not increasing in insertion order: %d then %d", ins[i-1].Seq, ins[i].Seq)
			}
		}
		for i := 1; i < len(evs); i++ {
			if evs[i].Seq <= evs[i-1].Seq {
				t.Fatalf("held events' seqs not increasing: %d then %d", evs[i-1].Seq, evs[i].Seq)
			}
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, o := range append([]*store.Object{keep, move, twice, fresh}, ins...) {
				got, err := tx.GetObject(ctx, store.GetObjectParams{Account: o.Account, ID: o.ID})
				must(t, "GetObject", err)
				equal(t, "GetObject "+o.ID, got, *o)
			}
			for _, c := range []struct {
				customer string
				want     []string
			}{{"cus_1", []string{"ch_keep"}}, {"cus_2", []string{"ch_move"}}} {
				got, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "charge", Customer: c.customer, Limit: 10})
				must(t, "ListObjects by customer", err)
				var ids []string
				for _, o := range got {
					ids = append(ids, o.ID)
				}
				equal(t, "charges of "+c.customer, ids, c.want)
			}
			got, err := tx.ListEvents(ctx, store.ListEventsParams{Account: "acct_a", Ascending: true, Limit: 10})
			must(t, "ListEvents", err)
			var want []store.Event
			for _, e := range evs {
				want = append(want, *e)
			}
			equal(t, "events", got, want)
			for _, d := range dels {
				ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: "acct_a", EventID: d.EventID, Limit: 10})
				must(t, "ListDeliveries", err)
				equal(t, "deliveries of "+d.EventID, ds, []store.Delivery{*d})
			}
			return nil
		})
	}},
	{"Conflicts", func(t *testing.T, s store.Store) {
		stored := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Created: 1, Data: []byte(`1`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := tx.InsertObject(ctx, stored); err != nil {
				return err
			}
			return tx.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_1", Type: "t", Created: 1, Data: []byte(`1`)})
		})
		held := func(what string, fn func(ctx context.Context, tx store.Tx) error) {
			t.Helper()
			err := s.Update(t.Context(), func(tx store.Tx) error {
				tx.HoldWrites()
				defer tx.DropWrites()
				if err := fn(t.Context(), tx); err != nil {
					return err
				}
				return tx.FlushWrites(t.Context())
			})
			wantErr(t, what, err, store.ErrConflict)
		}
		held("held insert of a stored id", func(ctx context.Context, tx store.Tx) error {
			return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Created: 2, Data: []byte(`2`)})
		})
		held("held insert of an id held already", func(ctx context.Context, tx store.Tx) error {
			for range 2 {
				if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ch_2", Type: "charge", Created: 2, Data: []byte(`2`)}); err != nil {
					return err
				}
			}
			return nil
		})
		held("held update at a stale version", func(ctx context.Context, tx store.Tx) error {
			stale := *stored
			stale.Version = 7
			return tx.UpdateObject(ctx, &stale)
		})
		held("held update of a held update at its old version", func(ctx context.Context, tx store.Tx) error {
			a, b := *stored, *stored
			if err := tx.UpdateObject(ctx, &a); err != nil {
				return err
			}
			return tx.UpdateObject(ctx, &b)
		})
		held("held update of a missing object", func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateObject(ctx, &store.Object{Account: "acct_a", ID: "ch_none", Type: "charge", Version: 1, Data: []byte(`1`)})
		})
		held("held events of one id", func(ctx context.Context, tx store.Tx) error {
			for range 2 {
				if err := tx.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_2", Type: "t", Created: 2, Data: []byte(`2`)}); err != nil {
					return err
				}
			}
			return nil
		})
		held("held event of a stored id", func(ctx context.Context, tx store.Tx) error {
			return tx.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_1", Type: "t", Created: 2, Data: []byte(`2`)})
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_1"})
			must(t, "GetObject", err)
			equal(t, "object after the conflicts", got, *stored)
			return nil
		})
	}},
	{"DropWritesForgets", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			tx.HoldWrites()
			must(t, "held InsertObject", tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ch_dropped", Type: "charge", Created: 1, Data: []byte(`1`)}))
			must(t, "held InsertEvent", tx.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_dropped", Type: "t", Created: 1, Data: []byte(`1`)}))
			tx.DropWrites()
			// Not holding any more: this insert is written at once.
			o := &store.Object{Account: "acct_a", ID: "ch_kept", Type: "charge", Created: 2, Data: []byte(`2`)}
			must(t, "InsertObject", tx.InsertObject(ctx, o))
			if o.Seq == 0 {
				t.Error("InsertObject after DropWrites set no Seq")
			}
			return nil
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_dropped"})
			wantErr(t, "GetObject of a dropped insert", err, store.ErrNotFound)
			_, err = tx.GetEvent(ctx, "acct_a", "evt_dropped")
			wantErr(t, "GetEvent of a dropped insert", err, store.ErrNotFound)
			_, err = tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ch_kept"})
			must(t, "GetObject of the insert after DropWrites", err)
			return nil
		})
	}},
	{"GetObjects", func(t *testing.T, s store.Store) {
		var (
			inserted []*store.Object
			want     []store.Object
			ids      []string
		)
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			inserted = inserted[:0]
			for i := range 70 {
				o := &store.Object{Account: "acct_a", ID: fmt.Sprintf("obj_%02d", i), Type: []string{"charge", "refund"}[i%2], Created: int64(i), Data: fmt.Appendf(nil, `{"n":%d}`, i)}
				if err := tx.InsertObject(ctx, o); err != nil {
					return err
				}
				inserted = append(inserted, o)
			}
			return tx.InsertObject(ctx, &store.Object{Account: "acct_b", ID: "obj_other", Type: "charge", Created: 1, Data: []byte(`1`)})
		})
		// Seq is set by the time Update returns (store.Tx.InsertObject).
		for i, o := range inserted {
			if i%3 != 0 {
				want = append(want, *o)
				ids = append(ids, o.ID)
			}
		}
		ids = append(ids, "obj_missing", "obj_other")
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetObjects(ctx, "acct_a", ids)
			must(t, "GetObjects", err)
			slices.SortFunc(got, func(a, b store.Object) int { return int(a.Seq - b.Seq) })
			equal(t, "GetObjects", got, want)
			got, err = tx.GetObjects(ctx, "acct_a", nil)
			must(t, "GetObjects of none", err)
			equal(t, "GetObjects of none", len(got), 0)
			return nil
		})
		// One object moves on a version; the versions answer for every id there is.
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			o := want[1]
			return tx.UpdateObject(ctx, &o)
		})
		versions := map[string]int64{}
		for i, o := range want {
			versions[o.ID] = 1
			if i == 1 {
				versions[o.ID] = 2
			}
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ObjectVersions(ctx, "acct_a", ids)
			must(t, "ObjectVersions", err)
			equal(t, "ObjectVersions", got, versions)
			got, err = tx.ObjectVersions(ctx, "acct_a", nil)
			must(t, "ObjectVersions of none", err)
			equal(t, "ObjectVersions of none", got, map[string]int64{})
			return nil
		})
	}},
}

// deleteTimersTest is in timerTests.
func deleteTimersTest(t *testing.T, s store.Store) {
	var ts []*store.Timer
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for i := range 70 {
			tm := &store.Timer{Account: "acct_a", ClockID: "clock_1", Due: int64(i), Kind: "bank.report", ObjectID: fmt.Sprintf("ch_%d", i)}
			if err := tx.InsertTimer(ctx, tm); err != nil {
				return err
			}
			ts = append(ts, tm)
		}
		return nil
	})
	var ids []int64
	for _, tm := range ts[:66] {
		ids = append(ids, tm.ID)
	}
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		must(t, "DeleteTimer", tx.DeleteTimer(ctx, ts[0].ID))
		n, err := tx.DeleteTimers(ctx, append(ids, 1<<40))
		must(t, "DeleteTimers", err)
		equal(t, "timers DeleteTimers removed", n, int64(65))
		n, err = tx.DeleteTimers(ctx, nil)
		must(t, "DeleteTimers of none", err)
		equal(t, "timers DeleteTimers of none removed", n, int64(0))
		return nil
	})
	view(t, s, func(ctx context.Context, tx store.Tx) error {
		got, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{ClockID: "clock_1", DueLTE: 1000, Limit: 100})
		must(t, "ClaimDueTimers", err)
		var want []store.Timer
		for _, tm := range ts[66:] {
			want = append(want, *tm)
		}
		equal(t, "timers left", got, want)
		return nil
	})
}
