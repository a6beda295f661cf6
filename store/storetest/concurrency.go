package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
)

var concurrencyTests = []test{
	{"FailuresAreIsolated", func(t *testing.T, s store.Store) {
		// 50 concurrent Updates, every fifth failing after it wrote: a driver
		// that commits several callers together must roll back only the failed ones.
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
					if err := writeEverything(t.Context(), tx, strconv.Itoa(i)); err != nil {
						return err
					}
					if i%5 == 0 {
						return fmt.Errorf("update %d: %w", i, errBoom)
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if i%5 == 0 {
				wantErr(t, fmt.Sprintf("failing update %d", i), err, errBoom)
			} else {
				must(t, fmt.Sprintf("update %d", i), err)
			}
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range n {
				got, err := countEverything(ctx, tx, strconv.Itoa(i))
				must(t, "countEverything", err)
				want := rowsWritten
				if i%5 == 0 {
					want = 0
				}
				if got != want {
					t.Errorf("update %d: %d rows visible, want %d", i, got, want)
				}
			}
			accts, err := tx.ListAccounts(ctx)
			must(t, "ListAccounts", err)
			if len(accts) != n-n/5 {
				t.Errorf("%d accounts visible, want %d", len(accts), n-n/5)
			}
			return nil
		})
	}},
	{"NoLostUpdateOptimistic", func(t *testing.T, s store.Store) { testCounter(t, s, false) }},
	{"NoLostUpdateLocked", func(t *testing.T, s store.Store) { testCounter(t, s, true) }},
	{"UniqueInsertRace", func(t *testing.T, s store.Store) {
		const n = 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
					ctx := t.Context()
					if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: int64(i),
						Data: []byte(strconv.Itoa(i))}); err != nil {
						return err
					}
					return tx.PutSetting(ctx, "data_key", []byte(strconv.Itoa(i)))
				})
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("updates %d and %d both inserted the same id", winner, i)
			case err == nil:
				winner = i
			default:
				wantErr(t, fmt.Sprintf("losing update %d", i), err, store.ErrConflict)
			}
		}
		if winner < 0 {
			t.Fatal("no update inserted the id")
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1"})
			must(t, "GetObject", err)
			v, err := tx.GetSetting(ctx, "data_key")
			must(t, "GetSetting", err)
			want := strconv.Itoa(winner)
			if string(o.Data) != want || string(v) != want {
				t.Fatalf("stored object %q and setting %q, want the winner's %q", o.Data, v, want)
			}
			return nil
		})
	}},
	{"TimerClaimsAreExclusive", func(t *testing.T, s store.Store) {
		const timers, workers = 60, 6
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range timers {
				if err := tx.InsertTimer(ctx, &store.Timer{Account: "acct_a", Due: int64(i % 7), Kind: "k", ObjectID: strconv.Itoa(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		claimed := claimConcurrently(t, workers, func(ctx context.Context, tx store.Tx) ([]string, error) {
			ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 100, Limit: 3})
			if err != nil {
				return nil, err
			}
			time.Sleep(time.Millisecond) // widen the window in which the claims overlap
			var out []string
			for _, tm := range ts {
				// A timer claimed twice would be deleted twice: the second delete answers ErrNotFound.
				if err := tx.DeleteTimer(ctx, tm.ID); err != nil {
					return nil, fmt.Errorf("delete claimed timer %d: %w", tm.ID, err)
				}
				out = append(out, tm.ObjectID)
			}
			return out, nil
		}, s)
		checkExactlyOnce(t, "timer", claimed, timers)
	}},
	{"DeliveryClaimsAreExclusive", func(t *testing.T, s store.Store) {
		const deliveries, workers = 40, 6
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range deliveries {
				if err := tx.InsertDelivery(ctx, &store.Delivery{ID: strconv.Itoa(i), Account: "acct_a", EventID: "evt_1",
					EndpointID: "we_1", Status: "pending", NextAttemptAt: int64(i % 5), Created: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		claimed := claimConcurrently(t, workers, func(ctx context.Context, tx store.Tx) ([]string, error) {
			ds, err := tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: 1000, LeaseUntil: 60_000, Limit: 3})
			if err != nil {
				return nil, err
			}
			time.Sleep(time.Millisecond)
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out, nil
		}, s)
		checkExactlyOnce(t, "delivery", claimed, deliveries)
	}},
	{"TimerClaimSkipsOpenClaim", func(t *testing.T, s store.Store) {
		var ts []*store.Timer
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range 4 {
				tm := &store.Timer{Account: "acct_a", Due: int64(i), Kind: "k", ObjectID: strconv.Itoa(i)}
				if err := tx.InsertTimer(ctx, tm); err != nil {
					return err
				}
				ts = append(ts, tm)
			}
			return nil
		})
		first, second := claimWhileOpen(t, s, func(ctx context.Context, tx store.Tx, limit int) ([]string, error) {
			got, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 10, Limit: limit})
			var out []string
			for _, tm := range got {
				out = append(out, tm.ObjectID)
				if limit < 10 {
					// The first claimer fires its timers; the second only looks.
					if err := tx.DeleteTimer(ctx, tm.ID); err != nil {
						return nil, err
					}
				}
			}
			return out, err
		})
		equal(t, "first claim", first, []string{"0", "1"})
		equal(t, "second claim, while the first was open or after it committed", second, []string{"2", "3"})
	}},
	{"DeliveryClaimSkipsOpenClaim", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i := range 4 {
				if err := tx.InsertDelivery(ctx, &store.Delivery{ID: strconv.Itoa(i), Account: "acct_a", EventID: "evt_1",
					EndpointID: "we_1", Status: "pending", NextAttemptAt: int64(i), Created: 1}); err != nil {
					return err
				}
			}
			return nil
		})
		first, second := claimWhileOpen(t, s, func(ctx context.Context, tx store.Tx, limit int) ([]string, error) {
			got, err := tx.ClaimDeliveries(ctx, store.ClaimDeliveriesParams{Now: 10, LeaseUntil: 1000, Limit: limit})
			var out []string
			for _, d := range got {
				out = append(out, d.ID)
			}
			return out, err
		})
		equal(t, "first claim", first, []string{"0", "1"})
		equal(t, "second claim, while the first was open or after it committed", second, []string{"2", "3"})
	}},
}

