package storetest

import (
	"context"
	"testing"

	"github.com/kontorpay/kontor/store"
)

var accountTests = []test{
	{"InsertGetList", func(t *testing.T, s store.Store) {
		accts := []store.Account{
			{ID: "acct_a", Name: "Zürich GmbH ✓", Created: 100, Settings: []byte(`{"timing":"sandbox"}`)},
			{ID: "acct_B", Name: "B", Created: 100, Settings: []byte(`{}`)},
			{ID: "acct_0", Name: "oldest", Created: 50, Settings: []byte{0, 1, 0xff}},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, a := range accts {
				if err := tx.InsertAccount(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, a := range accts {
				got, err := tx.GetAccount(ctx, a.ID)
				must(t, "GetAccount", err)
				equal(t, "GetAccount "+a.ID, sansGeneration(got), a)
			}
			_, err := tx.GetAccount(ctx, "acct_missing")
			wantErr(t, "GetAccount missing", err, store.ErrNotFound)
			// Oldest first; ties by id in byte order, whatever the database's collation.
			got, err := tx.ListAccounts(ctx)
			must(t, "ListAccounts", err)
			for i := range got {
				got[i] = sansGeneration(got[i])
			}
			equal(t, "ListAccounts", got, []store.Account{accts[2], accts[1], accts[0]})
			return nil
		})
	}},
	{"ListEmpty", func(t *testing.T, s store.Store) {
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.ListAccounts(ctx)
			must(t, "ListAccounts", err)
			if len(got) != 0 {
				t.Fatalf("ListAccounts on an empty store: %d accounts", len(got))
			}
			return nil
		})
	}},
	{"DuplicateConflicts", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return mkAccount(ctx, tx, "acct_a") })
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertAccount(t.Context(), store.Account{ID: "acct_a", Name: "other", Created: 2, Settings: []byte(`{}`)})
		})
		wantErr(t, "InsertAccount duplicate", err, store.ErrConflict)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetAccount(ctx, "acct_a")
			must(t, "GetAccount", err)
			if got.Name != "acct_a" {
				t.Fatalf("duplicate insert overwrote the account: %+v", got)
			}
			return nil
		})
	}},
	{"Update", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return mkAccount(ctx, tx, "acct_a") })
		want := store.Account{ID: "acct_a", Name: "renamed", Created: 1, Settings: []byte(`{"x":1}`)}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			// Created is not updatable: UpdateAccount writes name and settings only.
			return tx.UpdateAccount(ctx, store.Account{ID: "acct_a", Name: "renamed", Created: 999, Settings: []byte(`{"x":1}`)})
		})
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			got, err := tx.GetAccount(ctx, "acct_a")
			must(t, "GetAccount", err)
			equal(t, "updated account", sansGeneration(got), want)
			return nil
		})
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.UpdateAccount(t.Context(), store.Account{ID: "acct_missing", Name: "x", Settings: []byte(`{}`)})
		})
		wantErr(t, "UpdateAccount missing", err, store.ErrNotFound)
	}},
	{"Generation", func(t *testing.T, s store.Store) {
		update(t, s, func(ctx context.Context, tx store.Tx) error { return mkAccount(ctx, tx, "acct_a") })
		generation := func() store.Account {
			t.Helper()
			var a store.Account
			view(t, s, func(ctx context.Context, tx store.Tx) error {
				var err error
				a, err = tx.GetAccount(ctx, "acct_a")
				return err
			})
			return a
		}
		seen := map[int64]string{}
		saw := func(what string, a store.Account) {
			t.Helper()
			if prev, ok := seen[a.Generation]; ok {
				t.Errorf("generation %d after %s is the one after %s", a.Generation, what, prev)
			}
			seen[a.Generation] = what
		}
		inserted := generation()
		saw("the insert", inserted)
		if again := generation(); again.Generation != inserted.Generation {
			t.Errorf("a read changed the generation: %d, then %d", inserted.Generation, again.Generation)
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.TouchAccount(ctx, "acct_a") })
		touched := generation()
		saw("a touch", touched)
		equal(t, "touched account", sansGeneration(touched), sansGeneration(inserted))
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.UpdateAccount(ctx, store.Account{ID: "acct_a", Name: "renamed", Settings: []byte(`{"x":2}`)})
		})
		saw("an update", generation())
		// A touch that rolls back leaves the generation as it was.
		before := generation()
		err := s.Update(t.Context(), func(tx store.Tx) error {
			must(t, "TouchAccount", tx.TouchAccount(t.Context(), "acct_a"))
			a, err := tx.GetAccount(t.Context(), "acct_a")
			must(t, "GetAccount", err)
			if a.Generation == before.Generation {
				t.Errorf("TouchAccount kept generation %d in its transaction", a.Generation)
			}
			return errBoom
		})
		wantErr(t, "Update", err, errBoom)
		equal(t, "account after a touch rolled back", generation(), before)
		err = s.Update(t.Context(), func(tx store.Tx) error { return tx.TouchAccount(t.Context(), "acct_missing") })
		wantErr(t, "TouchAccount missing", err, store.ErrNotFound)
	}},
	{"APIKeys", func(t *testing.T, s store.Store) {
		keys := []store.APIKey{
			{Hash: "h2", Account: "acct_a", Kind: "publishable", Prefix: "pk_test_", Created: 10},
			{Hash: "h1", Account: "acct_a", Kind: "secret", Prefix: "sk_test_", Sealed: []byte{0, 0xfe, 'x'}, Created: 10},
			{Hash: "h0", Account: "acct_a", Kind: "secret", Prefix: "sk_test_", Sealed: []byte("later"), Created: 20},
			{Hash: "h3", Account: "acct_b", Kind: "secret", Prefix: "sk_test_", Sealed: []byte("b"), Created: 5},
		}
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			must(t, "account", mkAccount(ctx, tx, "acct_a"))
			must(t, "account", mkAccount(ctx, tx, "acct_b"))
			must(t, "account", mkAccount(ctx, tx, "acct_c"))
			for _, k := range keys {
				if err := tx.InsertAPIKey(ctx, k); err != nil {
					return err
				}
			}
			return nil
		})
		err := s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertAPIKey(t.Context(), store.APIKey{Hash: "h1", Account: "acct_b", Kind: "secret", Prefix: "x", Created: 1})
		})
		wantErr(t, "InsertAPIKey duplicate", err, store.ErrConflict)
		view(t, s, func(ctx context.Context, tx store.Tx) error {
			for _, k := range keys {
				got, err := tx.GetAPIKey(ctx, k.Hash)
				must(t, "GetAPIKey", err)
				equal(t, "GetAPIKey "+k.Hash, got, k)
			}
			_, err := tx.GetAPIKey(ctx, "nope")
			wantErr(t, "GetAPIKey missing", err, store.ErrNotFound)
			got, err := tx.ListAPIKeys(ctx, "acct_a")
			must(t, "ListAPIKeys", err)
			equal(t, "ListAPIKeys acct_a (oldest first, ties by hash)", got, []store.APIKey{keys[1], keys[0], keys[2]})
			got, err = tx.ListAPIKeys(ctx, "acct_c")
			must(t, "ListAPIKeys", err)
			if len(got) != 0 {
				t.Fatalf("ListAPIKeys of an account without keys: %v", got)
			}
			return nil
		})
	}},
}

// sansGeneration returns a without its generation, which the store chooses.
func sansGeneration(a store.Account) store.Account {
	a.Generation = 0
	return a
}
