package storetest

import (
	"context"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var idempotencyTests = []test{
	{"PutGet", func(t *testing.T, s store.Store) {
		rs := []store.Idempotency{
			{Account: "acct_a", Key: "key-1", RequestHash: "h1", Method: "POST", Path: "/v1/charges", StatusCode: 200, Body: []byte(`{"id":"ch_1"}`), Created: 1000},
			{Account: "acct_b", Key: "key-1", RequestHash: "h2", Method: "POST", Path: "/v1/refunds", StatusCode: 402, Body: []byte{0, 0xff}, Created: 1001},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, r := range rs {
				if err := tx.PutIdempotency(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		dup := rs[0]
		dup.RequestHash, dup.StatusCode = "other", 500
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutIdempotency(t.Context(), dup) })
		wantErr(t, "PutIdempotency duplicate", err, store.ErrConflict)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, r := range rs {
				got, err := tx.GetIdempotency(ctx, r.Account, r.Key)
				must(t, "GetIdempotency", err)
				equal(t, "GetIdempotency "+r.Account, got, r)
			}
			_, err := tx.GetIdempotency(ctx, "acct_c", "key-1")
			wantErr(t, "GetIdempotency of another account", err, store.ErrNotFound)
			_, err = tx.GetIdempotency(ctx, "acct_a", "key-2")
			wantErr(t, "GetIdempotency missing", err, store.ErrNotFound)
			return nil
		})
	}},
	{"InWriteWithAccount", func(t *testing.T, s store.Store) {
		// A keyed write reads its outcome, then its account; a driver may
		// read both at once, and the account must still be read again after
		// the write changes it. The stored outcome is read in a View.
		rec := store.Idempotency{Account: "acct_w", Key: "k", RequestHash: "h", Method: "POST", Path: "/v1/charges",
			StatusCode: 200, Body: []byte(`{"id":"ch_1"}`), Created: 5}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			if err := tx.InsertAccount(ctx, store.Account{ID: "acct_w", Name: "w", Created: 1, Settings: []byte(`{"a":1}`)}); err != nil {
				return err
			}
			return tx.PutIdempotency(ctx, rec)
		})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.GetIdempotency(ctx, "acct_w", "new")
			wantErr(t, "GetIdempotency of a new key", err, store.ErrNotFound)
			a, err := tx.GetAccount(ctx, "acct_w")
			must(t, "GetAccount", err)
			if a.Name != "w" || string(a.Settings) != `{"a":1}` {
				t.Errorf("GetAccount after GetIdempotency = %q %s, want w {\"a\":1}", a.Name, a.Settings)
			}
			_, err = tx.GetIdempotency(ctx, "acct_w", "other")
			wantErr(t, "GetIdempotency of another key", err, store.ErrNotFound)
			must(t, "UpdateAccount", tx.UpdateAccount(ctx, store.Account{ID: "acct_w", Name: "w2", Settings: []byte(`{"a":2}`)}))
			b, err := tx.GetAccount(ctx, "acct_w")
			must(t, "GetAccount after UpdateAccount", err)
			if b.Name != "w2" || string(b.Settings) != `{"a":2}` || b.Generation == a.Generation {
				t.Errorf("GetAccount after UpdateAccount = %q %s generation %d, want w2 {\"a\":2} and a new generation (was %d)",
					b.Name, b.Settings, b.Generation, a.Generation)
			}
			_, err = tx.GetIdempotency(ctx, "acct_none", "k")
			wantErr(t, "GetIdempotency of an account without a row", err, store.ErrNotFound)
			_, err = tx.GetAccount(ctx, "acct_none")
			wantErr(t, "GetAccount of an account without a row", err, store.ErrNotFound)
			return nil
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetIdempotency(ctx, "acct_w", "k")
			must(t, "GetIdempotency", err)
			equal(t, "GetIdempotency", got, rec)
			return nil
		})
	}},
	{"DeleteBefore", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for i, created := range []int64{100, 199, 200, 300} {
				r := store.Idempotency{Account: "acct_a", Key: string(rune('a' + i)), RequestHash: "h", Method: "POST",
					Path: "/", StatusCode: 200, Body: []byte(`{}`), Created: created}
				if err := tx.PutIdempotency(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		var n int64
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			n, err = tx.DeleteIdempotencyBefore(ctx, 200)
			return err
		})
		if n != 2 {
			t.Fatalf("DeleteIdempotencyBefore(200) removed %d, want 2", n)
		}
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for key, want := range map[string]error{"a": store.ErrNotFound, "b": store.ErrNotFound, "c": nil, "d": nil} {
				_, err := tx.GetIdempotency(ctx, "acct_a", key)
				if want == nil {
					must(t, "GetIdempotency "+key, err)
				} else {
					wantErr(t, "GetIdempotency "+key, err, want)
				}
			}
			return nil
		})
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			n, err = tx.DeleteIdempotencyBefore(ctx, 200)
			return err
		})
		if n != 0 {
			t.Fatalf("DeleteIdempotencyBefore again removed %d, want 0", n)
		}
	}},
}

var settingTests = []test{
	{"PutGet", func(t *testing.T, s store.Store) {
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.GetSetting(ctx, "data_key")
			wantErr(t, "GetSetting missing", err, store.ErrNotFound)
			return nil
		})
		key := []byte{0, 1, 2, 0xfe, 0xff}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "data_key", key) })
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.PutSetting(t.Context(), "data_key", []byte("second")) })
		wantErr(t, "PutSetting duplicate", err, store.ErrConflict)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetSetting(ctx, "data_key")
			must(t, "GetSetting", err)
			equal(t, "setting keeps the first value", got, key)
			return nil
		})
	}},
}