// testCounter has 20 goroutines each increment a counter kept in one
// object's Data, retrying on store.ErrConflict; no increment may be lost.
// With lock set each reads the object with ForUpdate.
func testCounter(t *testing.T, s store.Store, lock bool) {
	const n = 20
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "ctr", Type: "counter", Created: 1, Data: []byte("0")})
	})
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			for attempt := 0; ; attempt++ {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					ctx := t.Context()
					o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ctr", Type: "counter", ForUpdate: lock})
					if err != nil {
						return err
					}
					v, err := strconv.Atoi(string(o.Data))
					if err != nil {
						return err
					}
					o.Data = []byte(strconv.Itoa(v + 1))
					return tx.UpdateObject(ctx, &o)
				})
				if errors.Is(err, store.ErrConflict) && attempt < 1000 {
					continue
				}
				errs[i] = err
				return
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		must(t, fmt.Sprintf("increment %d", i), err)
	}
	view(t, s, func(ctx context.Context, tx store.Tx) error {
		o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "ctr"})
		must(t, "GetObject", err)
		if string(o.Data) != strconv.Itoa(n) || o.Version != n+1 {
			t.Fatalf("counter = %s at version %d, want %d at version %d", o.Data, o.Version, n, n+1)
		}
		return nil
	})
}

// claimConcurrently runs claim in Updates on several goroutines until a
// claim comes back empty, and returns everything the committed claims got.
func claimConcurrently(t *testing.T, workers int, claim func(ctx context.Context, tx store.Tx) ([]string, error), s store.Store) []string {
	t.Helper()
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for {
				var got []string
				err := s.Update(t.Context(), func(tx store.Tx) error {
					var err error
					got, err = claim(t.Context(), tx)
					return err
				})
				if err != nil {
					errs[w] = err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				all = append(all, got...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		must(t, fmt.Sprintf("worker %d", w), err)
	}
	return all
}

func checkExactlyOnce(t *testing.T, what string, claimed []string, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range claimed {
		seen[id]++
	}
	for id, c := range seen {
		if c > 1 {
			t.Errorf("%s %s claimed %d times", what, id, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct %ss claimed, want %d", len(seen), what, n)
	}
}

// claimWhileOpen runs claim(limit 2) in one Update and, while that Update is
// still open, claim(limit 10) in another. The first waits a moment for the
// second so that drivers with row locks are seen to skip the locked rows;
// drivers that serialize writers run the second after the first commits.
// Either way the second must not get what the first claimed.
func claimWhileOpen(t *testing.T, s store.Store, claim func(ctx context.Context, tx store.Tx, limit int) ([]string, error)) (first, second []string) {
	t.Helper()
	claimed := make(chan struct{})
	var claimedOnce sync.Once // fn may run again when a driver retries it
	secondDone := make(chan struct{})
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- s.Update(t.Context(), func(tx store.Tx) error {
			var err error
			first, err = claim(t.Context(), tx, 2)
			claimedOnce.Do(func() { close(claimed) })
			if err != nil {
				return err
			}
			select {
			case <-secondDone:
			case <-time.After(300 * time.Millisecond):
			}
			return nil
		})
	}()
	select {
	case <-claimed:
	case err := <-firstErr:
		t.Fatalf("first claim: %v", err)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		var err error
		second, err = claim(t.Context(), tx, 10)
		return err
	})
	close(secondDone)
	must(t, "second claim", err)
	must(t, "first claim", <-firstErr)
	slices.Sort(second)
	return first, second
}
