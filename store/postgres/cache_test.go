package postgres_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/postgres"
	"github.com/kontorpay/kontor/store/postgres/pgtest"
)

// TestCachedReads runs writes on two nodes of one database. A node answers
// its writes' reads of objects from what its earlier writes read and wrote;
// each such read is checked in the transaction's next batch, so a read the
// other node has made stale costs a second run of the function, never a
// wrong write or a wrong answer.
func TestCachedReads(t *testing.T) {
	dsn := pgtest.Start(t)
	a, b := open(t, dsn, postgres.Options{}), open(t, dsn, postgres.Options{})
	ctx := t.Context()
	get := func(tx store.Tx, id string) (store.Object, error) {
		return tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: id, Type: "customer", ForUpdate: true})
	}
	// write runs fn on s and counts its runs.
	write := func(s *postgres.Store, fn func(tx store.Tx) error) (runs int, err error) {
		err = s.Update(ctx, func(tx store.Tx) error {
			runs++
			return fn(tx)
		})
		return runs, err
	}
	cus := &store.Object{Account: "acct_a", ID: "cus_1", Type: "customer", Created: 1, Data: []byte(`{"default_source":"src_1"}`)}
	if _, err := write(a, func(tx store.Tx) error { return tx.InsertObject(ctx, cus) }); err != nil {
		t.Fatal(err)
	}
	// rename makes a write of node s that reads the customer and writes a
	// new document over it.
	rename := func(s *postgres.Store, doc string) (runs int, err error) {
		return write(s, func(tx store.Tx) error {
			o, err := get(tx, "cus_1")
			if err != nil {
				return err
			}
			o.Data = []byte(doc)
			return tx.UpdateObject(ctx, &o)
		})
	}

	t.Run("a row the other node changed", func(t *testing.T) {
		// a knows the customer from its insert; b changes it.
		if _, err := rename(b, `{"default_source":"src_2"}`); err != nil {
			t.Fatal(err)
		}
		runs, err := rename(a, `{"default_source":"src_3"}`)
		if err != nil {
			t.Fatalf("a's write over a stale entry: %v", err)
		}
		if runs != 2 {
			t.Errorf("a's write ran %d times; want 2 (its check of the stale read fails the first)", runs)
		}
		var got store.Object
		if err := a.View(ctx, func(tx store.Tx) (err error) { got, err = get(tx, "cus_1"); return err }); err != nil {
			t.Fatal(err)
		}
		if got.Version != 3 || string(got.Data) != `{"default_source":"src_3"}` {
			t.Fatalf("the customer: version %d %s; want version 3 with a's document", got.Version, got.Data)
		}
		// a wrote it last: its next write reads it from the cache, and once.
		if runs, err := rename(a, `{"default_source":"src_4"}`); err != nil || runs != 1 {
			t.Fatalf("a's next write: %d runs, %v; want 1 run", runs, err)
		}
	})

	t.Run("an error answered from a stale row", func(t *testing.T) {
		// a has the customer with src_4 as its default; b removes it.
		if _, err := rename(b, `{}`); err != nil {
			t.Fatal(err)
		}
		errNoSource := errors.New("the customer has no default source")
		var saw []string
		runs, err := write(a, func(tx store.Tx) error {
			o, err := get(tx, "cus_1")
			if err != nil {
				return err
			}
			saw = append(saw, string(o.Data))
			if string(o.Data) != `{}` {
				return errNoSource // wrong on purpose: an answer from the stale row
			}
			return nil
		})
		if err != nil || runs != 2 {
			t.Fatalf("a's function over a stale entry: %d runs, %v (saw %q); want its error checked and a second run that succeeds", runs, err, saw)
		}
	})

	t.Run("a cached read locks its row", func(t *testing.T) {
		// a's write reads the customer from the cache, then inserts: the
		// check went with the insert and holds the row, so b's write of it
		// waits for a's commit.
		if _, err := rename(a, `{"n":1}`); err != nil {
			t.Fatal(err)
		}
		inserted, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			_, err := write(a, func(tx store.Tx) error {
				if _, err := get(tx, "cus_1"); err != nil {
					return err
				}
				if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: "cus_2", Type: "customer", Created: 1, Data: []byte(`{}`)}); err != nil {
					return err
				}
				select {
				case inserted <- struct{}{}:
				default: // a second run: the first already told
				}
				<-release
				return nil
			})
			done <- err
		}()
		<-inserted
		bDone := make(chan error, 1)
		go func() {
			bDone <- b.Update(ctx, func(tx store.Tx) error {
				o, err := tx.GetObject(ctx, store.GetObjectParams{Account: "acct_a", ID: "cus_1", ForUpdate: true})
				if err != nil {
					return err
				}
				return tx.UpdateObject(ctx, &o)
			})
		}()
		// b waits on the row's lock while a holds it.
		if err, ended := waitForLockWait(t, dsn, bDone); ended {
			t.Fatalf("b's write of the row a holds ended before a's commit: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := <-bDone; err != nil {
			t.Fatalf("b's write after a's commit: %v", err)
		}
	})

	t.Run("a stale read fails its statement before the inserts after it", func(t *testing.T) {
		// The check of a's stale read and a's held insert of an id in use
		// (cus_2) go in one statement: the check fails first, and the
		// write runs again, to fail at the insert on its second run.
		if _, err := rename(b, `{"n":2}`); err != nil {
			t.Fatal(err)
		}
		runs, err := write(a, func(tx store.Tx) error {
			if _, err := get(tx, "cus_1"); err != nil {
				return err
			}
			return store.Later(tx).InsertObject(ctx, &store.Object{Account: "acct_a", ID: "cus_2", Type: "customer", Created: 1, Data: []byte(`{}`)})
		})
		if !errors.Is(err, store.ErrConflict) || runs != 2 {
			t.Fatalf("a's write: %d runs, %v; want 2 runs and store.ErrConflict", runs, err)
		}
	})

	// A charge's reads: its customer and source locked, the mandate read.
	// Their checks go in one statement; each row must still be as read, and
	// each locked row is locked.
	reads := []store.GetObjectParams{
		{Account: "acct_a", ID: "cus_3", Type: "customer", ForUpdate: true},
		{Account: "acct_a", ID: "src_3", Type: "source", ForUpdate: true},
		{Account: "acct_a", ID: "man_3", Type: "mandate"},
	}
	if _, err := write(a, func(tx store.Tx) error {
		for _, p := range reads {
			if err := tx.InsertObject(ctx, &store.Object{Account: p.Account, ID: p.ID, Type: p.Type, Created: 1, Data: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// readAll makes a write of node s that reads the three, then inserts
	// an object with id, which sends their checks; wait, when set, runs
	// before the commit.
	readAll := func(s *postgres.Store, id string, wait func()) (runs int, err error) {
		return write(s, func(tx store.Tx) error {
			for _, p := range reads {
				if _, err := tx.GetObject(ctx, p); err != nil {
					return err
				}
			}
			if err := tx.InsertObject(ctx, &store.Object{Account: "acct_a", ID: id, Type: "charge", Created: 1, Data: []byte(`{}`)}); err != nil {
				return err
			}
			if wait != nil {
				wait()
			}
			return nil
		})
	}
	// touch makes b's write of one of the three.
	touch := func(p store.GetObjectParams) error {
		return b.Update(ctx, func(tx store.Tx) error {
			p.ForUpdate = true
			o, err := tx.GetObject(ctx, p)
			if err != nil {
				return err
			}
			return tx.UpdateObject(ctx, &o)
		})
	}
	for i, p := range reads {
		t.Run("several reads, one of them stale: "+p.ID, func(t *testing.T) {
			if err := touch(p); err != nil {
				t.Fatal(err)
			}
			runs, err := readAll(a, fmt.Sprintf("ch_%d", i), nil)
			if err != nil || runs != 2 {
				t.Fatalf("a's write over the stale %s: %d runs, %v; want 2 runs (the check of its read fails the first)", p.ID, runs, err)
			}
			if runs, err := readAll(a, fmt.Sprintf("ch_%d_again", i), nil); err != nil || runs != 1 {
				t.Fatalf("a's next write: %d runs, %v; want 1 run", runs, err)
			}
		})
	}
	for _, p := range reads[:2] {
		t.Run("several reads from the cache lock their rows: "+p.ID, func(t *testing.T) {
			// a's entries are current after this write (which reruns
			// when the last subtest left one stale).
			if _, err := readAll(a, "ch_warm_"+p.ID, nil); err != nil {
				t.Fatal(err)
			}
			inserted, release := make(chan struct{}), make(chan struct{})
			done := make(chan error, 1)
			go func() {
				runs, err := readAll(a, "ch_lock_"+p.ID, func() {
					select {
					case inserted <- struct{}{}:
					default: // a second run: the first already told
					}
					<-release
				})
				if err == nil && runs != 1 {
					err = fmt.Errorf("a's write ran %d times; want 1, from the cache", runs)
				}
				done <- err
			}()
			<-inserted
			bDone := make(chan error, 1)
			go func() { bDone <- touch(p) }()
			if err, ended := waitForLockWait(t, dsn, bDone); ended {
				t.Fatalf("b's write of %s, which a holds, ended before a's commit: %v", p.ID, err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if err := <-bDone; err != nil {
				t.Fatalf("b's write after a's commit: %v", err)
			}
		})
	}
}

// waitForLockWait returns once a session of dsn's database waits on a
// lock, or reports that done came first.
func waitForLockWait(t *testing.T, dsn string, done <-chan error) (err error, ended bool) {
	t.Helper()
	c := connect(t, dsn)
	for {
		var n int
		if err := c.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return nil, false
		}
		select {
		case err := <-done:
			return err, true
		case <-time.After(10 * time.Millisecond):
		}
	}
}
