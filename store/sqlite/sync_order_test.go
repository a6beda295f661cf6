package sqlite

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/kontorpay/kontor/store"
)

// TestCallersAnsweredBeforeTheWriter: once a sync returns, every caller of
// the batches it covers has its answer before the writer, waiting to commit
// the batch it kept open, is released (Store.next). If the writer went
// first, it would be the first goroutine readied and run after every
// caller readied after it.
func TestCallersAnsweredBeforeTheWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kontor.db")
	if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var released <-chan struct{}
	looked := make(chan struct{})
	ls, err := openLogSync(path, func(int, time.Duration) {
		// Told of the batch before its callers are answered: if the
		// writer is released already, let the test look first.
		select {
		case <-released:
			<-looked
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.close()
	req := &writeReq{done: make(chan error, 1)}
	n := ls.begin()
	released, _ = ls.syncing()
	ls.committed(n, []*writeReq{req}, []error{nil}, time.Now())
	<-released
	if len(req.done) != 1 {
		t.Error("the writer was released before the synced batch's caller had its answer")
	}
	close(looked)
	if err := <-req.done; err != nil {
		t.Fatalf("answer: %v", err)
	}
}

// TestLoneWriteWaitsForOthersNext: while a sync is held, a lone write (with
// no other write being speculated) commits at once as long as at most one
// other caller waits for a sync, the way two writers that each wait for
// their last write go; with two waiting it stays open, and the write after
// it shares its commit.
func TestLoneWriteWaitsForOthersNext(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "kontor.db"), Options{NoSpeculation: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sizes := make(chan int, 8)
	s.OnCommit(func(batch int, _ time.Duration) { sizes <- batch })
	entered, release := make(chan struct{}), make(chan struct{})
	inner, first := s.lsync.sync, true
	s.lsync.sync = func(upTo uint64) error {
		if first {
			first = false
			close(entered)
			<-release
		}
		return inner(upTo)
	}
	errs := make(chan error, 4)
	write := func(id string) {
		errs <- s.Update(t.Context(), func(tx store.Tx) error {
			return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: []byte(`{}`)})
		})
	}
	awaitWaiting := func(n int64) {
		for s.lsync.waiting.Load() < n {
			runtime.Gosched()
		}
	}
	go write("ctr_a")
	<-entered // ctr_a's sync is held
	go write("ctr_b")
	awaitWaiting(2) // one waiting: ctr_b committed at once
	inWriter := func(id string) <-chan struct{} {
		ran := make(chan struct{})
		go func() {
			errs <- s.Update(t.Context(), func(tx store.Tx) error {
				close(ran)
				return tx.InsertObject(t.Context(), &store.Object{Account: "acct_a", ID: id, Type: "counter", Created: 1, Data: []byte(`{}`)})
			})
		}()
		return ran
	}
	<-inWriter("ctr_c") // in the writer's batch, which two waiting keep open
	<-inWriter("ctr_d") // in the same batch: the sync is still held
	close(release)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	got := []int{<-sizes, <-sizes, <-sizes}
	if got[0] != 1 || got[1] != 1 || got[2] != 2 {
		t.Fatalf("batches of %v writes, want 1, 1 and then 2 sharing a commit", got)
	}
}
