package storetest

import (
	"context"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var backlogTests = []test{
	{"CountsDueWork", func(t *testing.T, s store.Store) {
		backlog := func(now int64) store.Backlog {
			t.Helper()
			var b store.Backlog
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				br, ok := tx.(store.BacklogReader)
				if !ok {
					t.Fatalf("%T does not implement store.BacklogReader", tx)
				}
				var err error
				b, err = br.Backlog(ctx, now)
				return err
			})
			return b
		}
		equal(t, "empty store", backlog(1000), store.Backlog{})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, tm := range []*store.Timer{
				{Account: "acct_a", Due: 300, Kind: "charge.settle", ObjectID: "ch_1"},
				{Account: "acct_b", Due: 100, Kind: "charge.settle", ObjectID: "ch_2"},
				{Account: "acct_a", Due: 900, Kind: "charge.settle", ObjectID: "ch_3"},
				{Account: "acct_a", ClockID: "clock_1", Due: 50, Kind: "charge.settle", ObjectID: "ch_4"}, // test clock time: not lag
			} {
				if err := tx.InsertTimer(ctx, tm); err != nil {
					return err
				}
			}
			for _, d := range []*store.Delivery{
				{ID: "wd_1", Account: "acct_a", EventID: "evt_1", EndpointID: "we_1", Status: "pending", NextAttemptAt: 200},
				{ID: "wd_2", Account: "acct_b", EventID: "evt_2", EndpointID: "we_2", Status: "pending", NextAttemptAt: 2000},
				{ID: "wd_3", Account: "acct_a", EventID: "evt_3", EndpointID: "we_1", Status: "succeeded", NextAttemptAt: 100},
				{ID: "wd_4", Account: "acct_a", EventID: "evt_4", EndpointID: "we_1", Status: "failed", NextAttemptAt: 100},
			} {
				if err := tx.InsertDelivery(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		equal(t, "at 1000", backlog(1000), store.Backlog{TimersDue: 3, OldestTimerDue: 100, DeliveriesPending: 2, DeliveriesDue: 1})
		equal(t, "at 99", backlog(99), store.Backlog{DeliveriesPending: 2})
		equal(t, "at 300", backlog(300), store.Backlog{TimersDue: 2, OldestTimerDue: 100, DeliveriesPending: 2, DeliveriesDue: 1})
	}},
}
