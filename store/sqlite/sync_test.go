package sqlite_test

import (
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
	"github.com/kontorpay/kontor/store/sqlite"
)

var errDisk = errors.New("the disk failed")

// TestLogSyncFails: a write whose log cannot be synced is not acknowledged,
// and after that the store refuses writes and reads alike, and says it is
// not ready: what it holds may not be what the disk holds.
func TestLogSyncFails(t *testing.T) {
	s := openSpec(t, "")
	var fail atomic.Bool
	var calls atomic.Int64
	sqlite.WrapLogSync(s, func(sync func(uint64) error) func(uint64) error {
		return func(upTo uint64) error {
			calls.Add(1)
			if fail.Load() {
				return errDisk
			}
			return sync(upTo)
		}
	})
	putCounter(t, s, "ctr_1", 1)
	if c := getCounter(t, s, "ctr_1"); c.N != 1 {
		t.Fatalf("ctr_1 = %d, want 1", c.N)
	}
	if calls.Load() == 0 {
		t.Fatal("a write was acknowledged without a sync of the log")
	}
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("readiness before the failure: %v", err)
	}
	fail.Store(true)
	write := func() error {
		return s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "ctr_2", Type: "counter", Created: 1, Data: []byte(`{"N":2}`)})
		})
	}
	if err := write(); !errors.Is(err, errDisk) {
		t.Fatalf("write over a failed sync: err = %v, want the sync's error", err)
	}
	if err := s.Ready(t.Context()); !errors.Is(err, errDisk) {
		t.Fatalf("readiness after a failed sync: err = %v, want the sync's error", err)
	}
	synced := calls.Load()
	if err := write(); !errors.Is(err, errDisk) {
		t.Fatalf("write after a failed sync: err = %v, want the sync's error", err)
	}
	if calls.Load() != synced {
		t.Fatal("the store went on committing after a failed sync")
	}
	err := s.View(t.Context(), func(tx store.Tx) error { _, err := readCounter(t.Context(), tx, "ctr_1"); return err })
	if !errors.Is(err, errDisk) {
		t.Fatalf("read after a failed sync: err = %v, want the sync's error", err)
	}
}

// holdFirstSync makes the store's first sync of its log wait: entered closes
// when it begins, and it goes on once release is closed. calls counts the
// syncs.
func holdFirstSync(s *sqlite.Store) (entered, release chan struct{}, calls *atomic.Int64) {
	entered, release, calls = make(chan struct{}), make(chan struct{}), new(atomic.Int64)
	sqlite.WrapLogSync(s, func(sync func(uint64) error) func(uint64) error {
		return func(upTo uint64) error {
			if calls.Add(1) == 1 {
				close(entered)
				<-release
			}
			return sync(upTo)
		}
	})
	return entered, release, calls
}

// TestWriterGoesOnWhileTheLogSyncs: the writer runs the next batch while the
// last one's sync is under way, and that batch is acknowledged only by a
// sync that began after it committed.
func TestWriterGoesOnWhileTheLogSyncs(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), sqlite.Options{NoSpeculation: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	entered, release, calls := holdFirstSync(s)
	first := make(chan error, 1)
	go func() {
		first <- s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "ctr_1", Type: "counter", Created: 1, Data: []byte(`{"N":1}`)})
		})
	}()
	<-entered // the first batch has committed and its sync is held
	ran, second := make(chan struct{}), make(chan error, 1)
	go func() {
		second <- s.Update(t.Context(), func(tx store.Tx) error {
			close(ran) // without speculation, fn runs in the writer
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: "ctr_2", Type: "counter", Created: 1, Data: []byte(`{"N":2}`)})
		})
	}()
	select {
	case <-ran:
	case <-time.After(30 * time.Second):
		t.Fatal("the writer waited for the first batch's sync before running the next")
	}
	select {
	case err := <-first:
		t.Fatalf("the first write was answered (%v) while its sync was held", err)
	default:
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("second write: %v", err)
	}
	if n := calls.Load(); n < 2 {
		t.Fatalf("%d syncs for a batch committed during the first one's, want a second", n)
	}
	for id, want := range map[string]int{"ctr_1": 1, "ctr_2": 2} {
		if c := getCounter(t, s, id); c.N != want {
			t.Fatalf("%s = %d, want %d", id, c.N, want)
		}
	}
}

