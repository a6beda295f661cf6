package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
	"github.com/kontorpay/kontor/store/storetest"
)

// TestConformance runs the store conformance suite on a fresh database file
// for each SQLite driver linked in (mattn with -tags mattn), with writes
// speculated and with every write run in the writer.
func TestConformance(t *testing.T) {
	for _, driver := range sqlite.Drivers() {
		for _, mode := range []struct {
			name string
			off  bool
		}{{"", false}, {"/writer", true}} {
			t.Run(driver+mode.name, func(t *testing.T) {
				storetest.Exercise(t, func(t *testing.T) store.Store {
					s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Driver: driver, NoSpeculation: mode.off})
					if err != nil {
						t.Fatalf("open: %v", err)
					}
					return s
				})
			})
		}
	}
}

// TestMattnNeedsItsTag checks that a build without -tags mattn refuses the
// cgo driver with an error saying how to get it.
func TestMattnNeedsItsTag(t *testing.T) {
	if slices.Contains(sqlite.Drivers(), sqlite.DriverMattn) {
		_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Driver: sqlite.DriverMattn})
		if err != nil {
			t.Fatalf("mattn is linked but does not open: %v", err)
		}
		return
	}
	_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{Driver: sqlite.DriverMattn})
	if err == nil || !strings.Contains(err.Error(), "-tags mattn") {
		t.Fatalf("open mattn without the tag: err = %v, want one naming -tags mattn", err)
	}
}

