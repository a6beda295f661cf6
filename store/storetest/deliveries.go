package storetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var deliveryTests = []test{
	{"InsertList", func(t *testing.T, s store.Store) {
		ds := []*store.Delivery{
			{ID: "wd_3", Account: "acct_a", EventID: "evt_1", EndpointID: "we_1", Status: "pending", NextAttemptAt: 1000, Created: 20},
			{ID: "wd_1", Account: "acct_a", EventID: "evt_1", EndpointID: "we_2", Status: "pending", NextAttemptAt: 1000, Created: 20},
			{ID: "wd_0", Account: "acct_a", EventID: "evt_2", EndpointID: "we_1", Status: "succeeded", Attempts: 1, NextAttemptAt: 5, LeaseUntil: 9, Created: 10},
			{ID: "wd_9", Account: "acct_b", EventID: "evt_1", EndpointID: "we_1", Status: "pending", NextAttemptAt: 1000, Created: 1},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, d := range ds {
				if err := tx.InsertDelivery(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertDelivery(t.Context(), &store.Delivery{ID: "wd_1", Account: "acct_b", EventID: "e", EndpointID: "w", Status: "pending"})
		})
		wantErr(t, "InsertDelivery duplicate", err, store.ErrConflict)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, c := range []struct {
				p    store.ListDeliveriesParams
				want []store.Delivery
			}{
				// Oldest first, ties by id.
				{store.ListDeliveriesParams{Account: "acct_a", EventID: "evt_1"}, []store.Delivery{*ds[1], *ds[0]}},
				{store.ListDeliveriesParams{Account: "acct_a", EndpointID: "we_1"}, []store.Delivery{*ds[2], *ds[0]}},
				{store.ListDeliveriesParams{Account: "acct_a", EventID: "evt_1", EndpointID: "we_2"}, []store.Delivery{*ds[1]}},
				{store.ListDeliveriesParams{Account: "acct_a", EndpointID: "we_1", Limit: 1}, []store.Delivery{*ds[2]}},
				{store.ListDeliveriesParams{Account: "acct_b", EventID: "evt_1"}, []store.Delivery{*ds[3]}},
				{store.ListDeliveriesParams{Account: "acct_c", EventID: "evt_1"}, nil},
			} {
				got, err := tx.ListDeliveries(ctx, c.p)
				must(t, "ListDeliveries", err)
				equal(t, "ListDeliveries", got, c.want)
			}
			return nil
		})
	}},
	{"ClaimDueAndLeased", func(t *testing.T, s store.Store) {
		mk := func(id, status string, due, lease int64) *store.Delivery {
			return &store.Delivery{ID: id, Account: "acct_a", EventID: "evt_" + id, EndpointID: "we_1", Status: status,
				NextAttemptAt: due, LeaseUntil: lease, Created: 1}
		}
		ds := []*store.Delivery{
			mk("d1", "pending", 1000, 0),
			mk("d2", "pending", 500, 0),
			mk("d0", "pending", 1000, 0), // ties with d1: id order
			mk("d4", "pending", 5000, 0), // not yet due
			mk("d5", "succeeded", 100, 0),
			mk("d6", "failed", 100, 0),
			mk("d7", "pending", 100, 3000), // leased until 3000
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, d := range ds {
				if err := tx.InsertDelivery(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		claim := func(now, lease int64, limit int) []store.Delivery {
			t.Helper()
			var out []store.Delivery
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				out, err = tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: now, LeaseUntil: lease, Limit: limit})
				return err
			})
			for _, d := range out {
				if d.LeaseUntil != lease {
					t.Fatalf("claimed %s with lease %d, want %d", d.ID, d.LeaseUntil, lease)
				}
			}
			return out
		}
		deliveryIDs := func(ds []store.Delivery) []string {
			out := []string{}
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}

		got := claim(2000, 10_000, 2)
		equal(t, "first claim, limit 2", deliveryIDs(got), []string{"d2", "d0"})
		want := *ds[2]
		want.LeaseUntil = 10_000
		equal(t, "claimed delivery", got[1], want)
		got = claim(2000, 10_000, 10)
		equal(t, "second claim: the leased ones are skipped", deliveryIDs(got), []string{"d1"})
		got = claim(2999, 10_000, 10)
		equal(t, "claim before d7's lease ends", deliveryIDs(got), []string{})
		got = claim(3000, 12_000, 10)
		equal(t, "claim when d7's lease ends", deliveryIDs(got), []string{"d7"})
		got = claim(9_999, 20_000, 10)
		equal(t, "claim before the first leases end", deliveryIDs(got), []string{"d4"})
		got = claim(10_000, 30_000, 10)
		equal(t, "claim when the first leases end", deliveryIDs(got), []string{"d2", "d0", "d1"})

		// The stored lease is the claimed one.
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			list, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: "acct_a", EndpointID: "we_1"})
			must(t, "ListDeliveries", err)
			leases := map[string]int64{}
			for _, d := range list {
				leases[d.ID] = d.LeaseUntil
			}
			equal(t, "stored leases", leases, map[string]int64{"d0": 30_000, "d1": 30_000, "d2": 30_000, "d4": 20_000,
				"d5": 0, "d6": 0, "d7": 12_000})
			return nil
		})
	}},
	{"Update", func(t *testing.T, s store.Store) {
		d := &store.Delivery{ID: "wd_1", Account: "acct_a", EventID: "evt_1", EndpointID: "we_1", Status: "pending", NextAttemptAt: 100, Created: 1}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertDelivery(ctx, d) })
		retry := *d
		retry.Attempts, retry.NextAttemptAt, retry.LeaseUntil = 1, 5000, 0
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateDelivery(ctx, &retry) })
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: 4999, LeaseUntil: 9999, Limit: 10})
			must(t, "ClaimDeliveries", err)
			if len(got) != 0 {
				t.Fatalf("claimed a delivery rescheduled for later: %+v", got)
			}
			return nil
		})
		done := retry
		done.Status, done.Attempts = "succeeded", 2
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateDelivery(ctx, &done) })
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: "acct_a", EventID: "evt_1"})
			must(t, "ListDeliveries", err)
			equal(t, "updated delivery", got, []store.Delivery{done})
			return nil
		})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			claimed, err := tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: 1 << 50, LeaseUntil: 1 << 51, Limit: 10})
			must(t, "ClaimDeliveries", err)
			if len(claimed) != 0 {
				t.Fatalf("claimed a succeeded delivery: %+v", claimed)
			}
			return nil
		})
		for _, miss := range []store.Delivery{{ID: "wd_missing", Account: "acct_a"}, {ID: "wd_1", Account: "acct_b"}} {
			err := s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateDelivery(t.Context(), &miss) })
			wantErr(t, "UpdateDelivery "+miss.Account+"/"+miss.ID, err, store.ErrNotFound)
		}
	}},
	{"ClaimIsFairAcrossEndpoints", func(t *testing.T, s store.Store) {
		// we_big has a backlog older than everything else; we_small and
		// we_late (another account) have one delivery each.
		var ds []*store.Delivery
		for i := range 6 {
			ds = append(ds, &store.Delivery{ID: "b" + strconv.Itoa(i), Account: "acct_a", EventID: "evt_b" + strconv.Itoa(i),
				EndpointID: "we_big", Status: "pending", NextAttemptAt: int64(1 + i), Created: 1})
		}
		ds = append(ds,
			&store.Delivery{ID: "s0", Account: "acct_a", EventID: "evt_s0", EndpointID: "we_small", Status: "pending", NextAttemptAt: 20, Created: 1},
			&store.Delivery{ID: "l0", Account: "acct_b", EventID: "evt_l0", EndpointID: "we_late", Status: "pending", NextAttemptAt: 30, Created: 1},
			&store.Delivery{ID: "f0", Account: "acct_b", EventID: "evt_f0", EndpointID: "we_late", Status: "pending", NextAttemptAt: 5000, Created: 1},
			&store.Delivery{ID: "x0", Account: "acct_b", EventID: "evt_x0", EndpointID: "we_done", Status: "succeeded", NextAttemptAt: 1, Created: 1},
		)
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, d := range ds {
				if err := tx.InsertDelivery(ctx, d); err != nil {
					return err
				}
			}
			return nil
		})
		claim := func(p store.ClaimDeliveriesParams) []string {
			t.Helper()
			p.Now, p.LeaseUntil = 100, 500
			out := []string{}
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				got, err := tx.ClaimDeliveries(ctx, p)
				for _, d := range got {
					out = append(out, d.ID)
				}
				return err
			})
			return out
		}
		// Every endpoint's first before any endpoint's second, returned in due order.
		equal(t, "claim of 4 over three endpoints", claim(store.ClaimDeliveriesParams{Limit: 4}), []string{"b0", "b1", "s0", "l0"})
		// we_big holds 2 of its 3: one more; the others have nothing due left.
		equal(t, "claim with room for one of we_big", claim(store.ClaimDeliveriesParams{Limit: 10, PerEndpoint: 3,
			Held: map[string]int{"we_big": 2, "we_small": 1}}), []string{"b2"})
		// An endpoint at its limit is skipped.
		equal(t, "claim with we_big full", claim(store.ClaimDeliveriesParams{Limit: 10, PerEndpoint: 3,
			Held: map[string]int{"we_big": 3}}), []string{})
		equal(t, "claim of the rest", claim(store.ClaimDeliveriesParams{Limit: 10, PerEndpoint: 2}), []string{"b3", "b4"})
		equal(t, "claim of the last", claim(store.ClaimDeliveriesParams{Limit: 10}), []string{"b5"})
	}},
	{"UpdateLeased", func(t *testing.T, s store.Store) {
		d := &store.Delivery{ID: "wd_1", Account: "acct_a", EventID: "evt_1", EndpointID: "we_1", Status: "pending", NextAttemptAt: 100, Created: 1}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertDelivery(ctx, d) })
		var claimed []store.Delivery
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			claimed, err = tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: 100, LeaseUntil: 700, Limit: 1})
			return err
		})
		if len(claimed) != 1 {
			t.Fatalf("claimed %+v, want wd_1", claimed)
		}
		retry := claimed[0]
		retry.Attempts, retry.NextAttemptAt, retry.LeaseUntil = 1, 5000, 0
		held := func(d store.Delivery, lease int64) bool {
			t.Helper()
			var ok bool
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				ok, err = tx.UpdateLeasedDelivery(ctx, &d, lease)
				return err
			})
			return ok
		}
		if held(retry, 600) {
			t.Fatal("a delivery was written under a lease it was not claimed with")
		}
		other := retry
		other.Account = "acct_b"
		if held(other, 700) {
			t.Fatal("another account's delivery was written")
		}
		if !held(retry, 700) {
			t.Fatal("a delivery under its claimed lease was not written")
		}
		// The lease is gone now: a second outcome of the same claim is not written.
		done := retry
		done.Status, done.Attempts = "succeeded", 2
		if held(done, 700) {
			t.Fatal("a delivery was written twice under one lease")
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: "acct_a", EventID: "evt_1"})
			must(t, "ListDeliveries", err)
			equal(t, "delivery after the leased update", got, []store.Delivery{retry})
			return nil
		})
	}},
	{"Attempts", func(t *testing.T, s store.Store) {
		as := []store.DeliveryAttempt{
			{DeliveryID: "wd_1", Account: "acct_a", At: 300, StatusCode: 500, DurationMS: 12, Error: "HTTP 500", Response: `{"error": "down ✗"}`},
			{DeliveryID: "wd_1", Account: "acct_a", At: 200, StatusCode: 0, DurationMS: 30000, Error: "timeout ✗"},
			{DeliveryID: "wd_2", Account: "acct_a", At: 250, StatusCode: 200, DurationMS: 3},
			{DeliveryID: "wd_1", Account: "acct_a", At: 400, StatusCode: 200, DurationMS: 4, Response: "ok"},
		}
		for _, a := range as {
			update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertDeliveryAttempt(ctx, a) })
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ListDeliveryAttempts(ctx, "wd_1")
			must(t, "ListDeliveryAttempts", err)
			equal(t, "attempts of wd_1 in insertion order", got, []store.DeliveryAttempt{as[0], as[1], as[3]})
			got, err = tx.ListDeliveryAttempts(ctx, "wd_none")
			must(t, "ListDeliveryAttempts", err)
			equal(t, "attempts of an unknown delivery", got, []store.DeliveryAttempt(nil))
			return nil
		})
	}},
}
