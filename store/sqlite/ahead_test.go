package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t *testing.T, s store.Store, id, typ, data string) {
	t.Helper()
	err := s.Update(t.Context(), func(tx store.Tx) error {
		ctx := t.Context()
		o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id})
		if errors.Is(err, store.ErrNotFound) {
			return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: id, Type: typ, Created: 1, Data: []byte(data)})
		}
		if err != nil {
			return err
		}
		o.Data = []byte(data)
		return tx.UpdateObject(ctx, &o)
	})
	if err != nil {
		t.Fatalf("put %s: %v", id, err)
	}
}

func get(t *testing.T, s store.Store, id string) string {
	t.Helper()
	var data string
	err := s.View(t.Context(), func(tx store.Tx) error {
		o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: id})
		data = string(o.Data)
		return err
	})
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return data
}

// derive runs, in one Update, read (which returns what it saw) and then
// stores what it saw as the object "copy". On the first run, another Update
// runs change and commits between read and the write. It returns how many
// times the function ran and the store's counts of how Updates ran.
func derive(t *testing.T, s *sqlite.Store, read func(ctx context.Context, tx store.Tx) (string, error), change func()) (int, sqlite.AheadStats) {
	t.Helper()
	before := s.AheadStats()
	runs := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		runs++
		ctx := t.Context()
		saw, err := read(ctx, tx)
		if err != nil {
			return err
		}
		if runs == 1 {
			change()
		}
		return tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "copy", Type: "copy", Created: 1, Data: []byte(saw)})
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	after := s.AheadStats()
	return runs, sqlite.AheadStats{Applied: after.Applied - before.Applied, Rerun: after.Rerun - before.Rerun, InWriter: after.InWriter - before.InWriter}
}

// TestAheadRerunsOnChangedRead: a function that only read an object (and
// wrote something else from it) runs again in the writer when the object
// changed before its commit, and its write reflects the change.
func TestAheadRerunsOnChangedRead(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(s *sqlite.Store)
		read   func(ctx context.Context, tx store.Tx) (string, error)
		change func(s *sqlite.Store)
		want   string
	}{{
		name:  "object",
		setup: func(s *sqlite.Store) { put(t, s, "src", "thing", "old") },
		read: func(ctx context.Context, tx store.Tx) (string, error) {
			o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "src"})
			return string(o.Data), err
		},
		change: func(s *sqlite.Store) { put(t, s, "src", "thing", "new") },
		want:   "new",
	}, {
		name: "missing object",
		read: func(ctx context.Context, tx store.Tx) (string, error) {
			_, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "src"})
			if errors.Is(err, store.ErrNotFound) {
				return "missing", nil
			}
			return "found", err
		},
		change: func(s *sqlite.Store) { put(t, s, "src", "thing", "x") },
		want:   "found",
	}, {
		name:  "list",
		setup: func(s *sqlite.Store) { put(t, s, "a", "thing", "a") },
		read: func(ctx context.Context, tx store.Tx) (string, error) {
			os, err := tx.ListObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "thing"})
			return strconv.Itoa(len(os)), err
		},
		change: func(s *sqlite.Store) { put(t, s, "b", "thing", "b") },
		want:   "2",
	}, {
		name:  "count",
		setup: func(s *sqlite.Store) { put(t, s, "a", "thing", "a") },
		read: func(ctx context.Context, tx store.Tx) (string, error) {
			n, err := tx.CountObjects(ctx, store.ListObjectsParams{Account: "acct_a", Type: "thing"})
			return strconv.FormatInt(n, 10), err
		},
		change: func(s *sqlite.Store) { put(t, s, "b", "thing", "b") },
		want:   "2",
	}, {
		name: "account",
		setup: func(s *sqlite.Store) {
			if err := s.Update(t.Context(), func(tx store.Tx) error {
				return tx.InsertAccount(t.Context(), store.Account{ID: "acct_a", Name: "old", Created: 1, Settings: []byte(`{}`)})
			}); err != nil {
				t.Fatal(err)
			}
		},
		read: func(ctx context.Context, tx store.Tx) (string, error) {
			a, err := tx.GetAccount(ctx, "acct_a")
			return a.Name, err
		},
		change: func(s *sqlite.Store) {
			if err := s.Update(t.Context(), func(tx store.Tx) error {
				return tx.UpdateAccount(t.Context(), store.Account{ID: "acct_a", Name: "new", Settings: []byte(`{}`)})
			}); err != nil {
				t.Fatal(err)
			}
		},
		want: "new",
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t)
			if c.setup != nil {
				c.setup(s)
			}
			runs, st := derive(t, s, c.read, func() { c.change(s) })
			if got := get(t, s, "copy"); got != c.want {
				t.Fatalf("the function stored %q, want %q: it did not see the change committed before it", got, c.want)
			}
			if runs != 2 || st.Rerun != 1 {
				t.Fatalf("ran %d times (%+v), want once ahead and once in the writer", runs, st)
			}
		})
	}
}

// TestAheadApplies: a function whose reads still hold at the commit runs
// once, ahead, and the writer applies its writes.
func TestAheadApplies(t *testing.T) {
	s := openStore(t)
	put(t, s, "src", "thing", "v1")
	runs, st := derive(t, s, func(ctx context.Context, tx store.Tx) (string, error) {
		o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "src", Type: "thing"})
		if err != nil {
			return "", err
		}
		// A read of its own write sees it.
		o.Data = []byte("v2")
		if err := tx.UpdateObject(ctx, &o); err != nil {
			return "", err
		}
		again, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "src", Type: "thing"})
		if again.Version != 2 {
			t.Errorf("own update read back at version %d, want 2", again.Version)
		}
		return string(again.Data), err
	}, func() {})
	if runs != 1 || st != (sqlite.AheadStats{Applied: 1}) {
		t.Fatalf("ran %d times (%+v), want once, ahead, applied", runs, st)
	}
	if got := get(t, s, "copy"); got != "v2" {
		t.Fatalf("copy = %q, want v2", got)
	}
	if got := get(t, s, "src"); got != "v2" {
		t.Fatalf("src = %q, want v2", got)
	}
}

// TestAheadErrorHolds: a function that fails ahead fails with its error
// when what it read still holds, and runs again when it does not.
func TestAheadErrorHolds(t *testing.T) {
	s := openStore(t)
	errNone := errors.New("nothing there")
	fail := func(change func()) (int, error) {
		runs := 0
		err := s.Update(t.Context(), func(tx store.Tx) error {
			runs++
			_, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "src"})
			if runs == 1 {
				change()
			}
			if errors.Is(err, store.ErrNotFound) {
				return errNone
			}
			return err
		})
		return runs, err
	}
	runs, err := fail(func() {})
	if runs != 1 || !errors.Is(err, errNone) {
		t.Fatalf("ran %d times and returned %v, want once and %v", runs, err, errNone)
	}
	runs, err = fail(func() { put(t, s, "src", "thing", "x") })
	if runs != 2 || err != nil {
		t.Fatalf("ran %d times and returned %v, want twice (the object appeared) and no error", runs, err)
	}
}

// TestInWriter: with InWriter every function runs in the writer.
func TestInWriter(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{InWriter: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if _, ok := tx.(store.AheadTx); ok {
			t.Error("the function ran ahead")
		}
		return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "o", Type: "thing", Created: 1, Data: []byte("x")})
	})
	if err != nil {
		t.Fatal(err)
	}
	if st := s.AheadStats(); st != (sqlite.AheadStats{}) {
		t.Fatalf("stats %+v with InWriter, want none", st)
	}
}