// TestUpgrades runs the migrations that convert stored rows on a database
// an older version wrote.
func TestUpgrades(t *testing.T) {
	storetest.ExerciseUpgrades(t, func(t *testing.T, version, before string) store.Store {
		path := filepath.Join(t.TempDir(), "kontor.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(q, args...); err != nil {
				t.Fatalf("%.60s: %v", q, err)
			}
		}
		exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied INTEGER NOT NULL)`)
		for _, m := range storetest.MigrationsBefore(t, "migration", version) {
			exec(m.SQL)
			exec(`INSERT INTO schema_migrations (version, applied) VALUES (?, 1)`, m.Version)
		}
		exec(before)
		db.Close()
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}

// TestWALStaysBounded writes many times the log's bound while readers hold
// snapshots without a gap (a new one begins before the last ends): the
// log's file, which only grows, must stay near the bound, and every write
// must be there after Close and reopening.
func TestWALStaysBounded(t *testing.T) {
	const bound = 256 // pages
	path := filepath.Join(t.TempDir(), "kontor.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{WALPages: bound})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() { readerDone <- holdSnapshots(s, stop) }()

	// 8 writers, 2,400 objects of 12 KB of random bytes, 4 an update: over
	// 20 times the bound, through many group commits.
	const writers, updates, per = 8, 75, 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range updates {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					for j := range per {
						data := make([]byte, 12<<10)
						rand.Read(data)
						o := &store.Object{Account: "acct_a", ID: fmt.Sprintf("obj_%d_%d_%d", w, i, j), Type: "blob", Created: 1, Data: data}
						if err := tx.InsertObject(t.Context(), o); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("update: %v", err)
	}
	close(stop)
	if err := <-readerDone; err != nil {
		t.Fatalf("reader: %v", err)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// A frame is a page and its 24-byte header. The file keeps its largest
	// size, so this is the most the log ever held. It overshoots the bound by
	// what the writer commits during a checkpointer's round: more on a loaded
	// machine, and more since the writer no longer waits for the disk (ADR
	// 0024): about 1,500-1,800 frames at load 14. A log that is never started
	// over holds all that was written, about 10,000 frames here.
	frames := fi.Size() / (4096 + 24)
	db, _ := os.Stat(path)
	t.Logf("log file %d frames at most (bound %d); database %d pages", frames, bound, db.Size()/4096)
	if frames > 20*bound {
		t.Errorf("the log grew to %d frames, over 20 times its bound of %d", frames, bound)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s, err = sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if err := s.View(t.Context(), func(tx store.Tx) error {
		n, err := tx.CountObjects(t.Context(), store.ListObjectsParams{Account: "acct_a", Type: "blob"})
		if err == nil && n != writers*updates*per {
			t.Errorf("%d objects after reopening, want %d", n, writers*updates*per)
		}
		return err
	}); err != nil {
		t.Fatalf("count: %v", err)
	}
}

// holdSnapshots keeps a read snapshot open at every moment until stop is
// closed: it begins the next one before it ends the last.
func holdSnapshots(s store.Store, stop <-chan struct{}) error {
	hold := func() (release func() error, err error) {
		opened, rel, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- s.View(context.Background(), func(tx store.Tx) error {
				// The snapshot begins at the first read.
				_, err := tx.GetObject(context.Background(), store.GetObjectParams{Account: "acct_a", ID: "obj_0_0_0"})
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				close(opened)
				<-rel
				return nil
			})
		}()
		select {
		case <-opened:
			return func() error { close(rel); return <-done }, nil
		case err := <-done:
			return nil, err
		}
	}
	cur, err := hold()
	if err != nil {
		return err
	}
	for {
		select {
		case <-stop:
			return cur()
		default:
		}
		next, err := hold()
		if err != nil {
			cur()
			return err
		}
		if err := cur(); err != nil {
			next()
			return err
		}
		cur = next
	}
}

// TestSeqWithoutAutoincrement upgrades a database whose objects and events
// took their seq through AUTOINCREMENT: the schema's text loses the keyword
// on those two tables only, their rows in sqlite_sequence go, a connection
// opened before the upgrade reads the new schema, and new rows continue
// after the largest seq stored.
func TestSeqWithoutAutoincrement(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kontor.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := old.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied INTEGER NOT NULL)`)
	for _, m := range storetest.MigrationsBefore(t, "migration", "0011_seq_without_autoincrement") {
		exec(m.SQL)
		exec(`INSERT INTO schema_migrations (version, applied) VALUES (?, 1)`, m.Version)
	}
	for i := range 3 {
		exec(`INSERT INTO objects (account, id, type, created, data) VALUES ('acct_a', ?, 'customer', 1, x'00')`, fmt.Sprintf("cus_%d", i))
		exec(`INSERT INTO events (account, id, type, created, data) VALUES ('acct_a', ?, 'x', 1, x'00')`, fmt.Sprintf("evt_%d", i))
	}
	exec(`INSERT INTO timers (account, due, kind) VALUES ('acct_a', 1, 'x')`)

	s, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	query := func(q string, args ...any) string {
		t.Helper()
		var v sql.NullString
		if err := old.QueryRowContext(ctx, q, args...).Scan(&v); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
		return v.String
	}
	for table, want := range map[string]bool{"objects": false, "events": false, "timers": true} {
		if got := strings.Contains(query(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, table), "AUTOINCREMENT"); got != want {
			t.Errorf("%s: AUTOINCREMENT in its schema = %v, want %v", table, got, want)
		}
	}
	if n := query(`SELECT group_concat(name) FROM sqlite_sequence WHERE name IN ('objects', 'events')`); n != "" {
		t.Errorf("sqlite_sequence still has %s", n)
	}
	// The connection that read the old schema inserts with the new one: it
	// leaves no row in sqlite_sequence.
	exec(`INSERT INTO objects (account, id, type, created, data) VALUES ('acct_a', 'cus_old', 'customer', 1, x'00')`)
	if n := query(`SELECT group_concat(name) FROM sqlite_sequence WHERE name = 'objects'`); n != "" {
		t.Errorf("an insert on a connection opened before the upgrade wrote sqlite_sequence's row of %s", n)
	}
	obj := &store.Object{Account: "acct_a", ID: "cus_new", Type: "customer", Created: 2, Data: []byte(`{}`)}
	ev := &store.Event{Account: "acct_a", ID: "evt_new", Type: "x", Created: 2, Data: []byte(`{}`)}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertObject(ctx, obj); err != nil {
			return err
		}
		return tx.InsertEvent(ctx, ev)
	}); err != nil {
		t.Fatalf("update: %v", err)
	}
	if obj.Seq != 5 || ev.Seq != 4 {
		t.Errorf("new seqs: object %d, event %d; want 5 and 4, after the largest stored", obj.Seq, ev.Seq)
	}
	if got := query(`PRAGMA integrity_check`); got != "ok" {
		t.Errorf("integrity_check: %s", got)
	}
}
