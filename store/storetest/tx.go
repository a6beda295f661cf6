package storetest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var errBoom = errors.New("storetest: fn failed on purpose")

// rowsWritten is how many rows writeEverything writes.
const rowsWritten = 9

// writeEverything writes one row of every kind, keyed by suffix.
func writeEverything(ctx context.Context, tx store.Tx, suffix string) error {
	acct := "acct_" + suffix
	steps := []func() error{
		func() error { return mkAccount(ctx, tx, acct) },
		func() error {
			return tx.InsertAPIKey(ctx, store.APIKey{Hash: "hash_" + suffix, Account: acct, Kind: "secret", Prefix: "sk", Created: 1})
		},
		func() error {
			return tx.InsertObject(ctx, &store.Object{Account: acct, ID: "obj_" + suffix, Type: "customer", Created: 1, Data: []byte(`{}`)})
		},
		func() error {
			return tx.InsertEvent(ctx, &store.Event{Account: acct, ID: "evt_" + suffix, Type: "customer.created", Created: 1, Data: []byte(`{}`)})
		},
		func() error {
			return tx.InsertDelivery(ctx, &store.Delivery{ID: "wd_" + suffix, Account: acct, EventID: "evt_" + suffix,
				EndpointID: "we_1", Status: "pending", NextAttemptAt: 1, Created: 1})
		},
		func() error {
			return tx.InsertDeliveryAttempt(ctx, store.DeliveryAttempt{DeliveryID: "wd_" + suffix, Account: acct, At: 1, StatusCode: 500})
		},
		func() error {
			return tx.InsertTimer(ctx, &store.Timer{Account: acct, Due: 1, Kind: "k", ObjectID: "obj_" + suffix})
		},
		func() error {
			return tx.PutIdempotency(ctx, store.Idempotency{Account: acct, Key: "k", RequestHash: "h", Method: "POST",
				Path: "/", StatusCode: 200, Body: []byte(`{}`), Created: 1})
		},
		func() error { return tx.PutSetting(ctx, "setting_"+suffix, []byte("v")) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// countEverything reports how many of the rows writeEverything(suffix) wrote are visible.
func countEverything(ctx context.Context, tx store.Tx, suffix string) (int, error) {
	acct := "acct_" + suffix
	n := 0
	found := func(err error) error {
		if err == nil {
			n++
			return nil
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	list := func(l int, err error) error {
		if err == nil {
			n += l
		}
		return err
	}
	steps := []func() error{
		func() error { _, err := tx.GetAccount(ctx, acct); return found(err) },
		func() error { _, err := tx.GetAPIKey(ctx, "hash_"+suffix); return found(err) },
		func() error {
			_, err := tx.GetObject(ctx, store.GetObjectParams{Account: acct, ID: "obj_" + suffix})
			return found(err)
		},
		func() error { _, err := tx.GetEvent(ctx, acct, "evt_"+suffix); return found(err) },
		func() error {
			ds, err := tx.ListDeliveries(ctx, store.ListDeliveriesParams{Account: acct, EventID: "evt_" + suffix})
			return list(len(ds), err)
		},
		func() error { as, err := tx.ListDeliveryAttempts(ctx, "wd_"+suffix); return list(len(as), err) },
		func() error {
			ts, err := tx.ClaimDueTimers(ctx, store.ClaimTimersParams{DueLTE: 1, Limit: 1000})
			for _, tm := range ts {
				if tm.Account == acct && tm.ObjectID == "obj_"+suffix {
					n++
				}
			}
			return err
		},
		func() error { _, err := tx.GetIdempotency(ctx, acct, "k"); return found(err) },
		func() error { _, err := tx.GetSetting(ctx, "setting_"+suffix); return found(err) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return n, err
		}
	}
	return n, nil
}

var txTests = []test{
	{"CommitEverything", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "a") })
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			n, err := countEverything(ctx, tx, "a")
			must(t, "countEverything", err)
			if n != rowsWritten {
				t.Fatalf("committed %d of %d rows", n, rowsWritten)
			}
			return nil
		})
	}},
	{"ErrorRollsBackEverything", func(t *testing.T, s store.Store) {
		// Counted as fn returns: a speculating driver may stop a run of fn
		// inside a store call and run it again in its writer (sqlite).
		var returned atomic.Int32
		err := s.Update(t.Context(), func(tx store.Tx) error {
			if err := writeEverything(t.Context(), tx, "a"); err != nil {
				t.Errorf("writeEverything: %v", err)
			}
			returned.Add(1)
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Update returned %v, want fn's error %v", err, errBoom)
		}
		if n := returned.Load(); n != 1 {
			t.Fatalf("fn returned %d times for an error of its own, want 1", n)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			n, err := countEverything(ctx, tx, "a")
			must(t, "countEverything", err)
			if n != 0 {
				t.Fatalf("a failed Update left %d rows", n)
			}
			return nil
		})
		// The same rows can be written afterwards: nothing of the failed attempt lingers.
		update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "a") })
	}},
	{"StoreErrorsPassThrough", func(t *testing.T, s store.Store) {
		o := &store.Object{Account: "acct_a", ID: "ch_1", Type: "charge", Created: 1, Data: []byte(`{}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.InsertObject(ctx, o) })
		stale := *o
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateObject(ctx, o) })
		var calls atomic.Int32
		err := s.Update(t.Context(), func(tx store.Tx) error {
			calls.Add(1)
			must(t, "InsertTimer", tx.InsertTimer(t.Context(), &store.Timer{Account: "acct_a", Due: 1, Kind: "k"}))
			return tx.UpdateObject(t.Context(), &stale)
		})
		wantErr(t, "Update with a stale object", err, store.ErrConflict)
		if n := calls.Load(); n != 1 {
			t.Fatalf("fn ran %d times for a conflict, want 1 (a stale version is the caller's to retry)", n)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			_, ok, err := tx.NextTimerDue(ctx, "")
			must(t, "NextTimerDue", err)
			if ok {
				t.Fatal("the timer of a transaction that failed with a conflict was committed")
			}
			return nil
		})
	}},
	{"ConflictLeavesTxUsable", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "a") })
		var stale store.Object
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "obj_a"})
			stale = o
			if err != nil {
				return err
			}
			return tx.UpdateObject(ctx, &o)
		})
		// Every conflict answers ErrConflict and leaves the transaction able to go on and commit.
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			conflicts := map[string]error{
				"InsertAccount": mkAccount(ctx, tx, "acct_a"),
				"InsertAPIKey":  tx.InsertAPIKey(ctx, store.APIKey{Hash: "hash_a", Account: "acct_a", Kind: "secret", Prefix: "sk", Created: 1}),
				"InsertObject":  tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "obj_a", Type: "x", Created: 1, Data: []byte(`{}`)}),
				"UpdateObject":  tx.UpdateObject(ctx, &stale),
				"InsertEvent":   tx.InsertEvent(ctx, &store.Event{Account: "acct_a", ID: "evt_a", Type: "x", Created: 1, Data: []byte(`{}`)}),
				"InsertDelivery": tx.InsertDelivery(ctx, &store.Delivery{ID: "wd_a", Account: "acct_a", EventID: "e",
					EndpointID: "w", Status: "pending"}),
				"PutIdempotency": tx.PutIdempotency(ctx, store.Idempotency{Account: "acct_a", Key: "k", RequestHash: "h2",
					Method: "POST", Path: "/", StatusCode: 200, Body: []byte(`{}`), Created: 2}),
				"PutSetting": tx.PutSetting(ctx, "setting_a", []byte("w")),
			}
			for what, err := range conflicts {
				wantErr(t, what, err, store.ErrConflict)
			}
			_, err := tx.GetAccount(ctx, "acct_a")
			must(t, "GetAccount after conflicts", err)
			return writeEverything(ctx, tx, "b")
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			n, err := countEverything(ctx, tx, "b")
			must(t, "countEverything", err)
			if n != rowsWritten {
				t.Fatalf("after conflicts the transaction committed %d of %d rows", n, rowsWritten)
			}
			v, err := tx.GetSetting(ctx, "setting_a")
			must(t, "GetSetting", err)
			equal(t, "setting after a conflicting put", v, []byte("v"))
			return nil
		})
	}},
	{"PanicRollsBack", func(t *testing.T, s store.Store) {
		err := func() (err error) {
			// A driver may return the panic as an error (fn runs on its writer) or
			// let it through to the caller; either way nothing commits.
			defer func() {
				if p := recover(); p != nil {
					err = errors.New("panicked")
				}
			}()
			return s.Update(t.Context(), func(tx store.Tx) error {
				if err := writeEverything(t.Context(), tx, "a"); err != nil {
					return err
				}
				panic("storetest: panic in fn")
			})
		}()
		if err == nil {
			t.Fatal("Update of a panicking fn returned nil")
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "b") })
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			n, err := countEverything(ctx, tx, "a")
			must(t, "countEverything", err)
			if n != 0 {
				t.Fatalf("a panicking Update left %d rows", n)
			}
			return nil
		})
	}},
	{"ViewSeesCommitted", func(t *testing.T, s store.Store) {
		for i, suffix := range []string{"a", "b", "c"} {
			update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, suffix) })
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				accts, err := tx.ListAccounts(ctx)
				must(t, "ListAccounts", err)
				if len(accts) != i+1 {
					t.Fatalf("View after %d commits sees %d accounts", i+1, len(accts))
				}
				return nil
			})
		}
	}},
	{"ViewIsSnapshot", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "a") })
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			before, err := tx.ListAccounts(ctx)
			must(t, "ListAccounts", err)
			// A commit while the View is open is not seen by it.
			update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "b") })
			after, err := tx.ListAccounts(ctx)
			must(t, "ListAccounts", err)
			if len(before) != 1 || len(after) != 1 {
				t.Fatalf("View saw %d then %d accounts around a concurrent commit, want 1 and 1", len(before), len(after))
			}
			n, err := countEverything(ctx, tx, "b")
			must(t, "countEverything", err)
			if n != 0 {
				t.Fatalf("View saw %d rows committed after it started", n)
			}
			return nil
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			n, err := countEverything(ctx, tx, "b")
			must(t, "countEverything", err)
			if n != rowsWritten {
				t.Fatalf("a new View sees %d of %d rows", n, rowsWritten)
			}
			return nil
		})
	}},
	{"ViewIsReadOnly", func(t *testing.T, s store.Store) {
		err := s.View(t.Context(), func(tx store.Tx) error { return mkAccount(t.Context(), tx, "acct_a") })
		if err == nil {
			t.Fatal("InsertAccount in View succeeded")
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.GetAccount(ctx, "acct_a")
			wantErr(t, "GetAccount after a write in View", err, store.ErrNotFound)
			return nil
		})
	}},
	{"ViewReturnsFnError", func(t *testing.T, s store.Store) {
		err := s.View(t.Context(), func(tx store.Tx) error {
			_, err := tx.GetAccount(t.Context(), "acct_missing")
			return errors.Join(errBoom, err)
		})
		if !errors.Is(err, errBoom) || !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("View returned %v, want fn's error", err)
		}
	}},
	{"CanceledContext", func(t *testing.T, s store.Store) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Update(ctx, func(tx store.Tx) error { return writeEverything(t.Context(), tx, "a") })
		wantErr(t, "Update with a canceled context", err, context.Canceled)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			n, err := countEverything(ctx, tx, "a")
			must(t, "countEverything", err)
			if n != 0 {
				t.Fatalf("an Update with a canceled context committed %d rows", n)
			}
			return nil
		})
	}},
	{"Closed", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return writeEverything(ctx, tx, "a") })
		must(t, "Close", s.Close())
		must(t, "second Close", s.Close())
		err := s.Update(t.Context(), func(tx store.Tx) error { return nil })
		wantErr(t, "Update after Close", err, store.ErrClosed)
		err = s.View(t.Context(), func(tx store.Tx) error { return nil })
		wantErr(t, "View after Close", err, store.ErrClosed)
	}},
}