// TestSnapshotAnsweredOnceDurable: a read, and a write whose function fails
// on its snapshot, that saw a batch whose sync has not returned are answered
// only by that sync: here it fails, so both are answered with its error
// instead of with what they saw.
func TestSnapshotAnsweredOnceDurable(t *testing.T) {
	s := openSpec(t, "")
	putCounter(t, s, "ctr_a", 1)
	var armed atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	sqlite.WrapLogSync(s, func(sync func(uint64) error) func(uint64) error {
		return func(upTo uint64) error {
			if armed.CompareAndSwap(true, false) {
				close(entered)
				<-release
				return errDisk
			}
			return sync(upTo)
		}
	})
	armed.Store(true)
	write := make(chan error, 1)
	go func() {
		write <- s.Update(t.Context(), func(tx store.Tx) error {
			o, err := tx.GetObject(t.Context(), store.GetObjectParams{Account: "acct_a", ID: "ctr_a"})
			if err != nil {
				return err
			}
			o.Data = []byte(`{"N":2}`)
			return tx.UpdateObject(t.Context(), &o)
		})
	}()
	<-entered // the update has committed; its sync is held
	declined := errors.New("declined")
	saw := make(chan int, 2)
	view, failing := make(chan error, 1), make(chan error, 1)
	go func() {
		view <- s.View(t.Context(), func(tx store.Tx) error {
			c, err := readCounter(t.Context(), tx, "ctr_a")
			saw <- c.N
			return err
		})
	}()
	go func() {
		failing <- s.Update(t.Context(), func(tx store.Tx) error {
			c, err := readCounter(t.Context(), tx, "ctr_a")
			saw <- c.N
			if err != nil {
				return err
			}
			return declined
		})
	}()
	for range 2 {
		if n := <-saw; n != 2 {
			t.Fatalf("a snapshot after the commit read %d, want 2", n)
		}
	}
	close(release)
	for name, ch := range map[string]chan error{"the update": write, "the read": view, "the failing write": failing} {
		if err := <-ch; !errors.Is(err, errDisk) {
			t.Errorf("%s: err = %v, want the failed sync's error", name, err)
		}
	}
}

// TestBatchStaysOpenWhileTheLogSyncs: while a batch is being synced, the
// next one takes a write that was still on its way when the queue emptied,
// and commits once that sync returns: the two writes share one commit.
func TestBatchStaysOpenWhileTheLogSyncs(t *testing.T) {
	s := openSpec(t, "")
	sizes := make(chan int, 16)
	s.OnCommit(func(batch int, _ time.Duration) { sizes <- batch })
	entered, release, _ := holdFirstSync(s)
	insert := func(tx store.Tx, id string) error {
		return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: []byte(`{"N":1}`)})
	}
	errs := make(chan error, 3)
	go func() { errs <- s.Update(t.Context(), func(tx store.Tx) error { return insert(tx, "ctr_1") }) }()
	<-entered // the first batch's sync is held

	// The second write is on its way: its speculation waits, then gives up
	// (a write the writer has to run itself), so that the writer runs it
	// where the test sees it.
	onItsWay, inWriter, joined := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	go func() {
		errs <- s.Update(t.Context(), func(tx store.Tx) error {
			if runs.Add(1) == 1 {
				close(onItsWay)
				<-inWriter
				return tx.TouchAccount(t.Context(), "acct_a") // spoils the speculation
			}
			close(joined)
			return insert(tx, "ctr_2")
		})
	}()
	<-onItsWay
	// The third write goes to the writer at once (it too gives up its
	// speculation), while the second is still on its way.
	third := make(chan struct{})
	var thirdRuns atomic.Int64
	go func() {
		errs <- s.Update(t.Context(), func(tx store.Tx) error {
			if thirdRuns.Add(1) == 1 {
				return tx.TouchAccount(t.Context(), "acct_a")
			}
			close(third)
			return insert(tx, "ctr_3")
		})
	}()
	<-third
	// Its batch cannot commit while the first is being synced and the
	// second is on its way; let the second come now.
	close(inWriter)
	<-joined
	close(release)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if first, next := <-sizes, <-sizes; first != 1 || next != 2 {
		t.Fatalf("batches of %d and %d writes, want 1 and then 2 sharing a commit", first, next)
	}
}
